import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';

import type { NoticeKeyRecord, NoticeKeyRegistration } from '../api/notices';
import { fail } from '../core/errors';
import { utf8Text } from '../ledger/codec';
import { keys } from '../ledger/keys';
import { encodeNoticeKeyEvent, NOTICE_KEY_EVENT } from '../ledger/noticeKeyEvents';
import type { TallyContext } from './context';
import { requireRole } from './reconciliation';

/**
 * The notice-key directory (docs/RECONCILIATION.md, "parties as commitments", point 1): one public record per
 * institution, `nkey:<MSP>`, holding the public half of its X25519 notice key. A directory, not a case: it says
 * which institutions can be told of a case, never which cases concern them. Re-registering another key replaces
 * the record (rotation); the key's history keeps every earlier one.
 */

const X25519_KEY_BYTES = 32;
/** DER prefixes of an X25519 key's SPKI and PKCS#8 encodings (RFC 8410): the raw 32 bytes follow. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/**
 * A fixed private key the chaincode agrees with a submitted public key once, to refuse the points of small
 * order (X25519 derivation fails on them): a key every pair secret with would be the same known value. Not a
 * secret: it only tests the public key, and every endorser computes the same.
 */
const PROBE = createPrivateKey({
  key: Buffer.concat([X25519_PKCS8_PREFIX, Buffer.alloc(X25519_KEY_BYTES, 0x5a)]),
  format: 'der',
  type: 'pkcs8',
});

/** The raw key of a base64 X25519 public key, or a refusal naming what is wrong (never the value). */
export function parseNoticePublicKey(value: unknown): string {
  if (typeof value !== 'string' || value === '')
    fail('INVALID_INPUT', 'publicKey is required: a 32-byte X25519 public key in base64');
  const raw = Buffer.from(value, 'base64');
  // Buffer skips what is not base64: only the canonical spelling of 32 bytes is accepted, so one key has one text.
  if (raw.length !== X25519_KEY_BYTES || raw.toString('base64') !== value)
    fail(
      'INVALID_INPUT',
      `publicKey must be a 32-byte X25519 public key in standard base64 (44 characters ending in '='), got ${value.length} characters decoding to ${raw.length} bytes`,
    );
  try {
    const key = createPublicKey({
      key: Buffer.concat([X25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
    diffieHellman({ privateKey: PROBE, publicKey: key });
  } catch {
    fail('INVALID_INPUT', 'publicKey is not a usable X25519 public key (a point of small order)');
  }
  return value;
}

/**
 * Registers the caller's institution's notice key: its administrator or its system (the node's own identity,
 * which registers at start). The institution is the signer's MSP, never an argument. The same key again
 * changes nothing (UNCHANGED, no write); another key replaces it.
 */
export async function registerNoticeKey(
  ctx: TallyContext,
  publicKey: string,
): Promise<NoticeKeyRegistration> {
  requireRole(ctx, ['admin', 'submitter'], 'registering a notice key');
  const key = parseNoticePublicKey(publicKey);
  const mspId = ctx.actor.mspId;
  const existing = await ctx.getJson<NoticeKeyRecord>(keys.noticeKey(mspId));
  if (existing?.publicKey === key) return { ...existing, outcome: 'UNCHANGED' };
  const record: NoticeKeyRecord = { mspId, publicKey: key, registeredAt: ctx.nowIso };
  await ctx.putJson(keys.noticeKey(mspId), record);
  // The transaction's one event (it records no case, break or leg, so afterTransaction sets none after it).
  ctx.stub.setEvent(NOTICE_KEY_EVENT, encodeNoticeKeyEvent(record));
  return { ...record, outcome: 'REGISTERED' };
}

/** Every institution's current notice key, by MSP id. Public (every member's peer holds it); any role reads it. */
export async function listNoticeKeys(ctx: TallyContext): Promise<NoticeKeyRecord[]> {
  if (ctx.actor.roles.length === 0) fail('ROLE_REQUIRED', 'reading the notice-key directory needs a role');
  const [from, to] = keys.noticeKeyRange();
  const out: NoticeKeyRecord[] = [];
  const iterator = await ctx.stub.getStateByRange(from, to);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const { mspId, publicKey, registeredAt } = JSON.parse(utf8Text(r.value.value)) as NoticeKeyRecord;
      out.push({ mspId, publicKey, registeredAt });
    }
  } finally {
    await iterator.close();
  }
  return out;
}
