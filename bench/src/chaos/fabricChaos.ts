/**
 * `npm run chaos -- --ledger fabric`: the chaos run on the live Fabric network the launcher runs
 * (`npm run network:up`; `TALLYSTICK_FABRIC_RUN` names another run folder). The four institutions' systems post
 * legs through the Fabric gateway while, one at a time, a peer, the Raft leader orderer and the chaincode server
 * are killed with SIGKILL (by the PID the launcher recorded in the run folder's pids.json) and brought back with
 * `network:up`, which starts only what is not running; and with `kill-node`, Bank A's application node (its own
 * process, its index in its PGlite), through whose HTTP API Bank A's system then posts throughout, is killed
 * and started again on the same folder. Then: every acknowledged leg on the ledger exactly once (from the block
 * events from block 0), every peer at the same height, for each institution an index built from the ledger that
 * `verifyIndex` finds equal to it, own legs included, and the killed node's own index equal to the ledger.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';

import { runLauncher } from '../../../application/src/cli/fabricNetwork';
import { migrate } from '../../../application/src/db/migrate';
import { openTestDatabase } from '../../../test/support/testDatabase';
import { BlockIndexer } from '../../../application/src/indexer/blockIndexer';
import { ownLegReader } from '../../../application/src/indexer/ownLegs';
import { verifyIndex } from '../../../application/src/indexer/verify';
import { loadConsortium, type Consortium } from '../../../application/src/ledger/consortium';
import {
  defaultFabricRunDir,
  openFabricLedger,
  type FabricLedger,
} from '../../../application/src/ledger/fabricLedger';
import {
  LedgerRejected,
  LedgerUnavailable,
  type ChangeNotice,
  type Identity,
  type LegInput,
} from '../../../application/src/ledger/ledgerGateway';
import { consortiumInstitutions, generateBusinessDay } from '../../../application/src/simulation/businessDay';
import { readPids, type PidTable } from '../../../network/fabric/src/proc';
import type { FabricNodeCommand, FabricNodeMessage } from './fabricNodeProcess';

export type FabricFaultKind = 'kill-peer' | 'kill-raft-leader' | 'kill-chaincode-server' | 'kill-node';
export const FABRIC_FAULT_KINDS: readonly FabricFaultKind[] = [
  'kill-peer',
  'kill-raft-leader',
  'kill-chaincode-server',
  'kill-node',
];

/** The institution whose node `kill-node` kills (its system posts through that node's HTTP API). */
const NODE_VICTIM = 'BankAMSP';

export interface FabricFaultReport {
  readonly kind: FabricFaultKind;
  /** The launcher's name of the process killed, and its PID. */
  readonly node: string;
  readonly pid: number;
  readonly atAcknowledgedLegs: number;
  /** Kill to `network:up` done (it starts only what is down); for `kill-node`, to the new node serving. */
  readonly restartMs: number;
  /**
   * Kill to the first batch acknowledged after the restart (for `kill-node`, one of its institution's, through
   * the restarted node).
   */
  readonly recoveryMs: number;
  /** `kill-node`: kill to the restarted node's index holding every transaction acknowledged before the restart. */
  readonly indexCaughtUpMs?: number;
  /** What clients got meanwhile: LedgerUnavailable is the node's 503; a refusal would be a 4xx. */
  readonly outage: {
    /** Posts through the node that found no node listening. */
    connectionErrors: number;
    unavailable503: number;
    refused4xx: number;
    other5xx: number;
    acknowledged: number;
    /** Failed attempts per institution. */
    failedBy: Record<string, number>;
  };
  /** Not recovered within the deadline: the run stopped posting and audited what it had. */
  readonly recovered: boolean;
}

/** How long after the restart a fault may take to recover before the run gives up on it. */
const RECOVERY_DEADLINE_MS = 180_000;

export interface FabricChaosReport {
  readonly startedAt: string;
  readonly backend: 'fabric';
  readonly seed: number;
  readonly durationMs: number;
  readonly legsPlanned: number;
  readonly legsAcknowledged: number;
  readonly legsAnsweredUnchanged: number;
  readonly attempts: number;
  readonly ledger: { legsOnLedger: number; lost: number; duplicated: number; unexpected: number };
  readonly peerHeights: Record<string, string>;
  readonly peersEqualAfterMs: number;
  readonly institutions: readonly {
    mspId: string;
    legsAcknowledged: number;
    verifyDifferences: number;
    /** Differences by kind and field, and a few of them. */
    differencesBy: Record<string, number>;
    differenceExamples: unknown[];
    ownLegsChecked: number;
  }[];
  readonly faults: readonly FabricFaultReport[];
  /**
   * Submits through the gateway that got no answer at all before their deadline (45 s), whichever fault they
   * are counted with: a fault in flight may cause one (the Raft leader killed under it), none should follow one.
   */
  readonly deadlineWaits: readonly {
    mspId: string;
    /** Seconds into the run. */
    sentAtS: number;
    waitedMs: number;
    /** The fault it is counted with, if any. */
    during?: FabricFaultKind;
    message: string;
  }[];
  /** The node process `kill-node` killed, checked at the end through its own API. */
  readonly node?: {
    mspId: string;
    starts: number;
    indexedToBlock: string;
    verifyDifferences: number;
    ownLegsChecked: number;
    /** The institution's legs on the ledger (every run's on this network). */
    ownLegsOnLedger: number;
  };
  readonly passed: boolean;
  readonly failures: readonly string[];
}

