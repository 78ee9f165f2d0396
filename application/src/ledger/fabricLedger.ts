import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import * as protos from '@hyperledger/fabric-protos';
import {
  DefaultEventHandlerStrategies,
  DefaultQueryHandlerStrategies,
  Gateway,
  Wallets,
  type BlockEvent,
  type BlockListener,
  type CommitListener,
  type Contract,
  type Network,
  type X509Identity,
} from 'fabric-network';

import { fabricCaEnroller } from '../identity/fabricCaEnroller';
import {
  memoized,
  memoizedAsync,
  nodeReaderOf,
  type ChangeStream,
  type LedgerConnection,
} from './connection';
import { changesOfEvent, type BlockTransactionEvents } from './blockEvents';
import { findUser, repoRoot, type Consortium } from './consortium';
import {
  LedgerInternalError,
  LedgerRejected,
  LedgerUnavailable,
  type ChangeNotice,
  type Identity,
  type SubmitOptions,
  type TransactionCreator,
  type TransactionStatus,
} from './ledgerGateway';
import { rejectionFrom, TransportGateway, type ContractCall, type LedgerTransport } from './transportGateway';

export { LedgerInternalError };

/** Every call has a deadline; a submit that misses it has an unknown outcome and is retried with the same ids. */
export interface FabricDeadlines {
  readonly endorseMs: number;
  readonly commitMs: number;
  readonly evaluateMs: number;
}

export const DEFAULT_DEADLINES: FabricDeadlines = { endorseMs: 15_000, commitMs: 30_000, evaluateMs: 10_000 };

/**
 * How long a sent transaction's commit event may take before the submit also asks its organisation's peer for
 * the transaction by id, and then the interval between asks. A commit takes 0.2-2 s on the live network; an
 * event that failed to start or whose connection dropped is never coming, and the peer is asked at once.
 */
export const LATE_COMMIT_MS = 2_000;

/**
 * How long a submit waits, once its own organisation's peer has committed it, for the other organisations'
 * peers to commit it too. Another institution's next step is endorsed by its own peer; were that peer a block
 * behind, the step would fail (MVCC_READ_CONFLICT, or a record "not found"). A peer still behind after this is
 * passed over (the transaction is committed all the same), and so is a peer whose event service failed; either
 * is waited for again once it reports a commit. The peers of one machine commit a block milliseconds apart, tens
 * of them on a saturated machine (docs/FABRIC.md, "every peer has it": +4 % at p50 one submit at a time, 8-13 %
 * sixteen at a time); the bound is for a peer that catches up after a restart.
 */
export const PEERS_SETTLE_MS = 5_000;

export interface FabricTransportOptions {
  readonly channel: string;
  readonly chaincode: string;
  /** fabric-network connection profiles by MSP ID (the launcher writes them to `.run/gateway/<mspId>.json`). */
  readonly profiles: ReadonlyMap<string, Record<string, unknown>>;
  /** Whose gateway carries the block stream behind `onChanges` (any member identity may read blocks). */
  readonly listener: Identity;
  readonly deadlines?: Partial<FabricDeadlines>;
  /** LATE_COMMIT_MS unless given (tests shorten it). */
  readonly lateCommitMs?: number;
  /** PEERS_SETTLE_MS unless given; 0: a submit returns once its own organisation's peer has committed it. */
  readonly peersSettleMs?: number;
  /** Called when an onChanges listener throws; the stream itself carries on. */
  readonly onListenerError?: (error: unknown) => void;
}

/** A submit's wait for the other organisations' peers (`FabricTransport.settleOf`). */
interface Settling {
  readonly settled: () => Promise<void>;
  readonly cancel: () => void;
}

interface Connected {
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  /** Calls in flight and block streams on this connection. */
  users: number;
  /** Out of the cache after an outage: disconnected as soon as its last user is done, never before. */
  retired: boolean;
}

const VALIDATION_CODES = new Set([
  'MVCC_READ_CONFLICT',
  'PHANTOM_READ_CONFLICT',
  'ENDORSEMENT_POLICY_FAILURE',
]);

function validationFailure(status: string, txId: string): LedgerRejected {
  const code = VALIDATION_CODES.has(status) ? status : 'TRANSACTION_INVALID';
  return new LedgerRejected(code as LedgerRejected['code'], `transaction ${txId} invalid: ${status}`, txId);
}

interface PeerResponse {
  readonly response?: { readonly status?: number; readonly message?: string };
}

/**
 * What a peer, an orderer or the chaincode server not being reachable looks like, in the SDK's own errors and
 * in a peer's answer when the peer cannot reach the chaincode server (the peer then answers 500 with "could not
 * launch chaincode … connection refused", or "error sending: chaincode stream terminated" when the server went
 * away while the peer held its stream): gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), refused or reset
 * connections, timeouts, discovery finding no peer, an ordering service without a Raft leader.
 */
const UNREACHABLE = new RegExp(
  [
    'UNAVAILABLE',
    'DEADLINE_EXCEEDED',
    'deadline exceeded',
    'Failed to connect before the deadline',
    'failed to connect',
    'connection refused',
    'ECONNREFUSED',
    'ECONNRESET',
    'EPIPE',
    'EHOSTUNREACH',
    'ENOTFOUND',
    'connection error',
    'error creating grpc connection',
    'transport is closing',
    'could not launch chaincode',
    'stream terminated',
    'error sending',
    'chaincode registration failed',
    'timeout expired while executing transaction',
    'timed? ?out',
    'no Raft leader',
    'DiscoveryService',
    // gossip has not yet told the peer of another organisation's peers (seconds after a network comes up)
    'discovery service did not find',
    'Channel has been shut down',
  ].join('|'),
  'i',
);

