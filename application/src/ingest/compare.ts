import { createHash } from 'node:crypto';

import { TallyError } from '../../../chaincode/src/core/errors';
import type { LegRole, Outcome, RouteStop } from '../../../chaincode/src/core/leg';
import { parseRoute } from '../../../chaincode/src/core/leg';
import {
  parseAccountRef,
  parseClientId,
  parseIsoDate,
  parseReference,
} from '../../../chaincode/src/core/reference';
import type { LegInput } from '../ledger/ledgerGateway';
import type { Side, StatementLine } from './statementLine';

/** A leg as the shared ledger holds it for this institution (its own posted legs). */
export type LedgerLeg = LegInput & { readonly mspId?: string };

export type MatchedBy = 'UETR' | 'END_TO_END_ID' | 'LEG_ID';
export const COMPARED_FIELDS = [
  'amountMinor',
  'currency',
  'valueDate',
  'side',
  'outcome',
  'payerRef',
  'payeeRef',
] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface FieldDifference {
  readonly field: ComparedField;
  readonly mine: string;
  readonly ledger: string;
}

export interface Mismatch {
  readonly line: StatementLine;
  readonly leg: LedgerLeg;
  readonly matchedBy: MatchedBy;
  readonly differences: readonly FieldDifference[];
}

/**
 * One of my legs on the ledger that did not settle (FAILED, TIMED_OUT): no money moved by the ledger's account,
 * so it is no difference from my books but a payment to follow up. With the line of my books it pairs with, if
 * any (a booking of mine against a leg that did not settle is a status conflict to resolve, not a field to fix).
 */
export interface NotSettled {
  readonly leg: LedgerLeg;
  readonly line?: StatementLine;
  readonly matchedBy?: MatchedBy;
  /** Fields other than the outcome that differ from the line (empty without one). */
  readonly differences: readonly FieldDifference[];
}

/** The differences between one institution's books and its legs on the shared ledger. */
export interface BooksComparison {
  /** Booked in my books, with no leg on the ledger: candidates for `legsToPost`. */
  readonly onlyInMyBooks: readonly StatementLine[];
  /** Settled on the ledger, not in my books. */
  readonly onlyOnLedger: readonly LedgerLeg[];
  /** The same payment on both sides, settled on the ledger, with fields that disagree. */
  readonly fieldDifferences: readonly Mismatch[];
  /** My legs that did not settle, paired with a line of my books or not: their own group, never a difference. */
  readonly notSettled: readonly NotSettled[];
  /** Pending or information-only lines (camt PDNG/INFO): not bookings, so neither compared nor posted. */
  readonly notBooked: readonly StatementLine[];
  /** Pairs with a settled leg that agree on every compared field. */
  readonly matched: number;
  readonly myLinesCompared: number;
  readonly ledgerLegsCompared: number;
}

const UETR_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NONE = -1;

const isUuid = (s: string): boolean => s.length === 36 && UETR_SHAPE.test(s);

/**
 * The key an EndToEndId is indexed and looked up by. Payers often put a UUID in the EndToEndId (and camt before
 * version 7 has no UETR element): such an id is keyed in lower case, as the ledger writes a UETR, so a leg whose
 * reference is that UUID finds the line. Any other EndToEndId is compared as written.
 */
const endToEndKey = (id: string): string => (isUuid(id) ? id.toLowerCase() : id);

/** The direction a leg's role implies on the posting institution's books; a clearing leg implies none. */
export function sideOfRole(role: LegRole): Side | undefined {
  switch (role) {
    case 'DEBTOR_AGENT':
      return 'DEBIT';
    case 'CREDITOR_AGENT':
      return 'CREDIT';
    case 'CLEARING':
      return undefined;
  }
}

/** The outcome a booked line stands for: a reversal means the payment did not settle. */
export function outcomeOfLine(line: StatementLine): Outcome {
  return line.reversal ? 'FAILED' : 'SETTLED';
}

/** A reference shared by more lines than this gets its own index by amount, currency and date when searched. */
const CHAIN_SCAN_MAX = 16;

