import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { runLauncher } from '../../application/src/cli/fabricNetwork';
import type { Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import type { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { readPids } from '../../network/fabric/src/proc';
import { legsByStop, ROUTES } from './payments';

/**
 * What the live-Fabric benches share (`npm run bench:fabric`, fabric.ts; `npm run bench:fabric-floor`,
 * fabricFloor.ts): the CPU each kind of process of the launcher's network spends, the batches of payment legs
 * four institutions post, and the loop that keeps a number of them in flight. One copy, so that the floor and the
 * product are measured alike.
 */

export const round1 = (x: number) => Number(x.toFixed(1));

// ---------------------------------------------------------------------------------------------------------------
// CPU per process kind

export type Kind = 'peer' | 'orderer' | 'chaincode' | 'ca' | 'client';
const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function kindOf(name: string): Kind | undefined {
  if (name.startsWith('peer')) return 'peer';
  if (name.startsWith('orderer')) return 'orderer';
  if (name.startsWith('chaincode')) return 'chaincode';
  if (name.startsWith('ca-')) return 'ca';
  return undefined;
}

/** The network's processes as the launcher records them in `<runDir>/pids.json`, by name, with their kind. */
export function launcherPids(runDir: string): Map<string, { pid: number; kind: Kind }> {
  const file = join(runDir, 'pids.json');
  if (!existsSync(file)) throw new Error(`${file} does not exist: is the network of ${runDir} up?`);
  const table = readPids(file);
  const out = new Map<string, { pid: number; kind: Kind }>();
  for (const [name, { pid }] of Object.entries(table)) {
    const kind = kindOf(name);
    if (kind) out.set(name, { pid, kind });
  }
  return out;
}

/** utime + stime of a process, in seconds (0 if it is gone). */
function processCpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command (which may hold spaces) start at the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return 0;
  }
}

/** Busy and total time of the whole machine, in seconds (/proc/stat's cpu line), to see other load. */
function machineCpuSec(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.reduce((a, b) => a + b, 0);
  const idle = (t[3] ?? 0) + (t[4] ?? 0);
  return { busy: (total - idle) / CLOCK_TICKS_PER_SEC, total: total / CLOCK_TICKS_PER_SEC };
}

export interface CpuSnapshot {
  readonly byKind: Record<Kind, number>;
  readonly byProcess: Record<string, number>;
  readonly machine: { busy: number; total: number };
}

/** CPU seconds so far of each launcher process (by kind and by name), of this process (`client`), of the machine. */
export function cpuSnapshot(runDir: string): CpuSnapshot {
  const byKind: Record<Kind, number> = { peer: 0, orderer: 0, chaincode: 0, ca: 0, client: 0 };
  const byProcess: Record<string, number> = {};
  for (const [name, { pid, kind }] of launcherPids(runDir)) {
    const sec = processCpuSec(pid);
    byKind[kind] += sec;
    if (kind !== 'ca') byProcess[name] = sec;
  }
  const own = process.cpuUsage();
  byKind.client = (own.user + own.system) / 1e6;
  return { byKind, byProcess, machine: machineCpuSec() };
}

/** CPU seconds of each process kind between two snapshots, its share of ours, and per leg. */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, legs: number) {
  const kinds = Object.keys(a.byKind) as Kind[];
  const sec = Object.fromEntries(kinds.map((k) => [k, b.byKind[k] - a.byKind[k]])) as Record<Kind, number>;
  const ours = kinds.reduce((s, k) => s + sec[k], 0);
  const machineBusy = b.machine.busy - a.machine.busy;
  return {
    byKind: Object.fromEntries(
      kinds.map((k) => [
        k,
        {
          seconds: Number(sec[k].toFixed(2)),
          sharePct: ours > 0 ? round1((100 * sec[k]) / ours) : 0,
          microsPerLeg: Math.round((1e6 * sec[k]) / legs),
        },
      ]),
    ) as Record<Kind, { seconds: number; sharePct: number; microsPerLeg: number }>,
    /** Each process of the network: which peer endorsed, which only validated and committed. */
    byProcessSeconds: Object.fromEntries(
      Object.entries(b.byProcess).map(([n, v]) => [n, Number((v - (a.byProcess[n] ?? 0)).toFixed(2))]),
    ),
    networkAndClientSeconds: Number(ours.toFixed(2)),
    microsPerLeg: Math.round((1e6 * ours) / legs),
    /** CPU the whole machine spent meanwhile, ours included: the rest is other load on the machine. */
    machineBusySeconds: Number(machineBusy.toFixed(2)),
    machineBusyPct: round1((100 * machineBusy) / Math.max(1e-9, b.machine.total - a.machine.total)),
  };
}

/** One line of a batched measurement's CPU: µs per leg in all, and each kind's share. */
export function cpuLine(cpu: ReturnType<typeof cpuBetween>): string {
  const kinds = Object.entries(cpu.byKind)
    .filter(([k]) => k !== 'ca')
    .map(([k, v]) => `${k} ${v.microsPerLeg} (${v.sharePct}%)`)
    .join(', ');
  return `CPU ${cpu.microsPerLeg} µs/leg: ${kinds}; machine ${cpu.machineBusyPct}% busy`;
}

