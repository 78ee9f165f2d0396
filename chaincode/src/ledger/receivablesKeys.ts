import type { ReceivablesChangeKind } from './receivablesEvents';

/**
 * Receivables' ledger keys (keys.ts holds reconciliation's, blacklistKeys.ts the blacklist's; the contracts share
 * no key). Every record lives in the private collection RECEIVABLES_COLLECTION (network/collections.json): the
 * channel's other members' peers hold only the hashes Fabric keeps of it. Simple keys, ':' after the kind; ids
 * are last, so an id holding ':' cannot make two keys alike.
 */
export const RECEIVABLES_COLLECTION = 'receivables';

/** A part id starts with its token id and '/', which a token id never holds: `<token>/` ranges over its parts. */
const partsOfTokenRange = (tokenId: string) => [`rcvpart:${tokenId}/`, `rcvpart:${tokenId}0`] as const; // '0' follows '/' in byte order

export const receivablesKeys = {
  trade: (tradeId: string) => `rcvtrade:${tradeId}`,
  /** The invoice's two names, each claimed once across the network (the value: the trade that named it). */
  invoiceByHash: (hash: string) => `rcvinvoice:hash:${hash}`,
  invoiceByCode: (codeAndNumber: string) => `rcvinvoice:code:${codeAndNumber}`,
  token: (tokenId: string) => `rcvtoken:${tokenId}`,
  part: (partId: string) => `rcvpart:${partId}`,
  partsOfToken: partsOfTokenRange,
  move: (moveId: string) => `rcvmove:${moveId}`,
  payment: (paymentId: string) => `rcvpay:${paymentId}`,
  /** A part is financed at most once (it stays locked until paid): the financing and its registration record. */
  financing: (partId: string) => `rcvfin:${partId}`,
  /**
   * The sweep's index: one key per part not yet settled, under its maturity date; the sweep walks the dates
   * before today (at most sweepMax keys) and removes what it settled.
   */
  due: (maturityDate: string, partId: string) => `rcvdue:${maturityDate}:${partId}`,
  /** Every due key of a maturity date before `today` (YYYY-MM-DD sorts by date). */
  dueBefore: (today: string) => ['rcvdue:', `rcvdue:${today}`] as const,
  /**
   * In the acting institution's implicit collection: what its transaction changed, by transaction id. Fabric lets
   * only that institution's endorsement write there, so no other member's peer can sign a receivables change
   * in the name of another bank's client.
   */
  receipt: (txId: string) => `rcvtx:${txId}`,
  /**
   * Public state (not the collection): the receivables policy in force (absent: the genesis), every adopted
   * version under its number, and the proposals. The policy is the consortium's, not a party's secret.
   */
  policyCurrent: () => 'rcvpolicy:current',
  policyVersion: (version: number) => `rcvpolicy:v:${String(version).padStart(10, '0')}`,
  policyProposal: (proposalId: string) => `rcvproposal:${proposalId}`,
  policyProposals: () => ['rcvproposal:', 'rcvproposal;'] as const,
  /**
   * The records of one kind after the id `after` ('' for the first), in key order: what a node's index is checked
   * against. ';' follows ':' in byte order, and '\u0000' follows nothing, so the range starts just after `after`.
   */
  recordsAfter: (kind: ReceivablesChangeKind, after: string) => {
    const prefix = RECORD_PREFIXES[kind];
    return [after === '' ? `${prefix}:` : `${prefix}:${after}\u0000`, `${prefix};`] as const;
  },
} as const;

/** Each kind of record the event names, by its key's prefix. */
const RECORD_PREFIXES: Record<ReceivablesChangeKind, string> = {
  FINANCING: 'rcvfin',
  MOVE: 'rcvmove',
  PART: 'rcvpart',
  PAYMENT: 'rcvpay',
  TOKEN: 'rcvtoken',
  TRADE: 'rcvtrade',
};