/**
 * Keys to the lines not yet matched, as a first index per key and a chain through `next` (and back through
 * `prev`), so a million lines cost a map and two arrays. A matched line is unlinked, so a chain holds only what
 * can still match. A key shared by many lines (payers reuse EndToEndIds; a hostile file can give one to every
 * line) is indexed once more, by amount, currency and date, the first time it is searched that way: a search
 * never walks more than `CHAIN_SCAN_MAX` lines, and the comparison stays linear whatever the books hold.
 */
class Chains {
  readonly first = new Map<string, number>();
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Per heavily shared key: lines by money-and-date key, in line order, with a cursor past the matched ones. */
  private readonly byMoney = new Map<string, Map<string, { lines: number[]; at: number }>>();
  constructor(
    n: number,
    private readonly keyOf: (line: StatementLine) => string | undefined,
  ) {
    this.next = new Int32Array(n).fill(NONE);
    this.prev = new Int32Array(n).fill(NONE);
  }
  /** Called in descending order of i, so that each chain runs in the order of the lines. */
  prepend(key: string, i: number): void {
    const head = this.first.get(key);
    if (head !== undefined) {
      this.next[i] = head;
      this.prev[head] = i;
    }
    this.first.set(key, i);
  }
  /** The first unmatched line of `key`. */
  head(key: string): number {
    return this.first.get(key) ?? NONE;
  }
  /** Takes line i (of `line`) out of its chain. */
  unlink(i: number, line: StatementLine): void {
    const key = this.keyOf(line);
    if (key === undefined) return;
    const p = this.prev[i] ?? NONE;
    const nx = this.next[i] ?? NONE;
    if (p === NONE) {
      if (this.first.get(key) !== i) return;
      if (nx === NONE) this.first.delete(key);
      else this.first.set(key, nx);
    } else this.next[p] = nx;
    if (nx !== NONE) this.prev[nx] = p;
    this.next[i] = NONE;
    this.prev[i] = NONE;
  }
  /**
   * The first unmatched line of `key` with the leg's amount, currency and value date (a line without a value
   * date agrees with any).
   */
  findSameMoney(key: string, leg: LedgerLeg, lines: readonly StatementLine[], matched: Uint8Array): number {
    let index = this.byMoney.get(key);
    if (index === undefined) {
      let seen = 0;
      for (let i = this.head(key); i !== NONE; i = this.next[i] ?? NONE) {
        const line = lines[i];
        if (line && sameMoneyAndDate(line, leg)) return i;
        if (++seen > CHAIN_SCAN_MAX) break;
      }
      if (seen <= CHAIN_SCAN_MAX) return NONE;
      // A heavily shared key: index its unmatched lines by money and date, once.
      index = new Map();
      for (let i = this.head(key); i !== NONE; i = this.next[i] ?? NONE) {
        const line = lines[i];
        if (!line) continue;
        const k = moneyKey(line.amountMinor, line.currency, line.valueDate ?? '');
        const entry = index.get(k);
        if (entry) entry.lines.push(i);
        else index.set(k, { lines: [i], at: 0 });
      }
      this.byMoney.set(key, index);
    }
    const amountMinor = typeof leg.amountMinor === 'bigint' ? leg.amountMinor : BigInt(leg.amountMinor);
    let best = NONE;
    for (const date of [leg.valueDate, '']) {
      const entry = index.get(moneyKey(amountMinor, leg.currency, date));
      if (!entry) continue;
      while (entry.at < entry.lines.length && matched[entry.lines[entry.at] ?? 0] === 1) entry.at++;
      const i = entry.lines[entry.at];
      if (i !== undefined && (best === NONE || i < best)) best = i;
    }
    return best;
  }
}

const moneyKey = (amountMinor: bigint, currency: string, valueDate: string): string =>
  `${amountMinor.toString()} ${currency} ${valueDate}`;

