import type { IndexedKind, IndexedRecord, Party, Wire } from '../../../chaincode/src/api/receivables';
import { partyLabel } from '../../../chaincode/src/core/receivables/parties';
import type { ReceivablesChanges } from '../../../chaincode/src/ledger/receivablesEvents';
import type { ReceivablesRow } from '../readModel/receivablesIndex';

/**
 * The receivables index's projection, pure: the refs a block's receivables events name (what the follower asks
 * the ledger for: the events carry ids and statuses only), and a record as the ledger answered it → the row the
 * index keeps. Its SQL is `../readModel/receivablesIndex.ts`.
 */

/** A receivables event with where it sits on the ledger. */
export interface ReceivablesNotice {
  readonly blockNumber: bigint;
  readonly txIndex: number;
  readonly changes: ReceivablesChanges;
}

export interface ReceivablesOrigin {
  readonly blockNumber: bigint;
  readonly txIndex: number;
  readonly txId: string;
  readonly at: string;
}

export interface RecordRef {
  readonly kind: IndexedKind;
  readonly id: string;
}

const refKey = (r: RecordRef): string => `${r.kind}:${r.id}`;

/** Each record the notices name once, with the last transaction that named it. */
export function refsOf(notices: readonly ReceivablesNotice[]): Map<string, RecordRef & ReceivablesOrigin> {
  const refs = new Map<string, RecordRef & ReceivablesOrigin>();
  for (const n of notices)
    for (const c of n.changes.changes)
      refs.set(refKey(c), {
        at: n.changes.at,
        blockNumber: n.blockNumber,
        id: c.id,
        kind: c.kind,
        txId: n.changes.txId,
        txIndex: n.txIndex,
      });
  return refs;
}

/** How a node lists a party: `<code>@<MSP>` for an enterprise, the MSP ID for a bank. */
export const viewerLabel = (p: Wire<Party>): string => partyLabel(p);

type Entry = Wire<IndexedRecord>;

/** The columns a row filters on, in the order `columnsOf` gives them. */
function columns(
  status: string,
  [tokenId, tradeId]: readonly [string | null, string | null],
  holder: Wire<Party>,
  [amountMinor, currency]: readonly [string, string | null],
  dueOn: string | null,
  longTerm: boolean,
) {
  return { status, tokenId, tradeId, holder: viewerLabel(holder), currency, amountMinor, dueOn, longTerm };
}

/**
 * The columns a record fills, by kind: `holder` is a part's holder, a token's payee, a trade's seller, a move's
 * holder, a payment's payee, a financing's bank; `dueOn` the maturity, a trade's due date, a payment's value date.
 */
function columnsOf(e: Entry, longTerm: (tokenId: string) => boolean) {
  switch (e.kind) {
    case 'TRADE': {
      const t = e.record;
      return columns(t.status, [null, t.tradeId], t.seller, [t.amountMinor, t.currency], t.dueDate, false);
    }
    case 'TOKEN': {
      const k = e.record;
      const amount = [k.amountMinor, k.currency] as const;
      return columns(k.status, [k.tokenId, k.tradeId], k.payee, amount, k.maturityDate, k.longTerm);
    }
    case 'PART': {
      const p = e.record;
      const amount = [p.amountMinor, p.currency] as const;
      return columns(p.status, [p.tokenId, p.tradeId], p.holder, amount, p.maturityDate, longTerm(p.tokenId));
    }
    case 'MOVE': {
      const m = e.record;
      const sum = m.outputs.reduce((total, o) => total + BigInt(o.amountMinor), 0n).toString();
      return columns(m.status, [m.tokenId, null], m.holder, [sum, null], null, longTerm(m.tokenId));
    }
    case 'PAYMENT': {
      const p = e.record;
      const status = p.full ? 'PAID' : 'PARTLY_PAID';
      const amount = [p.amountMinor, p.currency] as const;
      return columns(status, [p.tokenId, null], p.payee, amount, p.valueDate, longTerm(p.tokenId));
    }
    case 'FINANCING': {
      const f = e.record.financing;
      const amount = [f.amountMinor, f.currency] as const;
      return columns('FINANCED', [f.tokenId, null], f.bank, amount, f.maturityDate, longTerm(f.tokenId));
    }
  }
}

/**
 * The row of one record. `longTerm` says whether a token is flagged (over six months): a part, move, payment or
 * financing carries its token's flag, so every list shows it (the ledger answers a part with its token).
 */
export function receivablesRowOf(
  entry: Entry,
  origin: ReceivablesOrigin,
  longTerm: (tokenId: string) => boolean,
): ReceivablesRow {
  return {
    ...columnsOf(entry, longTerm),
    kind: entry.kind,
    id: entry.id,
    viewers: entry.viewers.map(viewerLabel),
    record: entry.record,
    origin,
  };
}

/**
 * The rows of one ledger answer: each record with the origin of the transaction that named it (a record the
 * answer brings beside one, a part's branch or token, takes the newest origin of the block). Tokens' flags come
 * from the tokens in the answer, else from `knownLongTerm` (the index's).
 */
export function receivablesRows(
  entries: readonly Entry[],
  refs: ReadonlyMap<string, RecordRef & ReceivablesOrigin>,
  knownLongTerm: ReadonlyMap<string, boolean>,
): ReceivablesRow[] {
  const newest = [...refs.values()].at(-1);
  if (newest === undefined) return [];
  const flags = new Map(knownLongTerm);
  for (const e of entries) if (e.kind === 'TOKEN') flags.set(e.id, e.record.longTerm);
  const longTerm = (tokenId: string) => flags.get(tokenId) ?? false;
  return entries.map((e) => receivablesRowOf(e, refs.get(refKey(e)) ?? newest, longTerm));
}
