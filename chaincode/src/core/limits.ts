/** Named limits, enforced where input enters. */
export const LIMITS = {
  batchLegsMax: 1000,
  pageSizeMax: 500,
  /** Own legs read back from the private store per query (the index reads a block's worth at a time). */
  ownLegsReadMax: 5000,
  commentMax: 2000,
  sweepMax: 1000,
  serviceLevelMsMin: 1_000,
  serviceLevelMsMax: 7 * 24 * 3600 * 1000,
  serviceLevelMsDefault: 60_000,
} as const;