function differences(line: StatementLine, leg: LedgerLeg): FieldDifference[] {
  const out: FieldDifference[] = [];
  const legAmount = typeof leg.amountMinor === 'bigint' ? leg.amountMinor : BigInt(leg.amountMinor);
  if (legAmount !== line.amountMinor)
    out.push({ field: 'amountMinor', mine: line.amountMinor.toString(), ledger: legAmount.toString() });
  if (leg.currency !== line.currency)
    out.push({ field: 'currency', mine: line.currency, ledger: leg.currency });
  if (line.valueDate !== undefined && leg.valueDate !== line.valueDate)
    out.push({ field: 'valueDate', mine: line.valueDate, ledger: leg.valueDate });
  const legSide = sideOfRole(leg.role);
  if (legSide !== undefined && legSide !== line.side)
    out.push({ field: 'side', mine: line.side, ledger: legSide });
  const outcome = outcomeOfLine(line);
  if (leg.outcome !== outcome) out.push({ field: 'outcome', mine: outcome, ledger: leg.outcome });
  if (line.payerRef !== undefined && leg.payerRef !== line.payerRef)
    out.push({ field: 'payerRef', mine: line.payerRef, ledger: leg.payerRef });
  if (line.payeeRef !== undefined && leg.payeeRef !== line.payeeRef)
    out.push({ field: 'payeeRef', mine: line.payeeRef, ledger: leg.payeeRef });
  return out;
}

/** Amount, currency and date agree: what makes a shared EndToEndId the same payment rather than another one. */
function sameMoneyAndDate(line: StatementLine, leg: LedgerLeg): boolean {
  return (
    line.currency === leg.currency &&
    (line.valueDate === undefined || line.valueDate === leg.valueDate) &&
    line.amountMinor === (typeof leg.amountMinor === 'bigint' ? leg.amountMinor : BigInt(leg.amountMinor))
  );
}

/**
 * The pairing of my lines with ledger legs as it goes: the lines not yet matched, indexed by UETR and by
 * EndToEndId, and what each pair turned out to be.
 */
class Pairing {
  readonly matched: Uint8Array;
  private readonly byUetr: Chains;
  private readonly byE2e: Chains;
  private readonly fieldDifferences: Mismatch[] = [];
  private readonly notSettled: NotSettled[] = [];
  private agreed = 0;

  constructor(private readonly lines: readonly StatementLine[]) {
    const n = lines.length;
    this.matched = new Uint8Array(n);
    this.byUetr = new Chains(n, (l) => l.uetr);
    this.byE2e = new Chains(n, (l) => (l.endToEndId === undefined ? undefined : endToEndKey(l.endToEndId)));
    for (let i = n - 1; i >= 0; i--) {
      const l = this.booked(i);
      if (!l) continue;
      if (l.uetr !== undefined) this.byUetr.prepend(l.uetr, i);
      if (l.endToEndId !== undefined) this.byE2e.prepend(endToEndKey(l.endToEndId), i);
    }
  }

  booked(i: number): StatementLine | undefined {
    const l = this.lines[i];
    return l?.status === 'BOOKED' ? l : undefined;
  }

  /**
   * A leg by its reference: a UETR takes the line with that UETR that agrees on amount, currency and date, else
   * the first with that UETR (a UETR names one payment); then, for a UETR as for an EndToEndId, a line with that
   * EndToEndId and the same amount, currency and date. Whether the leg was paired.
   */
  byReference(leg: LedgerLeg): boolean {
    const ref = leg.reference;
    if (isUuid(ref)) {
      const uetr = ref.toLowerCase();
      let i = this.byUetr.findSameMoney(uetr, leg, this.lines, this.matched);
      if (i === NONE) i = this.byUetr.head(uetr);
      if (i !== NONE) {
        this.take(i, leg, 'UETR');
        return true;
      }
    }
    const i = this.byE2e.findSameMoney(endToEndKey(ref), leg, this.lines, this.matched);
    if (i === NONE) return false;
    this.take(i, leg, 'END_TO_END_ID');
    return true;
  }

