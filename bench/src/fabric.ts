import '../../application/src/cli/quiet';

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { runLauncher } from '../../application/src/cli/fabricNetwork';
import { loadConsortium, repoRoot } from '../../application/src/ledger/consortium';
import {
  defaultFabricRunDir,
  openFabricLedger,
  type FabricLedger,
} from '../../application/src/ledger/fabricLedger';
import type { Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import { startInstitutionNodes, type RunningNode } from '../../application/src/node/institutionNodes';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import { readPids } from '../../network/fabric/src/proc';
import { paymentFacts } from './payments';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench:fabric`: the live Fabric network the launcher runs (network/fabric), measured from a client
 * through fabric-network, as an institution's node submits. Not a test: numbers are measured, never asserted.
 *
 * - bring-up: `down` (with `--fresh`: `reset`, then also `down`), then `up` and one leg committed through a freshly
 *   opened gateway (full run only);
 * - a break visible: from the submit of a payment's last leg to its break on Bank B's node's event stream;
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
    /** Start from nothing: `reset` (deletes the network's ledgers and crypto), `up`; then the restart. */
    fresh: { type: 'boolean', default: false },
    batch: { type: 'string' },
    /**
     * Seed of the generated payments. A new one each run by default: the same seed on the same ledger makes the
     * same payment references, so the legs would join the cases of an earlier run (and open DUPLICATE breaks).
     */
    seed: { type: 'string' },
    /** Only these batched in-flight counts (comma-separated), and no single-leg phase: for profiling. */
    'in-flight': { type: 'string' },
  },
});

const SMOKE = args.smoke;
const ROOT = repoRoot();
const RUN_DIR = args['run-dir'] ?? defaultFabricRunDir();
const BATCH_LEGS = Number(args.batch ?? (SMOKE ? '50' : '500'));
const SINGLE_TXS = SMOKE ? 8 : 200;
const SINGLE_TXS_IN_FLIGHT = SMOKE ? 32 : 800;
const IN_FLIGHT = args['in-flight']?.split(',').map(Number) ?? (SMOKE ? [1, 4] : [1, 2, 4, 8]);
/** Payment blocks per batched measurement: each block is `BATCH_LEGS` payments, posted in three batches. */
const BLOCKS = SMOKE ? 4 : 8;
/** Payments whose break is timed from the last leg's submit to the event stream. */
const BREAK_ROUNDS = 50;
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

async function launcher(command: string): Promise<void> {
  const r = await runLauncher([command], { env: { ...process.env, TALLYSTICK_FABRIC_RUN: RUN_DIR } });
  if (r.code !== 0) throw new Error(`network ${command} failed (exit ${r.code}):\n${r.out}`);
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

/**
 * Bring-up to the first committed leg: `up` (which ends with the chaincode endorsed by every peer and one
 * transaction committed), then a freshly opened gateway commits a leg. `fresh`: from nothing (`reset` deletes the
 * run folder: crypto, channel, ledgers), else a restart after `down` on the same ledgers.
 */
async function bringUp(rnd: Random, fresh: boolean) {
  await launcher(fresh ? 'reset' : 'down');
  const t0 = performance.now();
  await launcher('up');
  const upMs = performance.now() - t0;
  const ledger = await openFabricLedger({ runDir: RUN_DIR, consortium: loadConsortium() });
  try {
    const who = await ledger.identity(POSTERS.BankAMSP);
    await ledger.gateway.postLegs(who, [singleLeg(rnd, 'BankAMSP', `up-${Date.now().toString(36)}`)]);
    return {
      from: fresh ? 'nothing' : 'down',
      upMs: Math.round(upMs),
      toFirstCommitMs: Math.round(performance.now() - t0),
    };
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

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Batch {
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
function paymentBatches(rnd: Random, blocks: number, size: number, tag: string, inFlight: number): Batch[] {
  const perBlock: Batch[][] = [];
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

async function batched(ledger: FabricLedger, p: Posters, rnd: Random, inFlight: number, blocks: number) {
  const batches = paymentBatches(
    rnd,
    blocks,
    BATCH_LEGS,
    `b${inFlight}-${Date.now().toString(36)}`,
    inFlight,
  );
  const legs = batches.reduce((s, b) => s + b.legs.length, 0);
  const latencies: number[] = [];
  /** Case status after each leg: with every leg in time, 1 in BREAK_EVERY of the last legs is BROKEN. */
  const statuses: Record<string, number> = {};
  // A batch waits for its payments' previous leg to commit, as an institution's leg follows the one before it;
  // batches a slow neighbour held back would otherwise race it for the same cases (MVCC conflicts, retried).
  const committed = new Map(batches.map((b) => [b, deferred()] as const));
  const retries0 = ledger.gateway.retries;
  const height0 = ledger.transport.height();
  let next = 0;
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) {
        const b = batches[next++] as Batch;
        if (b.after) await committed.get(b.after)?.promise;
        const s = performance.now();
        const posted = await ledger.gateway.postLegs(p.ids[b.poster], b.legs);
        latencies.push(performance.now() - s);
        committed.get(b)?.resolve();
        for (const leg of posted.result) statuses[leg.caseStatus] = (statuses[leg.caseStatus] ?? 0) + 1;
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
    caseStatusAfterLeg: statuses,
    blocks: Number(ledger.transport.height() - height0),
    cpu,
  };
}

/** Bank A pays Bank B directly: the route of the break-visible rounds. */
const ROUTE_AB: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what}: nothing within ${ms} ms`));
      }, ms);
    }),
  ]).finally(() => {
    clearTimeout(timer);
  });
}

