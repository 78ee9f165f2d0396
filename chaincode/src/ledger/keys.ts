/**
 * Every ledger key the chaincode uses, and nothing else builds keys. Simple (non-composite) keys, so that range
 * queries work on them; ':' separates parts, and no part may contain ':' except the last.
 */
import { hash } from 'node:crypto';

export const IMPLICIT_COLLECTION_PREFIX = '_implicit_org_';
export const implicitCollection = (mspId: string) => `${IMPLICIT_COLLECTION_PREFIX}${mspId}`;

/** The public identity of a case: a domain-separated hash of the payment reference; the reference itself never leaves the parties. */
export function caseIdOf(reference: string): string {
  return hash('sha256', `tallystick/case/v1\u0000${reference}`, 'hex');
}

export function breakIdOf(caseId: string, findingKey: string, generation: number): string {
  return 'brk-' + hash('sha256', `${caseId}\u0000${findingKey}\u0000${generation}`, 'hex').slice(0, 28);
}

const DUE_WIDTH = 15;

export const keys = {
  case: (caseId: string) => `case:${caseId}`,
  /** A posted leg's public record: which case it went to, the hash of what was posted (idempotency), the leg sealed. */
  leg: (mspId: string, legId: string) => `leg:${mspId}:${legId}`,
  break: (breakId: string) => `brk:${breakId}`,
  /** Open breaks of one party, ordered by break id (pagination walks this range). */
  openBreak: (mspId: string, breakId: string) => `open:${mspId}:${breakId}`,
  openBreakRange: (mspId: string) => [`open:${mspId}:`, `open:${mspId};`] as const,
  /** Cases that still wait for legs, ordered by the time their service level runs out. */
  due: (dueAtMs: number, caseId: string) => `due:${String(dueAtMs).padStart(DUE_WIDTH, '0')}:${caseId}`,
  dueRangeUntil: (nowMs: number) => ['due:', `due:${String(nowMs).padStart(DUE_WIDTH, '0')};`] as const,
  serviceLevel: (routeText: string) => `sla:${routeText}`,
  /** Where ledgers written before 2026-11-27 keep a leg's sealed copy (now in its keys.leg record); read only. */
  legacySealedLeg: (caseId: string, mspId: string, legId: string) => `sleg:${caseId}:${mspId}:${legId}`,
  /** Private (the acting institution's collection): a mutation's idempotency record under its client-chosen key. */
  idempotency: (key: string) => `idem:${key}`,
  /** Private: the leg as posted, in canonical JSON. */
  legRecord: (caseId: string, legId: string) => `leg:${caseId}:${legId}`,
} as const;