  /** The legs left, by leg id over the lines still unmatched; returns those still unpaired. */
  byLegId(legs: readonly LedgerLeg[]): LedgerLeg[] {
    const byLegId = new Map<string, number>();
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.booked(i);
      if (l?.legId !== undefined && this.matched[i] === 0) byLegId.set(l.legId, i);
    }
    const left: LedgerLeg[] = [];
    for (const leg of legs) {
      const i = byLegId.get(leg.legId);
      if (i !== undefined && this.matched[i] === 0) this.take(i, leg, 'LEG_ID');
      else left.push(leg);
    }
    return left;
  }

  /**
   * An EndToEndId (or a UUID kept as one) left over exactly once on each side is one payment whose amount or
   * date differs; returns the legs still unpaired.
   */
  byLoneEndToEndId(legs: readonly LedgerLeg[]): LedgerLeg[] {
    const legsPerKey = new Map<string, number>();
    for (const leg of legs) {
      const key = endToEndKey(leg.reference);
      legsPerKey.set(key, (legsPerKey.get(key) ?? 0) + 1);
    }
    const left: LedgerLeg[] = [];
    for (const leg of legs) {
      const key = endToEndKey(leg.reference);
      const first = legsPerKey.get(key) === 1 ? this.byE2e.head(key) : NONE;
      const second = first === NONE ? NONE : (this.byE2e.next[first] ?? NONE);
      if (first !== NONE && second === NONE) this.take(first, leg, 'END_TO_END_ID');
      else left.push(leg);
    }
    return left;
  }

  /** Line i and the leg are one payment: it agrees, differs, or did not settle on the ledger. */
  private take(i: number, leg: LedgerLeg, matchedBy: MatchedBy): void {
    this.matched[i] = 1;
    const line = this.lines[i];
    if (!line) return;
    this.byUetr.unlink(i, line);
    this.byE2e.unlink(i, line);
    const d = differences(line, leg);
    if (leg.outcome !== 'SETTLED')
      this.notSettled.push({ leg, line, matchedBy, differences: d.filter((x) => x.field !== 'outcome') });
    else if (d.length === 0) this.agreed++;
    else this.fieldDifferences.push({ line, leg, matchedBy, differences: d });
  }

  /** The comparison, with `unpaired`, the legs no line was found for. */
  result(unpaired: readonly LedgerLeg[], legsCompared: number): BooksComparison {
    const onlyOnLedger: LedgerLeg[] = [];
    for (const leg of unpaired) {
      if (leg.outcome === 'SETTLED') onlyOnLedger.push(leg);
      else this.notSettled.push({ leg, differences: [] });
    }
    const onlyInMyBooks: StatementLine[] = [];
    const notBooked: StatementLine[] = [];
    let bookedCount = 0;
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i];
      if (!l) continue;
      if (l.status !== 'BOOKED') notBooked.push(l);
      else {
        bookedCount++;
        if (this.matched[i] === 0) onlyInMyBooks.push(l);
      }
    }
    return {
      onlyInMyBooks,
      onlyOnLedger,
      fieldDifferences: this.fieldDifferences,
      notSettled: this.notSettled,
      notBooked,
      matched: this.agreed,
      myLinesCompared: bookedCount,
      ledgerLegsCompared: legsCompared,
    };
  }
}

/**
 * Compares my books with my legs on the shared ledger. Pure and deterministic; time and memory are linear:
 * my lines are indexed once by UETR, EndToEndId and leg id, and the ledger legs are read once, as they come
 * (an iterable, so they can be streamed from the index rather than held).
 *
 * A leg is matched by its UETR, else by EndToEndId together with amount, currency and value date (payers
 * reuse EndToEndIds, so an EndToEndId alone never makes two lines one; a leg whose reference is a UUID also
 * finds a line that carries that UUID as its EndToEndId), else by leg id. An EndToEndId left over on both
 * sides exactly once is then taken as one payment whose fields differ. A leg that did not settle (FAILED,
 * TIMED_OUT) goes to `notSettled`, paired or not, and is never a difference.
 */
export function compareBooks(
  myLines: readonly StatementLine[],
  ledgerLegs: Iterable<LedgerLeg>,
): BooksComparison {
  const pairing = new Pairing(myLines);
  // 1. Streamed: by UETR, or by EndToEndId with the same amount, currency and date.
  const pending: LedgerLeg[] = [];
  let legsCompared = 0;
  for (const leg of ledgerLegs) {
    legsCompared++;
    if (!pairing.byReference(leg)) pending.push(leg);
  }
  // 2. What is left (few, in practice): by leg id, then an EndToEndId left once on each side.
  const unpaired = pairing.byLoneEndToEndId(pairing.byLegId(pending));
  return pairing.result(unpaired, legsCompared);
}

