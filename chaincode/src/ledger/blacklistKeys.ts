/**
 * The blacklist's ledger keys (keys.ts holds reconciliation's; the two contracts share no key). Simple keys, ':'
 * between parts, no part but the last containing ':'. Each kind of record has a first segment of its own, so a
 * range over one (a subject's entries, the members) never walks another's keys.
 */
const VERSION_WIDTH = 10;

/** The end of a range over every key that starts with `prefix` (';' follows ':' in byte order). */
const rangeOf = (prefix: string) => [prefix, `${prefix.slice(0, -1)};`] as const;

export const blacklistKeys = {
  /** An entry: one per uploader, subject key and category (the idempotency of uploads). */
  entry: (subjectKey: string, uploader: string, category: string) =>
    `blentry:${subjectKey}:${uploader}:${category}`,
  /** Every entry about one subject key, whoever listed it, in whatever category. */
  entriesOfSubject: (subjectKey: string) => rangeOf(`blentry:${subjectKey}:`),
  /** A recorded query (or subject report), once per subject key it asked about. */
  query: (subjectKey: string, queryId: string) => `blquery:${subjectKey}:${queryId}`,
  queriesOfSubject: (subjectKey: string) => rangeOf(`blquery:${subjectKey}:`),
  /** An institution that joined the blacklist. */
  member: (mspId: string) => `blmember:${mspId}`,
  members: () => rangeOf('blmember:'),
  /** The policy version in force (absent: the genesis), and every adopted version under its number. */
  policyCurrent: () => 'blpolicy:current',
  policyVersion: (version: number) => `blpolicy:v:${String(version).padStart(VERSION_WIDTH, '0')}`,
  /** A policy proposal under its client-chosen id. */
  proposal: (proposalId: string) => `blproposal:${proposalId}`,
  /** An institution's contributions (counts by expiry day) and its queries in the current period (item 4). */
  contribution: (mspId: string) => `blcontrib:${mspId}`,
  usage: (mspId: string) => `blusage:${mspId}`,
  /** A dispute under its client-chosen id (item 6). */
  dispute: (disputeId: string) => `bldispute:${disputeId}`,
  /** A revoked entry whose evidence its uploader has still to purge, and every such entry of an uploader. */
  purgeDue: (uploader: string, subjectKey: string, category: string) =>
    `blpurgedue:${uploader}:${subjectKey}:${category}`,
  purgesDueOf: (uploader: string) => rangeOf(`blpurgedue:${uploader}:`),
  /** An evidence request under its client-chosen id (item 7). */
  evidenceRequest: (requestId: string) => `blevreq:${requestId}`,
  /** Private (the uploader's implicit collection): an entry's evidence, under its subject key and category. */
  evidence: (subjectKey: string, category: string) => `blevidence:${subjectKey}:${category}`,
} as const;
