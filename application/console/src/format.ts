// Numbers, dates and money formatted per the chosen locale with Intl. Amounts arrive as integer minor units in
// decimal strings and are never turned into floats: the decimal point is placed in the string.

export type Locale = 'en' | 'zh-CN';

export function formatInteger(locale: Locale, value: string | number): string {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? new Intl.NumberFormat(locale).format(n) : String(value);
}

export function formatPercent(locale: Locale, ratio: number): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/**
 * The time zones a person may read times in. The consortium's members are in China Standard Time (the trading
 * day runs 09:00-17:00 there), so a node's institution reads Asia/Shanghai unless the person picks another.
 */
export const INSTITUTION_TIME_ZONE = 'Asia/Shanghai';
export const TIME_ZONES = [
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Europe/London',
  'Europe/Frankfurt',
  'America/New_York',
  'UTC',
] as const;

const ZONE_CITIES_ZH: Readonly<Record<string, string>> = {
  'Asia/Shanghai': '上海',
  'Asia/Hong_Kong': '香港',
  'Asia/Singapore': '新加坡',
  'Asia/Tokyo': '东京',
  'Europe/London': '伦敦',
  'Europe/Frankfurt': '法兰克福',
  'America/New_York': '纽约',
};

/** A zone as the picker shows it, short enough for the header: its city ("Shanghai", "上海", "New York", "UTC"). */
export function timeZoneLabel(locale: Locale, zone: string): string {
  if (locale === 'zh-CN' && ZONE_CITIES_ZH[zone] !== undefined) return ZONE_CITIES_ZH[zone];
  return (zone.split('/').at(-1) ?? zone).replaceAll('_', ' ');
}

/** The picked zone if this browser knows it, else the institution's. */
export function validTimeZone(zone: string | null | undefined): string {
  if (!zone) return INSTITUTION_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return INSTITUTION_TIME_ZONE;
  }
}

/** An instant in the picked zone, the zone always shown: "Dec 7, 2026, 09:36:05 GMT+8", "2026年12月7日 GMT+8 09:36:05". */
export function formatDateTime(
  locale: Locale,
  timeZone: string,
  iso: string,
  /** short: without year and seconds, for a table's narrow column ("Dec 7, 09:36 GMT+8"). */
  length: 'long' | 'short' = 'long',
): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    ...(length === 'long' ? { year: 'numeric', second: '2-digit' } : {}),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  }).format(d);
}

export function formatDate(locale: Locale, isoDay: string): string {
  const d = new Date(`${isoDay.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return isoDay;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/**
 * Bank style: the ISO code before the amount, 1234567 CNY minor units → "CNY 12,345.67" (also in zh-CN, where
 * the symbol ¥ would not tell yuan from yen). The exponent is Intl's currency data; a leading "-" for a signed
 * amount (a difference).
 */
export function formatMoney(locale: Locale, amountMinor: string, currency: string): string {
  const m = /^(-?)(\d+)$/.exec(amountMinor);
  if (!m || !/^[A-Z]{3}$/.test(currency)) return `${currency} ${amountMinor}`;
  const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'code' });
  const exponent = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  const digits = (m[2] ?? '').padStart(exponent + 1, '0');
  const decimal =
    exponent === 0 ? digits : `${digits.slice(0, digits.length - exponent)}.${digits.slice(-exponent)}`;
  // Intl formats decimal strings exactly (no float rounding) in every current browser.
  return fmt.format(`${m[1] ?? ''}${decimal}` as `${number}`);
}

/** Names as a list in the locale: "Bank A, Clearing House", "A银行、清算中心". */
export function formatList(locale: Locale, items: readonly string[]): string {
  return new Intl.ListFormat(locale, { type: 'conjunction', style: 'narrow' }).format(items);
}

/** How long a break has been open: "3 h 12 min", "2 d 4 h". */
export function formatAge(locale: Locale, ageMs: number): string {
  const minutes = Math.max(0, Math.floor(ageMs / 60_000));
  const unit = (value: number, u: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  if (minutes < 60) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${unit(hours, 'hour')} ${unit(minutes % 60, 'minute')}`;
  return `${unit(Math.floor(hours / 24), 'day')} ${unit(hours % 24, 'hour')}`;
}
