import * as crypto from 'node:crypto';

// The order of the P-256 group. Fabric rejects ECDSA signatures whose S is in the upper half ("high S"),
// because (r, n - s) is a second valid signature for the same message and would let anyone change a
// signature's bytes (and so a hash over it) without the key.
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;

const privateKeys = new Map<string, crypto.KeyObject>();
const publicKeys = new Map<string, crypto.KeyObject>();

export function sha256(...parts: (Buffer | Uint8Array | string)[]): Buffer {
  if (parts.length === 1) return crypto.hash('sha256', parts[0] as Buffer | Uint8Array | string, 'buffer');
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Hex SHA-256 of one value: the one-shot form, several times cheaper than a Hash object. */
export function sha256Hex(data: Buffer | Uint8Array | string): string {
  return crypto.hash('sha256', data, 'hex');
}

export function privateKeyFromPem(pem: string): crypto.KeyObject {
  let key = privateKeys.get(pem);
  if (key === undefined) {
    key = crypto.createPrivateKey(pem);
    privateKeys.set(pem, key);
  }
  return key;
}

export function publicKeyFromPem(pem: string): crypto.KeyObject {
  let key = publicKeys.get(pem);
  if (key === undefined) {
    key = crypto.createPublicKey(pem);
    publicKeys.set(pem, key);
  }
  return key;
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** ECDSA P-256 / SHA-256 signature, DER encoded, normalised to low S as Fabric's BCCSP does. */
export function signLowS(key: crypto.KeyObject, data: Buffer | Uint8Array): Buffer {
  const raw = crypto.sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  const r = BigInt('0x' + raw.subarray(0, 32).toString('hex'));
  let s = BigInt('0x' + raw.subarray(32).toString('hex'));
  if (s > P256_HALF_ORDER) s = P256_ORDER - s;
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function readDerInteger(sig: Buffer, offset: number): { value: bigint; next: number } | undefined {
  if (sig[offset] !== 0x02) return undefined;
  const len = sig[offset + 1];
  if (len === undefined || len === 0 || len > 33 || offset + 2 + len > sig.length) return undefined;
  const bytes = sig.subarray(offset + 2, offset + 2 + len);
  return { value: BigInt('0x' + bytes.toString('hex')), next: offset + 2 + len };
}

/** Verifies a DER ECDSA signature, refusing high-S signatures like Fabric's MSP does. */
export function verifyLowS(key: crypto.KeyObject, data: Buffer | Uint8Array, signature: Buffer): boolean {
  if (signature.length < 8 || signature[0] !== 0x30 || signature[1] !== signature.length - 2) return false;
  const r = readDerInteger(signature, 2);
  if (r === undefined) return false;
  const s = readDerInteger(signature, r.next);
  if (s === undefined || s.next !== signature.length) return false;
  if (s.value === 0n || s.value > P256_HALF_ORDER || r.value === 0n) return false;
  return crypto.verify('sha256', data, key, signature);
}
