// Per-screen URLs in the hash (#/queue?reason=…, #/break/brk-…, #/audit/break/brk-…), so a reload or a shared
// link keeps the screen. Only public ids ever go in a URL: the payment reference is the parties' secret and never does.
export type Route =
  | { readonly name: 'queue'; readonly filters?: Readonly<Record<string, string>> }
  | { readonly name: 'break'; readonly breakId: string }
  | { readonly name: 'dashboard' }
  | { readonly name: 'statements' }
  | { readonly name: 'audit'; readonly kind?: 'case' | 'break' | 'leg'; readonly id?: string }
  | { readonly name: 'blacklist'; readonly tab: BlacklistTab }
  | { readonly name: 'receivables'; readonly tab: ReceivablesTab };

/** The blacklist's pages (console/src/blacklist/); never an identifier in the URL. */
export const BLACKLIST_TABS = [
  'search',
  'upload',
  'mine',
  'disputes',
  'report',
  'watch',
  'policy',
  'audit',
] as const;
export type BlacklistTab = (typeof BLACKLIST_TABS)[number];

/** The receivables pages (console/src/receivables/). */
export const RECEIVABLES_TABS = ['wallet', 'tokens', 'financing', 'maturity'] as const;
export type ReceivablesTab = (typeof RECEIVABLES_TABS)[number];

const ID = /^[A-Za-z0-9:._-]{1,140}$/;

/** The queue's filters and order that may stand in its URL: never a search, which may be a payment reference. */
export const QUEUE_URL_KEYS = [
  'reason',
  'status',
  'assignee',
  'currency',
  'counterparty',
  'valueDateFrom',
  'valueDateTo',
  'amountMin',
  'amountMax',
  'rootCause',
  'escalated',
  'sort',
  'order',
  'limit',
] as const;
const FILTER_VALUE = /^[A-Za-z0-9_.@-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.split('?', 2);
  const parts = path
    .replace(/^#\/?/, '')
    .split('/')
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return '';
      }
    });
  const [screen, a, b] = parts;
  if (screen === 'dashboard') return { name: 'dashboard' };
  if (screen === 'statements') return { name: 'statements' };
  if (screen === 'blacklist')
    return { name: 'blacklist', tab: BLACKLIST_TABS.find((t) => t === a) ?? 'search' };
  if (screen === 'receivables')
    return { name: 'receivables', tab: RECEIVABLES_TABS.find((t) => t === a) ?? 'wallet' };
  if (screen === 'break')
    return a !== undefined && ID.test(a) ? { name: 'break', breakId: a } : { name: 'queue' };
  if (screen === 'audit')
    return (a === 'case' || a === 'break' || a === 'leg') && b !== undefined && ID.test(b)
      ? { name: 'audit', kind: a, id: b }
      : { name: 'audit' };
  const params = new URLSearchParams(query);
  const filters: Record<string, string> = {};
  for (const k of QUEUE_URL_KEYS) {
    const v = params.get(k);
    if (v !== null && FILTER_VALUE.test(v)) filters[k] = v;
  }
  return Object.keys(filters).length > 0 ? { name: 'queue', filters } : { name: 'queue' };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'break':
      return `#/break/${encodeURIComponent(route.breakId)}`;
    case 'audit':
      return route.kind && route.id ? `#/audit/${route.kind}/${encodeURIComponent(route.id)}` : '#/audit';
    case 'queue': {
      const q = new URLSearchParams();
      for (const k of QUEUE_URL_KEYS) {
        const v = route.filters?.[k];
        if (v) q.set(k, v);
      }
      const text = q.toString();
      return text ? `#/queue?${text}` : '#/queue';
    }
    case 'dashboard':
    case 'statements':
      return `#/${route.name}`;
    case 'blacklist':
      return `#/blacklist/${route.tab}`;
    case 'receivables':
      return `#/receivables/${route.tab}`;
  }
}