const POSTERS = ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The orderer that leads the channel's Raft cluster now, from the orderers' own logs. */
function raftLeader(runDir: string, pids: PidTable): string {
  // Each orderer's log names its own Raft id (`node=N`) on every consensus line, and the newest
  // "Raft leader changed: a -> b" line across the logs names the leader's id.
  const ids = new Map<number, string>();
  let newest: { at: string; leader: number } | undefined;
  for (const name of Object.keys(pids).filter((n) => n.startsWith('orderer'))) {
    const text = readFileSync(join(runDir, 'logs', `${name}.log`), 'utf8');
    for (const m of text.matchAll(
      /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+).*Raft leader changed: \d+ -> (\d+).*node=(\d+)/g,
    )) {
      const [, at, leader, self] = m;
      if (at === undefined || leader === undefined || self === undefined) continue;
      ids.set(Number(self), name);
      if (newest === undefined || at > newest.at) newest = { at, leader: Number(leader) };
    }
  }
  const leader = newest === undefined ? undefined : ids.get(newest.leader);
  if (leader === undefined) throw new Error('cannot tell the Raft leader from the orderers’ logs');
  return leader;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running node process: its messages in arrival order, and a wait for the next of a type. */
interface NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
  next<T extends FabricNodeMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FabricNodeMessage, { type: T }>>;
  send(command: FabricNodeCommand): void;
}

