import type {
  BreakActionType,
  BreakStatus,
  PersonRef,
  TimelineEntry,
} from '../../../chaincode/src/core/breakMachine';
import type { LegRole } from '../../../chaincode/src/core/leg';
import type { BreakReason, FindingDetail } from '../../../chaincode/src/core/matching';
import type { CaseChange } from '../../../chaincode/src/ledger/events';
import type { LegInput, TransactionCreator } from '../ledger/ledgerGateway';
import type { DailyCounts } from './dailyCounts';
import type { RootCause } from '../../../chaincode/src/core/rootCause';

/**
 * The rows of the index's tables as the indexer's pure projection (`../indexer/projection.ts`) produces
 * them, one shape per table; `applyProjection` writes them. Declared here, beside the SQL that writes them, so
 * a column and its field are changed together.
 */

/** Where a transaction sits on the ledger; (blockNumber, txIndex) orders every change. */
export interface Position {
  readonly blockNumber: bigint;
  readonly txIndex: number;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.txIndex - b.txIndex;
}

export interface Origin extends Position {
  readonly txId: string;
}

/** `indexed_transactions`: one row per transaction the index has applied. */
export interface TransactionRow extends Origin {
  readonly at: string;
  readonly creator?: TransactionCreator;
}

/** `cases`: the case as the ledger's change event names it (CaseChange), and what the index adds. */
export interface CaseRow extends Pick<
  CaseChange,
  'caseId' | 'status' | 'parties' | 'expected' | 'legCount' | 'openedAt' | 'updatedAt'
> {
  readonly isParty: boolean;
  /** The event's dueAtMs as a time. */
  readonly dueAt: string;
  /** The transaction time when this projection saw the case MATCHED (`first_matched_at` keeps the first). */
  readonly matchedAt: string | null;
  readonly origin: Origin;
}

/** `legs`: the public facts of every leg (who posted which leg of which case, when). */
export interface LegRow {
  readonly mspId: string;
  readonly legId: string;
  readonly caseId: string;
  readonly role: LegRole;
  readonly postedAt: string;
  readonly isOwn: boolean;
  readonly origin: Origin;
}

/**
 * `own_legs`: one of the institution's own legs in plaintext, as its private collection on the ledger holds
 * it. Not derived from the public changes: the indexer reads it from the ledger for each own leg of a batch
 * (`../indexer/ownLegs.ts`).
 */
export interface OwnLegRow {
  readonly leg: LegInput;
  readonly caseId: string;
  readonly txId: string;
  readonly blockNumber: bigint;
}

/** `breaks`: each break's newest state. */
export interface BreakRow {
  readonly breakId: string;
  readonly caseId: string;
  readonly findingKey: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly parties: readonly string[];
  readonly isParty: boolean;
  readonly detail: FindingDetail;
  readonly openedAt: string;
  readonly updatedAt: string;
  /**
   * The assignee, named when the node holds the case's reference (`../indexer/people.ts`); until then the
   * break's persons as the ledger holds them, sealed (`{ sealed }`), which `write/breakPeople.ts` names once the
   * reference is known. Null when the break names nobody.
   */
  readonly assignee: PersonRef | SealedPersons | null;
  readonly resolution: string | null;
  /** The root cause: the open proposal's, or the one it was resolved with; null while there is none. */
  readonly rootCause: RootCause | null;
  /** When the break is due to be resolved; null on breaks opened before due dates. */
  readonly dueAt: string | null;
  readonly lastAction: BreakActionType | 'UPDATE';
  /** The newest timeline entry's seq in this projection, or -1 if it only refreshed the finding (UPDATE). */
  readonly lastSeq: number;
  readonly origin: Origin;
}

/** A break's persons as the ledger holds them (SealedBreak.people), kept until the node can name them. */
export interface SealedPersons {
  readonly sealed: string;
}

/** `break_transitions`: one row per timeline entry. */
export interface TransitionRow {
  readonly breakId: string;
  readonly caseId: string;
  /**
   * The entry, its actor (and assignee) named when the node holds the case's reference. For the ledger's own
   * steps (OPEN, CLEAR) the actor is LEDGER_PERSON (all empty). Otherwise, until the reference is known, the actor
   * has no MSP ID or name and its id is the entry's persons as the ledger holds them, sealed (SealedEntry.people),
   * which `write/breakPeople.ts` names once the reference is known.
   */
  readonly entry: TimelineEntry;
  readonly origin: Origin;
}

/**
 * `open_breaks`: the institution's work queue. The facts of its own leg in the case (amount, currency, value
 * date, reference) are not here: `write/queueFacts.ts` copies them from `own_legs`, which may come later.
 */
export interface OpenBreakRow {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly assignee: PersonRef | null;
  /** The break's other parties, sorted (the institution itself left out). */
  readonly counterparties: readonly string[];
  readonly rootCause: RootCause | null;
  readonly dueAt: string | null;
}

/** What a batch of transactions changes in the index: written in one SQL transaction with the checkpoint. */
export interface Projection {
  /** The transactions this projection covers, in ledger order; the last is the new checkpoint. */
  readonly transactions: readonly TransactionRow[];
  readonly cases: ReadonlyMap<string, CaseRow>;
  readonly legs: readonly LegRow[];
  /** The plaintext of the own legs among `legs`, when the indexer has read it (written with the rows). */
  readonly ownLegs?: readonly OwnLegRow[];
  readonly breaks: ReadonlyMap<string, BreakRow>;
  readonly transitions: readonly TransitionRow[];
  /** breakId → its row in the institution's open-breaks queue, or null to take it out. */
  readonly openBreaks: ReadonlyMap<string, OpenBreakRow | null>;
  /**
   * The people keys of cases whose reference the node learned with this projection (its own legs): whatever the
   * index still holds sealed of their breaks is named in the same SQL transaction (`write/breakPeople.ts`).
   */
  readonly peopleKeys?: ReadonlyMap<string, Buffer>;
  /**
   * UTC day (YYYY-MM-DD) → counts. Cases opened and matched stay 0 here: `write/cases.ts` counts them, as
   * only the index knows whether a case is new or matched for the first time.
   */
  readonly daily: ReadonlyMap<string, DailyCounts>;
}
