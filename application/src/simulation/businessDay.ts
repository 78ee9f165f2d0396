import type { LegRole, RouteStop } from '../../../chaincode/src/core/leg';
import type { BreakReason } from '../../../chaincode/src/core/matching';
import { LIMITS } from '../../../chaincode/src/core/limits';
import type { LegInput } from '../ledger/ledgerGateway';
import { Random } from './random';

/** The faults a simulated day injects, each with what the ledger must then report for that payment. */
export const FAULTS = {
  TIMEOUT: { reasons: ['STATUS_CONFLICT'], rate: 0.025, clears: false },
  AMOUNT_MISMATCH: { reasons: ['AMOUNT_MISMATCH'], rate: 0.025, clears: false },
  DUPLICATE: { reasons: ['DUPLICATE'], rate: 0.025, clears: false },
  MISSING_LEG: { reasons: ['MISSING_LEG'], rate: 0.025, clears: false },
  CURRENCY_MISMATCH: { reasons: ['CURRENCY_MISMATCH'], rate: 0.005, clears: false },
  VALUE_DATE_MISMATCH: { reasons: ['VALUE_DATE_MISMATCH'], rate: 0.005, clears: false },
  ACCOUNT_MISMATCH: { reasons: ['ACCOUNT_MISMATCH'], rate: 0.005, clears: false },
  /** The payment's own case reports the other route; the intruder's case is checked apart (INTRUDER_REASONS). */
  UNEXPECTED_LEG: { reasons: ['UNEXPECTED_LEG'], rate: 0.005, clears: false },
  /** A leg that arrives after the service level: flagged MISSING_LEG, then cleared when it comes. */
  LATE_LEG: { reasons: ['MISSING_LEG'], rate: 0.005, clears: true },
} as const satisfies Record<string, { reasons: readonly BreakReason[]; rate: number; clears: boolean }>;
export type Fault = keyof typeof FAULTS;

/** What the case an intruder's leg opened must report: the payment's other route, and the legs never posted. */
export const INTRUDER_REASONS: readonly BreakReason[] = ['MISSING_LEG', 'UNEXPECTED_LEG'];

/** A late leg comes this long after its service level: a sweep has flagged it by then for any window ≤ 40 s. */
export const LATE_LEG_MARGIN_MS = 120_000;

export interface PlannedPosting {
  readonly poster: string;
  /** Virtual wall-clock time at which the institution's system posts the leg (ms since epoch). */
  readonly atMs: number;
  readonly leg: LegInput;
}

export interface SimulatedPayment {
  readonly reference: string;
  readonly route: readonly RouteStop[];
  /**
   * UNEXPECTED_LEG: the route an intruder declared for the payment, naming itself. Its leg opens a case of its
   * own (a leg joins a case only on the case's route), where the other stops never post: that case reports the
   * other route and, past its service level, the missing legs.
   */
  readonly intruderRoute?: readonly RouteStop[];
  readonly fault: Fault | null;
  readonly amountMinor: bigint;
  readonly currency: string;
}

export interface BusinessDay {
  readonly date: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly serviceLevelMs: number;
  /** How long after its service level a late leg comes, at least. */
  readonly lateMarginMs: number;
  readonly payments: readonly SimulatedPayment[];
  readonly postings: readonly PlannedPosting[];
}

export interface DayOptions {
  readonly seed: number;
  readonly payments: number;
  /** Business date, YYYY-MM-DD. Trading runs 09:00-17:00 China Standard Time (01:00-09:00 UTC). */
  readonly date: string;
  readonly institutions: {
    readonly bankA: string;
    readonly bankB: string;
    readonly clearing: string;
    readonly payco: string;
    readonly branches: Readonly<Record<string, readonly string[]>>;
  };
  /** When the day runs; default: the trading day of `date` in virtual time (tradingDayTiming). */
  readonly timing?: DayTiming;
  /**
   * Put into every leg id (`BankA-20261207-<runTag>-0000001`), for a ledger that outlives the runs (the live
   * network): two runs of one date then never reuse a leg id.
   */
  readonly runTag?: string;
}

/**
 * When a simulated day happens. The trading day runs in virtual time on the embedded network; on Fabric the
 * proposal time is the real clock, so a day there is compressed into minutes (`compressedTiming`).
 */
export interface DayTiming {
  readonly startMs: number;
  readonly endMs: number;
  /** The service level of every route of the day (the ledger's default, or what the runner sets). */
  readonly serviceLevelMs: number;
  /** A late leg comes at least this long after its service level. */
  readonly lateMarginMs: number;
  /** Scales every delay within a payment (between its legs, before a duplicate or a late leg): 1 = as in life. */
  readonly delayScale: number;
}

