import { randomUUID } from 'node:crypto';

import type { Attachment, BreakRecord } from '../../../chaincode/src/core/breakMachine';
import { parseErrorMessage } from '../../../chaincode/src/core/errors';
import type { CaseRecord } from '../../../chaincode/src/api/reconciliation';
import type { HistoryEntry, PostedLeg, SealedBreak } from '../../../chaincode/src/api/reconciliation';
import { openSealedBreak } from '../../../chaincode/src/ledger/breakPeople';
import { canonicalJson } from '../../../chaincode/src/ledger/codec';
import {
  LedgerRejected,
  LedgerUnavailable,
  RETRYABLE_CODES,
  type BreakActionOptions,
  type ChangeNotice,
  type Committed,
  type DecisionAction,
  type Identity,
  type LedgerGateway,
  type LegInput,
  type MutationOptions,
  type PostLegsOptions,
  type OpenCase,
  type Proposal,
  type OwnLegRef,
  type SubmitOptions,
  type TransactionStatus,
} from './ledgerGateway';

export interface ContractCall {
  readonly fcn: string;
  readonly args: readonly string[];
  readonly transient: Readonly<Record<string, string>>;
  /**
   * Evaluate only: the organisation whose peer answers (default: the caller's own). The blacklist reads an
   * approved request's evidence from the uploader's peer, the one peer that holds the uploader's collection.
   */
  readonly peerOrg?: string;
}

/** How one backend moves a call to the ledger and back. Errors come out as LedgerRejected / LedgerUnavailable. */
export interface LedgerTransport {
  readonly backend: 'embedded' | 'fabric';
  submit(
    who: Identity,
    call: ContractCall,
    options?: SubmitOptions,
  ): Promise<{ txId: string; blockNumber: bigint; payload: Buffer }>;
  evaluate(who: Identity, call: ContractCall): Promise<Buffer>;
  /** What the ledger knows of a sent transaction (Fabric: its peer's qscc), to decide a retry after a lost answer. */
  transactionStatus?(who: Identity, txId: string): Promise<TransactionStatus>;
  onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void;
  close(): Promise<void>;
}

/**
 * The legs as the transient field carries them. Only the chaincode reads this text (it is never stored), so it
 * need not be canonical: legs whose amounts are all text go through JSON.stringify as they are.
 */
function legsJson(legs: readonly LegInput[]): string {
  return legs.some((l) => typeof l.amountMinor === 'bigint') ? canonicalJson(legs) : JSON.stringify(legs);
}

const CONTRACT = 'reconciliation';
const call = (
  name: string,
  args: readonly (string | number)[] = [],
  transient: Record<string, string> = {},
): ContractCall => ({
  fcn: `${CONTRACT}:${name}`,
  args: args.map(String),
  transient,
});

function actionTransient(options?: BreakActionOptions): Record<string, string> {
  const t: Record<string, string> = { idempotencyKey: options?.idempotencyKey ?? randomUUID() };
  if (options?.comment) t.comment = options.comment;
  if (options?.reference) t.reference = options.reference;
  return t;
}

/** Maps an error message from a chaincode (through any SDK prefixes) to LedgerRejected when it carries a code. */
export function rejectionFrom(message: string, txId?: string): LedgerRejected | undefined {
  const parsed = parseErrorMessage(message);
  return parsed ? new LedgerRejected(parsed.code, parsed.detail, txId) : undefined;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
}

/**
 * The use cases over any transport. Retries only what is safe: a transaction invalidated by an MVCC or phantom
 * conflict changed nothing, and every write carries its own idempotency key, so it is submitted again as is.
 */
export class TransportGateway implements LedgerGateway {
  readonly backend: 'embedded' | 'fabric';
  retries = 0;
  /** Writes whose answer was lost after they were sent, looked up by id and then retried. */
  readonly lostAnswers: { txId: string; known: TransactionStatus['status'] }[] = [];

