import type { ErrorCode } from '../../../chaincode/src/core/errors';
import { isDatabaseUnavailable } from '../db/unavailable';
import { LedgerRejected, LedgerUnavailable } from '../ledger/ledgerGateway';
import type { Shape } from './routes/schema';
import type { Problem as ProblemShape } from './routes/shapes';

/** Codes of the HTTP layer itself, beside the ledger's. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'LOGIN_FAILED'
  | 'WRONG_NODE'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'LEDGER_UNAVAILABLE'
  | 'INDEX_UNAVAILABLE'
  | 'REFERENCE_NEEDED'
  | 'UNKNOWN_PERSON'
  | 'BLACKLIST_UNAVAILABLE'
  | 'ATTACHMENT_TOO_LARGE'
  | 'ATTACHMENT_NOT_FOUND'
  | 'ATTACHMENT_UNAVAILABLE'
  | 'ATTACHMENT_CORRUPT'
  | 'INTERNAL';

export type AnyErrorCode = ApiErrorCode | LedgerRejected['code'];

/** Every code and its HTTP status, in one table. */
export const STATUS_OF: Record<AnyErrorCode, number> = {
  UNAUTHENTICATED: 401,
  LOGIN_FAILED: 401,
  WRONG_NODE: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  LEDGER_UNAVAILABLE: 503,
  INDEX_UNAVAILABLE: 503,
  REFERENCE_NEEDED: 422,
  UNKNOWN_PERSON: 422,
  BLACKLIST_UNAVAILABLE: 503,
  ATTACHMENT_TOO_LARGE: 413,
  ATTACHMENT_NOT_FOUND: 404,
  ATTACHMENT_UNAVAILABLE: 502,
  ATTACHMENT_CORRUPT: 500,
  INTERNAL: 500,
  INVALID_INPUT: 400,
  UNKNOWN_CURRENCY: 400,
  INVALID_AMOUNT: 400,
  INVALID_REFERENCE: 400,
  BATCH_TOO_LARGE: 413,
  IDEMPOTENCY_CONFLICT: 409,
  CASE_NOT_FOUND: 404,
  BREAK_NOT_FOUND: 404,
  LEG_NOT_FOUND: 404,
  NOT_A_PARTY: 403,
  ROLE_REQUIRED: 403,
  WRONG_INSTITUTION: 403,
  SELF_APPROVAL: 403,
  INVALID_TRANSITION: 409,
  ALREADY_DECIDED: 409,
  LIMIT_EXCEEDED: 403,
  PROPOSAL_INCOMPLETE: 422,
  NOT_INITIALISED: 503,
  NOT_A_MEMBER: 403,
  POLICY_VIOLATION: 400,
  CONSENT_REQUIRED: 403,
  CONSENT_EXPIRED: 403,
  ENTRY_NOT_FOUND: 404,
  PROPOSAL_NOT_FOUND: 404,
  ALLOWANCE_EXCEEDED: 429,
  NOT_A_HIT: 403,
  DISPUTE_NOT_FOUND: 404,
  DEADLINE_PASSED: 409,
  DEADLINE_NOT_REACHED: 409,
  EVIDENCE_PURGE_DUE: 409,
  EVIDENCE_REQUEST_NOT_FOUND: 404,
  EVIDENCE_UNAVAILABLE: 409,
  TRADE_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  PART_NOT_FOUND: 404,
  TRADE_NOT_CONFIRMED: 409,
  INVOICE_ALREADY_USED: 409,
  AMOUNT_MISMATCH: 400,
  TERM_TOO_LONG: 400,
  REASON_REQUIRED: 400,
  NOT_HOLDER: 403,
  PART_SPENT: 409,
  PART_LOCKED: 409,
  PART_MATURED: 409,
  MOVE_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  FINANCING_NOT_FOUND: 404,
  SCREENING_REQUIRED: 400,
  MVCC_READ_CONFLICT: 409,
  PHANTOM_READ_CONFLICT: 409,
  ENDORSEMENT_POLICY_FAILURE: 502,
  TRANSACTION_INVALID: 502,
} satisfies Record<ErrorCode, number> & Record<string, number>;

/** Every code, in the table's order (the table is complete, so this list is). */
export const ERROR_CODES = Object.keys(STATUS_OF) as readonly AnyErrorCode[];

/** One thing wrong with a request; a validation failure lists every one it found, not only the first. */
export type Problem = ErrorBody['errors'][number];

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly details?: unknown,
    /** Every problem found (the first is this error itself); absent: just this one. */
    readonly problems?: readonly Problem[],
  ) {
    super(message);
  }
}

/**
 * An error answer: RFC 9457 problem details (`application/problem+json`), the `Problem` shape of the routes
 * (routes/shapes.ts). `type` and `title` name the problem type, one per code; `detail` says what happened this
 * time; `code` is the stable code programs branch on; `errors` lists every problem found, the first being this
 * one. `error` repeats code, detail (as `message`), requestId and details for clients written before problem
 * details.
 */
