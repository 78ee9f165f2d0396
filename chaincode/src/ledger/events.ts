import type {
  BreakActionType,
  BreakStatus,
  PersonRef,
  ResolutionKind,
  TimelineEntry,
} from '../core/breakMachine';
import type { LegRole, RouteStop } from '../core/leg';
import type { BreakReason, CaseStatus, FindingDetail } from '../core/matching';

/**
 * Fabric keeps one chaincode event per transaction (the last one set), so every transaction emits exactly one
 * event that lists everything it changed. Only public facts: ids, parties, statuses, reasons.
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
  readonly assignee?: PersonRef;
  readonly resolution?: ResolutionKind | 'CLEARED';
  /** The timeline entry this step appended (comment sealed); absent for UPDATE. */
  readonly entry?: TimelineEntry;
}

export interface LegChange {
  readonly mspId: string;
  readonly legId: string;
  readonly caseId: string;
  readonly role: LegRole;
  readonly postedAt: string;
}

export interface LedgerChanges {
  readonly txId: string;
  readonly at: string;
  readonly cases: readonly CaseChange[];
  readonly breaks: readonly BreakChange[];
  readonly legs: readonly LegChange[];
}
