/**
 * Why a break happened, as a reconciliation team records it with the resolution it proposes: a closed list, so
 * that breaks can be counted and filtered by cause across institutions (an open text field would be a hundred
 * spellings of "timing"). The list is the one the usual exception-management tools share (timing, keying,
 * FX, fees, duplicates, missing bookings, the counterparty's error, a system or interface fault, suspected fraud)
 * with OTHER for the rest; the comment says more.
 */
export const ROOT_CAUSES = [
  'TIMING',
  'DATA_ENTRY',
  'FX_RATE',
  'FEE',
  'DUPLICATE',
  'MISSING_BOOKING',
  'COUNTERPARTY',
  'SYSTEM',
  'FRAUD_SUSPECTED',
  'OTHER',
] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

export const isRootCause = (value: unknown): value is RootCause =>
  typeof value === 'string' && (ROOT_CAUSES as readonly string[]).includes(value);

/** The fields a proposal needs; each is named when missing, all at once (the console, the node and the ledger agree). */
export const PROPOSAL_FIELDS = ['kind', 'rootCause', 'comment'] as const;
export type ProposalField = (typeof PROPOSAL_FIELDS)[number];

/**
 * Which of a proposal's required fields are missing or not one of the allowed values, in PROPOSAL_FIELDS order:
 * `kind` one of `kinds`, `rootCause` one of ROOT_CAUSES, a comment that is not blank.
 */
export function missingProposalFields(
  p: { readonly kind?: unknown; readonly rootCause?: unknown; readonly comment?: unknown },
  kinds: readonly string[],
): ProposalField[] {
  const missing: ProposalField[] = [];
  if (typeof p.kind !== 'string' || !kinds.includes(p.kind)) missing.push('kind');
  if (!isRootCause(p.rootCause)) missing.push('rootCause');
  if (typeof p.comment !== 'string' || p.comment.trim() === '') missing.push('comment');
  return missing;
}
