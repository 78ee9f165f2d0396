import type { Problem } from '../http/apiTypes';

/**
 * The command line's exit codes, one per kind of failure, so a script can branch without reading messages:
 * fix the command (2), accept the answer or fix the data (1), or try again later (3).
 */
export const EXIT_CODES = {
  ok: 0,
  /** The node or the ledger answered no: a refusal (4xx, a ledger's 502), an internal error, not logged in. */
  refused: 1,
  /** The command itself is wrong: unknown command or option, a missing argument, a file that cannot be read. */
  usage: 2,
  /** No answer to be had now: connection refused or reset, a timeout, 503 or 504, rate limited (429). */
  unavailable: 3,
  /** The person pressed Ctrl-C (or Ctrl-D) at the password prompt. */
  cancelled: 130,
} as const;

export type FailureKind = Exclude<keyof typeof EXIT_CODES, 'ok'>;

/** What a failure may carry beyond its message: the node's answer, and what a batch had committed before it. */
export interface FailureFacts {
  /** The HTTP status the node answered (absent: no answer). */
  readonly status?: number;
  /** The node's problem details (RFC 9457), as it sent them. */
  readonly problem?: Partial<Problem>;
  /** More facts a command adds (a batch's committed count, the idempotency key of a lost step, …). */
  readonly [fact: string]: unknown;
}

/** A failure the command line reports and exits on: its kind decides the exit code, its code is stable. */
export class CliError extends Error {
  constructor(
    readonly kind: FailureKind,
    /** A stable code: the node's (LEG_CONFLICT, …) or the command line's own (USAGE, NOT_LOGGED_IN, …). */
    readonly code: string,
    message: string,
    readonly facts: FailureFacts = {},
  ) {
    super(message);
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  /** The same failure with a different message or more facts (a command adding what it knows). */
  with(message: string, facts: Record<string, unknown> = {}): CliError {
    return new CliError(this.kind, this.code, message, { ...this.facts, ...facts });
  }
}

/** A command used wrongly: the message says what is wrong and which help to read. */
export function usageError(message: string, code = 'USAGE'): CliError {
  return new CliError('usage', code, message);
}

/** Statuses that mean "not now": the same request may succeed later. Every other status is a refusal. */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/**
 * A node's error answer as a failure: its stable code and human detail, the reason some codes name
 * (CERTIFICATE_REVOKED, …), and the request id of an internal error (for the node's operator).
 */
export function answerError(status: number, payload: unknown, text: string): CliError {
  const problem = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<Problem> & {
    details?: { reason?: unknown };
  };
  const code = typeof problem.code === 'string' ? problem.code : `HTTP_${String(status)}`;
  const reason = typeof problem.details?.reason === 'string' ? ` (${problem.details.reason})` : '';
  const detail = problem.detail ?? (text.trim() || `the node answered ${String(status)}`);
  const request = status >= 500 && problem.requestId ? ` [request ${problem.requestId}]` : '';
  return new CliError(
    UNAVAILABLE_STATUSES.has(status) ? 'unavailable' : 'refused',
    code,
    `${code}${reason}: ${detail}${request}`,
    { status, problem },
  );
}
