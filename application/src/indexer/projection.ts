import { emptyDaily, reasonCounts, sumDaily, utcDay } from '../readModel/dailyCounts';
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

/**
 * Pure: what one ledger transaction's public changes mean for one institution's index. No I/O, no clock; the
 * read model (`../readModel/applyProjection.ts`) writes the result in one SQL transaction with the checkpoint.
 * The rows' shapes are the read model's (`../readModel/rows.ts`), beside the SQL that writes them.
 */

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
