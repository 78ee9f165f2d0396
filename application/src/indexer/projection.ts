import { emptyDaily, reasonCounts, sumDaily, utcDay, type DailyCounts } from '../readModel/dailyCounts';
import type {
  BreakRow,
  CaseRow,
  LegRow,
  OpenBreakRow,
  Origin,
  Projection,
  TransactionRow,
  TransitionRow,
} from '../readModel/rows';
import type { ChangeNotice } from '../ledger/ledgerGateway';
import type { PersonRef } from '../../../chaincode/src/core/breakMachine';
import { LEDGER_PERSON, openAssignee, openEntryPeople } from '../../../chaincode/src/ledger/breakPeople';

/**
 * Pure: what one ledger transaction's public changes mean for one institution's index. No I/O, no clock; the
 * read model (`../readModel/applyProjection.ts`) writes the result in one SQL transaction with the checkpoint.
 * The rows' shapes are the read model's (`../readModel/rows.ts`), beside the SQL that writes them.
 */

type CaseChange = ChangeNotice['cases'][number];
type BreakChange = ChangeNotice['breaks'][number];

/** The rows one transaction's changes produce in the index of `institution` (an MSP ID). */
export function project(notice: ChangeNotice, institution: string): Projection {
  const origin: Origin = { blockNumber: notice.blockNumber, txIndex: notice.txIndex, txId: notice.txId };
  const day = utcDay(notice.at);
  const daily = emptyDaily();

  const cases = new Map<string, CaseRow>();
  for (const c of notice.cases) cases.set(c.caseId, caseRow(c, institution, notice.at, origin));

  const legs: LegRow[] = notice.legs.map((l) => {
    const isOwn = l.mspId === institution;
    daily.legsPosted++;
    if (isOwn) daily.ownLegsPosted++;
    return { ...l, isOwn, origin };
  });

  const breaks = new Map<string, BreakRow>();
  const transitions: TransitionRow[] = [];
  const openBreaks = new Map<string, OpenBreakRow | null>();
  // A transaction may change one break several times (a batch of legs of one case): the last change is its
  // state, every timeline entry is a transition.
  for (const b of notice.breaks) {
    const row = breakRow(b, institution, notice.at, origin, breaks.get(b.breakId));
    breaks.set(b.breakId, row);
    if (b.entry) {
      const { people, ...facts } = b.entry;
      transitions.push({
        breakId: b.breakId,
        caseId: b.caseId,
        entry: { ...facts, actor: unnamedActor(people) },
        origin,
      });
      countTransition(daily, b.reason, b.entry);
    }
    openBreaks.set(b.breakId, openBreakRow(row, institution));
  }

  return {
    transactions: [{ ...origin, at: notice.at, ...(notice.creator ? { creator: notice.creator } : {}) }],
    cases,
    legs,
    breaks,
    transitions,
    openBreaks,
    daily: new Map([[day, daily]]),
  };
}

function caseRow(c: CaseChange, institution: string, at: string, origin: Origin): CaseRow {
  return {
    caseId: c.caseId,
    status: c.status,
    parties: [...c.parties],
    isParty: c.parties.includes(institution),
    expected: c.expected,
    legCount: c.legCount,
    openedAt: c.openedAt,
    updatedAt: c.updatedAt,
    dueAt: new Date(c.dueAtMs).toISOString(),
    matchedAt: c.status === 'MATCHED' ? at : null,
    origin,
  };
}

/** A break's state after this change; `previous` is its row from an earlier change in the same transaction. */
function breakRow(
  b: BreakChange,
  institution: string,
  at: string,
  origin: Origin,
  previous: BreakRow | undefined,
): BreakRow {
  return {
    breakId: b.breakId,
    caseId: b.caseId,
    findingKey: b.findingKey,
    reason: b.reason,
    status: b.status,
    parties: [...b.parties],
    isParty: b.parties.includes(institution),
    detail: b.detail,
    openedAt: b.openedAt,
    updatedAt: b.entry?.at ?? at,
    assignee: b.people === '' ? null : { sealed: b.people },
    resolution: b.resolution ?? null,
    rootCause: b.rootCause ?? b.proposalRootCause ?? null,
    dueAt: b.dueAt ?? null,
    lastAction: b.action,
    lastSeq: b.entry?.seq ?? previous?.lastSeq ?? -1,
    origin,
  };
}

