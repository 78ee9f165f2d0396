import type { BreakActionType, BreakStatus, ResolutionKind } from '../core/breakMachine';
import type { SealedEntry } from '../api/reconciliation';
import { routeFromText, type LegRole, type RouteStop } from '../core/leg';
import { textOfRoute } from './routeMemo';
import type { BreakReason, CaseStatus, FindingDetail } from '../core/matching';
import type { RootCause } from '../core/rootCause';
import { canonicalJsonBytes, utf8Text } from './codec';
import type { Notice } from '../core/notices';

/**
 * Fabric keeps one chaincode event per transaction (the last one set), so every transaction emits exactly one
 * event that lists everything it changed. Only public facts: ids, parties, statuses, reasons; a break's persons
 * sealed exactly as its record holds them, so a block holds nothing the state does not.
 */
export const LEDGER_CHANGES_EVENT = 'tallystick.changes';

export interface CaseChange {
  readonly caseId: string;
  readonly status: CaseStatus;
  readonly parties: readonly string[];
  readonly legCount: number;
  readonly expected: readonly RouteStop[];
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly dueAtMs: number;
  /** The notices this transaction added to the case (core/notices.ts), for the parties' nodes to try. */
  readonly notices?: readonly Notice[];
}

export interface BreakChange {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  /** The workflow step, or UPDATE when matching refreshed the finding's detail (no step in the timeline). */
  readonly action: BreakActionType | 'UPDATE';
  readonly parties: readonly string[];
  readonly findingKey: string;
  readonly detail: FindingDetail;
  readonly openedAt: string;
  /** The break's persons (assignee, proposer, approver), sealed for its parties as the break record holds them. */
  readonly people: string;
  readonly resolution?: ResolutionKind | 'CLEARED';
  /** The open proposal's root cause (core/rootCause.ts), while there is one. */
  readonly proposalRootCause?: RootCause;
  /** The root cause the break was resolved with (its agreed proposal's). */
  readonly rootCause?: RootCause;
  /** When the break is due to be resolved (absent on breaks opened before due dates). */
  readonly dueAt?: string;
  /** The timeline entry this step appended (its persons and comment sealed); absent for UPDATE. */
  readonly entry?: SealedEntry;
}

export interface LegChange {
  readonly mspId: string;
  readonly legId: string;
  readonly caseId: string;
  readonly role: LegRole;
  readonly postedAt: string;
  /** The institution's own earlier leg of the case that this leg corrects (superseded from now on). */
  readonly corrects?: string;
}

export interface LedgerChanges {
  readonly txId: string;
  readonly at: string;
  readonly cases: readonly CaseChange[];
  readonly breaks: readonly BreakChange[];
  readonly legs: readonly LegChange[];
}

// ---- the event as the ledger carries it -------------------------------------------------------------

/**
 * The event's payload (wire format 2). A batch's event lists every leg and case it changed, and its bytes are
 * encoded, hashed twice, written with the block and read by every listener, so it is compact: each case and
 * leg one array in a fixed order, each route text and each party list once, a leg's case as its index in
 * `cases`, and a leg's time left empty when it is the transaction's. Breaks (few) are listed as they are.
 * decodeLedgerChanges gives back the LedgerChanges that were encoded; it also reads the plain LedgerChanges
 * JSON of events written before 2026-11-28.
 */
interface WireChanges {
  readonly at: string;
  readonly breaks: readonly BreakChange[];
  readonly cases: readonly WireCase[];
  readonly legs: readonly WireLeg[];
  readonly partySets: readonly (readonly string[])[];
  readonly routes: readonly string[];
  readonly txId: string;
  readonly v: 2;
}

type WireCase = readonly [
  caseId: string,
  status: CaseStatus,
  legCount: number,
  openedAt: string,
  updatedAt: string,
  dueAtMs: number,
  /** Indexes `routes`. */
  expected: number,
  /** Indexes `partySets`. */
  parties: number,
  /** Only when the transaction added notices to the case: each `[tag, box]`. */
  notices?: readonly (readonly [t: string, b: string])[],
];

