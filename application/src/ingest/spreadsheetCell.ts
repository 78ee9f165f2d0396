/**
 * The formula-injection guard of CSV files, in one place for both directions: the ledger extract writes it, the
 * CSV upload reads it back, so a file the node wrote comes back exactly as it was.
 *
 * A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, TAB or CR as a formula. Writing, such a cell
 * gets one apostrophe in front (`-x` becomes `'-x`), which spreadsheets show as text. So that every value
 * survives the trip, a value that already starts with apostrophes before such a character gets one more
 * (`'-x` becomes `''-x`). Reading takes exactly one apostrophe off a cell of apostrophes followed by a trigger
 * character, and leaves every other cell alone: `read(write(v)) === v` for every string `v`.
 */

/** Apostrophes (the guard, possibly several), then a character a spreadsheet starts a formula with. */
const GUARDED = /^'+[=+\-@\t\r]/;
/** A value that needs the guard: any apostrophes, then a formula's first character. */
const NEEDS_GUARD = /^'*[=+\-@\t\r]/;

/** A cell's value as written to a CSV for people: guarded when a spreadsheet would run it. */
export function guardCell(value: string): string {
  return NEEDS_GUARD.test(value) ? `'${value}` : value;
}

/** The value of a cell as written by `guardCell` (or by a person who guarded it the same way). */
export function unguardCell(cell: string): string {
  return GUARDED.test(cell) ? cell.slice(1) : cell;
}

/**
 * Whether an unguarded cell would run as a formula in a spreadsheet. A plain signed number (`-12.50`) would
 * not be harmful and is not counted; `-2+3`, `+cmd|…`, `=HYPERLINK(…)` or `@SUM(…)` are.
 */
export function looksLikeFormula(cell: string): boolean {
  if (/^[=@\t\r]/.test(cell)) return true;
  return /^[+-]/.test(cell) && !/^[+-]\d+(?:[.,]\d+)?$/.test(cell);
}

/** One CSV record: cells guarded, quoted when they hold a delimiter, quote or line break (RFC 4180). */
export function csvRecord(cells: readonly string[]): string {
  return cells
    .map((c) => {
      const v = guardCell(c);
      return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
    })
    .join(',');
}
