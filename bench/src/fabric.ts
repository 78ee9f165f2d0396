import '../../application/src/cli/quiet';

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { loadConsortium, repoRoot } from '../../application/src/ledger/consortium';
import { openFabricLedger, type FabricLedger } from '../../application/src/ledger/fabricLedgerGateway';
import type { Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { paymentFacts } from './payments';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench:fabric`: the live Fabric network the launcher runs (network/fabric), measured from a client
 * through fabric-network, as an institution's node submits. Not a test: numbers are measured, never asserted.
 *
 * - bring-up: `down`, then `up` and one leg committed through a freshly opened gateway (full run only);
 * - one leg per transaction, 1 and 16 in flight: submit-to-commit latency;
 * - batches of legs from four institutions, 1, 2, 4 and 8 in flight: legs/s, and the CPU each kind of process
 *   spent (peers, orderers, chaincode server, the client itself; from /proc/<pid>/stat of the PIDs the launcher
 *   records in `<runDir>/pids.json`), so that the bottleneck shows.
 *
 * `--smoke`: a few seconds of each phase, small batches, no bring-up, nothing written to bench/results (CI runs
 * it on its own network). The network: `--run-dir`, else TALLYSTICK_FABRIC_RUN, else network/fabric/.run; with a
 * run folder of its own also set TALLYSTICK_FABRIC_PORT_OFFSET, which the launcher checks against the folder.
 */
const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'run-dir': { type: 'string' },
    'no-bringup': { type: 'boolean', default: false },
    batch: { type: 'string' },
    seed: { type: 'string', default: '16' },
    /** Only these batched in-flight counts (comma-separated), and no single-leg phase: for profiling. */
    'in-flight': { type: 'string' },
  },
});

const SMOKE = args.smoke;
const ROOT = repoRoot();
const RUN_DIR =
  args['run-dir'] ?? process.env.TALLYSTICK_FABRIC_RUN ?? join(ROOT, 'network', 'fabric', '.run');
const BATCH_LEGS = Number(args.batch ?? (SMOKE ? '50' : '500'));
const SINGLE_TXS = SMOKE ? 8 : 200;
const SINGLE_TXS_IN_FLIGHT = SMOKE ? 32 : 800;
const IN_FLIGHT = args['in-flight']?.split(',').map(Number) ?? (SMOKE ? [1, 4] : [1, 2, 4, 8]);
/** Payment blocks per batched measurement: each block is `BATCH_LEGS` payments, posted in three batches. */
const BLOCKS = SMOKE ? 4 : 8;
/** One payment in this many gets a creditor amount off by one minor unit: a break opens. */
const BREAK_EVERY = 10;

const POSTERS = {
  BankAMSP: 'banka-system',
  BankBMSP: 'bankb-system',
  ClearingHouseMSP: 'clearing-system',
  PayCoMSP: 'payco-system',
} as const;
type Poster = keyof typeof POSTERS;

/** Three routes between the four institutions: every one of them posts, the clearing house on each payment. */
const ROUTES: RouteStop[][] = [
  ['BankAMSP', 'BankBMSP'],
  ['BankBMSP', 'PayCoMSP'],
  ['PayCoMSP', 'BankAMSP'],
].map(([debtor, creditor]) => [
  { mspId: debtor as string, role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: creditor as string, role: 'CREDITOR_AGENT' },
]);

const round1 = (x: number) => Number(x.toFixed(1));

// ---------------------------------------------------------------------------------------------------------------
// CPU per process kind

type Kind = 'peer' | 'orderer' | 'chaincode' | 'ca' | 'client';
const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function kindOf(name: string): Kind | undefined {
  if (name.startsWith('peer')) return 'peer';
  if (name.startsWith('orderer')) return 'orderer';
  if (name.startsWith('chaincode')) return 'chaincode';
  if (name.startsWith('ca-')) return 'ca';
  return undefined;
}

function launcherPids(): Map<string, { pid: number; kind: Kind }> {
  const file = join(RUN_DIR, 'pids.json');
  if (!existsSync(file)) throw new Error(`${file} does not exist: is the network of ${RUN_DIR} up?`);
  const table = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { pid: number }>;
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

interface CpuSnapshot {
  readonly byKind: Record<Kind, number>;
  readonly byProcess: Record<string, number>;
  readonly machine: { busy: number; total: number };
}

function cpuSnapshot(): CpuSnapshot {
  const byKind: Record<Kind, number> = { peer: 0, orderer: 0, chaincode: 0, ca: 0, client: 0 };
  const byProcess: Record<string, number> = {};
  for (const [name, { pid, kind }] of launcherPids()) {
    const sec = processCpuSec(pid);
    byKind[kind] += sec;
    if (kind !== 'ca') byProcess[name] = sec;
  }
  const own = process.cpuUsage();
  byKind.client = (own.user + own.system) / 1e6;
  return { byKind, byProcess, machine: machineCpuSec() };
}

/** CPU seconds of each process kind between two snapshots, its share of ours, and per leg. */
function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, legs: number) {
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
    ),
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

// ---------------------------------------------------------------------------------------------------------------
// The launcher

function launcher(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'network', 'fabric', 'cli.mjs'), command],
      { cwd: ROOT, env: { ...process.env, TALLYSTICK_FABRIC_RUN: RUN_DIR }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`network ${command} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Load

interface Posters {
  readonly ids: Record<Poster, Identity>;
}

async function posters(ledger: FabricLedger): Promise<Posters> {
  const entries = await Promise.all(
    (Object.keys(POSTERS) as Poster[]).map(async (p) => [p, await ledger.identity(POSTERS[p])] as const),
  );
  return { ids: Object.fromEntries(entries) as Record<Poster, Identity> };
}

/** A single leg: the first of a new payment, posted by `poster` in its role on a route that has it. */
function singleLeg(rnd: Random, poster: Poster, tag: string): LegInput {
  const route = ROUTES.find((r) => r.some((s) => s.mspId === poster)) as RouteStop[];
  const stop = route.find((s) => s.mspId === poster) as RouteStop;
  return { ...paymentFacts(rnd, route, 10_000_000), legId: tag, role: stop.role };
}

async function bringUp(rnd: Random) {
  await launcher('down');
  const t0 = performance.now();
  await launcher('up');
  const upMs = performance.now() - t0;
  const ledger = await openFabricLedger({ runDir: RUN_DIR, consortium: loadConsortium() });
  try {
    const who = await ledger.identity(POSTERS.BankAMSP);
    await ledger.gateway.postLegs(who, [singleLeg(rnd, 'BankAMSP', `up-${Date.now()}`)]);
    return { upMs: Math.round(upMs), toFirstCommitMs: Math.round(performance.now() - t0) };
  } finally {
    await ledger.close();
  }
}

async function singleLegs(ledger: FabricLedger, p: Posters, rnd: Random, txs: number, inFlight: number) {
  const names = Object.keys(POSTERS) as Poster[];
  const latencies: number[] = [];
  let next = 0;
  const run = `s${inFlight}-${Date.now().toString(36)}`;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < txs) {
        const i = next++;
        const poster = names[i % names.length] as Poster;
        const leg = singleLeg(rnd, poster, `${run}-${i}`);
        const s = performance.now();
        await ledger.gateway.postLegs(p.ids[poster], [leg]);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    inFlight,
    txs,
    submitToCommitMs: { p50: round1(percentile(latencies, 50)), p99: round1(percentile(latencies, 99)) },
    legsPerSec: round1(txs / seconds),
  };
}

