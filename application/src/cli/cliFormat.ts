import { isCurrency, minorToMajorText } from '../../../chaincode/src/core/money';

/**
 * An amount as people read it: the currency, then major units with the currency's own number of decimals
 * ("CNY 1.19", "JPY 500", "KWD 1.250"), from the integer minor units the API carries (never through a float).
 * A currency the core does not know, or an amount that is not an integer, is shown as given, labelled minor units.
 */
export function formatAmount(amountMinor: string | bigint, currency: string): string {
  const text = String(amountMinor);
  if (!isCurrency(currency) || !/^-?\d{1,19}$/.test(text)) return `${currency} ${text} (minor units)`;
  return `${currency} ${minorToMajorText(BigInt(text), currency)}`;
}

/** An age in words for a queue line: minutes below two hours, hours below two days, then days. */
export function formatAge(ageMs: number): string {
  const minutes = Math.floor(ageMs / 60_000);
  if (minutes < 120) return `${String(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${String(hours)} h`;
  return `${String(Math.floor(hours / 24))} d`;
}

/** Columns padded to their widest cell, two spaces apart (the last column is not padded). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
