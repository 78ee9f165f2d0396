import { applyBreakAction, openBreak, type ActionContext, type BreakRecord } from './breakMachine';
import { assert } from './assert';
import { MATCH_FIELDS, type RouteStop } from './leg';
import { evaluateCase, liveLegs, type CaseStatus, type LegFacts } from './matching';

/** A case's reference to one of its breaks. */
export interface BreakRef {
  readonly findingKey: string;
  readonly breakId: string;
  readonly open: boolean;
  readonly cleared: boolean;
}

/** What deciding a case needs to know of it: its legs, its breaks, the other cases of its reference. */
export interface CaseFacts {
  readonly caseId: string;
  readonly parties: readonly string[];
  readonly legs: readonly LegFacts[];
  readonly breaks: readonly BreakRef[];
  readonly otherCases: readonly string[];
  readonly awaitingLegs: boolean;
  readonly matchedAt?: string;
}

/** A break to write, and what happened to it (the change stream's action). */
export interface BreakWrite {
  readonly record: BreakRecord;
  readonly action: 'OPEN' | 'UPDATE' | 'CLEAR';
}

export interface CaseDecision {
  readonly status: CaseStatus;
  readonly expected: readonly RouteStop[];
  readonly breaks: readonly BreakRef[];
  readonly writes: readonly BreakWrite[];
  /** Whether the case still waits for legs; false once every expected leg is in or its service level passed. */
  readonly awaitingLegs: boolean;
  /** Whether the case leaves the due index now (it waited for legs until this decision). */
  readonly leavesDueIndex: boolean;
  readonly matchedAt?: string;
}

/**
 * A matched case: one live leg per stop of its route (`stops`: the stops its live legs stand at), every live
 * leg the same on every match field (superseded legs no longer count: liveLegs).
 */
function assertMatchedLegsAgree(caseId: string, legs: readonly LegFacts[], stops: ReadonlySet<string>): void {
  const first = legs[0];
  assert(first !== undefined, () => `case ${caseId}: matched without a leg`);
  let differs: string | undefined;
  for (const l of legs) {
    for (const f of MATCH_FIELDS)
      if (l.digests[f] !== first.digests[f]) differs ??= `${l.legId} differs in ${f}`;
  }
  assert(differs === undefined, () => `case ${caseId}: matched, yet leg ${String(differs)}`);
  assert(stops.size === legs.length, () => `case ${caseId}: matched with two legs at one stop`);
}

/** Deep equality of JSON values, whatever order their keys were written in (a stored break's are canonical). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * What matching the case's legs means for its breaks, decided without reading or writing anything: a break is
 * opened for each new finding; an open break whose finding is still there gets the latest detail (a break the
 * parties resolved stays resolved); an open break whose finding is gone is cleared. `open` holds the case's
 * open breaks (every ref with `open`), `breakIdOf` names a new break of a finding by its generation (how many
 * breaks that finding had before), and `stamp` is the transaction's actor and time.
 */
export function decideCase(
  c: CaseFacts,
  open: ReadonlyMap<string, BreakRecord>,
  serviceLevelPassed: boolean,
  stamp: Omit<ActionContext, 'comment'>,
  breakIdOf: (findingKey: string, generation: number) => string,
): CaseDecision {
  const verdict = evaluateCase(c.legs, serviceLevelPassed, c.otherCases);
  const at: ActionContext = { ...stamp, comment: '' };
  const breaks: BreakRef[] = [...c.breaks];
  const writes: BreakWrite[] = [];
  const openBreakOf = (breakId: string): BreakRecord => {
    const b = open.get(breakId);
    if (b === undefined) throw new Error(`case ${c.caseId}: its open break ${breakId} was not given`);
    return b;
  };

  const live = new Set(verdict.findings.map((f) => f.key));
  for (const finding of verdict.findings) {
    const refs = breaks.filter((b) => b.findingKey === finding.key);
    const current = refs.find((b) => b.open || !b.cleared);
    if (current) {
      if (!current.open) continue;
      const b = openBreakOf(current.breakId);
      if (!sameJson(b.detail, finding.detail) || !sameJson(b.parties, c.parties)) {
        writes.push({
          record: { ...b, detail: finding.detail, parties: c.parties, updatedAt: stamp.at },
          action: 'UPDATE',
        });
      }
      continue;
    }
    const breakId = breakIdOf(finding.key, refs.length);
    const init = { breakId, caseId: c.caseId, findingKey: finding.key, reason: finding.reason };
    writes.push({
      record: openBreak({ ...init, detail: finding.detail, parties: c.parties }, at),
      action: 'OPEN',
    });
    breaks.push({ breakId, cleared: false, findingKey: finding.key, open: true });
  }
  for (let i = 0; i < breaks.length; i++) {
    const ref = breaks[i] as BreakRef;
    if (!ref.open || live.has(ref.findingKey)) continue;
    writes.push({
      record: applyBreakAction(openBreakOf(ref.breakId), { type: 'CLEAR' }, at),
      action: 'CLEAR',
    });
    breaks[i] = { ...ref, cleared: true, open: false };
  }

  const counted = liveLegs(c.legs);
  const present = new Set(counted.map((l) => `${l.mspId}/${l.role}`));
  if (verdict.status === 'MATCHED') assertMatchedLegsAgree(c.caseId, counted, present);
  const complete = verdict.expected.every((s) => present.has(`${s.mspId}/${s.role}`));
  const leavesDueIndex = c.awaitingLegs && (complete || serviceLevelPassed);
  const matchedAt = c.matchedAt ?? (verdict.status === 'MATCHED' ? stamp.at : undefined);
  return {
    status: verdict.status,
    expected: verdict.expected,
    breaks,
    writes,
    awaitingLegs: c.awaitingLegs && !leavesDueIndex,
    leavesDueIndex,
    ...(matchedAt === undefined ? {} : { matchedAt }),
  };
}
