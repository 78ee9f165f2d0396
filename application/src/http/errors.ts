import type { ErrorCode } from '../../../chaincode/src/core/errors';
import { LedgerRejected, LedgerUnavailable } from '../ledger/ledgerGateway';

/** Codes of the HTTP layer itself, beside the ledger's. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'LOGIN_FAILED'
  | 'WRONG_NODE'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'LEDGER_UNAVAILABLE'
  | 'INDEX_UNAVAILABLE'
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
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  LEDGER_UNAVAILABLE: 503,
  INDEX_UNAVAILABLE: 503,
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
  NOT_INITIALISED: 503,
  MVCC_READ_CONFLICT: 409,
  PHANTOM_READ_CONFLICT: 409,
  ENDORSEMENT_POLICY_FAILURE: 502,
  TRANSACTION_INVALID: 502,
} satisfies Record<ErrorCode, number> & Record<string, number>;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: AnyErrorCode;
    readonly message: string;
    readonly requestId: string;
    readonly details?: unknown;
  };
}

/** Any thrown value to (status, body): codes stay stable for machines, messages are for people. */
export function toErrorResponse(e: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (e instanceof ApiError) {
    return {
      status: STATUS_OF[e.code],
      body: {
        error: {
          code: e.code,
          message: e.message,
          requestId,
          ...(e.details === undefined ? {} : { details: e.details }),
        },
      },
    };
  }
  if (e instanceof LedgerRejected) {
    return { status: STATUS_OF[e.code], body: { error: { code: e.code, message: e.detail, requestId } } };
  }
  if (e instanceof LedgerUnavailable) {
    return {
      status: 503,
      body: {
        error: {
          code: 'LEDGER_UNAVAILABLE',
          message: 'the ledger did not answer; the request may be retried with the same ids',
          requestId,
        },
      },
    };
  }
  if (typeof e === 'object' && e !== null && 'type' in e && e.type === 'entity.too.large') {
    return {
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large', requestId } },
    };
  }
  if (typeof e === 'object' && e !== null && 'type' in e && e.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'request body is not valid JSON', requestId } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error', requestId } } };
}