/** Added to each institution's API port (network/consortium.json) for the nodes the bench starts. */
const NODE_PORT_OFFSET = 2_300;

/**
 * From the submit of a payment's last leg to its break on the console's event stream, through the nodes
 * `npm start -- --ledger fabric` serves (startInstitutionNodes on this Fabric connection): Bank B's node indexes
 * the ledger into its own PGlite, Bruno of Bank B logs in there (enrolled at Bank B's fabric-ca) and reads
 * `GET /v1/events` over HTTP as the console does. Each round posts Bank A's debit, then Bank B's credit one minor
 * unit off: the credit's transaction opens an AMOUNT_MISMATCH break, and the clock runs from the credit's submit to
 * the event that names its case. The nodes get no DATABASE_URL and no TLS settings from the environment: they
 * never touch a shared database and serve plain HTTP on 127.0.0.1.
 */
async function breakVisible(ledger: FabricLedger, p: Posters, rnd: Random, rounds: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-bench-fabric-'));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('TALLYSTICK_TLS_')),
  );
  const nodes = await startInstitutionNodes(ledger, {
    dataDir,
    portOffset: NODE_PORT_OFFSET,
    env,
    log: () => undefined,
  });
  let events: CaseEvents | undefined;
  try {
    const bankB = nodes.find((n) => n.mspId === 'BankBMSP');
    if (bankB === undefined) throw new Error('no Bank B node');
    const catchUpMs = await indexCaughtUp(ledger, p, rnd, bankB);
    events = watchCaseEvents(await brunosEventStream(bankB.url));
    const toEvent: number[] = [];
    const toCommit: number[] = [];
    const run = Date.now().toString(36);
    for (let i = 0; i < rounds; i++) {
      const r = await breakRound(ledger, p, rnd, `bv-${run}-${i}`, events);
      toCommit.push(r.toCommitMs);
      toEvent.push(r.toEventMs);
    }
    await events.close();
    return {
      rounds,
      path: "Bank B's node (startInstitutionNodes): its index, Bruno's session, GET /v1/events over HTTP",
      indexCatchUpMs: catchUpMs,
      lastLegSubmitToCommitMs: {
        p50: round1(percentile(toCommit, 50)),
        p99: round1(percentile(toCommit, 99)),
      },
      lastLegSubmitToBreakEventMs: {
        p50: round1(percentile(toEvent, 50)),
        p99: round1(percentile(toEvent, 99)),
      },
    };
  } finally {
    await events?.reader.cancel().catch(() => undefined);
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts the node's indexer; returns how long until it holds a leg committed now (the index starts at block 0). */
async function indexCaughtUp(
  ledger: FabricLedger,
  p: Posters,
  rnd: Random,
  node: RunningNode,
): Promise<number> {
  const t0 = performance.now();
  const indexer = await node.startIndexer();
  const head = await ledger.gateway.postLegs(p.ids.BankBMSP, [
    singleLeg(rnd, 'BankBMSP', `bv-head-${Date.now().toString(36)}`),
  ]);
  await indexer.waitFor(head, 600_000);
  return Math.round(performance.now() - t0);
}

/** Bruno of Bank B logs in at his node and opens its event stream, as the console does. */
async function brunosEventStream(url: string): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const session = await fetch(`${url}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentId: 'bruno', secret: 'bruno-pw' }),
  });
  if (!session.ok) throw new Error(`Bruno's login refused: ${session.status} ${await session.text()}`);
  const { token } = (await session.json()) as { token: string };
  const stream = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
  if (!stream.ok || stream.body === null) throw new Error(`event stream refused: ${stream.status}`);
  return (stream.body as ReadableStream<Uint8Array>).getReader();
}

/** An event stream read as it comes: when each case was first named, and who waits for which case. */
interface CaseEvents {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly arrived: Map<string, number>;
  readonly waiting: Map<string, () => void>;
  /** Stops reading, and waits for the reading to end. */
  close(): Promise<void>;
}

function watchCaseEvents(reader: ReadableStreamDefaultReader<Uint8Array>): CaseEvents {
  const arrived = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  const decoder = new TextDecoder();
  const pump = (async () => {
    let buffer = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      const now = performance.now();
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const m of event.matchAll(/"caseId":"([0-9a-f]{64})"/g)) {
          const id = m[1] as string;
          if (!arrived.has(id)) arrived.set(id, now);
          waiting.get(id)?.();
        }
      }
    }
  })();
  return {
    reader,
    arrived,
    waiting,
    async close() {
      await reader.cancel();
      await pump.catch(() => undefined);
    },
  };
}