/** The trading day of `date`, 09:00-17:00 China Standard Time, with the ledger's default service level. */
export function tradingDayTiming(date: string): DayTiming {
  return {
    startMs: Date.parse(`${date}T01:00:00Z`),
    endMs: Date.parse(`${date}T09:00:00Z`),
    serviceLevelMs: LIMITS.serviceLevelMsDefault,
    lateMarginMs: LATE_LEG_MARGIN_MS,
    delayScale: 1,
  };
}

/**
 * A day compressed into `spanMs` of real time from `startMs`: delays within a payment at 1/20, a service level
 * of 6 s (the ledger's minimum is 1 s) and late legs 8 s past it, so a runner posting every 2 s still sees every
 * fault as it would in a real day.
 */
export function compressedTiming(startMs: number, spanMs: number): DayTiming {
  return { startMs, endMs: startMs + spanMs, serviceLevelMs: 6_000, lateMarginMs: 8_000, delayScale: 0.05 };
}

/** The consortium's institutions in the roles the simulated day gives them, with their branches. */
export function consortiumInstitutions(
  organisations: readonly { readonly mspId: string; readonly branches: readonly string[] }[],
): DayOptions['institutions'] {
  return {
    bankA: 'BankAMSP',
    bankB: 'BankBMSP',
    clearing: 'ClearingHouseMSP',
    payco: 'PayCoMSP',
    branches: Object.fromEntries(organisations.map((o) => [o.mspId, o.branches])),
  };
}

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const digits = (rnd: Random, n: number) => Array.from({ length: n }, () => rnd.int(0, 9)).join('');

/**
 * Generates a business day of payments across the consortium's routes, with faults injected at known rates.
 * The generator keeps the truth: which payment got which fault, so the run can be checked against it exactly.
 */