export type ErrorBody = Shape<typeof ProblemShape>;

/** The media type of every error answer. */
export const PROBLEM_JSON = 'application/problem+json';

/** The problem type of a code: a URI (RFC 9457 `type`), the same for every occurrence of the code. */
export const problemType = (code: AnyErrorCode): string => `urn:tallystick:problem:${code}`;

/** The problem type in words (RFC 9457 `title`): `IDEMPOTENCY_CONFLICT` is "Idempotency conflict". */
export const problemTitle = (code: AnyErrorCode): string =>
  code.charAt(0) + code.slice(1).toLowerCase().replaceAll('_', ' ');

function problemBody(
  status: number,
  code: AnyErrorCode,
  message: string,
  requestId: string,
  details?: unknown,
  problems?: readonly Problem[],
): ErrorBody {
  const field = fieldOf(details);
  return {
    type: problemType(code),
    title: problemTitle(code),
    status,
    detail: message,
    code,
    requestId,
    ...(details === undefined ? {} : { details }),
    errors: problems ?? [{ code, message, ...(field ? { field } : {}) }],
    error: { code, message, requestId, ...(details === undefined ? {} : { details }) },
  };
}

const fieldOf = (details: unknown): string | undefined =>
  typeof details === 'object' && details !== null && 'field' in details && typeof details.field === 'string'
    ? details.field
    : undefined;

function single(
  status: number,
  code: AnyErrorCode,
  message: string,
  requestId: string,
  details?: unknown,
): { status: number; body: ErrorBody } {
  return { status, body: problemBody(status, code, message, requestId, details) };
}

/** The body parser's refusals (they carry `type` and a 4xx `status`), in this API's words. */
function bodyParserError(e: object, requestId: string): { status: number; body: ErrorBody } | undefined {
  const type = 'type' in e && typeof e.type === 'string' ? e.type : undefined;
  const status = 'status' in e && typeof e.status === 'number' ? e.status : undefined;
  const known: Record<string, { status: number; code: AnyErrorCode; message: string } | undefined> = {
    'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' },
    'entity.parse.failed': {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'request body is not valid JSON',
    },
    'charset.unsupported': {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'JSON bodies are UTF-8; that charset is not accepted',
    },
    'encoding.unsupported': {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'that Content-Encoding is not accepted (gzip, deflate, br or none)',
    },
    'request.aborted': {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'the request body ended before its declared length',
    },
    'request.size.invalid': {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'the request body ended before its declared length',
    },
  };
  const hit = type === undefined ? undefined : known[type];
  if (hit) return single(hit.status, hit.code, hit.message, requestId);
  // A body that does not inflate as its Content-Encoding says (zlib's error, wrapped as a 400).
  if (status === 400 && 'code' in e && typeof e.code === 'string' && e.code.startsWith('Z_'))
    return single(
      400,
      'VALIDATION_FAILED',
      'the body is not compressed as its Content-Encoding says',
      requestId,
    );
  return undefined;
}

/** Any thrown value to (status, body): codes stay stable for machines, messages are for people. */
export function toErrorResponse(e: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (e instanceof ApiError) {
    const status = STATUS_OF[e.code];
    return { status, body: problemBody(status, e.code, e.message, requestId, e.details, e.problems) };
  }
  if (e instanceof LedgerRejected) {
    return single(STATUS_OF[e.code], e.code, e.detail, requestId);
  }
  if (e instanceof LedgerUnavailable) {
    // Whether a write may have taken effect: NOT_SENT (nothing reached the ordering service) or UNKNOWN (sent, no
    // answer; `txId` names it). Either way a retry under the same Idempotency-Key and leg ids is safe.
    const message =
      e.outcome === 'NOT_SENT'
        ? 'the ledger did not answer and nothing was written; the request may be retried with the same ids'
        : 'the ledger did not answer; the write may have been committed: retry with the same Idempotency-Key and ids, which returns the first result if it was';
    const details = { outcome: e.outcome, ...(e.txId === undefined ? {} : { txId: e.txId }) };
    return single(503, 'LEDGER_UNAVAILABLE', message, requestId, details);
  }
  // The index database is down or restarting (a lost connection, a refused one): unavailable, not a bug.
  if (isDatabaseUnavailable(e)) {
    return single(
      503,
      'INDEX_UNAVAILABLE',
      'the index database did not answer; the request may be retried shortly',
      requestId,
    );
  }
  // A path parameter that does not decode (the router's own decoding).
  if (e instanceof URIError)
    return single(400, 'VALIDATION_FAILED', 'the path is not valid percent-encoded UTF-8', requestId);
  if (typeof e === 'object' && e !== null) {
    const mapped = bodyParserError(e, requestId);
    if (mapped) return mapped;
  }
  return single(500, 'INTERNAL', 'internal error', requestId);
}
