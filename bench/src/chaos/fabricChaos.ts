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
import { loadConsortium } from '../../../application/src/ledger/consortium';
import { defaultFabricRunDir, openFabricLedger } from '../../../application/src/ledger/fabricLedger';
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

export async function runFabricChaos(o: {
  legs: number;
  faults: readonly FabricFaultKind[];
  seed: number;
  repoRoot: string;
  log: (line: string) => void;
  /** Added to the killed node's documented API port (network/consortium.json); default 4370. */
  nodePortOffset?: number;
}): Promise<FabricChaosReport> {
  const { log } = o;
  const runDir = defaultFabricRunDir();
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const consortium = loadConsortium();
  const status = await runLauncher(['status']);
  if (status.code !== 0)
    throw new Error(`the live network is not up (npm run network:status):\n${status.out}`);
  const ledger = await openFabricLedger({ runDir, consortium });
  // kill-node's node: a process of its own with its data folder (wallet, sessions, PGlite index).
  let node: { proc: NodeProcess; url: string; dir: string; starts: number } | undefined;
  try {
    const userOf = (mspId: string, role: 'submitter' | 'admin') => {
      const u = consortium.organisations
        .find((org) => org.mspId === mspId)
        ?.users.find((x) => x.roles.includes(role));
      if (!u) throw new Error(`${mspId} has no ${role}`);
      return u;
    };
    const systemUser = (mspId: string): string => userOf(mspId, 'submitter').id;
    if (o.faults.includes('kill-node')) {
      const dir = mkdtempSync(join(tmpdir(), 'tallystick-chaos-node-'));
      const proc = spawnNode(NODE_VICTIM, dir, o.nodePortOffset ?? 4370);
      const ready = await proc.next('ready', 300_000);
      node = { proc, url: ready.url, dir, starts: 1 };
      log(
        `chaos (fabric): ${NODE_VICTIM}'s node ${proc.child.pid} serving ${ready.url} in ${(ready.startMs / 1000).toFixed(1)} s (index at block ${ready.checkpoint}); ${NODE_VICTIM} posts through it`,
      );
    }
    const nodeLogin = async (role: 'submitter' | 'admin'): Promise<string | undefined> => {
      const u = userOf(NODE_VICTIM, role);
      const a = await http(`${node?.url ?? ''}/v1/sessions`, 'POST', undefined, {
        enrollmentId: u.id,
        secret: u.secret,
      });
      return 'status' in a && a.status === 201 ? (a.body as { token: string }).token : undefined;
    };
    const systems = new Map<string, Identity>();
    for (const mspId of POSTERS) systems.set(mspId, await ledger.identity(systemUser(mspId)));
    // A fresh business date per run: the live ledger keeps earlier runs' legs (leg ids carry the seed and date).
    const date = new Date(Date.UTC(2030, 0, 1) + (o.seed % 3000) * 86_400_000).toISOString().slice(0, 10);
    const day = generateBusinessDay({
      seed: o.seed,
      payments: Math.ceil(o.legs / 2.7),
      date,
      institutions: consortiumInstitutions(consortium.organisations),
    });
    type Batch = { mspId: string; legs: LegInput[]; acknowledged: boolean; round: number };
    const batches: Batch[] = [];
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
    log(
      `chaos (fabric): ${legsPlanned} legs of ${day.payments.length} payments (value date ${date}) in ${batches.length} batches; faults: ${o.faults.join(', ')}`,
    );

    let acknowledged = 0;
    let unchanged = 0;
    let attempts = 0;
    let lastBlock = 0n;
    let lastTx: { txId: string; blockNumber: bigint } | undefined;
    const outsideOutage = { refused4xx: 0, other5xx: 0 };
    type Current = {
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
    const injected: Current[] = [];
    /**
     * The fault a failed attempt sent at `sentAt` (and failing now) belongs to: the current one, or the last whose
     * outage its flight overlapped. A submit in flight when the Raft leader is killed fails only at its 45 s
     * deadline, after other batches have ended the fault; one sent after a fault ended belongs to none.
     */
    const faultOf = (sentAt: number): Current | undefined =>
      current ?? injected.findLast((f) => f.endedAt === undefined || f.endedAt >= sentAt);
    /** kill-node: the killed node's PID → kill to its successor's index holding what was acknowledged before. */
    const caughtUpMs = new Map<number, number>();
    const catchUps: Promise<void>[] = [];
    let current: Current | undefined;
    /** Records a fault as over: the first batch acknowledged after its restart ends it. */
    const recovered = (c: Current, restartedAt: number) => {
      faults.push({
        recovered: true,
        kind: c.kind,
        node: c.node,
        pid: c.pid,
        atAcknowledgedLegs: c.at,
        restartMs: Math.round(restartedAt - c.killedAt),
        recoveryMs: Math.round(performance.now() - c.killedAt),
        outage: c.outage,
      });
      log(`chaos (fabric): recovered from ${c.kind} in ${faults.at(-1)?.recoveryMs ?? 0} ms`);
      c.endedAt = performance.now();
    };
    const faults: FabricFaultReport[] = [];
    const failures: string[] = [];
    const deadlineWaits: FabricChaosReport['deadlineWaits'][number][] = [];

    let abandoned = false;
    const post = async (b: Batch) => {
      const who = systems.get(b.mspId) as Identity;
      for (;;) {
        attempts += 1;
        const sentAt = performance.now();
        try {
          const r = await ledger.gateway.postLegs(who, b.legs);
          b.acknowledged = true;
          acknowledged += b.legs.length;
          unchanged += r.result.filter((l) => l.outcome === 'UNCHANGED').length;
          if (r.result.some((l) => l.outcome === 'POSTED') && r.blockNumber > lastBlock) {
            lastBlock = r.blockNumber;
            lastTx = { txId: r.txId, blockNumber: r.blockNumber };
          }
          if (current) current.outage.acknowledged += 1;
          // A node's fault ends with its own institution's batch through it (postViaNode), not with another's.
          if (current?.restartedAt !== undefined && current.kind !== 'kill-node') {
            recovered(current, current.restartedAt);
            current = undefined;
          }
          return;
        } catch (e) {
          // An attempt sent during a fault belongs to it whenever its answer comes (a submit that met the killed
          // orderer fails only at its deadline, after other batches have ended the fault).
          const fault = faultOf(sentAt);
          const bucket = fault?.outage ?? outsideOutage;
          if (fault) {
            fault.outage.failedBy[b.mspId] = (fault.outage.failedBy[b.mspId] ?? 0) + 1;
            const n = Object.values(fault.outage.failedBy).reduce((x, y) => x + y, 0);
            if (n <= 3 || n % 25 === 0)
              log(
                `chaos (fabric): ${b.mspId} attempt failed (${n} during ${fault.kind}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(
                  0,
                  400,
                ),
              );
          }
          if (e instanceof LedgerUnavailable && /no answer within/.test(e.message))
            deadlineWaits.push({
              mspId: b.mspId,
              sentAtS: Math.round((sentAt - t0) / 100) / 10,
              waitedMs: Math.round(performance.now() - sentAt),
              ...(fault ? { during: fault.kind } : {}),
              message: e.message.slice(0, 200),
            });
          if (e instanceof LedgerUnavailable) {
            if (fault) fault.outage.unavailable503 += 1;
            else {
              const last = injected.at(-1);
              failures.push(
                `${b.mspId} unavailable outside any fault (sent ${Math.round((sentAt - t0) / 1000)} s into the run, ${last?.endedAt === undefined ? 'before any fault' : `${Math.round((sentAt - last.endedAt) / 1000)} s after ${last.kind} ended`}; failed ${Math.round((performance.now() - sentAt) / 1000)} s later): ${e.message}`.slice(
                  0,
                  400,
                ),
              );
            }
          } else if (e instanceof LedgerRejected) {
            bucket.refused4xx += 1;
            failures.push(`${b.mspId} batch refused: ${e.code} ${e.detail}`.slice(0, 300));
            return;
          } else {
            bucket.other5xx += 1;
            failures.push(
              `${b.mspId} batch failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300),
            );
          }
          if (abandoned) return;
          await sleep(250);
        }
      }
    };

    // The victim institution's system posts through its node's HTTP API, as a member system does: every batch not
    // answered 201 is retried with the same leg ids (a connection refused while the node is down, a 503 while
    // the ledger is), a refusal is reported.
    let nodeToken: string | undefined;
    const postViaNode = async (b: Batch) => {
      for (;;) {
        nodeToken ??= await nodeLogin('submitter');
        const sentAt = performance.now();
        attempts += 1;
        const a: HttpAnswer =
          nodeToken === undefined
            ? { error: 'login failed' }
            : await http(`${node?.url ?? ''}/v1/legs/batch`, 'POST', nodeToken, { legs: b.legs });
        if ('status' in a && a.status === 201) {
          const r = a.body as { txId: string; blockNumber: string; result: { outcome: string }[] };
          b.acknowledged = true;
          acknowledged += b.legs.length;
          unchanged += r.result.filter((l) => l.outcome === 'UNCHANGED').length;
          if (r.result.some((l) => l.outcome === 'POSTED') && BigInt(r.blockNumber) > lastBlock) {
            lastBlock = BigInt(r.blockNumber);
            lastTx = { txId: r.txId, blockNumber: lastBlock };
          }
          if (current) current.outage.acknowledged += 1;
          if (current?.restartedAt !== undefined && sentAt > current.restartedAt) {
            recovered(current, current.restartedAt);
            current = undefined;
          }
          return;
        }
        const fault = faultOf(sentAt);
        const bucket = fault?.outage ?? outsideOutage;
        if (fault) fault.outage.failedBy[b.mspId] = (fault.outage.failedBy[b.mspId] ?? 0) + 1;
        if ('error' in a) {
          if (fault) fault.outage.connectionErrors += 1;
          else failures.push(`${b.mspId} node unreachable outside any fault: ${a.error}`);
        } else if (a.status === 401) {
          nodeToken = undefined;
        } else if (a.status === 503) {
          if (fault) fault.outage.unavailable503 += 1;
          else failures.push(`${b.mspId} node answered 503 outside any fault: ${JSON.stringify(a.body)}`);
        } else if (a.status >= 400 && a.status < 500) {
          bucket.refused4xx += 1;
          failures.push(
            `${b.mspId} batch refused by its node: ${a.status} ${JSON.stringify(a.body)}`.slice(0, 300),
          );
          return;
        } else {
          bucket.other5xx += 1;
          failures.push(
            `${b.mspId} batch failed at its node: ${a.status} ${JSON.stringify(a.body)}`.slice(0, 300),
          );
        }
        if (abandoned) return;
        await sleep(250);
      }
    };

    // As on the embedded network: no batch past a fault's gate starts before the fault is injected, so every
    // fault meets load and has batches left to recover with.
    const plan = o.faults.map((kind, i) => ({
      kind,
      gate: Math.floor(((i + 1) * batches.length) / (o.faults.length + 1)),
      open: false,
    }));
    let started = 0;
    const scheduler = (async () => {
      for (const f of plan) {
        while (started < f.gate || current !== undefined) await sleep(50);
        const pids = readPids(join(runDir, 'pids.json'));
        const target =
          f.kind === 'kill-node'
            ? `node-${NODE_VICTIM}`
            : f.kind === 'kill-peer'
              ? 'peer0-bankb'
              : f.kind === 'kill-raft-leader'
                ? raftLeader(runDir, pids)
                : // Bank B's own chaincode server (each organisation runs its own, beside its peer)
                  (Object.keys(pids)
                    .filter(
                      (n) =>
                        n.startsWith('chaincode') && n.endsWith('-peer0-bankb') && isAlive(pids[n]?.pid ?? 0),
                    )
                    .at(-1) ?? '');
        const record = f.kind === 'kill-node' ? { pid: node?.proc.child.pid ?? 0 } : pids[target];
        if (!record || !isAlive(record.pid))
          throw new Error(`no running process ${target} (in ${runDir}/pids.json or the run's node)`);
        const fault: Current = {
          kind: f.kind,
          node: target,
          pid: record.pid,
          at: acknowledged,
          killedAt: performance.now(),
          outage: {
            connectionErrors: 0,
            unavailable503: 0,
            refused4xx: 0,
            other5xx: 0,
            acknowledged: 0,
            failedBy: {},
          },
        };
        current = fault;
        injected.push(fault);
        log(`chaos (fabric): SIGKILL to ${target} (pid ${record.pid}) at ${acknowledged} acknowledged legs`);
        process.kill(record.pid, 'SIGKILL');
        f.open = true;
        if (f.kind === 'kill-node' && node) {
          // As a supervisor would: started again on the same folder once it is gone; its index resumes from
          // its checkpoint.
          await node.proc.exited;
          const before = lastTx;
          node.proc = spawnNode(NODE_VICTIM, node.dir, o.nodePortOffset ?? 4370);
          node.starts += 1;
          const ready = await node.proc.next('ready', 300_000);
          node.url = ready.url;
          nodeToken = undefined;
          fault.restartedAt = performance.now();
          log(
            `chaos (fabric): ${target} back as ${node.proc.child.pid} after ${Math.round(fault.restartedAt - fault.killedAt)} ms (index at block ${ready.checkpoint})`,
          );
          if (before) {
            const proc = node.proc;
            proc.send({ type: 'catch-up', txId: before.txId, blockNumber: String(before.blockNumber) });
            const caughtUp = proc.next('caught-up', 600_000).then(
              (m) => {
                const ms = Math.round(performance.now() - fault.killedAt);
                caughtUpMs.set(fault.pid, ms);
                log(
                  `chaos (fabric): ${target}'s index at block ${m.checkpoint}, past block ${before.blockNumber} (the last acknowledged before the restart), ${ms} ms after the kill`,
                );
              },
              (e: unknown) => {
                failures.push(`${target}'s index did not catch up after the restart: ${String(e)}`);
              },
            );
            catchUps.push(caughtUp);
          }
        } else {
          // The network runs without it for a while under load, then the launcher brings back what is down.
          await sleep(5_000);
          const up = await runLauncher(['up']);
          if (up.code !== 0)
            throw new Error(`network:up after killing ${target} failed:\n${up.out.slice(-3000)}`);
          fault.restartedAt = performance.now();
          log(`chaos (fabric): ${target} back after ${Math.round(fault.restartedAt - fault.killedAt)} ms`);
        }
        while ((current as Current | undefined) !== undefined) {
          if (performance.now() - (fault.restartedAt ?? 0) > RECOVERY_DEADLINE_MS) {
            faults.push({
              recovered: false,
              kind: fault.kind,
              node: fault.node,
              pid: fault.pid,
              atAcknowledgedLegs: fault.at,
              restartMs: Math.round((fault.restartedAt ?? 0) - fault.killedAt),
              recoveryMs: -1,
              outage: fault.outage,
            });
            failures.push(
              `${fault.kind} (${target}): no batch acknowledged within ${RECOVERY_DEADLINE_MS / 1000} s of the restart; failed attempts ${JSON.stringify(fault.outage.failedBy)}`,
            );
            log(
              `chaos (fabric): ${fault.kind} not recovered in ${RECOVERY_DEADLINE_MS / 1000} s; stopping the load`,
            );
            abandoned = true;
            current.endedAt = performance.now();
            current = undefined;
            return;
          }
          await sleep(50);
        }
      }
    })();
    let next = 0;
    const clients = Array.from({ length: 8 }, async () => {
      while (next < batches.length && !abandoned) {
        while (plan.some((f) => !f.open && started >= f.gate)) await sleep(20);
        if (next >= batches.length) break;
        started += 1;
        const b = batches[next++] as Batch;
        await (node && b.mspId === NODE_VICTIM ? postViaNode(b) : post(b));
      }
    });
    await Promise.all([...clients, scheduler]);
    await Promise.all(catchUps);
    log(`chaos (fabric): load done, ${acknowledged} legs acknowledged in ${attempts} attempts; auditing`);

    // The audit opens its own connections: an observer that did not live through the faults.
    const auditor = await openFabricLedger({ runDir, consortium });
    try {
      // The ledger from block 0: every leg posted, by its event.
      const counts = new Map<string, number>();
      await new Promise<void>((resolve) => {
        let quiet: NodeJS.Timeout | undefined;
        const off = auditor.gateway.onChanges(
          (n: ChangeNotice) => {
            for (const l of n.legs)
              counts.set(`${l.mspId}:${l.legId}`, (counts.get(`${l.mspId}:${l.legId}`) ?? 0) + 1);
            if (n.blockNumber >= lastBlock) {
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

      // Every peer at the same height, within two minutes.
      const heightsStart = performance.now();
      let peerHeights: Record<string, string> = {};
      for (;;) {
        const s = await runLauncher(['status']);
        peerHeights = Object.fromEntries(
          [...s.out.matchAll(/^(peer\S+)\s+peer\s+\S+\s+up\s+\S+@(\d+)/gm)].map((m) => [
            m[1] ?? '',
            m[2] ?? '',
          ]),
        );
        const values = new Set(Object.values(peerHeights));
        if (
          (Object.keys(peerHeights).length === 5 && values.size === 1) ||
          performance.now() - heightsStart > 120_000
        )
          break;
        await sleep(2_000);
      }
      const peersEqualAfterMs = Math.round(performance.now() - heightsStart);

      // Each institution's index, built from the ledger, against the ledger.
      const institutions: FabricChaosReport['institutions'][number][] = [];
      for (const mspId of POSTERS) {
        const who = await auditor.identity(systemUser(mspId));
        const db = await openTestDatabase(`chaos${mspId}`);
        try {
          await migrate(db.pool);
          const indexer = await BlockIndexer.start({
            gateway: auditor.gateway,
            pool: db.pool,
            institution: mspId,
            ownLegs: ownLegReader(auditor.gateway, who),
          });
          if (lastTx) await indexer.waitFor(lastTx, 600_000);
          await indexer.stop();
          const v = await verifyIndex({ pool: db.pool, gateway: auditor.gateway, who, institution: mspId });
          institutions.push({
            mspId,
            legsAcknowledged: batches
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
          });
        } finally {
          await db.close();
        }
      }

      // The killed node's own index, through its own API: caught up with the ledger, and equal to it.
      let nodeCheck: FabricChaosReport['node'];
      if (node) {
        if (lastTx) {
          node.proc.send({ type: 'catch-up', txId: lastTx.txId, blockNumber: String(lastTx.blockNumber) });
          await node.proc.next('caught-up', 600_000);
        }
        const token = await nodeLogin('admin');
        const v = await http(`${node.url}/v1/index/verify`, 'GET', token);
        const body =
          'status' in v && v.status === 200
            ? (v.body as { differences: unknown[]; ownLegsChecked: number; indexedTo?: unknown })
            : undefined;
        if (!body) failures.push(`${NODE_VICTIM}'s node: verify answered ${JSON.stringify(v).slice(0, 300)}`);
        nodeCheck = {
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
      }

      if (acknowledged !== legsPlanned)
        failures.push(`${legsPlanned - acknowledged} legs never acknowledged`);
      if (lost) failures.push(`${lost} acknowledged legs lost`);
      if (duplicated) failures.push(`${duplicated} legs on the ledger more than once`);
      if (new Set(Object.values(peerHeights)).size !== 1)
        failures.push(`peers' heights differ: ${JSON.stringify(peerHeights)}`);
      for (const f of faults) {
        if (f.outage.refused4xx > 0)
          failures.push(`${f.kind}: ${f.outage.refused4xx} refusals during the outage`);
      }
      for (const i of institutions) {
        if (i.verifyDifferences !== 0)
          failures.push(`${i.mspId}: verify reports ${i.verifyDifferences} differences`);
      }
      return {
        startedAt,
        backend: 'fabric',
        seed: o.seed,
        durationMs: Math.round(performance.now() - t0),
        legsPlanned,
        legsAcknowledged: acknowledged,
        legsAnsweredUnchanged: unchanged,
        attempts,
        ledger: { legsOnLedger: mine.length, lost, duplicated, unexpected },
        peerHeights,
        peersEqualAfterMs,
        institutions,
        faults: faults.map((f) => {
          const ms = f.kind === 'kill-node' ? caughtUpMs.get(f.pid) : undefined;
          return ms === undefined ? f : { ...f, indexCaughtUpMs: ms };
        }),
        deadlineWaits,
        ...(nodeCheck ? { node: nodeCheck } : {}),
        passed: failures.length === 0,
        failures,
      };
    } finally {
      await auditor.close();
    }
  } finally {
    if (node) {
      const { proc, dir } = node;
      const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
      if (running(proc.child)) {
        proc.send({ type: 'stop' });
        await Promise.race([proc.exited, sleep(30_000)]);
        if (running(proc.child)) proc.child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    }
    await ledger.close();
  }
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