/** One round: Bank A's debit, then Bank B's credit one minor unit off, timed to its commit and to its break's event. */
async function breakRound(
  ledger: FabricLedger,
  p: Posters,
  rnd: Random,
  legIdPrefix: string,
  events: CaseEvents,
): Promise<{ toCommitMs: number; toEventMs: number }> {
  const f = paymentFacts(rnd, ROUTE_AB, 10_000_000);
  await ledger.gateway.postLegs(p.ids.BankAMSP, [{ ...f, legId: `${legIdPrefix}-A`, role: 'DEBTOR_AGENT' }]);
  const caseId = caseIdOf(f.reference, ROUTE_AB);
  const seen = new Promise<void>((resolve) => events.waiting.set(caseId, resolve));
  const submitted = performance.now();
  await ledger.gateway.postLegs(p.ids.BankBMSP, [
    {
      ...f,
      amountMinor: String(BigInt(f.amountMinor) + 1n),
      legId: `${legIdPrefix}-B`,
      role: 'CREDITOR_AGENT',
    },
  ]);
  const toCommitMs = performance.now() - submitted;
  await within(30_000, `the break of case ${caseId} on the event stream`, seen);
  events.waiting.delete(caseId);
  return { toCommitMs, toEventMs: (events.arrived.get(caseId) ?? performance.now()) - submitted };
}

function ordering(): unknown {
  const topology = JSON.parse(readFileSync(join(ROOT, 'network', 'fabric', 'topology.json'), 'utf8')) as {
    ordering?: unknown;
  };
  return topology.ordering;
}

async function main() {
  const seed = args.seed === undefined ? Date.now() % 2 ** 31 : Number(args.seed);
  const rnd = new Random(seed);
  const startedAt = new Date();
  const loadStart = loadavg();
  const bring = await bringUps(rnd);
  const ledger = await openFabricLedger({ runDir: RUN_DIR, consortium: loadConsortium() });
  try {
    const p = await posters(ledger);
    log('warm-up');
    await singleLegs(ledger, p, rnd, SMOKE ? 4 : 40, 4);
    await batched(ledger, p, rnd, 2, SMOKE ? 1 : 2);

    log('break visible: last leg submitted to its break on the event stream');
    const visible = await breakVisible(ledger, p, rnd, SMOKE ? 3 : BREAK_ROUNDS);
    log(
      `break visible: p50 ${visible.lastLegSubmitToBreakEventMs.p50} ms, p99 ` +
        `${visible.lastLegSubmitToBreakEventMs.p99} ms (index caught up in ${visible.indexCatchUpMs} ms)`,
    );
    const single = await singleLegPhases(ledger, p, rnd);
    const batches = await batchedPhases(ledger, p, rnd);
    const results = {
      date: startedAt.toISOString(),
      command: [
        'npm run bench:fabric',
        ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
      ].join(' '),
      mode: SMOKE ? 'smoke' : 'full',
      seed,
      machine: machineInfo(),
      loadAverage: { start: loadStart.map(round1), end: loadavg().map(round1) },
      network: { runDir: RUN_DIR, ordering: ordering(), processes: launcherPids().size },
      bringUp: bring,
      breakVisible: visible,
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

function log(line: string): void {
  console.log(`[bench:fabric] ${line}`);
}

/** The bring-ups of a full run (from down; with --fresh first from nothing); none with --smoke or --no-bringup. */
async function bringUps(rnd: Random): Promise<Awaited<ReturnType<typeof bringUp>>[]> {
  const bring: Awaited<ReturnType<typeof bringUp>>[] = [];
  if (!SMOKE && !args['no-bringup']) {
    for (const fresh of args.fresh ? [true, false] : [false]) {
      log(`bring-up from ${fresh ? 'nothing (reset)' : 'down'}: up, then one committed leg`);
      const r = await bringUp(rnd, fresh);
      log(`bring-up from ${r.from}: up ${r.upMs} ms, first commit ${r.toFirstCommitMs} ms`);
      bring.push(r);
    }
  } else {
    launcherPids(); // the network must be up (npm run network:up): says which run folder it looked in
  }
  return bring;
}

/** One leg per transaction, 1 and 16 in flight (none when --in-flight names the batched phases to run). */
async function singleLegPhases(ledger: FabricLedger, p: Posters, rnd: Random) {
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
  return single;
}

/** Batches from four institutions at each in-flight count, with the CPU each kind of process spent. */
async function batchedPhases(ledger: FabricLedger, p: Posters, rnd: Random) {
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
  return batches;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
