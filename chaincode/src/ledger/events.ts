import type { BreakActionType, BreakStatus } from '../core/breakMachine';
import type { BreakReason, CaseStatus } from '../core/matching';

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
}

export interface BreakChange {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly action: BreakActionType;
  readonly parties: readonly string[];
}

export interface LegChange {
  readonly mspId: string;
  readonly legId: string;
  readonly caseId: string;
}

export interface LedgerChanges {
  readonly txId: string;
  readonly at: string;
  readonly cases: readonly CaseChange[];
  readonly breaks: readonly BreakChange[];
  readonly legs: readonly LegChange[];
}
