import type { NoticeKeyRecord } from '../api/notices';
import { canonicalJsonBytes, utf8Text } from './codec';

/**
 * The event of a transaction that registered a notice key (a first key or a rotation; an UNCHANGED registration
 * writes nothing and sets none), beside the reconciliation's `tallystick.changes`, which such a transaction does
 * not set. Nodes learn from it, in the blocks they index, that the directory changed, and read it again only
 * then (application/src/notices/nodeNotices.ts). Public, as the directory record is.
 */
export const NOTICE_KEY_EVENT = 'tallystick.noticeKey';

export function encodeNoticeKeyEvent(record: NoticeKeyRecord): Buffer {
  return canonicalJsonBytes(record);
}

export function decodeNoticeKeyEvent(payload: Uint8Array): NoticeKeyRecord {
  const { mspId, publicKey, registeredAt } = JSON.parse(utf8Text(payload)) as NoticeKeyRecord;
  return { mspId, publicKey, registeredAt };
}