  constructor(
    readonly transport: LedgerTransport,
    private readonly retry: RetryPolicy = { attempts: 8, backoffMs: 2 },
  ) {
    this.backend = transport.backend;
  }

  /** The same ledger, every conflict surfacing to the caller (tests observe MVCC this way). */
  withoutRetries(): TransportGateway {
    return new TransportGateway(this.transport, { attempts: 1, backoffMs: 0 });
  }

  private async submit<T>(who: Identity, c: ContractCall, options?: SubmitOptions): Promise<Committed<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.transport.submit(who, c, options);
        const text = r.payload.toString('utf8');
        return { txId: r.txId, blockNumber: r.blockNumber, result: (text ? JSON.parse(text) : null) as T };
      } catch (e) {
        if (e instanceof LedgerRejected && RETRYABLE_CODES.has(e.code) && attempt < this.retry.attempts) {
          this.retries++;
          await new Promise((res) => setTimeout(res, this.retry.backoffMs * attempt * (1 + Math.random())));
          continue;
        }
        if (attempt < this.retry.attempts && (await this.lookedUpAfterLostAnswer(who, e))) continue;
        throw e;
      }
    }
  }

  /**
   * A write sent for ordering whose answer was lost (outcome UNKNOWN) is looked up by its id before any retry:
   * committed or not, a retry is then safe, because every write is idempotent (legs by their input hash, the
   * others by their idempotency key): after a commit it returns the first result and changes nothing; after none
   * (or an invalid one) it does the work. A ledger that cannot even answer the lookup is left to the caller (HTTP
   * 503, outcome unknown, retried under the same keys).
   */
  private async lookedUpAfterLostAnswer(who: Identity, e: unknown): Promise<boolean> {
    if (!(e instanceof LedgerUnavailable) || e.outcome !== 'UNKNOWN' || e.txId === undefined) return false;
    if (!this.transport.transactionStatus) return false;
    const txId = e.txId;
    const known = await this.transport.transactionStatus(who, txId).catch(() => undefined);
    if (known === undefined) return false;
    this.lostAnswers.push({ txId, known: known.status });
    if (this.lostAnswers.length > 100) this.lostAnswers.shift();
    return true;
  }

  private async evaluate<T>(who: Identity, c: ContractCall): Promise<T> {
    const payload = await this.transport.evaluate(who, c);
    return JSON.parse(payload.toString('utf8')) as T;
  }

  /**
   * A call of another contract of the package (the blacklist's gateway, `blacklistGateway.ts`), with the same
   * retries and error mapping as this gateway's own use cases.
   */
  submitCall<T>(who: Identity, c: ContractCall, options?: SubmitOptions): Promise<Committed<T>> {
    return this.submit<T>(who, c, options);
  }

  evaluateCall<T>(who: Identity, c: ContractCall): Promise<T> {
    return this.evaluate<T>(who, c);
  }

  postLegs(
    who: Identity,
    legs: readonly LegInput[],
    options?: PostLegsOptions,
  ): Promise<Committed<PostedLeg[]>> {
    const notices = options?.notices;
    const transient: Record<string, string> = { legs: legsJson(legs) };
    if (notices !== undefined && Object.keys(notices).length > 0) transient.notices = JSON.stringify(notices);
    return this.submit(who, call('postLegs', [], transient), options);
  }

  sweep(who: Identity, limit: number, options?: SubmitOptions) {
    return this.submit<{ flagged: number; examined: number; more: boolean }>(
      who,
      call('sweep', [limit]),
      options,
    );
  }

  assignBreak(
    who: Identity,
    breakId: string,
    assignee: string,
    options?: BreakActionOptions,
  ): Promise<Committed<BreakRecord>> {
    return opened(
      this.submit<SealedBreak>(
        who,
        // The assignee travels in the transient map: arguments are in the block for every member to read.
        call('assignBreak', [breakId], { ...actionTransient(options), assignee }),
        options,
      ),
      options,
    );
  }

  proposeResolution(
    who: Identity,
    breakId: string,
    proposal: Proposal,
    options: BreakActionOptions,
  ): Promise<Committed<BreakRecord>> {
    return opened(
      this.submit<SealedBreak>(
        who,
        call('proposeResolution', [breakId, proposal.kind, proposal.rootCause], actionTransient(options)),
        options,
      ),
      options,
    );
  }

  setBreakDue(
    who: Identity,
    breakId: string,
    dueAt: string,
    options: BreakActionOptions,
  ): Promise<Committed<BreakRecord>> {
    return opened(
      this.submit<SealedBreak>(who, call('setBreakDue', [breakId, dueAt], actionTransient(options)), options),
      options,
    );
  }

  decideBreak(
    who: Identity,
    breakId: string,
    action: DecisionAction,
    options?: BreakActionOptions,
  ): Promise<Committed<BreakRecord>> {
    return opened(
      this.submit<SealedBreak>(
        who,
        call('decideBreak', [breakId, action], actionTransient(options)),
        options,
      ),
      options,
    );
  }

  attachToBreak(
    who: Identity,
    breakId: string,
    attachment: Attachment,
    options: BreakActionOptions,
  ): Promise<Committed<BreakRecord>> {
    const { name, ...facts } = attachment;
    return opened(
      this.submit<SealedBreak>(
        who,
        // The name travels in the transient map (the ledger seals it for the parties); the facts are public.
        call('attachToBreak', [breakId, canonicalJson(facts)], {
          ...actionTransient(options),
          attachmentName: name,
        }),
        options,
      ),
      options,
    );
  }

  setServiceLevel(
    who: Identity,
    route: string,
    serviceLevelMs: number,
    options?: MutationOptions,
  ): Promise<Committed<null>> {
    return this.submit(
      who,
      call('setServiceLevel', [route, serviceLevelMs], {
        idempotencyKey: options?.idempotencyKey ?? randomUUID(),
      }),
      options,
    );
  }

  getCase(who: Identity, caseId: string): Promise<CaseRecord> {
    return this.evaluate(who, call('getCase', [caseId]));
  }

  readCase(who: Identity, reference: string, caseId = ''): Promise<OpenCase> {
    return this.evaluate(who, call('readCase', [caseId], { reference }));
  }

  getBreak(who: Identity, breakId: string): Promise<SealedBreak>;
  getBreak(who: Identity, breakId: string, reference: string): Promise<BreakRecord>;
  getBreak(who: Identity, breakId: string, reference?: string): Promise<BreakRecord | SealedBreak>;
  getBreak(who: Identity, breakId: string, reference?: string): Promise<BreakRecord | SealedBreak> {
    return this.evaluate(who, call('getBreak', [breakId], reference ? { reference } : {}));
  }

  listOpenBreaks(
    who: Identity,
    mspId: string,
    pageSize: number,
    bookmark = '',
  ): Promise<{ items: SealedBreak[]; bookmark: string }> {
    return this.evaluate(who, call('listOpenBreaks', [mspId, pageSize, bookmark]));
  }

  history(who: Identity, kind: 'case' | 'break' | 'leg', id: string): Promise<HistoryEntry[]> {
    return this.evaluate(who, call('getHistory', [kind, id]));
  }

  readOwnLegs(who: Identity, legs: readonly OwnLegRef[]): Promise<LegInput[]> {
    return this.evaluate(who, call('readOwnLegs', [JSON.stringify(legs)]));
  }

  onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void {
    return this.transport.onChanges(listener, options);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/**
 * A step's result as the ledger answers it (the break with its persons sealed: the result is in the block),
 * opened with the reference the step carried; the ledger refuses a step without one.
 */
async function opened(
  result: Promise<Committed<SealedBreak>>,
  options: BreakActionOptions | undefined,
): Promise<Committed<BreakRecord>> {
  const r = await result;
  const reference = options?.reference;
  if (reference === undefined) throw new Error('a break step committed without a reference');
  return { ...r, result: openSealedBreak(r.result, reference) };
}
