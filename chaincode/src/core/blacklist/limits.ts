/** Named limits of the blacklist, enforced where input enters (the core's parsers). */
export const BLACKLIST_LIMITS = {
  /** Entries per upload transaction: a bulk file is posted in batches of at most this many. */
  uploadBatchMax: 500,
  /** Subject keys per query: the key under the writing version and, during a rotation, the other. */
  querySubjectsMax: 2,
  indicatorsMax: 16,
  /** Categories, indicators and purposes a policy may name, each. */
  policyCodesMax: 64,
  evidenceSummaryMax: 2000,
  evidenceDocumentsMax: 20,
  /** The longest listing period a policy may allow (10 years). */
  listingDaysMax: 3660,
  /** Days any deadline of the policy may be (dispute answers, votes, metering periods). */
  deadlineDaysMax: 366,
  /** Bounds of the metering parameters: whole numbers, so that every peer computes the same allowance. */
  meteringValueMax: 1_000_000,
  proposalIdMax: 64,
} as const;
