import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { canonicalJson } from '../../../chaincode/src/ledger/codec';
import { ApiError } from './errors';
import type { RouteContext } from './routes/route';

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

/** The domain of the node's cursor key, derived from its wallet key. */
export const CURSOR_SEAL_PURPOSE = 'tallystick/cursor-seal/v1';

/**
 * The node's one cursor seal, keyed from its wallet key: a cursor stays good across a node restart (its session
 * does too) and no other node can make one.
 */
export function nodeCursorSeal(ctx: Pick<RouteContext, 'deps' | 'state'>): CursorSeal {
  return ctx.state('cursorSeal', () => new CursorSeal(ctx.deps.wallet.derivedKey(CURSOR_SEAL_PURPOSE)));
}

/**
 * A listing's cursors, bound to the person and to the listing with every input of its query but the cursor
 * (and `count`, which does not change a page): a cursor another person got, one for other filters or order, or
 * an altered one is refused (VALIDATION_FAILED, field `cursor`) before any query runs.
 */
export function listingCursors(
  ctx: Pick<RouteContext, 'deps' | 'session' | 'state'>,
  listing: string,
  query: Readonly<Record<string, unknown>>,
): {
  /** Where the page starts: the position the given cursor names, undefined for the first page. */
  readonly position: () => string | undefined;
  /** The cursor to hand out for the next page's position (null: no next page). */
  readonly cursor: (position: string | null | undefined) => string | null;
} {
  const seal = nodeCursorSeal(ctx);
  const { cursor: given, count: _count, ...rest } = query;
  const binding = [ctx.session.mspId, ctx.session.enrollmentId, listing, canonicalJson(rest)].join('\u0000');
  return {
    position: () => {
      if (given === undefined || given === '') return undefined;
      const position = typeof given === 'string' ? seal.open(binding, given) : undefined;
      if (position === undefined)
        throw new ApiError('VALIDATION_FAILED', 'cursor is not one this listing gave you', {
          field: 'cursor',
        });
      return position;
    },
    cursor: (position) => (position ? seal.seal(binding, position) : null),
  };
}