type WireLeg = readonly [
  /** The leg's case: its index in `cases`, or its id when the case is not listed. */
  caseRef: number | string,
  legId: string,
  mspId: string,
  role: LegRole,
  /** '' when it is the transaction's time (`at`). */
  postedAt: string,
  /** Only on a correction: the id of the leg it corrects. */
  corrects?: string,
];

/** One index per distinct key, in order of first appearance; `values` lists the value first given for each. */
class Interned<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();

  of(key: string, value: T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.push(value) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

export function encodeLedgerChanges(changes: LedgerChanges): Buffer {
  const routes = new Interned<string>();
  const partySets = new Interned<readonly string[]>();
  const caseIndex = new Map<string, number>();
  const cases = changes.cases.map((c, i): WireCase => {
    caseIndex.set(c.caseId, i);
    const route = textOfRoute(c.expected);
    const wire = [
      c.caseId,
      c.status,
      c.legCount,
      c.openedAt,
      c.updatedAt,
      c.dueAtMs,
      routes.of(route, route),
      // Party lists hold MSP IDs, which never contain a newline.
      partySets.of(c.parties.join('\n'), c.parties),
    ] as const;
    return c.notices === undefined || c.notices.length === 0
      ? wire
      : [...wire, c.notices.map((n) => [n.t, n.b] as const)];
  });
  const legs = changes.legs.map((l): WireLeg => {
    const caseRef = caseIndex.get(l.caseId) ?? l.caseId;
    const postedAt = l.postedAt === changes.at ? '' : l.postedAt;
    return l.corrects === undefined
      ? [caseRef, l.legId, l.mspId, l.role, postedAt]
      : [caseRef, l.legId, l.mspId, l.role, postedAt, l.corrects];
  });
  const wire: WireChanges = {
    at: changes.at,
    breaks: changes.breaks,
    cases,
    legs,
    partySets: partySets.values,
    routes: routes.values,
    txId: changes.txId,
    v: 2,
  };
  return canonicalJsonBytes(wire);
}

export function decodeLedgerChanges(payload: Uint8Array): LedgerChanges {
  const parsed = JSON.parse(utf8Text(payload)) as WireChanges | LedgerChanges;
  if (!('v' in parsed)) return parsed;
  const format: unknown = parsed.v;
  if (format !== 2)
    throw new Error(`ledger changes of transaction ${parsed.txId}: unknown format ${String(format)}`);
  const routes = parsed.routes.map(routeFromText);
  const at = parsed.at;
  const cases = parsed.cases.map(
    ([caseId, status, legCount, openedAt, updatedAt, dueAtMs, expected, parties, notices]): CaseChange => ({
      caseId,
      dueAtMs,
      expected: listed(routes, expected, 'route', parsed.txId),
      legCount,
      ...(notices === undefined ? {} : { notices: notices.map(([t, b]) => ({ b, t })) }),
      openedAt,
      parties: listed(parsed.partySets, parties, 'party list', parsed.txId),
      status,
      updatedAt,
    }),
  );
  const legs = parsed.legs.map(([caseRef, legId, mspId, role, postedAt, corrects]): LegChange => ({
    caseId: typeof caseRef === 'string' ? caseRef : listed(cases, caseRef, 'case', parsed.txId).caseId,
    ...(corrects === undefined ? {} : { corrects }),
    legId,
    mspId,
    postedAt: postedAt === '' ? at : postedAt,
    role,
  }));
  return { at, breaks: parsed.breaks, cases, legs, txId: parsed.txId };
}

function listed<T>(list: readonly T[], index: number, what: string, txId: string): T {
  const v = list[index];
  if (v === undefined) throw new Error(`ledger changes of transaction ${txId}: no ${what} ${index}`);
  return v;
}
