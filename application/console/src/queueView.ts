// What the queue shows, as the URL holds it: filters, order and page size (never a search, which may be a payment
// reference). Pure: the screen derives its view from the URL and writes changes back to it.
import type { ViewQuery } from '../../src/http/apiTypes';
import { QUEUE_SORTS, type QueueSort } from '../../src/readModel/queueSorts';
import { QUEUE_URL_KEYS } from './route';

export type ViewKey = (typeof QUEUE_URL_KEYS)[number];
/** Every filter as the URL and the form hold it: text, '' when unset. Amounts in major units, as typed. */
export type View = Readonly<Record<ViewKey, string>>;

export const DEFAULT_VIEW: View = {
  reason: '',
  status: '',
  assignee: '',
  currency: '',
  counterparty: '',
  valueDateFrom: '',
  valueDateTo: '',
  amountMin: '',
  amountMax: '',
  rootCause: '',
  escalated: '',
  sort: 'age',
  order: 'asc',
  limit: '50',
};

/** The columns a person can sort by: the read model's orders, which the API takes by these names. */
export const SORTS = QUEUE_SORTS;
export type Sort = QueueSort;

export const PAGE_SIZES = ['10', '25', '50', '100', '200'] as const;

/** The view a URL names: the defaults, overridden by what the URL holds. */
export function viewOf(filters: Readonly<Record<string, string>> | undefined): View {
  const view: Record<ViewKey, string> = { ...DEFAULT_VIEW };
  for (const k of QUEUE_URL_KEYS) {
    const v = filters?.[k];
    if (v !== undefined) view[k] = v;
  }
  return view;
}

/** What the URL keeps of a view: only what differs from the defaults. */
export function urlFiltersOf(view: View): Record<string, string> {
  return Object.fromEntries(
    QUEUE_URL_KEYS.filter((k) => view[k] !== '' && view[k] !== DEFAULT_VIEW[k]).map((k) => [k, view[k]]),
  );
}

/** Digits after the decimal point of a currency (JPY 0, CNY 2), from Intl's currency data. */
export function currencyExponent(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** A typed amount in major units ("12.5") as integer minor units ("1250"), or undefined if it is not one. */
export function minorUnitsOf(major: string, currency: string): string | undefined {
  const exponent = currencyExponent(currency);
  const m = /^(\d{1,18})(?:\.(\d*))?$/.exec(major.trim());
  if (!m) return undefined;
  const [, whole = '', fraction = ''] = m;
  if (fraction.length > exponent) return undefined;
  const minor = `${whole}${fraction.padEnd(exponent, '0')}`.replace(/^0+(?=\d)/, '');
  return minor.length <= 18 ? minor : undefined;
}

/** Integer minor units back to major units as text ("1250" CNY → "12.50"). */
export function majorUnitsOf(minor: string, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === 0) return minor;
  const digits = minor.padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const isSort = (s: string): s is Sort => (SORTS as readonly string[]).includes(s);

/**
 * The API's query for a view. Amounts count only with a currency (their minor units depend on it); a value that
 * is not one (a half-typed amount) is left out rather than sent.
 */
export function toQuery(v: View): ViewQuery {
  const amount = (text: string) => (v.currency && text ? minorUnitsOf(text, v.currency) : undefined);
  const min = amount(v.amountMin);
  const max = amount(v.amountMax);
  return {
    ...(v.reason ? { reason: v.reason as NonNullable<ViewQuery['reason']> } : {}),
    ...(v.status ? { status: v.status as NonNullable<ViewQuery['status']> } : {}),
    ...(v.assignee ? { assignee: v.assignee } : {}),
    ...(v.currency ? { currency: v.currency } : {}),
    ...(v.counterparty ? { counterparty: v.counterparty } : {}),
    ...(v.valueDateFrom ? { valueDateFrom: v.valueDateFrom } : {}),
    ...(v.valueDateTo ? { valueDateTo: v.valueDateTo } : {}),
    ...(min !== undefined ? { amountMinorMin: min } : {}),
    ...(max !== undefined ? { amountMinorMax: max } : {}),
    ...(v.rootCause ? { rootCause: v.rootCause as NonNullable<ViewQuery['rootCause']> } : {}),
    ...(v.escalated === 'true' || v.escalated === 'false' ? { escalated: v.escalated === 'true' } : {}),
    sort: isSort(v.sort) ? v.sort : 'age',
    order: v.order === 'desc' ? 'desc' : 'asc',
    limit: Number((PAGE_SIZES as readonly string[]).includes(v.limit) ? v.limit : DEFAULT_VIEW.limit),
  };
}

/** A saved view's query as the form shows it. */
export function fromQuery(q: ViewQuery): View {
  const currency = q.currency ?? '';
  return {
    ...DEFAULT_VIEW,
    reason: q.reason ?? '',
    status: q.status ?? '',
    assignee: q.assignee ?? '',
    currency,
    counterparty: q.counterparty ?? '',
    valueDateFrom: q.valueDateFrom ?? '',
    valueDateTo: q.valueDateTo ?? '',
    amountMin: q.amountMinorMin && currency ? majorUnitsOf(q.amountMinorMin, currency) : '',
    amountMax: q.amountMinorMax && currency ? majorUnitsOf(q.amountMinorMax, currency) : '',
    rootCause: q.rootCause ?? '',
    escalated: q.escalated === undefined ? '' : String(q.escalated),
    sort: q.sort ?? 'age',
    order: q.order ?? 'asc',
    limit: String(q.limit ?? 50),
  };
}

/** A click on a column's header: that column ascending, or the other way if it is already the order. */
export function sortedBy(v: View, sort: Sort): Partial<View> {
  return v.sort === sort ? { order: v.order === 'asc' ? 'desc' : 'asc' } : { sort, order: 'asc' };
}
