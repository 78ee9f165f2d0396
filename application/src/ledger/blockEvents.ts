import type { NoticeKeyRecord } from '../../../chaincode/src/api/notices';
import {
  decodeLedgerChanges,
  LEDGER_CHANGES_EVENT,
  type LedgerChanges,
} from '../../../chaincode/src/ledger/events';
import { decodeNoticeKeyEvent, NOTICE_KEY_EVENT } from '../../../chaincode/src/ledger/noticeKeyEvents';

/** A transaction as both backends' blocks show it: whether it is valid, and its chaincode events. */
export interface BlockTransactionEvents {
  readonly valid: boolean;
  readonly events: readonly { readonly name: string; readonly payload: Uint8Array | undefined }[];
}

/**
 * Every block from `startBlock` on, in order, as its transactions' validity and chaincode events (most blocks
 * carry none of a given contract's events: every block is delivered, so a follower's checkpoint moves). Both
 * backends' `ChangeStream` offer it, read through the institution's own peer, so a contract's follower (the
 * blacklist's alerts, the receivables index) is composed the same way on either; each picks its own events
 * (`blacklistNoticesOf`, `receivablesNoticesOf`).
 */
export interface BlockEventStream {
  onBlockEvents(
    listener: (transactions: readonly BlockTransactionEvents[], blockNumber: bigint) => void,
    options: { readonly startBlock: bigint },
  ): () => void;
}

/** One valid transaction's event of a contract, decoded, with where it sits on the ledger. */
export interface BlockNotice<T> {
  readonly blockNumber: bigint;
  /** Position of the transaction within its block (invalid transactions count too, as in Fabric). */
  readonly txIndex: number;
  readonly changes: T;
}

/** A block's events named `eventName`, decoded, in block order; invalid transactions are skipped. */
export function noticesOf<T>(
  blockNumber: bigint,
  transactions: readonly BlockTransactionEvents[],
  eventName: string,
  decode: (payload: Uint8Array) => T,
): BlockNotice<T>[] {
  const out: BlockNotice<T>[] = [];
  transactions.forEach((tx, txIndex) => {
    if (!tx.valid) return;
    for (const ev of tx.events)
      if (ev.name === eventName && ev.payload !== undefined)
        out.push({ blockNumber, txIndex, changes: decode(ev.payload) });
  });
  return out;
}

/**
 * What one valid transaction's chaincode event tells a node's change stream, on either backend: its
 * reconciliation changes, or the notice key it registered, as changes of nothing (`noticeKey` set), so that the
 * index sees which blocks changed the directory; undefined for any other contract's event.
 */
export function changesOfEvent(
  name: string,
  payload: Uint8Array | undefined,
  txId: string,
): (LedgerChanges & { readonly noticeKey?: NoticeKeyRecord }) | undefined {
  if (payload === undefined) return undefined;
  if (name === LEDGER_CHANGES_EVENT) return decodeLedgerChanges(payload);
  if (name !== NOTICE_KEY_EVENT) return undefined;
  const noticeKey = decodeNoticeKeyEvent(payload);
  return { at: noticeKey.registeredAt, breaks: [], cases: [], legs: [], noticeKey, txId };
}