/** The day's break counts a timeline entry moves: an opening, or a move into RESOLVED. */
function countTransition(
  daily: DailyCounts,
  reason: BreakChange['reason'],
  entry: NonNullable<BreakChange['entry']>,
): void {
  if (entry.action === 'OPEN') {
    daily.breaksOpened++;
    reasonCounts(daily, reason).opened++;
  }
  if (entry.to === 'RESOLVED' && entry.from !== 'RESOLVED') {
    daily.breaksResolved++;
    reasonCounts(daily, reason).resolved++;
  }
}

/**
 * The projection with the persons of every break and timeline entry opened whose case's people key `keyOf`
 * gives (the node holds the reference: one of its own legs is in the case, or a person gave it); the others
 * stay unnamed. Pure: the keys are looked up before (`blockIndexer.ts`).
 */
export function openPeople(
  p: Projection,
  institution: string,
  keyOf: (caseId: string) => Buffer | undefined,
): Projection {
  if (p.breaks.size === 0) return p;
  const breaks = new Map<string, BreakRow>();
  const openBreaks = new Map(p.openBreaks);
  for (const [id, b] of p.breaks) {
    const key = keyOf(b.caseId);
    const sealed = b.assignee !== null && 'sealed' in b.assignee ? b.assignee.sealed : undefined;
    const row =
      key === undefined || sealed === undefined
        ? b
        : { ...b, assignee: openAssignee(key, b.caseId, sealed) ?? null };
    breaks.set(id, row);
    if (openBreaks.has(id)) openBreaks.set(id, openBreakRow(row, institution));
  }
  const transitions = p.transitions.map((t): TransitionRow => {
    const key = keyOf(t.caseId);
    if (key === undefined || !isUnnamed(t.entry.actor)) return t;
    const { actor, assignee } = openEntryPeople(key, t.caseId, t.entry.actor.id);
    return { ...t, entry: { ...t.entry, actor, ...(assignee === undefined ? {} : { assignee }) } };
  });
  return { ...p, breaks, transitions, openBreaks };
}

/**
 * A step's actor before the node can name it: the ledger's own steps name nobody (LEDGER_PERSON); a person's
 * step keeps its sealed persons in the actor's id, with no MSP ID or name, until the case's reference is known.
 */
export function unnamedActor(people: string): PersonRef {
  return people === '' ? LEDGER_PERSON : { mspId: '', id: people, name: '' };
}

/** Whether an indexed actor is one still sealed (see unnamedActor). */
export function isUnnamed(actor: PersonRef): boolean {
  return actor.mspId === '' && actor.id !== '';
}

/** The institution's open-break queue row for a break, or null: not its break, or resolved. */
function openBreakRow(row: BreakRow, institution: string): OpenBreakRow | null {
  if (!row.isParty || row.status === 'RESOLVED') return null;
  return {
    breakId: row.breakId,
    caseId: row.caseId,
    reason: row.reason,
    status: row.status,
    openedAt: row.openedAt,
    updatedAt: row.updatedAt,
    assignee: row.assignee !== null && 'sealed' in row.assignee ? null : row.assignee,
    counterparties: row.parties.filter((p) => p !== institution), // sorted already (the core sorts parties)
    rootCause: row.rootCause,
    dueAt: row.dueAt,
  };
}

/**
 * Several consecutive transactions' projections as one (applied in one SQL transaction): the latest state of
 * each case and break wins, histories and counts add up. `parts` must be in ledger order.
 */
export function mergeProjections(parts: readonly Projection[]): Projection {
  if (parts.length === 1 && parts[0]) return parts[0];
  const cases = new Map<string, CaseRow>();
  const breaks = new Map<string, BreakRow>();
  const openBreaks = new Map<string, OpenBreakRow | null>();
  const legs: LegRow[] = [];
  const transitions: TransitionRow[] = [];
  const transactions: TransactionRow[] = [];
  for (const p of parts) {
    transactions.push(...p.transactions);
    for (const [id, c] of p.cases) {
      const before = cases.get(id);
      cases.set(id, { ...c, matchedAt: before?.matchedAt ?? c.matchedAt });
    }
    legs.push(...p.legs);
    for (const [id, b] of p.breaks) {
      const before = breaks.get(id);
      breaks.set(id, b.lastSeq === -1 && before ? { ...b, lastSeq: before.lastSeq } : b);
    }
    transitions.push(...p.transitions);
    for (const [id, o] of p.openBreaks) openBreaks.set(id, o);
  }
  const daily = sumDaily(...parts.map((p) => p.daily));
  return { transactions, cases, legs, breaks, transitions, openBreaks, daily };
}
