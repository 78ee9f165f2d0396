import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

import type { Notice } from '../../../chaincode/src/api/notices';
import { TallyError } from '../../../chaincode/src/core/errors';
import { parseReference } from '../../../chaincode/src/core/reference';
import { isCaseOf } from '../../../chaincode/src/ledger/keys';

/**
 * Notices (docs/RECONCILIATION.md, "parties as commitments", points 2-3): how a posting node tells each other
 * party of a new case its payment reference, so that only that party can recognise the notice and open it.
 * Pure: no I/O, no clock; randomness only for the box's nonce (injectable).
 *
 * For a pair of institutions, `s = X25519(own private, other public)` is the same on both sides and known to no
 * one else. A notice for case `c` is `t = HMAC-SHA256(s, TAG_DOMAIN ‖ 0 ‖ c)` (first 16 bytes) and
 * `b = nonce ‖ AES-256-GCM(HKDF-SHA256(s, salt c, BOX_INFO), nonce, reference padded)`, both base64url. A node
 * computes the tag with each other institution's key for a new case and opens the notice whose tag matches.
 */

export type { Notice };

const TAG_DOMAIN = 'tallystick/notice-tag/v1';
const BOX_INFO = 'tallystick/notice-box/v1';
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;
/**
 * Every box holds the reference padded to this many bytes: a box's length then tells nothing of the reference
 * (a UETR has 36 characters, an EndToEndId 1-35). References are SWIFT characters, never NUL, the padding.
 */
const BOX_PLAINTEXT_BYTES = 48;

export const X25519_KEY_BYTES = 32;
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** An X25519 private key from its raw 32 bytes (RFC 7748; the key is clamped when used). */
export function noticePrivateKey(raw: Buffer): KeyObject {
  if (raw.length !== X25519_KEY_BYTES) throw new Error('a notice private key is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** The public half of a notice key as the directory holds it: raw 32 bytes, standard base64. */
export function noticePublicKeyText(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'X25519' || jwk.x === undefined) throw new Error('not an X25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** A directory entry's public key as a KeyObject (it was validated when registered: 32 bytes, not small order). */
export function noticePublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== X25519_KEY_BYTES) throw new Error('a notice public key is 32 bytes in base64');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The pair's static secret: the same from either side, `X25519(own private, other public)`. */
export function pairSecret(ownPrivate: KeyObject, otherPublic: KeyObject | string): Buffer {
  const publicKey = typeof otherPublic === 'string' ? noticePublicKey(otherPublic) : otherPublic;
  return diffieHellman({ privateKey: ownPrivate, publicKey });
}

/** The tag one pair's notice for a case carries. */
export function noticeTag(secret: Buffer, caseId: string): string {
  return createHmac('sha256', secret)
    .update(`${TAG_DOMAIN}\u0000${caseId}`)
    .digest()
    .subarray(0, TAG_BYTES)
    .toString('base64url');
}

function boxKey(secret: Buffer, caseId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, caseId, BOX_INFO, 32));
}

/** One pair's notice of a case: its tag, and the reference boxed under the pair's key for the case. */
export function sealNotice(
  secret: Buffer,
  caseId: string,
  reference: string,
  nonce: Buffer = randomBytes(NONCE_BYTES),
): Notice {
  const plain = Buffer.from(reference, 'utf8');
  if (plain.length > BOX_PLAINTEXT_BYTES || plain.includes(0))
    throw new Error(`a notice holds a payment reference of at most ${BOX_PLAINTEXT_BYTES} bytes`);
  if (nonce.length !== NONCE_BYTES) throw new Error(`a notice's nonce is ${NONCE_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', boxKey(secret, caseId), nonce);
  const padded = Buffer.concat([plain, Buffer.alloc(BOX_PLAINTEXT_BYTES - plain.length)]);
  const sealed = Buffer.concat([nonce, cipher.update(padded), cipher.final(), cipher.getAuthTag()]);
  return { b: sealed.toString('base64url'), t: noticeTag(secret, caseId) };
}

/** The reference a box holds for the pair, or undefined when it does not open (another key, tampered, malformed). */
export function openBox(secret: Buffer, caseId: string, box: string): string | undefined {
  const sealed = Buffer.from(box, 'base64url');
  if (sealed.length !== NONCE_BYTES + BOX_PLAINTEXT_BYTES + GCM_TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', boxKey(secret, caseId), sealed.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    const padded = Buffer.concat([
      decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - GCM_TAG_BYTES)),
      decipher.final(),
    ]);
    const end = padded.indexOf(0);
    return padded.subarray(0, end === -1 ? padded.length : end).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The notices of one case for every other institution, given their public keys: one per institution, ordered
 * by tag (an order by institution would tell which notice is whose). `others` must not hold the poster itself.
 */
export function noticesFor(
  reference: string,
  caseId: string,
  ownPrivate: KeyObject,
  others: ReadonlyMap<string, string>,
  secrets: PairSecrets = new PairSecrets(ownPrivate),
): Notice[] {
  const out: Notice[] = [];
  for (const publicKey of others.values()) out.push(sealNotice(secrets.of(publicKey), caseId, reference));
  return out.sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
}

/**
 * The reference a case's notices hold for this institution, or undefined. A notice is this institution's when
 * its tag is the one a pair secret gives for the case; it counts only if its box opens and the reference in it
 * is a reference of this very case (`isCaseOf`): a lying poster cannot plant another case's reference.
 */
export function openMine(
  caseId: string,
  notices: readonly Notice[],
  pairSecrets: Iterable<Buffer>,
): string | undefined {
  if (notices.length === 0) return undefined;
  const byTag = new Map<string, Notice[]>();
  for (const n of notices) {
    const list = byTag.get(n.t);
    if (list) list.push(n);
    else byTag.set(n.t, [n]);
  }
  for (const secret of pairSecrets) {
    const tag = noticeTag(secret, caseId);
    for (const [t, candidates] of byTag) {
      if (!sameText(t, tag)) continue;
      for (const n of candidates) {
        const reference = openBox(secret, caseId, n.b);
        if (reference !== undefined && isReferenceOf(caseId, reference)) return reference;
      }
    }
  }
  return undefined;
}

function isReferenceOf(caseId: string, reference: string): boolean {
  try {
    parseReference(reference);
  } catch (e) {
    if (e instanceof TallyError) return false;
    throw e;
  }
  return isCaseOf(caseId, reference);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** At most this many pair secrets are kept (one per other institution's key, rotations included). */
const PAIR_SECRETS_MAX = 256;

/**
 * The pair secrets of one own key with other institutions' public keys, each computed once (one X25519 per
 * key, not per case). Keyed by the other's public key: a rotated key is a new pair.
 */
export class PairSecrets {
  private readonly secrets = new Map<string, Buffer>();

  constructor(private readonly ownPrivate: KeyObject) {}

  of(otherPublic: string): Buffer {
    let s = this.secrets.get(otherPublic);
    if (s === undefined) {
      s = pairSecret(this.ownPrivate, otherPublic);
      if (this.secrets.size >= PAIR_SECRETS_MAX) {
        const oldest = this.secrets.keys().next().value;
        if (oldest !== undefined) this.secrets.delete(oldest);
      }
      this.secrets.set(otherPublic, s);
    }
    return s;
  }
}
