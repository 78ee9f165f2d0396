import type { BreakReason, CaseStatus } from '../../../chaincode/src/core/matching';
import { LIMITS } from '../../../chaincode/src/core/limits';
import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import type { ChangeNotice, Identity, LedgerGateway } from '../ledger/ledgerGateway';
import { FAULTS, INTRUDER_REASONS, type BusinessDay, type Fault, type SimulatedPayment } from './businessDay';

export interface RunOptions {
  readonly gateway: LedgerGateway;
  /** The posting system of each institution, by MSP ID. */
  readonly systems: ReadonlyMap<string, Identity>;
  /** Who runs the service-level sweep. */
  readonly sweeper: Identity;
  /** Legs are collected per institution over this much time and posted as one batch (at most a third of the day's late-leg margin). */
  readonly windowMs?: number;
  /**
   * Run in real time (a ledger whose transaction time is the clock, as on Fabric): each window is posted once
   * the clock reaches its end, without a timestamp, and the sweeper runs every window once the first service
   * level can have passed. Otherwise every submit carries the window's virtual time.
   */
  readonly realTime?: boolean;
  readonly batchMax?: number;
  readonly onProgress?: (p: { postedLegs: number; totalLegs: number; virtualMs: number }) => void;
}

export interface CaseOutcome {
  readonly caseId: string;
  readonly reference: string;
  readonly fault: Fault | null;
  readonly expected: readonly BreakReason[];
  readonly found: readonly BreakReason[];
  readonly status: CaseStatus | 'UNKNOWN';
}

export interface DayReport {
  readonly date: string;
  readonly seed: number;
  readonly payments: number;
  readonly legsPosted: number;
  readonly transactions: number;
  readonly retries: number;
  readonly firstBlock: bigint;
  readonly lastBlock: bigint;
  readonly wallMs: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly injected: Readonly<Record<string, number>>;
  readonly found: Readonly<Record<string, number>>;
  readonly cleared: number;
  readonly mismatches: readonly CaseOutcome[];
  /** Submit → break event, wall clock, for breaks that a posted leg revealed. */
  readonly detectionWallMs: readonly number[];
  /** From the service level's expiry (counted from the first leg's posting time) to MISSING_LEG on the ledger, in ledger time. */
  readonly missingLegLedgerMs: readonly number[];
}

/**
 * Replays a business day through a ledger gateway: each institution's system posts its legs in batches as
 * virtual time passes, a sweeper flags overdue cases, and every break event is compared with the truth the
 * generator kept.
 */