export function generateBusinessDay(o: DayOptions): BusinessDay {
  const rnd = new Random(o.seed);
  const { bankA, bankB, clearing, payco } = o.institutions;
  const stop = (mspId: string, role: LegRole): RouteStop => ({ mspId, role });
  const routes: { weight: number; route: RouteStop[] }[] = [
    {
      weight: 35,
      route: [stop(bankA, 'DEBTOR_AGENT'), stop(clearing, 'CLEARING'), stop(bankB, 'CREDITOR_AGENT')],
    },
    {
      weight: 30,
      route: [stop(bankB, 'DEBTOR_AGENT'), stop(clearing, 'CLEARING'), stop(bankA, 'CREDITOR_AGENT')],
    },
    { weight: 15, route: [stop(bankA, 'DEBTOR_AGENT'), stop(payco, 'CREDITOR_AGENT')] },
    {
      weight: 20,
      route: [stop(bankB, 'DEBTOR_AGENT'), stop(clearing, 'CLEARING'), stop(payco, 'CREDITOR_AGENT')],
    },
  ];
  const totalWeight = routes.reduce((s, r) => s + r.weight, 0);
  const faultList = Object.entries(FAULTS) as [Fault, (typeof FAULTS)[Fault]][];

  const timing = o.timing ?? tradingDayTiming(o.date);
  const { startMs, endMs, lateMarginMs, delayScale } = timing;
  const sla = timing.serviceLevelMs;
  // every delay within a payment, drawn as in a real day and then scaled (the same draws whatever the scale)
  const delay = (min: number, max: number) => Math.round(rnd.int(min, max) * delayScale);
  const payments: SimulatedPayment[] = [];
  const postings: PlannedPosting[] = [];
  const seq = new Map<string, number>();
  const legIdFor = (mspId: string) => {
    const n = (seq.get(mspId) ?? 0) + 1;
    seq.set(mspId, n);
    const tag = o.runTag === undefined ? '' : `${o.runTag}-`;
    return `${mspId.replace(/MSP$/, '')}-${o.date.replaceAll('-', '')}-${tag}${String(n).padStart(7, '0')}`;
  };

  for (let i = 0; i < o.payments; i++) {
    let pickW = rnd.next() * totalWeight;
    const route = (routes.find((r) => (pickW -= r.weight) < 0) ?? routes[0])?.route ?? [];
    let fault: Fault | null = null;
    let pickF = rnd.next();
    for (const [name, f] of faultList) {
      if ((pickF -= f.rate) < 0) {
        fault = name;
        break;
      }
    }
    const currency = rnd.next() < 0.9 ? 'CNY' : rnd.pick(['USD', 'EUR']);
    const amountMinor = BigInt(
      Math.round(Math.exp(Math.log(100) + rnd.next() * (Math.log(5_000_000) - Math.log(100)))),
    );
    const reference = rnd.uuid();
    const atMs =
      startMs + Math.floor(((endMs - startMs - 120_000 * delayScale) * i) / o.payments) + delay(0, 999);
    const payerRef = `6222${digits(rnd, 15)}`;
    const payeeRef = route.some((s) => s.mspId === payco)
      ? `PAYCO${digits(rnd, 12)}`
      : `6217${digits(rnd, 15)}`;
    const creditorIdx = route.findIndex((s) => s.role === 'CREDITOR_AGENT');
    // UNEXPECTED_LEG: a payment company books a credit for a payment routed to a bank (or a bank for one routed
    // to the payment company), declaring itself the payee.
    const intruder = route[creditorIdx]?.mspId === payco ? bankB : payco;
    const intruderRoute =
      fault === 'UNEXPECTED_LEG'
        ? route.map((s) => (s.role === 'CREDITOR_AGENT' ? stop(intruder, 'CREDITOR_AGENT') : s))
        : undefined;
    payments.push({
      reference,
      route,
      fault,
      amountMinor,
      currency,
      ...(intruderRoute ? { intruderRoute } : {}),
    });

    const faultyIdx =
      fault === 'MISSING_LEG' || fault === 'DUPLICATE' ? rnd.int(0, route.length - 1) : creditorIdx;
    route.forEach((s, idx) => {
      if (fault === 'MISSING_LEG' && idx === faultyIdx) return;
      const faulty = idx === faultyIdx;
      const branches = o.institutions.branches[s.mspId] ?? [];
      const leg: LegInput = {
        legId: legIdFor(s.mspId),
        reference,
        role: s.role,
        ...(branches.length > 0 ? { branch: rnd.pick(branches) } : {}),
        route,
        amountMinor:
          faulty && fault === 'AMOUNT_MISMATCH'
            ? amountMinor - BigInt(rnd.int(1, Math.min(500, Number(amountMinor) - 1)))
            : amountMinor,
        currency: faulty && fault === 'CURRENCY_MISMATCH' ? (currency === 'CNY' ? 'HKD' : 'CNY') : currency,
        valueDate: faulty && fault === 'VALUE_DATE_MISMATCH' ? nextDate(o.date) : o.date,
        payerRef,
        payeeRef:
          faulty && fault === 'ACCOUNT_MISMATCH'
            ? `${payeeRef.slice(0, -1)}${(Number(payeeRef.slice(-1)) + 1) % 10}`
            : payeeRef,
        outcome: faulty && fault === 'TIMEOUT' ? 'TIMED_OUT' : 'SETTLED',
      };
      const after =
        s.role === 'DEBTOR_AGENT'
          ? delay(0, 2_000)
          : s.role === 'CLEARING'
            ? delay(1_000, 5_000)
            : delay(2_000, 15_000);
      // Late enough to be flagged whatever batching window the runner uses (up to lateMarginMs / 3).
      const late = faulty && fault === 'LATE_LEG' ? sla + lateMarginMs + delay(0, 60_000) : 0;
      postings.push({ poster: s.mspId, atMs: atMs + after + late, leg });
      if (faulty && fault === 'DUPLICATE') {
        postings.push({
          poster: s.mspId,
          atMs: atMs + after + delay(20_000, 40_000),
          leg: { ...leg, legId: legIdFor(s.mspId) },
        });
      }
    });
    if (intruderRoute) {
      postings.push({
        poster: intruder,
        atMs: atMs + delay(3_000, 12_000),
        leg: {
          legId: legIdFor(intruder),
          reference,
          role: 'CREDITOR_AGENT',
          route: intruderRoute,
          amountMinor,
          currency,
          valueDate: o.date,
          payerRef,
          payeeRef,
          outcome: 'SETTLED',
          ...((o.institutions.branches[intruder] ?? []).length > 0
            ? { branch: rnd.pick(o.institutions.branches[intruder] ?? []) }
            : {}),
        },
      });
    }
  }
  postings.sort((a, b) => a.atMs - b.atMs);
  return {
    date: o.date,
    seed: o.seed,
    startMs,
    endMs,
    serviceLevelMs: sla,
    lateMarginMs,
    payments,
    postings,
  };
}
