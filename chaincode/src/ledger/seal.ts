import { createCipheriv, createDecipheriv, hash } from 'node:crypto';

/**
 * Sealing: details a case's parties must share with each other (the legs side by side, comments) are stored
 * encrypted with a key derived from the payment reference, which only the parties know. AES-256-GCM; the nonce
 * comes from the transaction (SealNonces), so every endorsing peer writes the same bytes and no key/nonce pair
 * is ever used twice. A sealed value carries its nonce: opening one never needs to know how it was chosen.
 */
const VERSION = 's1';

/**
 * What a seal holds, and so which of a case's keys seals it: `detail` for the legs' details and the comments,
 * `people` for the persons and institutions a break names (assignee, proposer, approver, each step's actor). The
 * keys are independent (each its own domain-separated SHA-256 of the reference), so an institution could hand an
 * auditor one case's people key, which opens who did what and never an amount.
 */
export type SealPurpose = 'detail' | 'people';

const DOMAIN: Readonly<Record<SealPurpose, string>> = {
  detail: 'tallystick/seal/v1',
  people: 'tallystick/seal-people/v1',
};

/** The key of a case's seals of one purpose. The reference is the secret; one domain-separated SHA-256 derives it. */
export function sealKey(reference: string, caseId: string, purpose: SealPurpose = 'detail'): Buffer {
  return hash('sha256', `${DOMAIN[purpose]}\u0000${caseId}\u0000${reference}`, 'buffer');
}

/**
 * The nonces of one transaction's seals: 8 bytes from a hash of the transaction id, then the seal's 4-byte
 * count within the transaction. The chaincode is deterministic, so every endorser seals in the same order and
 * gets the same nonces. Under one key no nonce repeats: transaction ids are unique (Fabric refuses a reused
 * one), and the count never repeats within a transaction.
 */
export class SealNonces {
  private readonly prefix: Buffer;
  private count = 0;

  constructor(txId: string) {
    this.prefix = hash('sha256', `tallystick/nonce/v1\u0000${txId}`, 'buffer');
  }

  next(): Buffer {
    if (this.count > 0xffffffff) throw new Error('seal: more than 2^32 seals in one transaction');
    const nonce = Buffer.allocUnsafe(12);
    this.prefix.copy(nonce, 0, 0, 8);
    nonce.writeUInt32BE(this.count++, 8);
    return nonce;
  }
}

export function seal(
  reference: string,
  caseId: string,
  nonce: Buffer,
  plaintext: string,
  purpose: SealPurpose = 'detail',
): string {
  return sealWithKey(sealKey(reference, caseId, purpose), caseId, nonce, plaintext);
}

export function sealWithKey(key: Buffer, caseId: string, nonce: Buffer, plaintext: string): string {
  if (nonce.length !== 12) throw new Error('seal: the nonce must be 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(caseId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64')}.${body.toString('base64')}`;
}

export function unseal(
  reference: string,
  caseId: string,
  sealed: string,
  purpose: SealPurpose = 'detail',
): string {
  return unsealWithKey(sealKey(reference, caseId, purpose), caseId, sealed);
}

export function unsealWithKey(key: Buffer, caseId: string, sealed: string): string {
  const [version, ivText, bodyText] = sealed.split('.');
  if (version !== VERSION || !ivText || !bodyText) throw new Error('unseal: not a sealed value');
  const body = Buffer.from(bodyText, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64'));
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
