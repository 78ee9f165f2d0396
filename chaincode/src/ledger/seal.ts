import { createCipheriv, createDecipheriv, hash } from 'node:crypto';

/**
 * Sealing: details a case's parties must share with each other (the legs side by side, comments) are stored
 * encrypted with a key derived from the payment reference, which only the parties know. AES-256-GCM with a
 * nonce derived from the transaction id and a purpose unique within the transaction, so every endorsing peer
 * writes the same bytes and no key/nonce pair is ever used twice.
 */
const VERSION = 's1';

const keyCache = new Map<string, Buffer>();
const KEY_CACHE_MAX = 4096;

/** A pure function of its inputs, so caching it across transactions cannot change what any peer writes. */
function keyFor(reference: string, caseId: string): Buffer {
  const cacheKey = `${caseId}\u0000${reference}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    // The reference is the secret; one domain-separated SHA-256 derives the key (HKDF's extract step adds
    // nothing for one key from one secret, and costs three hashes per new case).
    key = hash('sha256', `tallystick/seal/v1\u0000${caseId}\u0000${reference}`, 'buffer');
    keyCache.set(cacheKey, key);
  }
  return key;
}

export function seal(
  reference: string,
  caseId: string,
  txId: string,
  purpose: string,
  plaintext: string,
): string {
  const iv = hash('sha256', `${txId}\u0000${purpose}`, 'buffer').subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(reference, caseId), iv);
  cipher.setAAD(Buffer.from(caseId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString('base64')}.${body.toString('base64')}`;
}

export function unseal(reference: string, caseId: string, sealed: string): string {
  const [version, ivText, bodyText] = sealed.split('.');
  if (version !== VERSION || !ivText || !bodyText) throw new Error('unseal: not a sealed value');
  const body = Buffer.from(bodyText, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(reference, caseId), Buffer.from(ivText, 'base64'));
  decipher.setAAD(Buffer.from(caseId, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}

/** The digest of one match field, salted with the payment reference (base64 of SHA-256). */
export function saltedDigest(reference: string, field: string, text: string): string {
  return hash('sha256', `${reference}\u001f${field}\u001f${text}`, 'base64');
}

export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}
