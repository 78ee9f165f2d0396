/**
 * Which statement format a chosen file holds, so that the person does not have to say it (they still may): by
 * what the file begins with when that is telling (an XML document is camt; a SWIFT block header or a `:20:`
 * field is MT940/MT950), else by its name's extension. Pure, for the statements screen.
 */
export type StatementFormat = 'camt' | 'mt940' | 'csv';

const BY_EXTENSION: Readonly<Record<string, StatementFormat>> = {
  xml: 'camt',
  camt: 'camt',
  sta: 'mt940',
  mt940: 'mt940',
  mt950: 'mt940',
  '940': 'mt940',
  '950': 'mt940',
  csv: 'csv',
};

/** The format of a file named `name` whose first characters are `head` (any length; a BOM is skipped). */
export function statementFormatOf(name: string, head = ''): StatementFormat | undefined {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'camt';
  if (/^(\{1:|:20:)/.test(start)) return 'mt940';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

/** How much of a file's start statementFormatOf needs to see. */
export const STATEMENT_HEAD_BYTES = 256;
