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
 * How long after the trading day's close its last legs can come (duplicates, late legs past the service level)
 * and the runner's last sweeps run: a few minutes at the ledger's default service level; an hour is ample.
 */
export const DAY_SETTLE_MS = 60 * 60_000;

/**
 * The day a run on the embedded network simulates, and when, so that no timestamp of it lies after `nowMs`:
 * ages, "newest first" and the dashboard's days then read true. The date is `date` if given, else the day after
 * `lastDate` (the last one simulated), else the latest day whose trading hours (and settling) are over. A day
 * that is not over by now is moved back, whole, so that it is: it keeps its date (seed, leg ids, value dates)
 * and its trading hours' length, and ends `DAY_SETTLE_MS` before now.
 */
export function dayToSimulate(
  o: { readonly date?: string | undefined; readonly lastDate?: string | undefined },
  nowMs: number,
): { readonly date: string; readonly timing: DayTiming } {
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const over = (d: string) => tradingDayTiming(d).endMs + DAY_SETTLE_MS <= nowMs;
  const date =
    o.date ?? (o.lastDate !== undefined ? nextDate(o.lastDate) : over(today) ? today : previousDate(today));
  const timing = tradingDayTiming(date);
  const overshootMs = timing.endMs + DAY_SETTLE_MS - nowMs;
  if (overshootMs <= 0) return { date, timing };
  return {
    date,
    timing: { ...timing, startMs: timing.startMs - overshootMs, endMs: timing.endMs - overshootMs },
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

function nextDate(date: string, days = 1): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function previousDate(date: string): string {
  return nextDate(date, -1);
}

const digits = (rnd: Random, n: number) => Array.from({ length: n }, () => rnd.int(0, 9)).join('');

/** A route of the day and how often payments take it, relative to the others. */
interface WeightedRoute {
  readonly weight: number;
  readonly route: RouteStop[];
}

/** What drawing a day's payments needs at hand: the options, the seeded draws, and the leg ids given so far. */
interface DayDraw {
  readonly o: DayOptions;
  readonly rnd: Random;
  readonly timing: DayTiming;
  /** Every delay within a payment, drawn as in a real day and then scaled (the same draws whatever the scale). */
  readonly delay: (min: number, max: number) => number;
  /** The next leg id of an institution. */
  readonly legIdFor: (mspId: string) => string;
}

/** A payment as drawn, with what its legs share: when it starts and the accounts. */
interface DrawnPayment {
  readonly payment: SimulatedPayment;
  readonly atMs: number;
  readonly payerRef: string;
  readonly payeeRef: string;
  /** Where the creditor agent is on the route: the leg a fault changes, unless the fault picks another. */
  readonly creditorIdx: number;
  /** Who would book a credit it should not (UNEXPECTED_LEG). */
  readonly intruder: string;
}

/**
 * Generates a business day of payments across the consortium's routes, with faults injected at known rates.
 * The generator keeps the truth: which payment got which fault, so the run can be checked against it exactly.
 * The draws are made in one fixed order, so a seed always gives the same day.
 */
export function generateBusinessDay(o: DayOptions): BusinessDay {
  const rnd = new Random(o.seed);
  const routes = weightedRoutes(o.institutions);
  const timing = o.timing ?? tradingDayTiming(o.date);
  const draw: DayDraw = {
    o,
    rnd,
    timing,
    delay: (min, max) => Math.round(rnd.int(min, max) * timing.delayScale),
    legIdFor: legIds(o),
  };
  const payments: SimulatedPayment[] = [];
  const postings: PlannedPosting[] = [];
  for (let i = 0; i < o.payments; i++) {
    const p = drawPayment(draw, routes, i);
    payments.push(p.payment);
    postings.push(...routeLegs(draw, p));
    if (p.payment.intruderRoute) postings.push(intruderLeg(draw, p, p.payment.intruderRoute));
  }
  postings.sort((a, b) => a.atMs - b.atMs);
  return {
    date: o.date,
    seed: o.seed,
    startMs: timing.startMs,
    endMs: timing.endMs,
    serviceLevelMs: timing.serviceLevelMs,
    lateMarginMs: timing.lateMarginMs,
    payments,
    postings,
  };
}

function weightedRoutes({ bankA, bankB, clearing, payco }: DayOptions['institutions']): WeightedRoute[] {
  const stop = (mspId: string, role: LegRole): RouteStop => ({ mspId, role });
  return [
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
}

/** Leg ids per institution, in order: `BankA-20261207[-<runTag>]-0000001`. */
function legIds(o: DayOptions): (mspId: string) => string {
  const seq = new Map<string, number>();
  return (mspId) => {
    const n = (seq.get(mspId) ?? 0) + 1;
    seq.set(mspId, n);
    const tag = o.runTag === undefined ? '' : `${o.runTag}-`;
    return `${mspId.replace(/MSP$/, '')}-${o.date.replaceAll('-', '')}-${tag}${String(n).padStart(7, '0')}`;
  };
}

function pickRoute(rnd: Random, routes: readonly WeightedRoute[]): RouteStop[] {
  const totalWeight = routes.reduce((s, r) => s + r.weight, 0);
  let pickW = rnd.next() * totalWeight;
  return (routes.find((r) => (pickW -= r.weight) < 0) ?? routes[0])?.route ?? [];
}

/** A fault at its rate, or none. */
function pickFault(rnd: Random): Fault | null {
  let pickF = rnd.next();
  for (const [name, f] of Object.entries(FAULTS) as [Fault, (typeof FAULTS)[Fault]][]) {
    if ((pickF -= f.rate) < 0) return name;
  }
  return null;
}

/** The `i`th payment of the day: its route, fault, amount, reference, start and accounts. */
function drawPayment(d: DayDraw, routes: readonly WeightedRoute[], i: number): DrawnPayment {
  const { rnd, o } = d;
  const { bankB, payco } = o.institutions;
  const { startMs, endMs, delayScale } = d.timing;
  const route = pickRoute(rnd, routes);
  const fault = pickFault(rnd);
  const currency = rnd.next() < 0.9 ? 'CNY' : rnd.pick(['USD', 'EUR']);
  const amountMinor = BigInt(
    Math.round(Math.exp(Math.log(100) + rnd.next() * (Math.log(5_000_000) - Math.log(100)))),
  );
  const reference = rnd.uuid();
  const atMs =
    startMs + Math.floor(((endMs - startMs - 120_000 * delayScale) * i) / o.payments) + d.delay(0, 999);
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
      ? route.map((s): RouteStop =>
          s.role === 'CREDITOR_AGENT' ? { mspId: intruder, role: 'CREDITOR_AGENT' } : s,
        )
      : undefined;
  return {
    payment: { reference, route, fault, amountMinor, currency, ...(intruderRoute ? { intruderRoute } : {}) },
    atMs,
    payerRef,
    payeeRef,
    creditorIdx,
    intruder,
  };
}

/** The legs the route's stops post for a payment, its fault applied to one of them. */
function routeLegs(d: DayDraw, p: DrawnPayment): PlannedPosting[] {
  const { route, fault } = p.payment;
  const { serviceLevelMs, lateMarginMs } = d.timing;
  const faultyIdx =
    fault === 'MISSING_LEG' || fault === 'DUPLICATE' ? d.rnd.int(0, route.length - 1) : p.creditorIdx;
  const postings: PlannedPosting[] = [];
  route.forEach((s, idx) => {
    const ownFault = idx === faultyIdx ? fault : null;
    if (ownFault === 'MISSING_LEG') return;
    const leg = stopLeg(d, p, s, ownFault);
    const after =
      s.role === 'DEBTOR_AGENT'
        ? d.delay(0, 2_000)
        : s.role === 'CLEARING'
          ? d.delay(1_000, 5_000)
          : d.delay(2_000, 15_000);
    // Late enough to be flagged whatever batching window the runner uses (up to lateMarginMs / 3).
    const late = ownFault === 'LATE_LEG' ? serviceLevelMs + lateMarginMs + d.delay(0, 60_000) : 0;
    postings.push({ poster: s.mspId, atMs: p.atMs + after + late, leg });
    if (ownFault === 'DUPLICATE') {
      postings.push({
        poster: s.mspId,
        atMs: p.atMs + after + d.delay(20_000, 40_000),
        leg: { ...leg, legId: d.legIdFor(s.mspId) },
      });
    }
  });
  return postings;
}

/** The leg one stop of the route posts, with `fault` (if any) applied to it. */
function stopLeg(d: DayDraw, p: DrawnPayment, s: RouteStop, fault: Fault | null): LegInput {
  const { rnd, o } = d;
  const { reference, route, amountMinor, currency } = p.payment;
  const branches = o.institutions.branches[s.mspId] ?? [];
  return {
    legId: d.legIdFor(s.mspId),
    reference,
    role: s.role,
    ...(branches.length > 0 ? { branch: rnd.pick(branches) } : {}),
    route,
    amountMinor:
      fault === 'AMOUNT_MISMATCH'
        ? amountMinor - BigInt(rnd.int(1, Math.min(500, Number(amountMinor) - 1)))
        : amountMinor,
    currency: fault === 'CURRENCY_MISMATCH' ? (currency === 'CNY' ? 'HKD' : 'CNY') : currency,
    valueDate: fault === 'VALUE_DATE_MISMATCH' ? nextDate(o.date) : o.date,
    payerRef: p.payerRef,
    payeeRef:
      fault === 'ACCOUNT_MISMATCH'
        ? `${p.payeeRef.slice(0, -1)}${(Number(p.payeeRef.slice(-1)) + 1) % 10}`
        : p.payeeRef,
    outcome: fault === 'TIMEOUT' ? 'TIMED_OUT' : 'SETTLED',
  };
}

/** The intruder's credit leg (UNEXPECTED_LEG), on the route it declared. */
function intruderLeg(d: DayDraw, p: DrawnPayment, intruderRoute: readonly RouteStop[]): PlannedPosting {
  const { rnd, o } = d;
  const { intruder } = p;
  const { reference, amountMinor, currency } = p.payment;
  return {
    poster: intruder,
    atMs: p.atMs + d.delay(3_000, 12_000),
    leg: {
      legId: d.legIdFor(intruder),
      reference,
      role: 'CREDITOR_AGENT',
      route: intruderRoute,
      amountMinor,
      currency,
      valueDate: o.date,
      payerRef: p.payerRef,
      payeeRef: p.payeeRef,
      outcome: 'SETTLED',
      ...((o.institutions.branches[intruder] ?? []).length > 0
        ? { branch: rnd.pick(o.institutions.branches[intruder] ?? []) }
        : {}),
    },
  };
}