/** How the institution posts its missing legs: who it is, and its rules for role and route. */
export interface PostingContext {
  /** The posting institution; the ledger still takes the identity from the signer, never from this. */
  readonly mspId: string;
  readonly roleFor: (line: StatementLine) => LegRole;
  readonly routeFor: (line: StatementLine) => readonly RouteStop[];
  /** Default: the line's own leg id, else one derived from the statement and the line (stable across uploads). */
  readonly legIdFor?: (line: StatementLine) => string;
  readonly branch?: string;
}

/** Debit on my books: I am the payer's bank; credit: the payee's. */
export function roleBySide(line: StatementLine): LegRole {
  return line.side === 'DEBIT' ? 'DEBTOR_AGENT' : 'CREDITOR_AGENT';
}

export class LegsNotPostable extends Error {
  override readonly name = 'LegsNotPostable';
  constructor(readonly problems: readonly { readonly at: number | string; readonly detail: string }[]) {
    super(
      `${problems.length} line(s) cannot be posted: ` +
        problems
          .slice(0, 5)
          .map((p) => `${typeof p.at === 'number' ? `line ${p.at}` : p.at}: ${p.detail}`)
          .join('; '),
    );
  }
}

function derivedLegId(mspId: string, line: StatementLine): string {
  const h = createHash('sha256')
    .update(
      [
        mspId,
        line.format,
        line.statementId,
        line.account ?? '',
        String(line.at),
        line.uetr ?? line.endToEndId ?? '',
        line.amountMinor.toString(),
        line.currency,
        line.valueDate ?? '',
        line.side,
      ].join('\u0000'),
    )
    .digest('hex');
  return `stmt-${h.slice(0, 40)}`;
}

/**
 * The legs to post for what is in my books and not on the ledger. All or nothing: if any line cannot become a
 * valid leg (no reference, no accounts, zero amount, a route without this institution in that role), nothing is
 * returned and `LegsNotPostable` lists every such line.
 */
export function legsToPost(report: BooksComparison, context: PostingContext): LegInput[] {
  const legs: LegInput[] = [];
  const problems: { at: number | string; detail: string }[] = [];
  for (const line of report.onlyInMyBooks) {
    try {
      if (line.status !== 'BOOKED') throw new Error('not a booked line');
      const reference = parseReference(line.uetr ?? line.endToEndId, 'reference (UETR or EndToEndId)');
      if (line.amountMinor <= 0n) throw new Error('amount must be greater than zero');
      if (line.valueDate === undefined) throw new Error('no value date');
      const role = context.roleFor(line);
      const route = parseRoute(context.routeFor(line));
      if (!route.some((s) => s.mspId === context.mspId && s.role === role)) {
        throw new Error(`the route does not list ${context.mspId} as ${role}`);
      }
      const payerRef = line.payerRef ?? (line.side === 'DEBIT' ? line.account : undefined);
      const payeeRef = line.payeeRef ?? (line.side === 'CREDIT' ? line.account : undefined);
      const legId = parseClientId(
        context.legIdFor?.(line) ?? line.legId ?? derivedLegId(context.mspId, line),
        'legId',
      );
      legs.push({
        legId,
        reference,
        role,
        ...(context.branch !== undefined && { branch: context.branch }),
        route,
        amountMinor: line.amountMinor.toString(),
        currency: line.currency,
        valueDate: parseIsoDate(line.valueDate, 'valueDate'),
        payerRef: parseAccountRef(payerRef, 'payerRef'),
        payeeRef: parseAccountRef(payeeRef, 'payeeRef'),
        outcome: outcomeOfLine(line),
      });
    } catch (e) {
      problems.push({ at: line.at, detail: e instanceof TallyError ? e.detail : (e as Error).message });
    }
  }
  if (problems.length > 0) throw new LegsNotPostable(problems);
  return legs;
}
