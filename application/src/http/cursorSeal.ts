import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque, authenticated page cursors. A cursor names where the next page starts on the ledger; handed out as is,
 * a caller could edit it to start somewhere else (the chaincode refuses a bookmark outside the caller's own
 * range as well). Sealed, it is bound to the person and the query that got it: an altered cursor, or one used
 * by another person or for another listing, is refused before the ledger is asked.
 */
export class CursorSeal {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  private mac(binding: string, position: string): Buffer {
    return createHmac('sha256', this.key)
      .update(binding)
      .update('\0')
      .update(position)
      .digest()
      .subarray(0, 16);
  }

  /** The cursor for `position` (a ledger bookmark), bound to `binding` (who asked, and what). */
  seal(binding: string, position: string): string {
    return `${Buffer.from(position, 'utf8').toString('base64url')}.${this.mac(binding, position).toString('base64url')}`;
  }

  /** The position a cursor names, if this node sealed it for this binding; undefined otherwise. */
  open(binding: string, cursor: string): string | undefined {
    const m = /^([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/.exec(cursor);
    if (!m) return undefined;
    const position = Buffer.from(m[1] ?? '', 'base64url').toString('utf8');
    const given = Buffer.from(m[2] ?? '', 'base64url');
    const expected = this.mac(binding, position);
    return given.length === expected.length && timingSafeEqual(given, expected) ? position : undefined;
  }
}