interface Batch {
  readonly poster: Poster;
  readonly legs: LegInput[];
}

/**
 * `blocks` blocks of `size` payments, each block on one route, as three batches (debits, clearing entries,
 * credits by their three institutions), queued stage by stage: the batches in flight together are of different
 * blocks, so touch different cases, as the embedded bench posts them.
 */
function paymentBatches(rnd: Random, blocks: number, size: number, tag: string): Batch[] {
  const stages: Batch[][] = [[], [], []];
  for (let b = 0; b < blocks; b++) {
    const route = ROUTES[b % ROUTES.length] as RouteStop[];
    const perStop: LegInput[][] = route.map(() => []);
    for (let i = 0; i < size; i++) {
      const f = paymentFacts(rnd, route, 10_000_000);
      route.forEach((stop, s) => {
        const off = s === route.length - 1 && i % BREAK_EVERY === 0;
        (perStop[s] as LegInput[]).push({
          ...f,
          amountMinor: off ? String(BigInt(f.amountMinor) + 1n) : f.amountMinor,
          legId: `${tag}-${b}-${i}-${s}`,
          role: stop.role,
        });
      });
    }
    route.forEach((stop, s) => {
      (stages[s] as Batch[]).push({ poster: stop.mspId as Poster, legs: perStop[s] as LegInput[] });
    });
  }
  return stages.flat();
}

