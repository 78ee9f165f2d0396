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

export function formatDateTime(locale: Locale, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'long',
    timeZone: 'UTC',
  }).format(d);
}

export function formatDate(locale: Locale, isoDay: string): string {
  const d = new Date(`${isoDay.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return isoDay;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** 1234567 CNY minor units → "¥12,345.67" (en) or "¥12,345.67" (zh-CN); exponent from Intl's currency data. */
export function formatMoney(locale: Locale, amountMinor: string, currency: string): string {
  if (!/^\d+$/.test(amountMinor) || !/^[A-Z]{3}$/.test(currency)) return `${amountMinor} ${currency}`;
  const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const exponent = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  const digits = amountMinor.padStart(exponent + 1, '0');
  const decimal =
    exponent === 0 ? digits : `${digits.slice(0, digits.length - exponent)}.${digits.slice(-exponent)}`;
  // Intl formats decimal strings exactly (no float rounding) in every current browser.
  return fmt.format(decimal as `${number}`);
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
