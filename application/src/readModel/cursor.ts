/**
 * Keyset cursors: the strings that place a page's last row (and what they are for), opaque to clients as
 * base64url JSON. Each listing checks the parts it gets back.
 */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor; RangeError('invalid cursor') for anything that is not an array of strings. */
export function decodeCursor(cursor: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new RangeError('invalid cursor');
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new RangeError('invalid cursor');
  return v;
}