/** A gRPC status code of unreachability on the error or any of its nested errors (14 UNAVAILABLE, 4 DEADLINE). */
function grpcUnreachable(err: { code?: unknown; errors?: unknown }): boolean {
  if (err.code === 14 || err.code === 4) return true;
  if (!Array.isArray(err.errors)) return false;
  return (err.errors as unknown[]).some((x) => typeof x === 'object' && x !== null && grpcUnreachable(x));
}

/**
 * Maps what fabric-network throws to the errors the application understands:
 * - a chaincode's `CODE: message` from any endorser → LedgerRejected(code) (the same codes as the embedded
 *   network);
 * - anything that says a peer, an orderer or the chaincode server could not be reached or did not answer in
 *   time, whether the SDK says it or a peer answers it → LedgerUnavailable (HTTP 503, retryable with the same
 *   ids);
 * - a peer that answered with a failure carrying no code (a chaincode or peer fault) → LedgerInternalError
 *   (HTTP 500): never INVALID_INPUT, which would tell the caller its input was wrong;
 * - any other error without a peer's answer: LedgerUnavailable if fabric-network raised it about the network
 *   (it has `responses`/`errors`), else LedgerInternalError.
 */
export function mapFabricError(e: unknown, txId?: string): Error {
  if (e instanceof LedgerRejected || e instanceof LedgerUnavailable || e instanceof LedgerInternalError)
    return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as {
    responses?: PeerResponse[];
    errors?: unknown;
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const answered = (err.responses ?? [])
    .map((r) => r.response)
    .filter((r): r is { status: number; message: string } => (r?.status ?? 0) >= 400);
  for (const r of answered) {
    const rejected = rejectionFrom(r.message, txId);
    if (rejected) return rejected;
  }
  const message = typeof err.message === 'string' ? err.message : String(e);
  const rejected = rejectionFrom(message, txId);
  if (rejected) return rejected;
  const details = [message, ...answered.map((r) => r.message)].join('\n');
  if (UNREACHABLE.test(details) || grpcUnreachable(err)) {
    return new LedgerUnavailable(message, { cause: e });
  }
  // an evaluate answered by a peer with an error status ("peer error response: …"), or endorsers that answered
  if (answered.length > 0 || (typeof err.status === 'number' && err.status >= 400)) {
    const detail = answered[0]?.message ?? message.replace(/^peer error response: /, '');
    return new LedgerInternalError(`the ledger failed without an error code: ${detail}`, { cause: e });
  }
  if (Array.isArray(err.responses) || Array.isArray(err.errors))
    return new LedgerUnavailable(message, { cause: e });
  return new LedgerInternalError(message, { cause: e });
}

function withDeadline<T>(ms: number, what: string | (() => string), work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new LedgerUnavailable(`${typeof what === 'string' ? what : what()}: no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

/** `work`'s value, or undefined once `ms` has passed first (the timer never outlives the race). */
function raceTimer<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  return Promise.race([work, late]).finally(() => {
    clearTimeout(timer);
  });
}

const PHASE_WORDS = {
  preparing: 'not sent',
  submitting: 'endorsing and ordering',
  committing: 'sent; waiting for its commit',
} as const;

/**
 * Whether an unavailable write may have taken effect: nothing left this process before `submit`; during it, a
 * refusal by every endorser or by the orderer's broadcast means the ordering service never took it; anything
 * else once the transaction was being sent (a deadline, a lost connection, the commit not seen) is UNKNOWN.
 */
function withOutcome(
  e: Error,
  phase: 'preparing' | 'submitting' | 'committing',
  txId: string | undefined,
): Error {
  if (!(e instanceof LedgerUnavailable)) return e;
  const refusedBeforeOrdering =
    /No valid responses from any peers|endorsement|Failed to send transaction successfully to the orderer|discovery/i;
  const notSent = phase === 'preparing' || (phase === 'submitting' && refusedBeforeOrdering.test(e.message));
  return new LedgerUnavailable(e.message, {
    cause: e.cause ?? e,
    outcome: notSent ? 'NOT_SENT' : 'UNKNOWN',
    ...(txId === undefined || notSent ? {} : { txId }),
  });
}

/** The change notices of one block, in transaction order; invalid transactions are skipped. */
/** The signer of the block's `txIndex`-th envelope (its signature header's creator), if the block carries it. */
function creatorOfEnvelope(block: BlockEvent, txIndex: number): TransactionCreator | undefined {
  const data = (block.blockData as { data?: { data?: unknown[] } }).data?.data?.[txIndex] as
    | {
        payload?: { header?: { signature_header?: { creator?: { mspid?: string; id_bytes?: Uint8Array } } } };
      }
    | undefined;
  const creator = data?.payload?.header?.signature_header?.creator;
  if (!creator?.mspid || !creator.id_bytes) return undefined;
  try {
    const cert = new X509Certificate(Buffer.from(creator.id_bytes));
    const dn = (names: string) => `/${names.split('\n').join('/')}`;
    return { mspId: creator.mspid, subject: dn(cert.subject), issuer: dn(cert.issuer) };
  } catch {
    return undefined;
  }
}

/** A block's transactions in block order, each with its validity and chaincode events (`BlockEventStream`). */
export function transactionEventsOfBlock(block: BlockEvent): BlockTransactionEvents[] {
  return block.getTransactionEvents().map((tx) => ({
    valid: tx.isValid,
    events: tx.getContractEvents().map((ev) => ({ name: ev.eventName, payload: ev.payload })),
  }));
}

export function changesOfBlock(block: BlockEvent): ChangeNotice[] {
  const blockNumber = BigInt(block.blockNumber.toString());
  const out: ChangeNotice[] = [];
  // getTransactionEvents() lists every transaction of the block, valid or not, in block order
  block.getTransactionEvents().forEach((tx, txIndex) => {
    if (!tx.isValid) return;
    const creator = creatorOfEnvelope(block, txIndex);
    for (const ev of tx.getContractEvents()) {
      const changes = changesOfEvent(ev.eventName, ev.payload, tx.transactionId);
      if (changes === undefined) continue;
      out.push({ ...changes, blockNumber, txIndex, ...(creator ? { creator } : {}) });
    }
  });
  return out;
}

/**
 * The live network behind the LedgerTransport seam, through fabric-network 2.2.
 *
 * - One Gateway per signing identity (fabric-network binds the identity to the gateway), with discovery.
 * - Every submit is endorsed by the signer's own organisation: the chaincode writes to that organisation's
 *   implicit collection, which only its own endorsement makes valid; discovery alone would pick any peer the
 *   chaincode policy allows.
 * - Commit is awaited with our own commit listener on the signer's organisation's peers, so the block number
 *   and the validation code come back with the result (fabric-network's own handlers return neither). When
 *   that event is late (its event service failed or dropped), the peer is asked for the transaction by id, so an
 *   outcome the ledger knows is never reported unknown (`committed`).
 * - A submit then returns once the other organisations' peers have committed it too (PEERS_SETTLE_MS at most,
 *   `settleOf`), so that another institution acting on it at once is endorsed by a peer that has it.
 * - The proposal timestamp is set by fabric-network from the local clock and cannot be injected:
 *   `supportsInjectedTime` is false and a `timestamp` option is refused, never ignored.
 * - A connection is counted while a call or a block stream uses it. After an outage an organisation's
 *   connections leave the cache (the next call connects afresh), but each is disconnected only once its last
 *   user is done: disconnecting closes the network's commit listeners without a word to them, so a submit
 *   of the same organisation already sent would hear nothing and wait out its deadline (45 s), and its own
 *   outage would then drop the next connection under the next submit (the chaos runs' 45 s waits).
 */
/**
 * The most connections (one per signing identity: a node's system and the people signed in through it) one
 * transport keeps; each holds a gateway with its peer and orderer channels and event services.
 */
export const CONNECTIONS_MAX = 64;

export class FabricTransport implements LedgerTransport {
  readonly backend = 'fabric' as const;
  readonly supportsInjectedTime = false;
  private readonly deadlines: FabricDeadlines;
  /**
   * The connection each signing identity's next call uses, by certificate, least recently used first: at most
   * CONNECTIONS_MAX (every person signing through a node has one), the oldest retired when a new one comes.
   */
  private readonly connections = new Map<string, Promise<Connected>>();
  /** Each cached connection's organisation (keyed as `connections`), so an outage drops that organisation's. */
  private readonly connectionOrgs = new Map<string, string>();
  /** Every connection not yet disconnected, retired ones still in use included (for `close`). */
  private readonly open = new Set<Connected>();
  private highestBlock = -1n;
  private stream:
    | {
        readonly ready: Promise<void>;
        readonly listeners: Set<(c: ChangeNotice) => void>;
        delivered: bigint;
        readonly waiters: { block: bigint; resolve: () => void }[];
        stop?: () => void;
      }
    | undefined;

  private readonly lateCommitMs: number;
  private readonly peersSettleMs: number;
  /**
   * Peers (by name) a submit does not wait for: their event service failed, or they were still behind after
   * PEERS_SETTLE_MS. Each leaves the set when it reports a commit again. At most the channel's peers.
   */
  private readonly peersBehind = new Set<string>();

  constructor(private readonly options: FabricTransportOptions) {
    this.deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.lateCommitMs = options.lateCommitMs ?? LATE_COMMIT_MS;
    this.peersSettleMs = options.peersSettleMs ?? PEERS_SETTLE_MS;
  }

  /** Height as this client has seen it: one above the highest block it submitted to or streamed. */
  height(): bigint {
    return this.highestBlock + 1n;
  }

  private connect(who: Identity): Promise<Connected> {
    const key = who.certificatePem;
    const cached = this.connections.get(key);
    if (cached) {
      // most recently used last
      this.connections.delete(key);
      this.connections.set(key, cached);
      return cached;
    }
    this.retireOldest(CONNECTIONS_MAX - 1);
    const profile = this.options.profiles.get(who.mspId);
    if (!profile) return Promise.reject(new Error(`no connection profile for ${who.mspId}`));
    const identity: X509Identity = {
      type: 'X.509',
      mspId: who.mspId,
      credentials: { certificate: who.certificatePem, privateKey: who.privateKeyPem },
    };
    const connecting = (async () => {
      const gateway = new Gateway();
      await gateway.connect(profile, {
        identity,
        discovery: { enabled: true, asLocalhost: false },
        eventHandlerOptions: {
          // our own commit listener waits (below); fabric-network's would hide the block number
          strategy: DefaultEventHandlerStrategies.NONE,
          endorseTimeout: Math.ceil(this.deadlines.endorseMs / 1000),
          commitTimeout: Math.ceil(this.deadlines.commitMs / 1000),
        },
        queryHandlerOptions: {
          // queries go to the caller's own organisation: private data is read from its own collection
          strategy: DefaultQueryHandlerStrategies.MSPID_SCOPE_SINGLE,
          timeout: Math.ceil(this.deadlines.evaluateMs / 1000),
        },
      });
      let network: Network;
      try {
        network = await gateway.getNetwork(this.options.channel);
      } catch (e) {
        gateway.disconnect();
        throw e;
      }
      const c: Connected = {
        gateway,
        network,
        contract: network.getContract(this.options.chaincode),
        users: 0,
        retired: false,
      };
      this.open.add(c);
      return c;
    })();
    connecting.catch(() => {
      if (this.connections.get(key) === connecting) {
        this.connections.delete(key);
        this.connectionOrgs.delete(key);
      }
    });
    this.connections.set(key, connecting);
    this.connectionOrgs.set(key, who.mspId);
    return connecting;
  }

  /** A connection for one call or stream: counted until `release`, so an outage cannot disconnect it under it. */
  private async acquire(who: Identity): Promise<Connected> {
    const c = await this.connect(who);
    c.users += 1;
    return c;
  }

  private release(c: Connected): void {
    c.users -= 1;
    if (c.retired && c.users === 0) this.disconnect(c);
  }

  private disconnect(c: Connected): void {
    if (!this.open.delete(c)) return;
    c.gateway.disconnect();
  }

  async submit(who: Identity, call: ContractCall, options?: SubmitOptions) {
    if (options?.timestamp !== undefined) {
      throw new TypeError(
        'the Fabric transport cannot set the proposal timestamp (fabric-network takes it from the clock); ' +
          'check supportsInjectedTime and let real time pass instead',
      );
    }
    return this.submitEndorsedBy(who, call, [who.mspId]);
  }

  /**
   * Submit endorsed by the given organisations. The application always uses the signer's own
   * (`submit`); tests use another to show that validation rejects it.
   */
  async submitEndorsedBy(
    who: Identity,
    call: ContractCall,
    endorsers: readonly string[],
  ): Promise<{ txId: string; blockNumber: bigint; payload: Buffer }> {
    const total = this.deadlines.endorseMs + this.deadlines.commitMs;
    let txId: string | undefined;
    // How far the write got, for an outage: before `submit` nothing left this process; during it the peers
    // endorse and the orderer is sent the transaction; after it only the commit is awaited.
    // (asserted, not annotated: TypeScript would otherwise take it for 'preparing' in the catch below)
    let phase = 'preparing' as 'preparing' | 'submitting' | 'committing';
    let commit: { done: Promise<bigint>; cancel: () => void } | undefined;
    let others: Settling | undefined;
    let payload: Buffer | undefined;
    let ended = false;
    const work = (async () => {
      await this.stream?.ready;
      const c = await this.acquire(who);
      try {
        const tx = c.contract.createTransaction(call.fcn).setEndorsingOrganizations(...endorsers);
        const transient = Object.entries(call.transient);
        if (transient.length > 0)
          tx.setTransient(Object.fromEntries(transient.map(([k, v]) => [k, Buffer.from(v, 'utf8')])));
        txId = tx.getTransactionId();
        commit = await this.commitOf(c.network, who.mspId, txId);
        others = this.settleOf(c.network, who.mspId, txId);
        try {
          phase = 'submitting';
          payload = await tx.submit(...call.args);
          phase = 'committing';
        } catch (e) {
          commit.cancel();
          others.cancel();
          throw e;
        }
        const blockNumber = await this.committed(c, commit.done, txId, () => ended);
        const [answer] = await Promise.all([this.answered(txId, blockNumber, payload), others.settled()]);
        return answer;
      } finally {
        this.release(c);
      }
    })();
    try {
      return await withDeadline(total, () => `submit ${call.fcn} (${PHASE_WORDS[phase]})`, work);
    } catch (e) {
      // past the deadline the commit wait ends too, so that the connection is released
      ended = true;
      commit?.cancel();
      others?.cancel();
      const failure = withOutcome(mapFabricError(e, txId), phase, txId);
      // Sent, and no commit heard of in time: the peer is asked once more before the outcome is called unknown.
      if (failure instanceof LedgerUnavailable && phase === 'committing' && txId !== undefined && payload) {
        const known = await this.transactionStatus(who, txId).catch(() => undefined);
        if (known?.status === 'VALID') return this.answered(txId, known.blockNumber, payload, false);
        if (known?.status === 'INVALID') throw validationFailure(known.code, txId);
      }
      throw this.forgetOnOutage(who, failure);
    }
  }

  /** A committed submit's answer; by default only once the shared change stream has delivered its block. */
  private async answered(txId: string, blockNumber: bigint, payload: Buffer, awaitStream = true) {
    if (blockNumber > this.highestBlock) this.highestBlock = blockNumber;
    if (awaitStream) await this.streamed(blockNumber);
    return { txId, blockNumber, payload };
  }

  /**
   * The block of a sent transaction: from its commit event or, when the event is late, from the peer's answer
   * by id. A commit event can fail to come while the transaction commits all the same: the peer's event service
   * did not start (the listener hears an error at once), or its connection dropped and fabric-network did not
   * re-establish it (the listener hears nothing; seen after a peer restart in the chaos runs). So once
   * `lateCommitMs` has passed without an event, or at once when the event service failed, the organisation's
   * peer is asked (qscc, `lookUp`), and again every `lateCommitMs`: VALID answers the submit, INVALID rejects it
   * with its validation code, NOT_FOUND (not committed yet, or never ordered) waits on, until the submit's
   * deadline, after which one last ask decides between an answer and outcome UNKNOWN (`submitEndorsedBy`).
   */
  private async committed(
    c: Connected,
    done: Promise<bigint>,
    txId: string,
    ended: () => boolean,
  ): Promise<bigint> {
    type Heard = { block: bigint } | { error: unknown } | undefined;
    let event: Promise<Heard> = done.then(
      (block) => ({ block }),
      (error: unknown) => ({ error }),
    );
    for (;;) {
      const heard = await raceTimer(event, this.lateCommitMs);
      if (heard !== undefined && 'block' in heard) return heard.block;
      if (heard !== undefined) {
        // an invalid transaction: its validation code is the answer
        if (!(heard.error instanceof LedgerUnavailable)) throw heard.error;
        event = new Promise<Heard>(() => undefined); // no event is coming: ask every lateCommitMs from now on
      }
      if (ended()) throw new LedgerUnavailable(`stopped waiting for the commit of ${txId}`);
      const known = await this.lookUp(c, txId).catch(() => undefined);
      if (known?.status === 'VALID') return known.blockNumber;
      if (known?.status === 'INVALID') throw validationFailure(known.code, txId);
    }
  }

  /**
   * What the ledger knows of a transaction: looked up at the caller's own organisation's peer (the system
   * chaincode qscc: GetTransactionByID for its validation code, GetBlockByTxID for its block). NOT_FOUND while the
   * peer has not committed it (it may still come).
   */
  async transactionStatus(who: Identity, txId: string): Promise<TransactionStatus> {
    const work = (async (): Promise<TransactionStatus> => {
      const c = await this.acquire(who);
      try {
        return await this.lookUp(c, txId);
      } finally {
        this.release(c);
      }
    })();
    try {
      return await withDeadline(this.deadlines.evaluateMs, `look up transaction ${txId}`, work);
    } catch (e) {
      throw this.forgetOnOutage(who, mapFabricError(e));
    }
  }

  private async lookUp(c: Connected, txId: string): Promise<TransactionStatus> {
    const qscc = c.network.getContract('qscc');
    let processed: Buffer;
    try {
      processed = await qscc.evaluateTransaction('GetTransactionByID', this.options.channel, txId);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/Failed to get transaction with id|not found|no such transaction/i.test(message))
        return { status: 'NOT_FOUND' };
      throw e;
    }
    const code = protos.peer.ProcessedTransaction.deserializeBinary(processed).getValidationcode();
    const block = protos.common.Block.deserializeBinary(
      await qscc.evaluateTransaction('GetBlockByTxID', this.options.channel, txId),
    );
    const blockNumber = BigInt(block.getHeader()?.getNumber() ?? 0);
    if (code === protos.peer.TxValidationCode.VALID) return { status: 'VALID', blockNumber };
    const name = Object.entries(protos.peer.TxValidationCode).find(([, v]) => v === code)?.[0];
    return { status: 'INVALID', code: name ?? String(code), blockNumber };
  }

  /**
   * After an outage the cached connection may be the broken part: a restarted peer's event service is not
   * reconnected by fabric-network, so every later commit of that organisation waited out its deadline (the chaos
   * run showed Bank B unable to submit for minutes after its peer came back while a fresh process posted at
   * once). Unavailable means: the next call of this organisation connects afresh. The old connections are
   * disconnected once their calls in flight are done (see the class comment), not now.
   */
  private forgetOnOutage(who: Identity, e: Error): Error {
    if (!(e instanceof LedgerUnavailable)) return e;
    for (const [key, connection] of this.connections) {
      if (this.connectionOrgs.get(key) !== who.mspId) continue;
      this.retire(key, connection);
    }
    return e;
  }

  /** Takes a connection out of the cache; it is disconnected once its last call or stream is done. */
  private retire(key: string, connection: Promise<Connected>): void {
    this.connections.delete(key);
    this.connectionOrgs.delete(key);
    void connection.then(
      (c) => {
        c.retired = true;
        if (c.users === 0) this.disconnect(c);
      },
      () => undefined,
    );
  }

  /** Leaves at most `keep` connections in the cache: the least recently used go, each disconnected when idle. */
  private retireOldest(keep: number): void {
    for (const [key, connection] of this.connections) {
      if (this.connections.size <= keep) break;
      this.retire(key, connection);
    }
  }

  /** Registers for the commit of `txId` on the organisation's peers before the transaction is sent. */
  private async commitOf(
    network: Network,
    mspId: string,
    txId: string,
  ): Promise<{ done: Promise<bigint>; cancel: () => void }> {
    const peers = network.getChannel().getEndorsers(mspId);
    if (peers.length === 0) throw new LedgerUnavailable(`no peer of ${mspId} known on the channel`);
    let settle: { resolve: (b: bigint) => void; reject: (e: Error) => void } | undefined;
    const done = new Promise<bigint>((resolve, reject) => {
      settle = { resolve, reject };
    });
    done.catch(() => undefined); // observed by the caller, or abandoned after a failed submit
    const failed = new Set<string>();
    const cancel = () => {
      network.removeCommitListener(listener);
      settle?.reject(new LedgerUnavailable(`stopped waiting for the commit of ${txId}`));
    };
    const listener: CommitListener = (error, event) => {
      if (event) {
        network.removeCommitListener(listener);
        if (event.isValid) settle?.resolve(BigInt(event.getBlockEvent().blockNumber.toString()));
        else settle?.reject(validationFailure(event.status, txId));
      } else if (error) {
        failed.add(error.peer.name);
        if (failed.size >= peers.length) {
          network.removeCommitListener(listener);
          settle?.reject(new LedgerUnavailable(`no commit event from ${mspId}: ${error.message}`));
        }
      }
    };
    await network.addCommitListener(listener, peers, txId);
    return { done, cancel };
  }

  /**
   * Registers for the commit of `txId` on the peers of every organisation but the signer's (whose commit the
   * submit awaits anyway), as it is sent. `settled` resolves once each of them that is not behind has committed
   * it (valid or not: its state is past that block either way), or PEERS_SETTLE_MS after it is called; a peer
   * that misses that bound, or whose event service fails, is behind until it reports a commit again (its
   * listener stays for the commit deadline, so a peer that has caught up is seen to have). The
   * registrations are not awaited, and each peer has its own: a peer that cannot be reached takes seconds to
   * fail, and must hold up neither the send nor the other peers.
   */
  private settleOf(network: Network, mspId: string, txId: string): Settling {
    if (this.peersSettleMs <= 0) return { settled: () => Promise.resolve(), cancel: () => undefined };
    const peers = network
      .getChannel()
      .getEndorsers()
      .filter((p) => p.mspid !== mspId);
    const listeners: CommitListener[] = [];
    const pending = new Map<string, Promise<void>>();
    for (const peer of peers) {
      const heard = new Promise<void>((resolve) => {
        const listener: CommitListener = (error, event) => {
          if (event === undefined && error === undefined) return;
          network.removeCommitListener(listener);
          if (event) this.peersBehind.delete(peer.name);
          else this.peersBehind.add(peer.name);
          pending.delete(peer.name);
          resolve();
        };
        listeners.push(listener);
        network.addCommitListener(listener, [peer], txId).catch(() => {
          this.peersBehind.add(peer.name);
          pending.delete(peer.name);
          resolve();
        });
      });
      pending.set(peer.name, heard);
    }
    const cancel = () => {
      for (const listener of listeners) network.removeCommitListener(listener);
    };
    const settled = async () => {
      const awaited = [...pending].filter(([name]) => !this.peersBehind.has(name));
      const all = await raceTimer(Promise.all(awaited.map(([, heard]) => heard)), this.peersSettleMs);
      if (all === undefined) for (const [name] of awaited) if (pending.has(name)) this.peersBehind.add(name);
      // A peer behind keeps its listener a while: its commit of this transaction puts it back among the awaited.
      if (pending.size > 0) setTimeout(cancel, this.deadlines.commitMs).unref();
    };
    return { settled, cancel };
  }

  async evaluate(who: Identity, call: ContractCall): Promise<Buffer> {
    const work = (async () => {
      const c = await this.acquire(who);
      try {
        if (call.peerOrg !== undefined && call.peerOrg !== who.mspId)
          return await this.evaluateOn(c, call, call.peerOrg);
        const tx = c.contract.createTransaction(call.fcn);
        const transient = Object.entries(call.transient);
        if (transient.length > 0)
          tx.setTransient(Object.fromEntries(transient.map(([k, v]) => [k, Buffer.from(v, 'utf8')])));
        return await tx.evaluate(...call.args);
      } finally {
        this.release(c);
      }
    })();
    try {
      return await withDeadline(this.deadlines.evaluateMs, `evaluate ${call.fcn}`, work);
    } catch (e) {
      // a query is never ordered: whatever failed, nothing was written
      throw this.forgetOnOutage(who, withOutcome(mapFabricError(e), 'preparing', undefined));
    }
  }

  /**
   * An evaluate answered by another organisation's peers (fabric-network's query handlers ask only the
   * caller's own): the signed query goes to each of them in turn until one answers. A peer's refusal carries
   * the chaincode's `CODE: message`, mapped as any other.
   */
  private async evaluateOn(c: Connected, call: ContractCall, peerOrg: string): Promise<Buffer> {
    const identityContext = c.gateway.identityContext?.calculateTransactionId();
    if (identityContext === undefined) throw new LedgerUnavailable('the gateway is not connected');
    const channel = c.network.getChannel();
    const peers = channel.getEndorsers(peerOrg);
    if (peers.length === 0) throw new LedgerUnavailable(`no peer of ${peerOrg} known on the channel`);
    const query = channel.newQuery(this.options.chaincode);
    const transient = Object.entries(call.transient);
    query.build(identityContext, {
      fcn: call.fcn,
      args: [...call.args],
      ...(transient.length > 0
        ? { transientMap: Object.fromEntries(transient.map(([k, v]) => [k, Buffer.from(v, 'utf8')])) }
        : {}),
    });
    query.sign(identityContext);
    let failure: unknown = new LedgerUnavailable(`no peer of ${peerOrg} answered`);
    for (const peer of peers) {
      const answer = (await query.send({ targets: [peer], requestTimeout: this.deadlines.evaluateMs })) as {
        responses?: { response?: { status: number; message: string; payload: Buffer } }[];
        errors?: Error[];
      };
      const response = answer.responses?.[0]?.response;
      if (response !== undefined && response.status < 400) return response.payload;
      failure =
        response !== undefined
          ? Object.assign(new Error(response.message), { responses: answer.responses })
          : (answer.errors?.[0] ?? failure);
    }
    throw failure instanceof Error ? failure : new LedgerUnavailable(String(failure));
  }

  /** Resolves once the shared change stream (if running) has delivered `block` to its listeners. */
  private async streamed(block: bigint): Promise<void> {
    const s = this.stream;
    if (!s || s.delivered > block) return;
    await withDeadline(
      this.deadlines.commitMs,
      `change stream at block ${block}`,
      new Promise<void>((resolve) => s.waiters.push({ block, resolve })),
    ).catch(() => undefined); // committed all the same; listeners will see it late
  }

  private reportListenerError(e: unknown): void {
    if (this.options.onListenerError) this.options.onListenerError(e);
    else console.error('tallystick: onChanges listener or change stream failed', e);
  }

  private dispatch(listeners: Iterable<(c: ChangeNotice) => void>, change: ChangeNotice): void {
    for (const l of listeners) {
      try {
        l(change);
      } catch (e) {
        this.reportListenerError(e);
      }
    }
  }

  private startStream(): NonNullable<FabricTransport['stream']> {
    const stream: NonNullable<FabricTransport['stream']> = {
      listeners: new Set(),
      delivered: -1n,
      waiters: [],
      ready: Promise.resolve(),
    };
    const onBlock: BlockListener = (block) => {
      const n = BigInt(block.blockNumber.toString());
      if (n > this.highestBlock) this.highestBlock = n;
      for (const change of changesOfBlock(block)) this.dispatch([...stream.listeners], change);
      stream.delivered = n + 1n;
      for (const w of stream.waiters.splice(0)) {
        if (w.block < stream.delivered) w.resolve();
        else stream.waiters.push(w);
      }
      return Promise.resolve();
    };
    const ready = (async () => {
      // held for as long as the stream runs: fabric-network restarts a block stream by itself after an outage
      const c = await this.acquire(this.options.listener);
      try {
        await c.network.addBlockListener(onBlock, { type: 'full' });
      } catch (e) {
        this.release(c);
        throw e;
      }
      stream.stop = () => {
        c.network.removeBlockListener(onBlock);
        this.release(c);
      };
    })();
    (stream as { ready: Promise<void> }).ready = ready.catch((e: unknown) => {
      this.stream = undefined;
      this.reportListenerError(e);
    });
    return stream;
  }

  /**
   * A change stream of its own read through `who`'s gateway (its organisation's peers): what an institution's
   * node follows. Each subscription has its own block source from `startBlock` (default: from the next block),
   * so it neither delays nor skips another.
   */
  changesAs(who: Identity | Promise<Identity>): ChangeStream {
    return {
      onChanges: (listener, options) =>
        this.blocksAs(
          who,
          (block) => {
            for (const change of changesOfBlock(block)) this.dispatch([listener], change);
          },
          options?.startBlock,
        ),
      onBlockEvents: (listener, options) =>
        this.blocksAs(
          who,
          (block) => {
            const n = BigInt(block.blockNumber.toString());
            try {
              listener(transactionEventsOfBlock(block), n);
            } catch (e) {
              this.reportListenerError(e);
            }
          },
          options.startBlock,
        ),
    };
  }

  /** Every block from `startBlock` (default: the next) to `onBlock`, read through `who`'s own block source. */
  private blocksAs(
    who: Identity | Promise<Identity>,
    onBlock: (block: BlockEvent) => void,
    startBlock: bigint | undefined,
  ): () => void {
    let stopped = false;
    let remove: (() => void) | undefined;
    const listener: BlockListener = (block) => {
      if (!stopped) onBlock(block);
      return Promise.resolve();
    };
    void Promise.resolve(who)
      .then((identity) => this.acquire(identity))
      .then(async (c) => {
        try {
          await c.network.addBlockListener(listener, {
            type: 'full',
            ...(startBlock === undefined ? {} : { startBlock: startBlock.toString() }),
          });
        } catch (e) {
          this.release(c);
          throw e;
        }
        let removed = false;
        remove = () => {
          if (removed) return;
          removed = true;
          c.network.removeBlockListener(listener);
          this.release(c);
        };
        if (stopped) remove();
      })
      .catch((e: unknown) => {
        this.reportListenerError(e);
      });
    return () => {
      stopped = true;
      remove?.();
    };
  }

  onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void {
    // a replay from a given block: its own block source, so it neither delays nor skips the live stream
    if (options?.startBlock !== undefined)
      return this.changesAs(this.options.listener).onChanges(listener, options);
    this.stream ??= this.startStream();
    const stream = this.stream;
    stream.listeners.add(listener);
    return () => stream.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.stream?.stop?.();
    this.stream = undefined;
    const all = [...this.connections.values()];
    this.connections.clear();
    this.connectionOrgs.clear();
    await Promise.allSettled(all);
    for (const c of [...this.open]) this.disconnect(c);
  }
}

/**
 * The launcher's run folder (network/fabric/.run), or `TALLYSTICK_FABRIC_RUN` for a second network on the
 * machine (the launcher reads the same variable).
 */
export function defaultFabricRunDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.TALLYSTICK_FABRIC_RUN;
  return override !== undefined && override !== ''
    ? resolve(override)
    : join(repoRoot(), 'network', 'fabric', '.run');
}

/** Reads every `<mspId>.json` connection profile under `<runDir>/gateway`. */
export function loadProfiles(runDir: string): Map<string, Record<string, unknown>> {
  const dir = join(runDir, 'gateway');
  const profiles = new Map<string, Record<string, unknown>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')))
    profiles.set(file.slice(0, -'.json'.length), JSON.parse(readFileSync(join(dir, file), 'utf8')) as never);
  if (profiles.size === 0) throw new Error(`${dir} holds no connection profile; run npm run network:up`);
  return profiles;
}

/** An identity from the file-system wallet the launcher wrote for `mspId` (`<runDir>/wallets/<mspId>`). */
export async function walletIdentity(runDir: string, mspId: string, label: string): Promise<Identity> {
  const wallet = await Wallets.newFileSystemWallet(join(runDir, 'wallets', mspId));
  const entry = (await wallet.get(label)) as X509Identity | undefined;
  if (!entry) throw new Error(`no identity ${label} in the ${mspId} wallet under ${runDir}/wallets`);
  return {
    mspId: entry.mspId,
    certificatePem: entry.credentials.certificate,
    privateKeyPem: entry.credentials.privateKey,
  };
}

/** Where an organisation's people enrol: its fabric-ca as the launcher's connection profile names it. */
export function caOfProfile(
  profile: Record<string, unknown>,
  mspId: string,
): { url: string; tlsCaPem: string } {
  const cas = profile.certificateAuthorities as
    Record<string, { url?: string; tlsCACerts?: { pem?: string | string[] } }> | undefined;
  const ca = cas ? Object.values(cas)[0] : undefined;
  const pem = ca?.tlsCACerts?.pem;
  const tlsCaPem = Array.isArray(pem) ? pem.join('\n') : pem;
  if (!ca?.url || !tlsCaPem)
    throw new Error(
      `the connection profile of ${mspId} names no certificate authority: run npm run network:up to rewrite it`,
    );
  return { url: ca.url, tlsCaPem };
}

export interface FabricLedger extends LedgerConnection {
  readonly backend: 'fabric';
  readonly transport: FabricTransport;
  /** The launcher's run folder this was opened from. */
  readonly runDir: string;
}

/** Opens the live network the launcher runs, with its connection profiles and wallets. */
export async function openFabricLedger(options: {
  runDir: string;
  consortium: Consortium;
  deadlines?: Partial<FabricDeadlines>;
  /** How long a refused login takes at least (fabricCaEnroller's refusalFloorMs). */
  refusalFloorMs?: number;
  /** PEERS_SETTLE_MS unless given (bench:fabric --peers-settle-ms measures what the wait costs). */
  peersSettleMs?: number;
}): Promise<FabricLedger> {
  const { runDir, consortium } = options;
  const [first] = consortium.organisations;
  if (!first) throw new Error('the consortium has no organisation');
  const listener = await walletIdentity(runDir, first.mspId, 'org-admin');
  const profiles = loadProfiles(runDir);
  const transport = new FabricTransport({
    channel: consortium.channel,
    chaincode: consortium.chaincode.name,
    profiles,
    listener,
    ...(options.deadlines ? { deadlines: options.deadlines } : {}),
    ...(options.peersSettleMs === undefined ? {} : { peersSettleMs: options.peersSettleMs }),
  });
  const gateway = new TransportGateway(transport);
  const identity = memoizedAsync((userId) =>
    walletIdentity(runDir, findUser(consortium, userId).org.mspId, userId),
  );
  return {
    backend: 'fabric',
    supportsInjectedTime: false,
    consortium,
    runDir,
    transport,
    gateway,
    identity,
    enroller: memoized((mspId) => {
      const profile = profiles.get(mspId);
      if (!profile) throw new Error(`no connection profile for ${mspId} under ${runDir}/gateway`);
      return fabricCaEnroller({
        ...caOfProfile(profile, mspId),
        mspId,
        ...(options.refusalFloorMs === undefined ? {} : { refusalFloorMs: options.refusalFloorMs }),
      });
    }),
    changes(mspId) {
      // Each institution's node reads blocks through its own identity, hence its own organisation's peers.
      const reader = nodeReaderOf({ consortium }, mspId);
      return transport.changesAs(reader === undefined ? listener : identity(reader));
    },
    close: () => gateway.close(),
  };
}
