import type {
  BreakActionType,
  BreakStatus,
  PersonRef,
  TimelineEntry,
} from '../../../chaincode/src/core/breakMachine';
import type { LegRole, RouteStop } from '../../../chaincode/src/core/leg';
import type { BreakReason, CaseStatus, FindingDetail } from '../../../chaincode/src/core/matching';
import type { ChangeNotice, LegInput, TransactionCreator } from '../ledger/ledgerGateway';

/**
 * Pure: what one ledger transaction's public changes mean for one institution's index. No I/O, no clock; the
 * store (store.ts) writes the result in one SQL transaction with the checkpoint.
 */

/** Where a transaction sits on the ledger; (blockNumber, txIndex) orders every change. */
export interface Position {
  readonly blockNumber: bigint;
  readonly txIndex: number;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.txIndex - b.txIndex;
}

export interface Origin extends Position {
  readonly txId: string;
}

export interface CaseRow {
  readonly caseId: string;
  readonly status: CaseStatus;
  readonly parties: readonly string[];
  readonly isParty: boolean;
  readonly expected: readonly RouteStop[];
  readonly legCount: number;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly dueAt: string;
  /** The transaction time when this projection saw the case MATCHED (the store keeps the first ever). */
  readonly matchedAt: string | null;
  readonly origin: Origin;
}

export interface LegRow {
  readonly mspId: string;
  readonly legId: string;
  readonly caseId: string;
  readonly role: LegRole;
  readonly postedAt: string;
  readonly isOwn: boolean;
  readonly origin: Origin;
}

/**
 * One of the institution's own legs in plaintext, as its private collection on the ledger holds it. Not derived
 * from the public changes: the indexer reads it from the ledger for each own leg of a batch (ownLegs.ts).
 */
export interface OwnLegRow {
  readonly leg: LegInput;
  readonly caseId: string;
  readonly txId: string;
  readonly blockNumber: bigint;
}

export interface BreakRow {
  readonly breakId: string;
  readonly caseId: string;
  readonly findingKey: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly parties: readonly string[];
  readonly isParty: boolean;
  readonly detail: FindingDetail;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly assignee: PersonRef | null;
  readonly resolution: string | null;
  readonly lastAction: BreakActionType | 'UPDATE';
  /** The newest timeline entry's seq in this projection, or -1 if it only refreshed the finding (UPDATE). */
  readonly lastSeq: number;
  readonly origin: Origin;
}

export interface TransitionRow {
  readonly breakId: string;
  readonly entry: TimelineEntry;
  readonly origin: Origin;
}

export interface OpenBreakRow {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly assignee: PersonRef | null;
}

export interface DailyCounts {
  legsPosted: number;
  ownLegsPosted: number;
  breaksOpened: number;
  breaksResolved: number;
  readonly byReason: Map<BreakReason, { opened: number; resolved: number }>;
}

export interface Projection {
  /** The transactions this projection covers, in ledger order; the last is the new checkpoint. */
  readonly transactions: readonly (Origin & { readonly at: string; readonly creator?: TransactionCreator })[];
  readonly cases: ReadonlyMap<string, CaseRow>;
  readonly legs: readonly LegRow[];
  /** The plaintext of the own legs among `legs`, when the indexer has read it (written with the rows). */
  readonly ownLegs?: readonly OwnLegRow[];
  readonly breaks: ReadonlyMap<string, BreakRow>;
  readonly transitions: readonly TransitionRow[];
  /** breakId → its row in the institution's open-breaks queue, or null to take it out. */
  readonly openBreaks: ReadonlyMap<string, OpenBreakRow | null>;
  /** UTC day (YYYY-MM-DD) → counts. Cases opened and matched are counted by the store, which knows the past. */
  readonly daily: ReadonlyMap<string, DailyCounts>;
}