export async function runBusinessDay(day: BusinessDay, o: RunOptions): Promise<DayReport> {
  const windowMs = o.windowMs ?? 30_000;
  if (windowMs > day.lateMarginMs / 3) throw new Error(`windowMs must be at most ${day.lateMarginMs / 3}`);
  const wallStart = performance.now();
  const run = new DayRun(day, o);
  const unsubscribe = o.gateway.onChanges(run.onChange);
  const horizon = day.endMs + day.serviceLevelMs + 2 * windowMs;
  try {
    for (
      let windowEnd = day.startMs + windowMs;
      windowEnd <= horizon || !run.allTaken;
      windowEnd += windowMs
    ) {
      const byPoster = run.takeWindow(windowEnd);
      if (o.realTime === true) {
        const wait = windowEnd - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await run.post(byPoster, windowEnd);
      await run.sweepIfDue(windowEnd);
      o.onProgress?.({
        postedLegs: run.postedLegs,
        totalLegs: day.postings.length,
        virtualMs: windowEnd - day.startMs,
      });
    }
    // Events are delivered as blocks commit; let the last ones arrive.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    unsubscribe();
  }
  const { injected, found, statusCounts, mismatches } = judgeDay(day, run.reasonsByCase, run.statusByCase);
  return {
    date: day.date,
    seed: day.seed,
    payments: day.payments.length,
    legsPosted: run.postedLegs,
    transactions: run.transactions,
    retries: 'retries' in o.gateway ? (o.gateway as { retries: number }).retries : 0,
    firstBlock: run.firstBlock ?? 0n,
    lastBlock: run.lastBlock,
    wallMs: performance.now() - wallStart,
    statusCounts,
    injected,
    found,
    cleared: run.cleared,
    mismatches,
    ...run.latencies(),
  };
}

type Posting = BusinessDay['postings'][number];

/** A break the change stream reported opening, and when (wall clock) it arrived. */
interface BreakSeen {
  readonly txId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly receivedAt: number;
}

/**
 * One run of a day: what it has posted and swept (and when), and what the change stream has told about the
 * day's cases.
 */
class DayRun {
  readonly reasonsByCase = new Map<string, Set<BreakReason>>();
  readonly statusByCase = new Map<string, CaseStatus>();
  firstBlock: bigint | undefined;
  lastBlock = 0n;
  cleared = 0;
  transactions = 0;
  postedLegs = 0;
  /** Each payment's case, and the case an intruder's leg opened for it (UNEXPECTED_LEG). */
  private readonly caseIds: ReadonlySet<string>;
  private readonly breaksSeen: BreakSeen[] = [];
  private readonly submitStarted = new Map<string, number>();
  private readonly txTimeMs = new Map<string, number>();
  private readonly firstLegAtMs = new Map<string, number>();
  private readonly openedOnLedger = new Set<string>();
  /** When each case opened on the ledger falls due, in the order they opened. */
  private readonly dueQueue: number[] = [];
  private dueHead = 0;
  /** The next planned posting to take. */
  private next = 0;

  constructor(
    private readonly day: BusinessDay,
    private readonly o: RunOptions,
  ) {
    this.caseIds = new Set(
      day.payments.flatMap((p) => [
        caseIdOf(p.reference, p.route),
        ...(p.intruderRoute ? [caseIdOf(p.reference, p.intruderRoute)] : []),
      ]),
    );
  }

  readonly onChange = (c: ChangeNotice): void => {
    const receivedAt = performance.now();
    this.firstBlock ??= c.blockNumber;
    this.lastBlock = c.blockNumber;
    for (const k of c.cases) if (this.caseIds.has(k.caseId)) this.statusByCase.set(k.caseId, k.status);
    for (const b of c.breaks) {
      if (!this.caseIds.has(b.caseId)) continue;
      if (b.action === 'OPEN') {
        let set = this.reasonsByCase.get(b.caseId);
        if (!set) this.reasonsByCase.set(b.caseId, (set = new Set()));
        set.add(b.reason);
        this.breaksSeen.push({ txId: c.txId, caseId: b.caseId, reason: b.reason, receivedAt });
      } else if (b.action === 'CLEAR') this.cleared++;
    }
  };

  get allTaken(): boolean {
    return this.next >= this.day.postings.length;
  }

  /** The postings planned before `windowEnd` not yet taken, by poster. */
  takeWindow(windowEnd: number): Map<string, Posting[]> {
    const { postings } = this.day;
    const byPoster = new Map<string, Posting[]>();
    while (this.next < postings.length && (postings[this.next]?.atMs ?? Infinity) < windowEnd) {
      const p = postings[this.next++];
      if (!p) break;
      const list = byPoster.get(p.poster) ?? [];
      list.push(p);
      byPoster.set(p.poster, list);
    }
    return byPoster;
  }

  /** The submit's time: the window's end in virtual time; none in real time (the ledger's clock decides). */
  private at(windowEnd: number): { timestamp?: Date } {
    return this.o.realTime === true ? {} : { timestamp: new Date(windowEnd) };
  }

  /** Posts a window's legs, each institution's in batches of at most `batchMax`. */
  async post(byPoster: ReadonlyMap<string, readonly Posting[]>, windowEnd: number): Promise<void> {
    const batchMax = this.o.batchMax ?? 500;
    // Each institution's system posts its batch in turn, as their schedules would have it. Posting them all at
    // the same instant only makes them collide on the same cases (MVCC) and retry; the conformance suite
    // covers that path.
    for (const [poster, list] of [...byPoster].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const who = this.o.systems.get(poster);
      if (!who) throw new Error(`no posting system for ${poster}`);
      for (let i = 0; i < list.length; i += batchMax) {
        const chunk = list.slice(i, i + batchMax);
        const started = performance.now();
        const r = await this.o.gateway.postLegs(
          who,
          chunk.map((p) => p.leg),
          this.at(windowEnd),
        );
        this.submitted(r.txId, started, windowEnd);
        for (const p of chunk) this.notePosted(p, windowEnd);
        this.postedLegs += chunk.length;
      }
    }
  }

  private submitted(txId: string, startedWallMs: number, windowEnd: number): void {
    this.transactions++;
    this.submitStarted.set(txId, startedWallMs);
    this.txTimeMs.set(txId, windowEnd);
  }

  /** A posted leg's case: when its first leg was planned, and when it falls due if this leg opened it. */
  private notePosted(p: Posting, windowEnd: number): void {
    const id = caseIdOf(p.leg.reference, p.leg.route);
    this.firstLegAtMs.set(id, Math.min(this.firstLegAtMs.get(id) ?? Infinity, p.atMs));
    if (!this.openedOnLedger.has(id)) {
      this.openedOnLedger.add(id);
      this.dueQueue.push(windowEnd + this.day.serviceLevelMs);
    }
  }

  async sweepIfDue(windowEnd: number): Promise<void> {
    // The sweeper runs when some case's service level has run out by this window; rounds in which nothing can
    // have come due are skipped (every case here uses the default service level).
    // In real time the ledger's clock runs on while posting lags behind the plan: sweep every window once
    // the first case can be due.
    let due = this.o.realTime === true && (this.dueQueue[0] ?? Infinity) <= windowEnd;
    while (this.dueHead < this.dueQueue.length && (this.dueQueue[this.dueHead] ?? Infinity) <= windowEnd) {
      this.dueHead++;
      due = true;
    }
    for (let more = due; more;) {
      const r = await this.o.gateway.sweep(this.o.sweeper, LIMITS.sweepMax, this.at(windowEnd));
      this.submitted(r.txId, performance.now(), windowEnd);
      more = r.result.more;
    }
  }

  /**
   * How fast breaks were found: a leg's break from its submit to its event (wall clock); a missing leg's from
   * its case's service level (counted from the first leg's posting time) to the sweep that flagged it (ledger
   * time).
   */
  latencies(): Pick<DayReport, 'detectionWallMs' | 'missingLegLedgerMs'> {
    const detectionWallMs: number[] = [];
    const missingLegLedgerMs: number[] = [];
    for (const p of this.breaksSeen) {
      if (p.reason === 'MISSING_LEG') {
        const opened = this.firstLegAtMs.get(p.caseId);
        const flaggedAt = this.txTimeMs.get(p.txId);
        if (opened !== undefined && flaggedAt !== undefined)
          missingLegLedgerMs.push(flaggedAt - (opened + this.day.serviceLevelMs));
      } else {
        const started = this.submitStarted.get(p.txId);
        if (started !== undefined) detectionWallMs.push(p.receivedAt - started);
      }
    }
    return { detectionWallMs, missingLegLedgerMs };
  }
}

/**
 * The day against the truth: every payment's case (and the case an intruder's leg opened) must report exactly
 * the reasons its injected fault calls for, and end in the status it calls for.
 */
function judgeDay(
  day: BusinessDay,
  reasonsByCase: ReadonlyMap<string, ReadonlySet<BreakReason>>,
  statusByCase: ReadonlyMap<string, CaseStatus>,
): Pick<DayReport, 'injected' | 'found' | 'statusCounts' | 'mismatches'> {
  const injected: Record<string, number> = {};
  const found: Record<string, number> = {};
  const statusCounts: Record<string, number> = {};
  const mismatches: CaseOutcome[] = [];
  const check = (
    p: SimulatedPayment,
    caseId: string,
    expected: readonly BreakReason[],
    expectedStatus: CaseStatus,
  ) => {
    const foundReasons = [...(reasonsByCase.get(caseId) ?? [])].sort();
    for (const r of expected) injected[r] = (injected[r] ?? 0) + 1;
    for (const r of foundReasons) found[r] = (found[r] ?? 0) + 1;
    const status = statusByCase.get(caseId) ?? 'UNKNOWN';
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    if (expected.join(',') !== foundReasons.join(',') || status !== expectedStatus) {
      mismatches.push({
        caseId,
        reference: p.reference,
        fault: p.fault,
        expected: [...expected],
        found: foundReasons,
        status,
      });
    }
  };
  for (const p of day.payments) {
    const expected = p.fault ? [...FAULTS[p.fault].reasons] : [];
    check(
      p,
      caseIdOf(p.reference, p.route),
      expected,
      p.fault === null || FAULTS[p.fault].clears ? 'MATCHED' : 'BROKEN',
    );
    if (p.intruderRoute) check(p, caseIdOf(p.reference, p.intruderRoute), INTRUDER_REASONS, 'BROKEN');
  }
  return { injected, found, statusCounts, mismatches };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? NaN;
}

export function formatReport(r: DayReport): string {
  const reasons = [...new Set([...Object.keys(r.injected), ...Object.keys(r.found)])].sort();
  const lines = [
    `Business day ${r.date} (seed ${r.seed})`,
    `  payments            ${r.payments}`,
    `  legs posted         ${r.legsPosted} in ${r.transactions} transactions (${r.retries} MVCC retries), blocks ${r.firstBlock}-${r.lastBlock}`,
    `  matched             ${r.statusCounts.MATCHED ?? 0}   broken ${r.statusCounts.BROKEN ?? 0}   pending ${r.statusCounts.PENDING ?? 0}`,
    `  breaks by reason    found / injected`,
    ...reasons.map(
      (k) =>
        `    ${k.padEnd(20)} ${String(r.found[k] ?? 0).padStart(5)} / ${String(r.injected[k] ?? 0).padStart(5)}${(r.found[k] ?? 0) === (r.injected[k] ?? 0) ? '' : '   <-- differs'}`,
    ),
    `  late legs cleared   ${r.cleared}`,
    `  detection latency   submit -> break event (wall): p50 ${percentile(r.detectionWallMs, 50).toFixed(1)} ms, p99 ${percentile(r.detectionWallMs, 99).toFixed(1)} ms over ${r.detectionWallMs.length} breaks`,
    `                      service level -> MISSING_LEG (ledger time, from first leg's posting): p50 ${(percentile(r.missingLegLedgerMs, 50) / 1000).toFixed(1)} s, p99 ${(percentile(r.missingLegLedgerMs, 99) / 1000).toFixed(1)} s over ${r.missingLegLedgerMs.length}`,
    `  wall time           ${(r.wallMs / 1000).toFixed(1)} s (${Math.round(r.legsPosted / (r.wallMs / 1000))} legs/s)`,
    r.mismatches.length === 0
      ? `  verdict             every injected fault found, nothing else reported: EXACT`
      : `  verdict             ${r.mismatches.length} payments differ from the truth, e.g. ${JSON.stringify(r.mismatches.slice(0, 3))}`,
  ];
  return lines.join('\n');
}
