import { TallyError } from '../../../chaincode/src/core/errors';
import { majorTextToMinor, parseCurrency, type Currency } from '../../../chaincode/src/core/money';
import { parseIsoDate } from '../../../chaincode/src/core/reference';
import { StatementRejected } from './statementLine';

/**
 * What a parser reads: a Node Readable, any (async) iterable of chunks, or, for small inputs, the whole text.
 * Chunks are bytes (UTF-8) or strings.
 */
export type StatementSource =
  AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> | Uint8Array | string;

/**
 * Yields the source as text, chunk by chunk, counting bytes as uploaded so an oversized file is refused as soon
 * as it crosses the limit, before the rest is read. Multi-byte characters split across chunks are joined.
 */
export async function* textChunks(
  source: StatementSource,
  statementBytesMax: number,
  /**
   * Where the parser is, for an error: `pending` is the text decoded before the first invalid byte, `line` the
   * 1-based line of that byte (or of the end of what was read).
   */
  where: (pending: string, line: number) => number | string,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let bytes = 0;
  // Line breaks handed out so far (CRLF, LF or CR), so that an error in a later chunk can name its line.
  let newlines = 0;
  let first = true;
  // The text handed out last ended with a CR: a LF starting the next is the second half of a CRLF.
  let endedWithCr = false;
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      const partial = chunk ? new TextDecoder('utf-8').decode(chunk) : '';
      const bad = partial.indexOf('\ufffd');
      const pending = bad < 0 ? '' : partial.slice(0, bad);
      throw new StatementRejected(
        'MALFORMED',
        where(pending, newlines + lineBreaks(pending, endedWithCr) + 1),
        'the file is not valid UTF-8',
      );
    }
  };
  const count = (n: number): void => {
    bytes += n;
    if (bytes > statementBytesMax) {
      throw new StatementRejected(
        'STATEMENT_TOO_LARGE',
        where('', newlines + 1),
        `the statement is larger than statementBytesMax (${statementBytesMax} bytes)`,
      );
    }
  };
  const out = (text: string, decoded: boolean): string => {
    // The decoder takes one byte-order mark off; a second one is a character where none belongs.
    if (first && decoded && text.startsWith('\ufeff'))
      throw new StatementRejected(
        'MALFORMED',
        where('', 1),
        'a second byte-order mark at the start of the file',
      );
    first = false;
    newlines += lineBreaks(text, endedWithCr);
    endedWithCr = text.endsWith('\r');
    return text;
  };
  const iterable: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> =
    typeof source === 'string' || source instanceof Uint8Array ? [source] : source;
  for await (const chunk of iterable) {
    if (typeof chunk === 'string') {
      count(Buffer.byteLength(chunk, 'utf8'));
      if (chunk.length > 0) yield out(chunk, false);
    } else {
      count(chunk.byteLength);
      const text = decode(chunk);
      if (text.length > 0) yield out(text, true);
    }
  }
  const tail = decode();
  if (tail.length > 0) yield out(tail, true);
}

/**
 * Line breaks in `text`: a CRLF counts once, a lone CR or LF once each. `afterCr`: the text before it ended with a
 * CR, so a LF it starts with completes that line break rather than making another.
 */
export function lineBreaks(text: string, afterCr = false): number {
  let n = 0;
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) n++;
  for (let k = text.indexOf('\r'); k >= 0; k = text.indexOf('\r', k + 1)) if (text[k + 1] !== '\n') n++;
  return afterCr && text.startsWith('\n') ? n - 1 : n;
}

/**
 * A copy of `s` that does not share memory with the chunk it was cut from. V8 keeps substrings as slices of
 * their parent; a million of them would keep the whole file alive.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

const currencies = new Map<string, Currency>();

/** Parses an ISO 4217 code into one shared string per currency. */
export function currencyAt(text: string | undefined, at: number | string, field: string): Currency {
  const code = (text ?? '').trim();
  const known = currencies.get(code);
  if (known) return known;
  try {
    const c = parseCurrency(code, field);
    currencies.set(c, c);
    return c;
  } catch (e) {
    throw rejectFrom(e, at, 'UNKNOWN_CURRENCY');
  }
}

/** Signed minor units from the amount's text as written (never through a float). */
export function amountAt(text: string, currency: Currency, at: number | string): bigint {
  try {
    return majorTextToMinor(text, currency);
  } catch (e) {
    throw rejectFrom(e, at, 'INVALID_AMOUNT');
  }
}

const dates = new Map<string, string>();

/**
 * A real calendar date, YYYY-MM-DD, shared between the lines that carry it. Year 0000 is refused here: the
 * Gregorian calendar (and PostgreSQL's date) has no year zero, so it can only be a placeholder or a mistake.
 */
export function dateAt(text: string, at: number | string, field: string): string {
  const known = dates.get(text);
  if (known !== undefined) return known;
  try {
    const d = parseIsoDate(text, field);
    if (d.startsWith('0000'))
      throw new StatementRejected(
        'INVALID_DATE',
        at,
        `${field} ${d} is not a real date (there is no year 0)`,
      );
    if (dates.size < 100_000) dates.set(d, d);
    return d;
  } catch (e) {
    throw rejectFrom(e, at, 'INVALID_DATE');
  }
}

/** Whether `text` is a real calendar date YYYY-MM-DD from year 0001 (the rule of `dateAt`, without a place). */
export function isCalendarDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    dateAt(text, 0, 'date');
    return true;
  } catch {
    return false;
  }
}

function rejectFrom(
  e: unknown,
  at: number | string,
  code: 'INVALID_AMOUNT' | 'UNKNOWN_CURRENCY' | 'INVALID_DATE',
): StatementRejected {
  if (e instanceof TallyError) return new StatementRejected(code, at, e.detail);
  if (e instanceof StatementRejected) return e;
  return new StatementRejected(code, at, String(e));
}