/** Starts the node process (the compiled module beside this one, or the TypeScript source under a test runner). */
function spawnNode(mspId: string, dataDir: string, portOffset: number): NodeProcess {
  const ext = extname(__filename);
  const logFile = join(dataDir, 'node-process.log');
  const out = openSync(logFile, 'a');
  const child = fork(join(__dirname, `fabricNodeProcess${ext}`), [], {
    execArgv: ext === '.ts' ? ['--require', join(__dirname, 'tsRequire.js')] : [],
    env: { ...process.env, CHAOS_FABRIC_NODE: JSON.stringify({ mspId, dataDir, portOffset }) },
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  const messages: FabricNodeMessage[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.on('message', (m: FabricNodeMessage) => {
    messages.push(m);
    wake();
  });
  const exited = new Promise((done) => {
    child.on('exit', (code, signal) => {
      done({ code, signal });
      wake();
    });
  });
  return {
    child,
    exited,
    send: (c) => child.send(c),
    next: (type, timeoutMs) =>
      new Promise((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = () => {
          const i = messages.findIndex((m) => m.type === type || m.type === 'error');
          if (i >= 0) {
            const [m] = messages.splice(i, 1);
            finish();
            if (m?.type === 'error') reject(new Error(`node process: ${m.message}`));
            else resolve(m as never);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`node process exited before '${type}'; see ${logFile}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`node process: no '${type}' within ${timeoutMs} ms; see ${logFile}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

type HttpAnswer = { status: number; body: unknown } | { error: string };

async function http(url: string, method: string, token?: string, body?: unknown): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, body: text };
    }
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? (e instanceof Error ? `${e.name}: ${e.message}` : String(e)) };
  }
}

export interface FabricChaosOptions {
  legs: number;
  faults: readonly FabricFaultKind[];
  seed: number;
  repoRoot: string;
  log: (line: string) => void;
  /** Added to the killed node's documented API port (network/consortium.json); default 4370. */
  nodePortOffset?: number;
}

export async function runFabricChaos(o: FabricChaosOptions): Promise<FabricChaosReport> {
  const runDir = defaultFabricRunDir();
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const consortium = loadConsortium();
  const status = await runLauncher(['status']);
  if (status.code !== 0)
    throw new Error(`the live network is not up (npm run network:status):\n${status.out}`);
  const ledger = await openFabricLedger({ runDir, consortium });
  const run = new FabricChaosRun(o, runDir, consortium, ledger, t0);
  try {
    await run.prepare();
    await run.load();
    o.log(
      `chaos (fabric): load done, ${run.acknowledged} legs acknowledged in ${run.attempts} attempts; auditing`,
    );
    return await run.audit(startedAt);
  } finally {
    await run.stopNode();
    await ledger.close();
  }
}

type FabricBatch = { mspId: string; legs: LegInput[]; acknowledged: boolean; round: number };

/** A fault injected: what was killed, when, and what clients met until it ended. */
type InjectedFault = {
  kind: FabricFaultKind;
  node: string;
  pid: number;
  at: number;
  killedAt: number;
  restartedAt?: number;
  /** When it recovered (or was given up). */
  endedAt?: number;
  outage: FabricFaultReport['outage'];
};

/** The run's legs: a fresh business date's payments, each institution's in batches of 100, interleaved. */
function planFabricLoad(
  o: FabricChaosOptions,
  consortium: Consortium,
): { date: string; payments: number; batches: FabricBatch[]; legsPlanned: number } {
  // A fresh business date per run: the live ledger keeps earlier runs' legs (leg ids carry the seed and date).
  const date = new Date(Date.UTC(2030, 0, 1) + (o.seed % 3000) * 86_400_000).toISOString().slice(0, 10);
  const day = generateBusinessDay({
    seed: o.seed,
    payments: Math.ceil(o.legs / 2.7),
    date,
    institutions: consortiumInstitutions(consortium.organisations),
  });
  const batches: FabricBatch[] = [];
  for (const mspId of POSTERS) {
    const legs = day.postings
      .filter((p) => p.poster === mspId)
      .sort((a, b) => a.atMs - b.atMs)
      .map((p) => p.leg);
    for (let i = 0; i < legs.length; i += 100)
      batches.push({ mspId, legs: legs.slice(i, i + 100), acknowledged: false, round: i / 100 });
  }
  // Interleaved, so that every institution posts throughout (a fault of one institution's peer meets its load).
  const order = (mspId: string) => (POSTERS as readonly string[]).indexOf(mspId);
  batches.sort((a, b) => a.round - b.round || order(a.mspId) - order(b.mspId));
  const legsPlanned = batches.reduce((n, b) => n + b.legs.length, 0);
  return { date, payments: day.payments.length, batches, legsPlanned };
}

const emptyFabricOutage = (): FabricFaultReport['outage'] => ({
  connectionErrors: 0,
  unavailable503: 0,
  refused4xx: 0,
  other5xx: 0,
  acknowledged: 0,
  failedBy: {},
});

/**
 * One chaos run on the live network under way: the load (through the gateway, and through the victim's node),
 * the fault scheduler, and what they share: the current fault, the counts, the failures; then the audit.
 */
class FabricChaosRun {
  acknowledged = 0;
  attempts = 0;
  private unchanged = 0;
  private lastBlock = 0n;
  private lastTx: { txId: string; blockNumber: bigint } | undefined;
  private readonly outsideOutage = { refused4xx: 0, other5xx: 0 };
  private readonly injected: InjectedFault[] = [];
  /** kill-node: the killed node's PID → kill to its successor's index holding what was acknowledged before. */
  private readonly caughtUpMs = new Map<number, number>();
  private readonly catchUps: Promise<void>[] = [];
  private current: InjectedFault | undefined;
  private readonly faults: FabricFaultReport[] = [];
  private readonly failures: string[] = [];
  private readonly deadlineWaits: FabricChaosReport['deadlineWaits'][number][] = [];
  private abandoned = false;
  // kill-node's node: a process of its own with its data folder (wallet, sessions, PGlite index).
  private node: { proc: NodeProcess; url: string; dir: string; starts: number } | undefined;
  private nodeToken: string | undefined;
  private readonly systems = new Map<string, Identity>();
  private date = '';
  private batches: FabricBatch[] = [];
  private legsPlanned = 0;
  // As on the embedded network: no batch past a fault's gate starts before the fault is injected, so every
  // fault meets load and has batches left to recover with.
  private plan: { kind: FabricFaultKind; gate: number; open: boolean }[] = [];
  private started = 0;

  constructor(
    private readonly o: FabricChaosOptions,
    private readonly runDir: string,
    private readonly consortium: Consortium,
    private readonly ledger: FabricLedger,
    private readonly t0: number,
  ) {}

  private userOf(mspId: string, role: 'submitter' | 'admin') {
    const u = this.consortium.organisations
      .find((org) => org.mspId === mspId)
      ?.users.find((x) => x.roles.includes(role));
    if (!u) throw new Error(`${mspId} has no ${role}`);
    return u;
  }

  private systemUser(mspId: string): string {
    return this.userOf(mspId, 'submitter').id;
  }

  /** The victim's node (with kill-node), the systems' identities, and the planned batches. */
  async prepare(): Promise<void> {
    const { o } = this;
    if (o.faults.includes('kill-node')) {
      const dir = mkdtempSync(join(tmpdir(), 'tallystick-chaos-node-'));
      const proc = spawnNode(NODE_VICTIM, dir, o.nodePortOffset ?? 4370);
      const ready = await proc.next('ready', 300_000);
      this.node = { proc, url: ready.url, dir, starts: 1 };
      o.log(
        `chaos (fabric): ${NODE_VICTIM}'s node ${proc.child.pid} serving ${ready.url} in ${(ready.startMs / 1000).toFixed(1)} s (index at block ${ready.checkpoint}); ${NODE_VICTIM} posts through it`,
      );
    }
    for (const mspId of POSTERS) this.systems.set(mspId, await this.ledger.identity(this.systemUser(mspId)));
    const planned = planFabricLoad(o, this.consortium);
    this.date = planned.date;
    this.batches = planned.batches;
    this.legsPlanned = planned.legsPlanned;
    o.log(
      `chaos (fabric): ${planned.legsPlanned} legs of ${planned.payments} payments (value date ${planned.date}) in ${planned.batches.length} batches; faults: ${o.faults.join(', ')}`,
    );
    this.plan = o.faults.map((kind, i) => ({
      kind,
      gate: Math.floor(((i + 1) * planned.batches.length) / (o.faults.length + 1)),
      open: false,
    }));
  }

  /** Eight clients post every batch while the scheduler injects the faults; then the node's catch-ups. */
  async load(): Promise<void> {
    const scheduler = this.injectFaults();
    let next = 0;
    const clients = Array.from({ length: 8 }, async () => {
      while (next < this.batches.length && !this.abandoned) {
        while (this.plan.some((f) => !f.open && this.started >= f.gate)) await sleep(20);
        if (next >= this.batches.length) break;
        this.started += 1;
        const b = this.batches[next++] as FabricBatch;
        await (this.node && b.mspId === NODE_VICTIM ? this.postViaNode(b) : this.post(b));
      }
    });
    await Promise.all([...clients, scheduler]);
    await Promise.all(this.catchUps);
  }

  private async nodeLogin(role: 'submitter' | 'admin'): Promise<string | undefined> {
    const u = this.userOf(NODE_VICTIM, role);
    const a = await http(`${this.node?.url ?? ''}/v1/sessions`, 'POST', undefined, {
      enrollmentId: u.id,
      secret: u.secret,
    });
    return 'status' in a && a.status === 201 ? (a.body as { token: string }).token : undefined;
  }

  /**
   * The fault a failed attempt sent at `sentAt` (and failing now) belongs to: the current one, or the last whose
   * outage its flight overlapped. A submit in flight when the Raft leader is killed fails only at its 45 s
   * deadline, after other batches have ended the fault; one sent after a fault ended belongs to none.
   */
  private faultOf(sentAt: number): InjectedFault | undefined {
    return this.current ?? this.injected.findLast((f) => f.endedAt === undefined || f.endedAt >= sentAt);
  }

  /** Records a fault as over: the first batch acknowledged after its restart ends it. */
  private recovered(c: InjectedFault, restartedAt: number): void {
    this.faults.push({
      recovered: true,
      kind: c.kind,
      node: c.node,
      pid: c.pid,
      atAcknowledgedLegs: c.at,
      restartMs: Math.round(restartedAt - c.killedAt),
      recoveryMs: Math.round(performance.now() - c.killedAt),
      outage: c.outage,
    });
    this.o.log(`chaos (fabric): recovered from ${c.kind} in ${this.faults.at(-1)?.recoveryMs ?? 0} ms`);
    c.endedAt = performance.now();
  }

  /** Counts an acknowledged batch, and remembers the newest transaction that posted a leg. */
  private countAcknowledged(
    b: FabricBatch,
    result: readonly { outcome: string }[],
    txId: string,
    blockNumber: bigint,
  ): void {
    b.acknowledged = true;
    this.acknowledged += b.legs.length;
    this.unchanged += result.filter((l) => l.outcome === 'UNCHANGED').length;
    if (result.some((l) => l.outcome === 'POSTED') && blockNumber > this.lastBlock) {
      this.lastBlock = blockNumber;
      this.lastTx = { txId, blockNumber };
    }
    if (this.current) this.current.outage.acknowledged += 1;
  }

  private async post(b: FabricBatch): Promise<void> {
    const who = this.systems.get(b.mspId) as Identity;
    for (;;) {
      this.attempts += 1;
      const sentAt = performance.now();
      try {
        const r = await this.ledger.gateway.postLegs(who, b.legs);
        this.countAcknowledged(b, r.result, r.txId, r.blockNumber);
        // A node's fault ends with its own institution's batch through it (postViaNode), not with another's.
        if (this.current?.restartedAt !== undefined && this.current.kind !== 'kill-node') {
          this.recovered(this.current, this.current.restartedAt);
          this.current = undefined;
        }
        return;
      } catch (e) {
        if (this.postFailed(b, e, sentAt) === 'refused') return;
        if (this.abandoned) return;
        await sleep(250);
      }
    }
  }

  /** Counts a failed submit against its fault, or as a failure outside any; `refused` is not retried. */
  private postFailed(b: FabricBatch, e: unknown, sentAt: number): 'refused' | 'retry' {
    // An attempt sent during a fault belongs to it whenever its answer comes (a submit that met the killed
    // orderer fails only at its deadline, after other batches have ended the fault).
    const fault = this.faultOf(sentAt);
    const bucket = fault?.outage ?? this.outsideOutage;
    if (fault) {
      fault.outage.failedBy[b.mspId] = (fault.outage.failedBy[b.mspId] ?? 0) + 1;
      const n = Object.values(fault.outage.failedBy).reduce((x, y) => x + y, 0);
      if (n <= 3 || n % 25 === 0)
        this.o.log(
          `chaos (fabric): ${b.mspId} attempt failed (${n} during ${fault.kind}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(
            0,
            400,
          ),
        );
    }
    if (e instanceof LedgerUnavailable && /no answer within/.test(e.message))
      this.deadlineWaits.push({
        mspId: b.mspId,
        sentAtS: Math.round((sentAt - this.t0) / 100) / 10,
        waitedMs: Math.round(performance.now() - sentAt),
        ...(fault ? { during: fault.kind } : {}),
        message: e.message.slice(0, 200),
      });
    if (e instanceof LedgerUnavailable) {
      if (fault) fault.outage.unavailable503 += 1;
      else {
        const last = this.injected.at(-1);
        this.failures.push(
          `${b.mspId} unavailable outside any fault (sent ${Math.round((sentAt - this.t0) / 1000)} s into the run, ${last?.endedAt === undefined ? 'before any fault' : `${Math.round((sentAt - last.endedAt) / 1000)} s after ${last.kind} ended`}; failed ${Math.round((performance.now() - sentAt) / 1000)} s later): ${e.message}`.slice(
            0,
            400,
          ),
        );
      }
    } else if (e instanceof LedgerRejected) {
      bucket.refused4xx += 1;
      this.failures.push(`${b.mspId} batch refused: ${e.code} ${e.detail}`.slice(0, 300));
      return 'refused';
    } else {
      bucket.other5xx += 1;
      this.failures.push(
        `${b.mspId} batch failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300),
      );
    }
    return 'retry';
  }

  // The victim institution's system posts through its node's HTTP API, as a member system does: every batch not
  // answered 201 is retried with the same leg ids (a connection refused while the node is down, a 503 while
  // the ledger is), a refusal is reported.
  private async postViaNode(b: FabricBatch): Promise<void> {
    for (;;) {
      this.nodeToken ??= await this.nodeLogin('submitter');
      const sentAt = performance.now();
      this.attempts += 1;
      const a: HttpAnswer =
        this.nodeToken === undefined
          ? { error: 'login failed' }
          : await http(`${this.node?.url ?? ''}/v1/legs/batch`, 'POST', this.nodeToken, { legs: b.legs });
      if ('status' in a && a.status === 201) {
        const r = a.body as { txId: string; blockNumber: string; result: { outcome: string }[] };
        this.countAcknowledged(b, r.result, r.txId, BigInt(r.blockNumber));
        if (this.current?.restartedAt !== undefined && sentAt > this.current.restartedAt) {
          this.recovered(this.current, this.current.restartedAt);
          this.current = undefined;
        }
        return;
      }
      if (this.nodeAnswerFailed(b, a, sentAt) === 'refused') return;
      if (this.abandoned) return;
      await sleep(250);
    }
  }

  /** Counts an answer of the node other than 201 against its fault, or as a failure; `refused` is not retried. */
  private nodeAnswerFailed(b: FabricBatch, a: HttpAnswer, sentAt: number): 'refused' | 'retry' {
    const fault = this.faultOf(sentAt);
    const bucket = fault?.outage ?? this.outsideOutage;
    if (fault) fault.outage.failedBy[b.mspId] = (fault.outage.failedBy[b.mspId] ?? 0) + 1;
    if ('error' in a) {
      if (fault) fault.outage.connectionErrors += 1;
      else this.failures.push(`${b.mspId} node unreachable outside any fault: ${a.error}`);
    } else if (a.status === 401) {
      this.nodeToken = undefined;
    } else if (a.status === 503) {
      if (fault) fault.outage.unavailable503 += 1;
      else this.failures.push(`${b.mspId} node answered 503 outside any fault: ${JSON.stringify(a.body)}`);
    } else if (a.status >= 400 && a.status < 500) {
      bucket.refused4xx += 1;
      this.failures.push(
        `${b.mspId} batch refused by its node: ${a.status} ${JSON.stringify(a.body)}`.slice(0, 300),
      );
      return 'refused';
    } else {
      bucket.other5xx += 1;
      this.failures.push(
        `${b.mspId} batch failed at its node: ${a.status} ${JSON.stringify(a.body)}`.slice(0, 300),
      );
    }
    return 'retry';
  }

  /** The fault scheduler: each planned fault at its gate, once the one before has recovered. */
  private async injectFaults(): Promise<void> {
    for (const f of this.plan) {
      while (this.started < f.gate || this.current !== undefined) await sleep(50);
      const pids = readPids(join(this.runDir, 'pids.json'));
      const target = this.targetOf(f.kind, pids);
      const record = f.kind === 'kill-node' ? { pid: this.node?.proc.child.pid ?? 0 } : pids[target];
      if (!record || !isAlive(record.pid))
        throw new Error(`no running process ${target} (in ${this.runDir}/pids.json or the run's node)`);
      const fault: InjectedFault = {
        kind: f.kind,
        node: target,
        pid: record.pid,
        at: this.acknowledged,
        killedAt: performance.now(),
        outage: emptyFabricOutage(),
      };
      this.current = fault;
      this.injected.push(fault);
      this.o.log(
        `chaos (fabric): SIGKILL to ${target} (pid ${record.pid}) at ${this.acknowledged} acknowledged legs`,
      );
      process.kill(record.pid, 'SIGKILL');
      f.open = true;
      if (f.kind === 'kill-node' && this.node) await this.restartNode(this.node, fault, target);
      else await this.networkUp(fault, target);
      if (!(await this.recoveryOf(fault, target))) return;
    }
  }

  /** The launcher's name of the process a fault kills. */
  private targetOf(kind: FabricFaultKind, pids: PidTable): string {
    if (kind === 'kill-node') return `node-${NODE_VICTIM}`;
    if (kind === 'kill-peer') return 'peer0-bankb';
    if (kind === 'kill-raft-leader') return raftLeader(this.runDir, pids);
    // Bank B's own chaincode server (each organisation runs its own, beside its peer)
    return (
      Object.keys(pids)
        .filter((n) => n.startsWith('chaincode') && n.endsWith('-peer0-bankb') && isAlive(pids[n]?.pid ?? 0))
        .at(-1) ?? ''
    );
  }

  /**
   * As a supervisor would: the node started again on the same folder once it is gone; its index resumes from
   * its checkpoint, and is timed until it holds the last transaction acknowledged before the restart.
   */
  private async restartNode(
    node: { proc: NodeProcess; url: string; dir: string; starts: number },
    fault: InjectedFault,
    target: string,
  ): Promise<void> {
    await node.proc.exited;
    const before = this.lastTx;
    node.proc = spawnNode(NODE_VICTIM, node.dir, this.o.nodePortOffset ?? 4370);
    node.starts += 1;
    const ready = await node.proc.next('ready', 300_000);
    node.url = ready.url;
    this.nodeToken = undefined;
    fault.restartedAt = performance.now();
    this.o.log(
      `chaos (fabric): ${target} back as ${node.proc.child.pid} after ${Math.round(fault.restartedAt - fault.killedAt)} ms (index at block ${ready.checkpoint})`,
    );
    if (!before) return;
    const proc = node.proc;
    proc.send({ type: 'catch-up', txId: before.txId, blockNumber: String(before.blockNumber) });
    const caughtUp = proc.next('caught-up', 600_000).then(
      (m) => {
        const ms = Math.round(performance.now() - fault.killedAt);
        this.caughtUpMs.set(fault.pid, ms);
        this.o.log(
          `chaos (fabric): ${target}'s index at block ${m.checkpoint}, past block ${before.blockNumber} (the last acknowledged before the restart), ${ms} ms after the kill`,
        );
      },
      (e: unknown) => {
        this.failures.push(`${target}'s index did not catch up after the restart: ${String(e)}`);
      },
    );
    this.catchUps.push(caughtUp);
  }

  /** The network runs without the killed process for a while under load, then the launcher brings back what is down. */
  private async networkUp(fault: InjectedFault, target: string): Promise<void> {
    await sleep(5_000);
    const up = await runLauncher(['up']);
    if (up.code !== 0) throw new Error(`network:up after killing ${target} failed:\n${up.out.slice(-3000)}`);
    fault.restartedAt = performance.now();
    this.o.log(`chaos (fabric): ${target} back after ${Math.round(fault.restartedAt - fault.killedAt)} ms`);
  }

  /**
   * Waits until a batch ends the fault; false if none does within RECOVERY_DEADLINE_MS of the restart (the fault
   * is then reported not recovered, and the load stops).
   */
  private async recoveryOf(fault: InjectedFault, target: string): Promise<boolean> {
    // The clients clear `current` when a batch ends the fault.
    while (this.current !== undefined) {
      if (performance.now() - (fault.restartedAt ?? 0) > RECOVERY_DEADLINE_MS) {
        this.faults.push({
          recovered: false,
          kind: fault.kind,
          node: fault.node,
          pid: fault.pid,
          atAcknowledgedLegs: fault.at,
          restartMs: Math.round((fault.restartedAt ?? 0) - fault.killedAt),
          recoveryMs: -1,
          outage: fault.outage,
        });
        this.failures.push(
          `${fault.kind} (${target}): no batch acknowledged within ${RECOVERY_DEADLINE_MS / 1000} s of the restart; failed attempts ${JSON.stringify(fault.outage.failedBy)}`,
        );
        this.o.log(
          `chaos (fabric): ${fault.kind} not recovered in ${RECOVERY_DEADLINE_MS / 1000} s; stopping the load`,
        );
        this.abandoned = true;
        this.current.endedAt = performance.now();
        this.current = undefined;
        return false;
      }
      await sleep(50);
    }
    return true;
  }

  /** The audit opens its own connections: an observer that did not live through the faults. */
  async audit(startedAt: string): Promise<FabricChaosReport> {
    const auditor = await openFabricLedger({ runDir: this.runDir, consortium: this.consortium });
    try {
      const counts = await this.legsOnLedger(auditor);
      const ledger = this.ledgerCheck(counts);
      const { peerHeights, peersEqualAfterMs } = await peersAtOneHeight();
      const institutions: FabricChaosReport['institutions'][number][] = [];
      for (const mspId of POSTERS) institutions.push(await this.checkIndex(auditor, mspId));
      const nodeCheck = await this.checkNode(counts);
      this.checkAll(ledger, peerHeights, institutions);
      return {
        startedAt,
        backend: 'fabric',
        seed: this.o.seed,
        durationMs: Math.round(performance.now() - this.t0),
        legsPlanned: this.legsPlanned,
        legsAcknowledged: this.acknowledged,
        legsAnsweredUnchanged: this.unchanged,
        attempts: this.attempts,
        ledger,
        peerHeights,
        peersEqualAfterMs,
        institutions,
        faults: this.faults.map((f) => {
          const ms = f.kind === 'kill-node' ? this.caughtUpMs.get(f.pid) : undefined;
          return ms === undefined ? f : { ...f, indexCaughtUpMs: ms };
        }),
        deadlineWaits: this.deadlineWaits,
        ...(nodeCheck ? { node: nodeCheck } : {}),
        passed: this.failures.length === 0,
        failures: this.failures,
      };
    } finally {
      await auditor.close();
    }
  }

  /** The ledger from block 0: every leg posted (`mspId:legId`), by its event, and how many times. */
  private async legsOnLedger(auditor: FabricLedger): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    await new Promise<void>((resolve) => {
      let quiet: NodeJS.Timeout | undefined;
      const off = auditor.gateway.onChanges(
        (n: ChangeNotice) => {
          for (const l of n.legs)
            counts.set(`${l.mspId}:${l.legId}`, (counts.get(`${l.mspId}:${l.legId}`) ?? 0) + 1);
          if (n.blockNumber >= this.lastBlock) {
            clearTimeout(quiet);
            quiet = setTimeout(() => {
              off();
              resolve();
            }, 2_000);
          }
        },
        { startBlock: 0n },
      );
    });
    return counts;
  }

  /** This run's legs on the ledger; acknowledged ones lost, legs there twice, legs of its date nobody planned. */
  private ledgerCheck(counts: ReadonlyMap<string, number>): FabricChaosReport['ledger'] {
    const { batches, date } = this;
    const planned = new Set(batches.flatMap((b) => b.legs.map((l) => `${b.mspId}:${l.legId}`)));
    const acked = batches
      .filter((b) => b.acknowledged)
      .flatMap((b) => b.legs.map((l) => `${b.mspId}:${l.legId}`));
    const mine = [...counts].filter(([k]) => planned.has(k));
    const lost = acked.filter((k) => !counts.has(k)).length;
    const duplicated = mine.filter(([, n]) => n > 1).length;
    const unexpected = [...counts.keys()].filter(
      (k) => !planned.has(k) && k.includes(`-${date.replaceAll('-', '')}-`),
    ).length;
    return { legsOnLedger: mine.length, lost, duplicated, unexpected };
  }

  /** Each institution's index, built from the ledger, against the ledger. */
  private async checkIndex(
    auditor: FabricLedger,
    mspId: string,
  ): Promise<FabricChaosReport['institutions'][number]> {
    const who = await auditor.identity(this.systemUser(mspId));
    const db = await openTestDatabase(`chaos${mspId}`);
    try {
      await migrate(db.pool);
      const indexer = await BlockIndexer.start({
        gateway: auditor.gateway,
        pool: db.pool,
        institution: mspId,
        ownLegs: ownLegReader(auditor.gateway, who),
      });
      if (this.lastTx) await indexer.waitFor(this.lastTx, 600_000);
      await indexer.stop();
      const v = await verifyIndex({ pool: db.pool, gateway: auditor.gateway, who, institution: mspId });
      return {
        mspId,
        legsAcknowledged: this.batches
          .filter((b) => b.mspId === mspId && b.acknowledged)
          .reduce((n, b) => n + b.legs.length, 0),
        verifyDifferences: v.differences.length,
        differencesBy: v.differences.reduce<Record<string, number>>((acc, d) => {
          const k = `${d.kind}.${d.field}`;
          acc[k] = (acc[k] ?? 0) + 1;
          return acc;
        }, {}),
        differenceExamples: v.differences.slice(0, 3),
        ownLegsChecked: v.ownLegsChecked,
      };
    } finally {
      await db.close();
    }
  }

  /** The killed node's own index, through its own API: caught up with the ledger, and equal to it. */
  private async checkNode(counts: ReadonlyMap<string, number>): Promise<FabricChaosReport['node']> {
    const { node, lastTx, failures } = this;
    if (!node) return undefined;
    if (lastTx) {
      node.proc.send({ type: 'catch-up', txId: lastTx.txId, blockNumber: String(lastTx.blockNumber) });
      await node.proc.next('caught-up', 600_000);
    }
    const token = await this.nodeLogin('admin');
    const v = await http(`${node.url}/v1/index/verify`, 'GET', token);
    const body =
      'status' in v && v.status === 200
        ? (v.body as { differences: unknown[]; ownLegsChecked: number; indexedTo?: unknown })
        : undefined;
    if (!body) failures.push(`${NODE_VICTIM}'s node: verify answered ${JSON.stringify(v).slice(0, 300)}`);
    const nodeCheck = {
      mspId: NODE_VICTIM,
      starts: node.starts,
      indexedToBlock: String(lastTx?.blockNumber ?? ''),
      verifyDifferences: body ? body.differences.length : -1,
      ownLegsChecked: body ? body.ownLegsChecked : -1,
      ownLegsOnLedger: [...counts.keys()].filter((k) => k.startsWith(`${NODE_VICTIM}:`)).length,
    };
    if (nodeCheck.verifyDifferences !== 0)
      failures.push(`${NODE_VICTIM}'s node: verify reports ${nodeCheck.verifyDifferences} differences`);
    if (nodeCheck.ownLegsChecked !== nodeCheck.ownLegsOnLedger)
      failures.push(
        `${NODE_VICTIM}'s node: verify checked ${nodeCheck.ownLegsChecked} own legs, the ledger holds ${nodeCheck.ownLegsOnLedger}`,
      );
    return nodeCheck;
  }

  /** The run's last checks: every leg acknowledged, once on the ledger, peers at one height, indexes equal. */
  private checkAll(
    ledger: FabricChaosReport['ledger'],
    peerHeights: Record<string, string>,
    institutions: readonly FabricChaosReport['institutions'][number][],
  ): void {
    const { failures } = this;
    if (this.acknowledged !== this.legsPlanned)
      failures.push(`${this.legsPlanned - this.acknowledged} legs never acknowledged`);
    if (ledger.lost) failures.push(`${ledger.lost} acknowledged legs lost`);
    if (ledger.duplicated) failures.push(`${ledger.duplicated} legs on the ledger more than once`);
    if (new Set(Object.values(peerHeights)).size !== 1)
      failures.push(`peers' heights differ: ${JSON.stringify(peerHeights)}`);
    for (const f of this.faults) {
      if (f.outage.refused4xx > 0)
        failures.push(`${f.kind}: ${f.outage.refused4xx} refusals during the outage`);
    }
    for (const i of institutions) {
      if (i.verifyDifferences !== 0)
        failures.push(`${i.mspId}: verify reports ${i.verifyDifferences} differences`);
    }
  }

  /** Stops the victim's node (if it still runs) and removes its folder. */
  async stopNode(): Promise<void> {
    if (!this.node) return;
    const { proc, dir } = this.node;
    const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
    if (running(proc.child)) {
      proc.send({ type: 'stop' });
      await Promise.race([proc.exited, sleep(30_000)]);
      if (running(proc.child)) proc.child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every peer at the same height, within two minutes (from the launcher's status). */
async function peersAtOneHeight(): Promise<{
  peerHeights: Record<string, string>;
  peersEqualAfterMs: number;
}> {
  const heightsStart = performance.now();
  let peerHeights: Record<string, string> = {};
  for (;;) {
    const s = await runLauncher(['status']);
    peerHeights = Object.fromEntries(
      [...s.out.matchAll(/^(peer\S+)\s+peer\s+\S+\s+up\s+\S+@(\d+)/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    const values = new Set(Object.values(peerHeights));
    if (
      (Object.keys(peerHeights).length === 5 && values.size === 1) ||
      performance.now() - heightsStart > 120_000
    )
      break;
    await sleep(2_000);
  }
  return { peerHeights, peersEqualAfterMs: Math.round(performance.now() - heightsStart) };
}

export function formatFabricChaosReport(r: FabricChaosReport): string {
  return [
    `Chaos run ${r.startedAt} (live Fabric, seed ${r.seed}): ${(r.durationMs / 1000).toFixed(1)} s`,
    `  legs planned ${r.legsPlanned}, acknowledged ${r.legsAcknowledged} (${r.attempts} attempts; ${r.legsAnsweredUnchanged} answered UNCHANGED on retry)`,
    `  ledger: ${r.ledger.legsOnLedger} of this run's legs, lost ${r.ledger.lost}, duplicated ${r.ledger.duplicated}, unexpected ${r.ledger.unexpected}`,
    `  peers' heights ${JSON.stringify(r.peerHeights)} (equal after ${r.peersEqualAfterMs} ms)`,
    '  faults:',
    ...r.faults.map(
      (f) =>
        `    ${f.kind.padEnd(22)} ${f.node} (pid ${f.pid}) at ${f.atAcknowledgedLegs} legs: back ${f.restartMs} ms, ${f.recovered ? `recovery ${f.recoveryMs} ms` : 'NOT RECOVERED'}${f.indexCaughtUpMs === undefined ? '' : `, index caught up ${f.indexCaughtUpMs} ms`}; ${f.outage.connectionErrors ? `${f.outage.connectionErrors} connection errors, ` : ''}${f.outage.unavailable503}×503, ${f.outage.refused4xx}×4xx, ${f.outage.other5xx}×5xx, ${f.outage.acknowledged} batches acknowledged meanwhile; failed attempts ${JSON.stringify(f.outage.failedBy)}`,
    ),
    `  submits without an answer before their deadline: ${r.deadlineWaits.length}${r.deadlineWaits.map((w) => `\n    ${w.mspId} sent at ${w.sentAtS} s, waited ${w.waitedMs} ms (${w.during ?? 'outside any fault'}): ${w.message}`).join('')}`,
    ...r.institutions.map(
      (i) =>
        `    ${i.mspId.padEnd(18)} index: ${i.verifyDifferences} differences, ${i.ownLegsChecked} / ${i.legsAcknowledged} own legs checked`,
    ),
    ...(r.node
      ? [
          `    ${r.node.mspId}'s node (${r.node.starts} starts): its own index ${r.node.verifyDifferences} differences, ${r.node.ownLegsChecked} / ${r.node.ownLegsOnLedger} own legs on the ledger checked`,
        ]
      : []),
    r.passed ? '  verdict: PASSED' : `  verdict: FAILED\n${r.failures.map((f) => `    - ${f}`).join('\n')}`,
  ].join('\n');
}
