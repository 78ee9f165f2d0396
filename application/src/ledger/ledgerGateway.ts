import type { Attachment, BreakRecord, ResolutionKind } from '../../../chaincode/src/core/breakMachine';
import type { ErrorCode } from '../../../chaincode/src/core/errors';
import type { RootCause } from '../../../chaincode/src/core/rootCause';
import type { LegRole, Outcome, RouteStop } from '../../../chaincode/src/core/leg';
import type { NoticeKeyRecord } from '../../../chaincode/src/api/notices';
import type { CaseRecord } from '../../../chaincode/src/api/reconciliation';
import type { Notice } from '../../../chaincode/src/core/notices';
import type {
  HistoryEntry,
  OwnLegRef,
  PostedLeg,
  SealedBreak,
} from '../../../chaincode/src/api/reconciliation';
import type { LedgerChanges } from '../../../chaincode/src/ledger/events';

/** An X.509 identity of one person or system, as fabric-ca issues it. */
export interface Identity {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** A leg as a member system posts it. Amounts are integer minor units (bigint or decimal string). */
export interface LegInput {
  readonly legId: string;
  readonly reference: string;
  readonly role: LegRole;
  readonly branch?: string;
  readonly route: readonly RouteStop[];
  readonly amountMinor: bigint | string;
  readonly currency: string;
  readonly valueDate: string;
  readonly payerRef: string;
  readonly payeeRef: string;
  readonly outcome: Outcome;
  /** The institution's own earlier leg of the same payment and route that this leg corrects. */
  readonly corrects?: string;
}

export type { OwnLegRef };

export interface Committed<T> {
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly result: T;
}

export interface SubmitOptions {
  /** The proposal timestamp (chaincode time). Only the embedded network and simulations set it. */
  readonly timestamp?: Date;
}

export interface PostLegsOptions extends SubmitOptions {
  /**
   * Notices for the other parties of the batch's cases, by case id (chaincode/src/core/notices.ts): a case keeps
   * those it does not hold yet, so a party whose leg is still missing learns the case's payment reference.
   */
  readonly notices?: Readonly<Record<string, readonly Notice[]>>;
}

export interface MutationOptions extends SubmitOptions {
  /**
   * The client's name for this request (the HTTP Idempotency-Key header): the ledger runs it at most once; a
   * retry with the same key and input returns the first result, another input under it is IDEMPOTENCY_CONFLICT.
   * Without one the gateway picks a fresh key, so its own retries stay safe.
   */
  readonly idempotencyKey?: string;
}

export interface BreakActionOptions extends MutationOptions {
  readonly comment?: string;
  /** The payment reference; needed to seal a comment so that only the case's parties can read it. */
  readonly reference?: string;
}

export type DecisionAction = 'APPROVE' | 'ACCEPT' | 'REJECT' | 'RESOLVE' | 'COMMENT';

/** What a proposal says besides its comment (required too): the resolution and why the break happened. */
export interface Proposal {
  readonly kind: ResolutionKind;
  readonly rootCause: RootCause;
}

/** One transaction's changes, with where it sits on the ledger: (blockNumber, txIndex) orders all changes. */
export interface ChangeNotice extends LedgerChanges {
  readonly blockNumber: bigint;
  /** Position of the transaction within its block (invalid transactions count too, as in Fabric). */
  readonly txIndex: number;
  /** Who signed the transaction (its creator in the block), when the change stream can tell. */
  readonly creator?: TransactionCreator;
  /**
   * The notice key a registerNoticeKey transaction registered (no case, break or leg changes then): the node's
   * notices read the directory again only after one (application/src/notices/nodeNotices.ts).
   */
  readonly noticeKey?: NoticeKeyRecord;
}

/** The signer of a transaction as the block records it: MSP ID and the certificate's subject and issuer. */
export interface TransactionCreator {
  readonly mspId: string;
  /** Distinguished names as Fabric's ClientIdentity.getID() writes them: `/O=BankBMSP/OU=client/CN=bruno`. */
  readonly subject: string;
  readonly issuer: string;
}

export interface OpenCase {
  readonly case: CaseRecord;
  readonly legs: readonly (CaseRecord['legs'][number] & { detail: LegInput })[];
  readonly breaks: readonly BreakRecord[];
}

/**
 * The one seam between the application and a ledger. Typed use cases, not function names; nothing above it
 * knows whether the embedded network or a live Fabric network answers.
 */
export interface LedgerGateway {
  readonly backend: 'embedded' | 'fabric';
  postLegs(
    who: Identity,
    legs: readonly LegInput[],
    options?: PostLegsOptions,
  ): Promise<Committed<PostedLeg[]>>;
  sweep(
    who: Identity,
    limit: number,
    options?: SubmitOptions,
  ): Promise<Committed<{ flagged: number; examined: number; more: boolean }>>;
  assignBreak(
    who: Identity,
    breakId: string,
    assignee: string,
    options?: BreakActionOptions,
  ): Promise<Committed<BreakRecord>>;
  proposeResolution(
    who: Identity,
    breakId: string,
    proposal: Proposal,
    options: BreakActionOptions,
  ): Promise<Committed<BreakRecord>>;
  /** Moves a break's due date (an approver of a party, with a comment). */
  setBreakDue(
    who: Identity,
    breakId: string,
    dueAt: string,
    options: BreakActionOptions,
  ): Promise<Committed<BreakRecord>>;
  decideBreak(
    who: Identity,
    breakId: string,
    action: DecisionAction,
    options?: BreakActionOptions,
  ): Promise<Committed<BreakRecord>>;
  /**
   * Attaches a file to a break (ATTACH): its hash, size and media type go on the ledger; its name (in plaintext
   * here) travels in the transient map and is sealed for the parties. The file itself stays on the node.
   */
  attachToBreak(
    who: Identity,
    breakId: string,
    attachment: Attachment,
    options: BreakActionOptions,
  ): Promise<Committed<BreakRecord>>;
  setServiceLevel(
    who: Identity,
    route: string,
    serviceLevelMs: number,
    options?: MutationOptions,
  ): Promise<Committed<null>>;
  getCase(who: Identity, caseId: string): Promise<CaseRecord>;
  /** A case of the reference opened for a party: the one named by `caseId`, or the first the caller is on. */
  readCase(who: Identity, reference: string, caseId?: string): Promise<OpenCase>;
  /**
   * A break as the ledger holds it, its persons and comments sealed; with the reference (parties only), opened.
   */
  getBreak(who: Identity, breakId: string): Promise<SealedBreak>;
  getBreak(who: Identity, breakId: string, reference: string): Promise<BreakRecord>;
  getBreak(who: Identity, breakId: string, reference?: string): Promise<BreakRecord | SealedBreak>;
  /** Open breaks as the ledger holds them (persons sealed): the node opens the ones it holds references for. */
  listOpenBreaks(
    who: Identity,
    mspId: string,
    pageSize: number,
    bookmark?: string,
  ): Promise<{ items: SealedBreak[]; bookmark: string }>;
  history(who: Identity, kind: 'case' | 'break' | 'leg', id: string): Promise<HistoryEntry[]>;
  /**
   * The caller's institution's own legs as posted, read from its private collection on the ledger (in the
   * order asked; LEG_NOT_FOUND if one is not there). What a node keeps of its own legs comes from here.
   */
  readOwnLegs(who: Identity, legs: readonly OwnLegRef[]): Promise<LegInput[]>;
  /** Every committed change, in block order, from `startBlock` (default: from now on). */
  onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void;
  close(): Promise<void>;
}

/** The ledger refused: the chaincode's error code and message, or a validation code such as MVCC_READ_CONFLICT. */
export class LedgerRejected extends Error {
  override readonly name = 'LedgerRejected';
  constructor(
    readonly code:
      | ErrorCode
      | 'MVCC_READ_CONFLICT'
      | 'PHANTOM_READ_CONFLICT'
      | 'ENDORSEMENT_POLICY_FAILURE'
      | 'TRANSACTION_INVALID',
    readonly detail: string,
    readonly txId?: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/**
 * Whether a write that failed as unavailable may have taken effect:
 * - `NOT_SENT`: it never reached the ordering service (no peer endorsed it, or the orderer refused it), so the
 *   ledger holds nothing of it;
 * - `UNKNOWN`: it was sent for ordering and no answer came (a deadline, a lost connection while awaiting the
 *   commit): it may be committed, now or later. The gateway looks it up by `txId` before any retry; a caller
 *   retries under the same idempotency key, which returns the first result if it did commit.
 */
export type WriteOutcome = 'NOT_SENT' | 'UNKNOWN';

/** The ledger could not be reached or did not answer in time; the operation may be retried with the same ids. */
export class LedgerUnavailable extends Error {
  override readonly name = 'LedgerUnavailable';
  /** For a write: whether it may have taken effect (reads are always NOT_SENT: they change nothing). */
  readonly outcome: WriteOutcome;
  /** The transaction's id when it was sent (outcome UNKNOWN), to look it up. */
  readonly txId: string | undefined;
  constructor(message: string, options?: { cause?: unknown; outcome?: WriteOutcome; txId?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.outcome = options?.outcome ?? 'UNKNOWN';
    this.txId = options?.txId;
  }
}

/** What the ledger knows of a transaction id: committed (valid or not), or nothing (yet). */
export type TransactionStatus =
  | { readonly status: 'VALID'; readonly blockNumber: bigint }
  | { readonly status: 'INVALID'; readonly code: string; readonly blockNumber: bigint }
  | { readonly status: 'NOT_FOUND' };

/**
 * The ledger answered, but with a failure that carries no error code: a fault of the chaincode or the peer, not
 * of the caller. Deliberately neither LedgerRejected (that would blame the input) nor LedgerUnavailable (a retry
 * would meet the same fault); HTTP answers it as 500 INTERNAL.
 */
export class LedgerInternalError extends Error {
  override readonly name = 'LedgerInternalError';
}

/** Conflicts that are safe to retry: the transaction changed nothing and its inputs are idempotent. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);
