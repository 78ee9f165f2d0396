/**
 * Whether an error says the index database could not be reached or dropped the connection (a server killed,
 * restarting or refusing connections), as opposed to a query the database refused. Such a failure is
 * "unavailable, retry": the HTTP layer answers 503, and the indexer retries from its checkpoint.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  return unavailable(e, 0);
}

/** Socket errors of the connection itself (Node's errno codes). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a server that cannot serve now: shutting down, crashed, starting, or out of connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** pg's own words for a connection that ended or never opened (it gives these no code). */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

function unavailable(e: unknown, depth: number): boolean {
  if (typeof e !== 'object' || e === null || depth > 3) return false;
  const code = 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined) {
    if (SOCKET_CODES.has(code) || SERVER_CODES.has(code)) return true;
    // Class 08: connection exception.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  const message = e instanceof Error ? e.message : undefined;
  if (message !== undefined && PG_MESSAGES.some((m) => m.test(message))) return true;
  // Node reports a refused connection to several addresses as an AggregateError of each attempt's error.
  if (e instanceof AggregateError) return e.errors.some((x) => unavailable(x, depth + 1));
  return 'cause' in e ? unavailable(e.cause, depth + 1) : false;
}
