// The receivables routes as the pages call them; the shapes are the node's own (routes/receivablesShapes.ts).
import { call } from '../api';
import type { Shape } from '../../../src/http/routes/schema';
import type * as R from '../../../src/http/routes/receivablesShapes';

export { call };
export type ListPage = Shape<typeof R.ListPage>;
export type Listed = ListPage['items'][number];
export type Tree = Shape<typeof R.Tree>;
export type Me = Shape<typeof R.Me>;
export type Part = Shape<typeof R.Part>;
export type Token = Shape<typeof R.Token>;
export type Financing = Shape<typeof R.Financing>;
export type Kind = Listed['kind'];

/** One kind's records as the person may see them (the node's index), with the list's filters. */
export function listRecords(kind: Kind, filters: Readonly<Record<string, string>> = {}): Promise<ListPage> {
  const q = new URLSearchParams({ kind, limit: '100', ...filters });
  return call<ListPage>('GET', `/v1/receivables/records?${q.toString()}`);
}

export function tokenTree(tokenId: string): Promise<Tree> {
  return call<Tree>('GET', `/v1/receivables/tree?tokenId=${encodeURIComponent(tokenId)}`);
}

/** `<code>@<MSP>` as the API takes an enterprise. */
export function enterpriseOf(label: string): { kind: 'ENTERPRISE'; enterpriseId: string; mspId: string } {
  const [enterpriseId = '', mspId = ''] = label.trim().split('@');
  return { kind: 'ENTERPRISE', enterpriseId, mspId };
}

/** A party as the lists write it. */
export function labelOf(p: {
  readonly kind: string;
  readonly mspId: string;
  readonly enterpriseId?: string;
}) {
  return p.kind === 'ENTERPRISE' && p.enterpriseId !== undefined ? `${p.enterpriseId}@${p.mspId}` : p.mspId;
}

/** A client-chosen id for a new request (the ledger's idempotency key): a prefix and a random tail. */
export function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