export function utcDay(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not a timestamp: ${iso}`);
  return new Date(t).toISOString().slice(0, 10);
}

function emptyDaily(): DailyCounts {
  return { legsPosted: 0, ownLegsPosted: 0, breaksOpened: 0, breaksResolved: 0, byReason: new Map() };
}

function reasonCounts(d: DailyCounts, reason: BreakReason): { opened: number; resolved: number } {
  let r = d.byReason.get(reason);
  if (!r) {
    r = { opened: 0, resolved: 0 };
    d.byReason.set(reason, r);
  }
  return r;
}

/** The rows one transaction's changes produce in the index of `institution` (an MSP ID). */
export function project(notice: ChangeNotice, institution: string): Projection {
  const origin: Origin = { blockNumber: notice.blockNumber, txIndex: notice.txIndex, txId: notice.txId };
  const day = utcDay(notice.at);
  const daily = emptyDaily();

  const cases = new Map<string, CaseRow>();
  for (const c of notice.cases) {
    cases.set(c.caseId, {
      caseId: c.caseId,
      status: c.status,
      parties: [...c.parties],
      isParty: c.parties.includes(institution),
      expected: c.expected,
      legCount: c.legCount,
      openedAt: c.openedAt,
      updatedAt: c.updatedAt,
      dueAt: new Date(c.dueAtMs).toISOString(),
      matchedAt: c.status === 'MATCHED' ? notice.at : null,
      origin,
    });
  }

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
    const previous = breaks.get(b.breakId);
    const isParty = b.parties.includes(institution);
    breaks.set(b.breakId, {
      breakId: b.breakId,
      caseId: b.caseId,
      findingKey: b.findingKey,
      reason: b.reason,
      status: b.status,
      parties: [...b.parties],
      isParty,
      detail: b.detail,
      openedAt: b.openedAt,
      updatedAt: b.entry?.at ?? notice.at,
      assignee: b.assignee ?? null,
      resolution: b.resolution ?? null,
      lastAction: b.action,
      lastSeq: b.entry?.seq ?? previous?.lastSeq ?? -1,
      origin,
    });
    if (b.entry) {
      transitions.push({ breakId: b.breakId, entry: b.entry, origin });
      if (b.entry.action === 'OPEN') {
        daily.breaksOpened++;
        reasonCounts(daily, b.reason).opened++;
      }
      if (b.entry.to === 'RESOLVED' && b.entry.from !== 'RESOLVED') {
        daily.breaksResolved++;
        reasonCounts(daily, b.reason).resolved++;
      }
    }
    openBreaks.set(
      b.breakId,
      isParty && b.status !== 'RESOLVED'
        ? {
            breakId: b.breakId,
            caseId: b.caseId,
            reason: b.reason,
            status: b.status,
            openedAt: b.openedAt,
            updatedAt: b.entry?.at ?? notice.at,
            assignee: b.assignee ?? null,
          }
        : null,
    );
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

/**
 * Several consecutive transactions' projections as one (applied in one SQL transaction): the latest state of
 * each case and break wins, histories and counts add up. `parts` must be in ledger order.
 */
export function mergeProjections(parts: readonly Projection[]): Projection {
  if (parts.length === 1 && parts[0]) return parts[0];
  const cases = new Map<string, CaseRow>();
  const breaks = new Map<string, BreakRow>();
  const openBreaks = new Map<string, OpenBreakRow | null>();
  const daily = new Map<string, DailyCounts>();
  const legs: LegRow[] = [];
  const transitions: TransitionRow[] = [];
  const transactions: (Origin & { at: string; creator?: TransactionCreator })[] = [];
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
    for (const [day, d] of p.daily) {
      const sum = daily.get(day) ?? emptyDaily();
      sum.legsPosted += d.legsPosted;
      sum.ownLegsPosted += d.ownLegsPosted;
      sum.breaksOpened += d.breaksOpened;
      sum.breaksResolved += d.breaksResolved;
      for (const [reason, r] of d.byReason) {
        const into = reasonCounts(sum, reason);
        into.opened += r.opened;
        into.resolved += r.resolved;
      }
      daily.set(day, sum);
    }
  }
  return { transactions, cases, legs, breaks, transitions, openBreaks, daily };
}