async function batched(ledger: FabricLedger, p: Posters, rnd: Random, inFlight: number, blocks: number) {
  const batches = paymentBatches(rnd, blocks, BATCH_LEGS, `b${inFlight}-${Date.now().toString(36)}`);
  const legs = batches.reduce((s, b) => s + b.legs.length, 0);
  const latencies: number[] = [];
  const retries0 = ledger.gateway.retries;
  const height0 = ledger.transport.height();
  let next = 0;
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) {
        const b = batches[next++] as Batch;
        const s = performance.now();
        await ledger.gateway.postLegs(p.ids[b.poster], b.legs);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuBetween(cpu0, cpuSnapshot(), legs);
  return {
    inFlight,
    batchLegs: BATCH_LEGS,
    batches: batches.length,
    legs,
    seconds: Number(seconds.toFixed(2)),
    legsPerSec: Math.round(legs / seconds),
    batchSubmitToCommitMs: {
      p50: Math.round(percentile(latencies, 50)),
      max: Math.round(Math.max(...latencies)),
    },
    mvccRetries: ledger.gateway.retries - retries0,
    blocks: Number(ledger.transport.height() - height0),
    cpu,
  };
}

function ordering(): unknown {
  const topology = JSON.parse(readFileSync(join(ROOT, 'network', 'fabric', 'topology.json'), 'utf8')) as {
    ordering?: unknown;
  };
  return topology.ordering;
}

async function main() {
  const rnd = new Random(Number(args.seed));
  const startedAt = new Date();
  const loadStart = loadavg();
  const log = (line: string) => {
    console.log(`[bench:fabric] ${line}`);
  };

  let bring: Awaited<ReturnType<typeof bringUp>> | undefined;
  if (!SMOKE && !args['no-bringup']) {
    log('bring-up: down, then up and one committed leg');
    bring = await bringUp(rnd);
    log(`bring-up: up ${bring.upMs} ms, first commit ${bring.toFirstCommitMs} ms`);
  } else {
    launcherPids(); // the network must be up (npm run network:up): says which run folder it looked in
  }

  const ledger = await openFabricLedger({ runDir: RUN_DIR, consortium: loadConsortium() });
  try {
    const p = await posters(ledger);
    log('warm-up');
    await singleLegs(ledger, p, rnd, SMOKE ? 4 : 40, 4);
    await batched(ledger, p, rnd, 2, SMOKE ? 1 : 2);

    const single = [];
    for (const [txs, inFlight] of args['in-flight']
      ? []
      : ([
          [SINGLE_TXS, 1],
          [SINGLE_TXS_IN_FLIGHT, 16],
        ] as const)) {
      const r = await singleLegs(ledger, p, rnd, txs, inFlight);
      log(
        `one leg per tx, ${inFlight} in flight: p50 ${r.submitToCommitMs.p50} ms, p99 ${r.submitToCommitMs.p99} ms`,
      );
      single.push(r);
    }

    const batches = [];
    for (const inFlight of IN_FLIGHT) {
      const r = await batched(ledger, p, rnd, inFlight, Math.max(BLOCKS, inFlight + 1));
      const shares = Object.entries(r.cpu.byKind)
        .map(([k, v]) => `${k} ${v.sharePct}%`)
        .join(', ');
      log(
        `batches of ${r.batchLegs}, ${inFlight} in flight: ${r.legsPerSec} legs/s ` +
          `(${r.legs} legs in ${r.seconds} s, ${r.blocks} blocks, ${r.mvccRetries} retries); ` +
          `CPU ${r.cpu.microsPerLeg} µs/leg: ${shares}; machine ${r.cpu.machineBusyPct}% busy`,
      );
      batches.push(r);
    }

    const results = {
      date: startedAt.toISOString(),
      command: SMOKE ? 'npm run bench:fabric -- --smoke' : 'npm run bench:fabric',
      mode: SMOKE ? 'smoke' : 'full',
      machine: machineInfo(),
      loadAverage: { start: loadStart.map(round1), end: loadavg().map(round1) },
      network: { runDir: RUN_DIR, ordering: ordering(), processes: launcherPids().size },
      bringUp: bring ?? null,
      singleLeg: single,
      batched: batches,
    };
    if (SMOKE) {
      console.log(JSON.stringify(results, null, 2));
    } else {
      const stamp = startedAt.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
      log(`written ${writeResults(`fabric-${stamp}.json`, results)}`);
    }
  } finally {
    await ledger.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
