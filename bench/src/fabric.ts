import '../../application/src/cli/quiet';

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { loadConsortium, repoRoot } from '../../application/src/ledger/consortium';
import {
  defaultFabricRunDir,
  openFabricLedger,
  PEERS_SETTLE_MS,
  type FabricLedger,
} from '../../application/src/ledger/fabricLedger';
import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import { startInstitutionNodes, type RunningNode } from '../../application/src/node/institutionNodes';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import {
  driveBatches,
  launcher as launcherIn,
  launcherPids as launcherPidsIn,
  paymentBatches,
  POSTERS,
  posters,
  ROUTES,
  round1,
  type Poster,
  type Posters,
} from './fabricLoad';
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
    /**
     * How long a submit waits for the other organisations' peers (FabricTransport's PEERS_SETTLE_MS unless
     * given); 0 returns at its own peer's commit, as before that wait: for measuring what the wait costs.
     */
    'peers-settle-ms': { type: 'string' },
  },
});

const SMOKE = args.smoke;
const ROOT = repoRoot();
const RUN_DIR = args['run-dir'] ?? defaultFabricRunDir();
const BATCH_LEGS = Number(args.batch ?? (SMOKE ? '50' : '500'));
const SINGLE_TXS = SMOKE ? 8 : 200;
const SINGLE_TXS_IN_FLIGHT = SMOKE ? 32 : 800;
const IN_FLIGHT = args['in-flight']?.split(',').map(Number) ?? (SMOKE ? [1, 4] : [1, 2, 4, 8]);
const PEERS_SETTLE =
  args['peers-settle-ms'] === undefined ? {} : { peersSettleMs: Number(args['peers-settle-ms']) };
/** Payment blocks per batched measurement: each block is `BATCH_LEGS` payments, posted in three batches. */
const BLOCKS = SMOKE ? 4 : 8;
/** Payments whose break is timed from the last leg's submit to the event stream. */
const BREAK_ROUNDS = 50;
/** The network's processes, from the launcher's pid table. */
const launcherPids = () => launcherPidsIn(RUN_DIR);
const launcher = (command: string) => launcherIn(RUN_DIR, [command]);

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

async function batched(ledger: FabricLedger, p: Posters, rnd: Random, inFlight: number, blocks: number) {
  const batches = paymentBatches(
    rnd,
    blocks,
    BATCH_LEGS,
    `b${inFlight}-${Date.now().toString(36)}`,
    inFlight,
  );
  /** Case status after each leg: with every leg in time, 1 in BREAK_EVERY of the last legs is BROKEN. */
  const statuses: Record<string, number> = {};
  const retries0 = ledger.gateway.retries;
  const height0 = ledger.transport.height();
  const run = await driveBatches(RUN_DIR, batches, inFlight, async (b) => {
    const posted = await ledger.gateway.postLegs(p.ids[b.poster], b.legs);
    for (const leg of posted.result) statuses[leg.caseStatus] = (statuses[leg.caseStatus] ?? 0) + 1;
  });
  return {
    inFlight,
    batchLegs: BATCH_LEGS,
    batches: run.batches,
    legs: run.legs,
    seconds: run.seconds,
    legsPerSec: run.legsPerSec,
    batchSubmitToCommitMs: run.batchSubmitToCommitMs,
    mvccRetries: ledger.gateway.retries - retries0,
    caseStatusAfterLeg: statuses,
    blocks: Number(ledger.transport.height() - height0),
    cpu: run.cpu,
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
  const ledger = await openFabricLedger({ runDir: RUN_DIR, consortium: loadConsortium(), ...PEERS_SETTLE });
  try {
    const p = await posters((userId) => ledger.identity(userId));
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
      peersSettleMs: PEERS_SETTLE.peersSettleMs ?? PEERS_SETTLE_MS,
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
