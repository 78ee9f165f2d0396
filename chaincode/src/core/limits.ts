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
  /** A break's resolution service level: it is due this long after it opens (T+1), unless an approver moves it. */
  breakDueMsDefault: 24 * 3600 * 1000,
  /** An approver moves a break's due date to at most this long after it opened. */
  breakDueMsMax: 90 * 24 * 3600 * 1000,
  /** Notices a case keeps (one per other party on its route, from any poster): the rest are not stored. */
  noticesPerCaseMax: 16,
  /** A notice's tag and box, as base64url text. */
  noticeTagMax: 64,
  noticeBoxMax: 512,
  /** An attachment's file (evidence for a break: a statement PDF, a screenshot, a SWIFT message), in bytes. */
  attachmentBytesMax: 10 * 1024 * 1024,
  /** An attachment's file name as a person gives it (characters); the ledger keeps it sealed for the parties. */
  attachmentNameMax: 255,
  /** The file name as the ledger stores it (sealed: base64 of its UTF-8 bytes, nonce and tag, and a prefix). */
  attachmentStoredNameMax: 2048,
  /** Attachments one break keeps. */
  attachmentsPerBreakMax: 50,
} as const;
