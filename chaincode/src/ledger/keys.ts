/**
 * Every ledger key the chaincode uses, and nothing else builds keys. Simple (non-composite) keys, so that range
 * queries work on them; ':' separates parts, and no part may contain ':' except the last.
 */
import { hash } from 'node:crypto';

import type { RouteStop } from '../core/leg';
import { textOfRoute } from './routeMemo';

export const IMPLICIT_COLLECTION_PREFIX = '_implicit_org_';
export const implicitCollection = (mspId: string) => `${IMPLICIT_COLLECTION_PREFIX}${mspId}`;

const CASE_PART_HEX = 32;

/**
 * The public identity of a case: a domain-separated hash of the payment reference, then one of the route. The
 * reference itself never leaves the parties. A case holds the legs of one reference posted on one route: a leg
 * that declares another route opens a case of its own (whoever posts it, in whatever order), so a member that
 * learns a reference can never join the case of a route it is not on. Every case of one reference shares the
 * first half (caseIdPrefix), so the cases of a reference are one key range.
 */
export function caseIdOf(reference: string, route: readonly RouteStop[]): string {
  // The route half is keyed by the reference too: without it, a case's id says nothing of its route.
  const routePart = hash(
    'sha256',
    `tallystick/case-route/v2\u0000${reference}\u0000${textOfRoute(route)}`,
    'hex',
  );
  return caseIdPrefix(reference) + routePart.slice(0, CASE_PART_HEX);
}

/** What every case of a reference's id starts with: knowing the reference is proved by matching it. */
export function caseIdPrefix(reference: string): string {
  return hash('sha256', `tallystick/case/v2\u0000${reference}`, 'hex').slice(0, CASE_PART_HEX);
}

/** Whether a case is one of the given reference's. */
export function isCaseOf(caseId: string, reference: string): boolean {
  return caseId.length === 2 * CASE_PART_HEX && caseId.startsWith(caseIdPrefix(reference));
}

export function breakIdOf(caseId: string, findingKey: string, generation: number): string {
  return 'brk-' + hash('sha256', `${caseId}\u0000${findingKey}\u0000${generation}`, 'hex').slice(0, 28);
}

const DUE_WIDTH = 15;

export const keys = {
  /**
   * Every case of one payment reference, under one key (one case per route declared for the reference; nearly
   * always one): from one of its case ids or its caseIdPrefix. One point read finds a new case's siblings.
   */
  referenceCases: (caseIdOrPrefix: string) => `cases:${caseIdOrPrefix.slice(0, CASE_PART_HEX)}`,
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
  /** An institution's notice key (contract/noticeDirectory.ts): public, one per institution, and their range. */
  noticeKey: (mspId: string) => `nkey:${mspId}`,
  noticeKeyRange: () => ['nkey:', 'nkey;'] as const,
  /** Private (the acting institution's collection): a mutation's idempotency record under its client-chosen key. */
  idempotency: (key: string) => `idem:${key}`,
  /** Private: the leg as posted, in canonical JSON. */
  legRecord: (caseId: string, legId: string) => `leg:${caseId}:${legId}`,
} as const;
