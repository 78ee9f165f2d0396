/**
 * The closed set of error codes the ledger can answer with. Chaincode errors travel as their message
 * `CODE: human text`; the gateway and HTTP layers map the code, people read the text.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'UNKNOWN_CURRENCY',
  'INVALID_AMOUNT',
  'INVALID_REFERENCE',
  'BATCH_TOO_LARGE',
  'IDEMPOTENCY_CONFLICT',
  'CASE_NOT_FOUND',
  'BREAK_NOT_FOUND',
  'LEG_NOT_FOUND',
  'NOT_A_PARTY',
  'ROLE_REQUIRED',
  'WRONG_INSTITUTION',
  'INVALID_TRANSITION',
  'SELF_APPROVAL',
  'ALREADY_DECIDED',
  'LIMIT_EXCEEDED',
  'PROPOSAL_INCOMPLETE',
  'NOT_INITIALISED',
  // The shared blacklist (docs/BLACKLIST.md).
  'NOT_A_MEMBER',
  'POLICY_VIOLATION',
  'CONSENT_REQUIRED',
  'CONSENT_EXPIRED',
  'ENTRY_NOT_FOUND',
  'PROPOSAL_NOT_FOUND',
  'ALLOWANCE_EXCEEDED',
  'NOT_A_HIT',
  'DISPUTE_NOT_FOUND',
  'DEADLINE_PASSED',
  'DEADLINE_NOT_REACHED',
  'EVIDENCE_PURGE_DUE',
  'EVIDENCE_REQUEST_NOT_FOUND',
  'EVIDENCE_UNAVAILABLE',
  // Supply-chain receivable tokens (docs/RECEIVABLES.md).
  'TRADE_NOT_FOUND',
  'TOKEN_NOT_FOUND',
  'PART_NOT_FOUND',
  'TRADE_NOT_CONFIRMED',
  'INVOICE_ALREADY_USED',
  'AMOUNT_MISMATCH',
  'TERM_TOO_LONG',
  'REASON_REQUIRED',
  'NOT_HOLDER',
  'PART_SPENT',
  'PART_LOCKED',
  'PART_MATURED',
  'MOVE_NOT_FOUND',
  'PAYMENT_NOT_FOUND',
  'FINANCING_NOT_FOUND',
  'SCREENING_REQUIRED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class TallyError extends Error {
  override readonly name = 'TallyError';
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export function fail(code: ErrorCode, detail: string): never {
  throw new TallyError(code, detail);
}

const CODE_PATTERN = new RegExp(`\\b(${ERROR_CODES.join('|')}): (.*)$`, 's');

/** Recovers `{ code, detail }` from a message that went through a peer and an SDK, which add their own prefixes. */
export function parseErrorMessage(message: string): { code: ErrorCode; detail: string } | undefined {
  const m = CODE_PATTERN.exec(message);
  if (!m?.[1] || m[2] === undefined) return undefined;
  return { code: m[1] as ErrorCode, detail: m[2] };
}