// ---------------------------------------------------------------------------------------------------------------
// The launcher

/** Runs a `network:*` command on the network of `runDir`; throws with its output if it fails. */
export async function launcher(runDir: string, args: readonly string[]): Promise<void> {
  const r = await runLauncher(args, { env: { ...process.env, TALLYSTICK_FABRIC_RUN: runDir } });
  if (r.code !== 0) throw new Error(`network ${args.join(' ')} failed (exit ${r.code}):\n${r.out}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Load: batches of payment legs from four institutions

export const POSTERS = {
  BankAMSP: 'banka-system',
  BankBMSP: 'bankb-system',
  ClearingHouseMSP: 'clearing-system',
  PayCoMSP: 'payco-system',
} as const;
export type Poster = keyof typeof POSTERS;

export interface Posters {
  readonly ids: Record<Poster, Identity>;
}

/** Each institution's system identity, from the wallets the launcher wrote. */
export async function posters(identity: (userId: string) => Promise<Identity>): Promise<Posters> {
  const entries = await Promise.all(
    (Object.keys(POSTERS) as Poster[]).map(async (p) => [p, await identity(POSTERS[p])] as const),
  );
  return { ids: Object.fromEntries(entries) as Record<Poster, Identity> };
}

export { ROUTES } from './payments';

/** One payment in this many gets a creditor amount off by one minor unit: a break opens. */
export const BREAK_EVERY = 10;

export interface Batch {
  readonly poster: Poster;
  readonly legs: LegInput[];
  /** The batch of the same payments' previous leg (it must have committed first), if any. */
  readonly after?: Batch;
}

/**
 * `blocks` blocks of `size` payments, each block on one route, as three batches (debits, clearing entries,
 * credits by their three institutions), in the order a payment's institutions post them: round r queues the
 * debits of block r, the entries of block r - lag and the credits of block r - 2 lag. With lag ≥ inFlight / 3,
 * the batches started together are of different blocks (they touch different cases, so they do not conflict);
 * one round more keeps apart a batch that takes longer than its neighbours (lag = inFlight / 3 alone had 15 of 27
 * batches retried at 8 in flight). A payment's three legs are posted a few batches apart: never a whole run
 * apart, which at a slow speed would pass the service level (60 s) and open a missing-leg break on most cases.
 */
export function paymentBatches(
  rnd: Random,
  blocks: number,
  size: number,
  tag: string,
  inFlight: number,
): Batch[] {
  const perBlock: Batch[][] = [];
  for (let b = 0; b < blocks; b++) {
    const route = ROUTES[b % ROUTES.length] as RouteStop[];
    const perStop = legsByStop(rnd, route, size, tag, b, BREAK_EVERY);
    const stages: Batch[] = [];
    route.forEach((stop, s) => {
      const after = stages[s - 1];
      stages.push({
        poster: stop.mspId as Poster,
        legs: perStop[s] as LegInput[],
        ...(after ? { after } : {}),
      });
    });
    perBlock.push(stages);
  }
  const lag = Math.ceil(inFlight / 3) + 1;
  const queue: Batch[] = [];
  for (let r = 0; r < blocks + 2 * lag; r++) {
    for (let s = 0; s < 3; s++) {
      const batch = perBlock[r - s * lag]?.[s];
      if (batch) queue.push(batch);
    }
  }
  return queue;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Posts `batches` in order with `inFlight` of them under way at a time, and measures the whole: wall time, legs
 * per second, submit-to-commit per batch, and the CPU each kind of process spent meanwhile. A batch waits for
 * its payments' previous leg to commit, as an institution's leg follows the one before it; batches a slow
 * neighbour held back would otherwise race it for the same cases (MVCC conflicts, retried).
 */
export async function driveBatches(
  runDir: string,
  batches: readonly Batch[],
  inFlight: number,
  post: (batch: Batch) => Promise<void>,
) {
  const legs = batches.reduce((s, b) => s + b.legs.length, 0);
  const latencies: number[] = [];
  const committed = new Map(batches.map((b) => [b, deferred()] as const));
  let next = 0;
  const cpu0 = cpuSnapshot(runDir);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) {
        const b = batches[next++] as Batch;
        if (b.after) await committed.get(b.after)?.promise;
        const s = performance.now();
        await post(b);
        latencies.push(performance.now() - s);
        committed.get(b)?.resolve();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuBetween(cpu0, cpuSnapshot(runDir), legs);
  return {
    inFlight,
    batches: batches.length,
    legs,
    seconds: Number(seconds.toFixed(2)),
    legsPerSec: Math.round(legs / seconds),
    batchSubmitToCommitMs: {
      p50: Math.round(percentile(latencies, 50)),
      max: Math.round(Math.max(...latencies)),
    },
    cpu,
  };
}
