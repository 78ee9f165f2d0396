import type { FinancingRecord } from './financing';
import type { PaymentRecord } from './maturity';
import { branchOf, branchParties, type MoveRecord, type PartRecord } from './part';
import { sameParty, type Party } from './parties';
import type { TokenRecord } from './token';
import type { TradeRecord } from './trade';

/**
 * Who sees each record, for a node's index (docs/RECEIVABLES.md, "The index"): the parties the contract's reads
 * let see it (the access table's READ), written once here so that the contract's index reads and the node's
 * lists cannot drift apart. A node stores them beside the record and shows each person the rows naming its
 * enterprise (or its bank, for a financier); auditors see every row.
 *
 * A part is seen by the parties of its own branch (what `getPart` asks) and by every party below it (what
 * `getToken` shows: a holder sees the branch above its part, its trace to the root), and, while it is offered,
 * by the bank it is offered to (the bank must see what it is asked to finance).
 */

function addParty(into: Party[], p: Party): void {
  if (!into.some((q) => sameParty(p, q))) into.push(p);
}

function unionOf(...lists: readonly (readonly Party[])[]): Party[] {
  const out: Party[] = [];
  for (const list of lists) for (const p of list) addParty(out, p);
  return out;
}

/** The parties of a part itself: its issuer, its holder, the enterprise a financing bank took it from. */
function ownParties(part: PartRecord): Party[] {
  return branchParties([part]);
}

/** Each part's children, by parent id. */
function childrenOf(parts: ReadonlyMap<string, PartRecord>): Map<string, PartRecord[]> {
  const children = new Map<string, PartRecord[]>();
  for (const p of parts.values())
    if (p.parentId !== null) children.set(p.parentId, [...(children.get(p.parentId) ?? []), p]);
  return children;
}

/** The viewers of one part of a token, given every part of that token. */
export function partViewers(partId: string, parts: ReadonlyMap<string, PartRecord>): Party[] {
  return partViewersWith(partId, parts, childrenOf(parts));
}

function partViewersWith(
  partId: string,
  parts: ReadonlyMap<string, PartRecord>,
  children: ReadonlyMap<string, readonly PartRecord[]>,
): Party[] {
  const viewers = branchParties(branchOf(partId, parts));
  const below: PartRecord[] = [...(children.get(partId) ?? [])];
  for (let next = below.pop(); next !== undefined; next = below.pop()) {
    for (const p of ownParties(next)) addParty(viewers, p);
    below.push(...(children.get(next.partId) ?? []));
  }
  const part = parts.get(partId);
  if (part?.status === 'OFFERED' && part.offer !== null)
    addParty(viewers, { kind: 'BANK', mspId: part.offer.bank });
  return viewers;
}

/** The viewers of a token: its issuer and payee, and everyone who sees one of its parts. */
export function tokenViewers(token: TokenRecord, parts: ReadonlyMap<string, PartRecord>): Party[] {
  const children = childrenOf(parts);
  return unionOf(
    [token.issuer, token.payee],
    ...[...parts.keys()].map((id) => partViewersWith(id, parts, children)),
  );
}

/** A trade's: its buyer and seller. */
export function tradeViewers(trade: TradeRecord): Party[] {
  return unionOf([trade.buyer, trade.seller]);
}

/** A move's: the parties of the moved part's branch and every output's holder (what `getMove` asks). */
export function moveViewers(move: MoveRecord, parts: ReadonlyMap<string, PartRecord>): Party[] {
  return unionOf(
    branchParties(branchOf(move.partId, parts)),
    move.outputs.map((o) => o.holder),
  );
}

/** A payment's: its payer and payee, and the paid part's branch (what `getPayment` asks). */
export function paymentViewers(payment: PaymentRecord, parts: ReadonlyMap<string, PartRecord>): Party[] {
  return unionOf([payment.payer, payment.payee], branchParties(branchOf(payment.partId, parts)));
}

/** A financing's: the bank, the enterprise it financed, the debtor (what `getFinancing` asks). */
export function financingViewers(financing: FinancingRecord): Party[] {
  return unionOf([financing.bank, financing.seller, financing.debtor]);
}
