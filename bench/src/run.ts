import '../../application/src/cli/quiet';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import type { Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import { generateBusinessDay } from '../../application/src/simulation/businessDay';
import { percentile, runBusinessDay } from '../../application/src/simulation/runBusinessDay';
import { Random } from '../../application/src/simulation/random';
import { MATCH_FIELDS } from '../../chaincode/src/core/leg';
import { evaluateCase, type LegFacts } from '../../chaincode/src/core/matching';
import { ROUTE, threeLegPayments } from './payments';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench`: throughput and latency of the reconciliation core and the embedded network, written to
 * bench/results/<date>-embedded.json. Not a test: numbers are measured, never asserted.
 */
const { values } = parseArgs({
  options: {
    'ledger-legs': { type: 'string', default: '1000000' },
    quick: { type: 'boolean', default: false },
  },
});
const bigLedgerLegs = values.quick ? 100_000 : Number(values['ledger-legs']);

/**
 * Before each measurement: the driver generates a measurement's payments up front (about 30 MB of objects for
 * 10,000 payments) and holds them until it ends. Without this, the young generation's collector would copy them
 * twice, then promote them, during the measurement, charging the driver's own input to the network. Two
 * young-generation collections promote them before the clock starts. `npm run bench` passes --expose-gc.
 *
 * Not a full collection: a bare `gc()` also throws away most of V8's optimised code (`--trace-deopt` lists
 * about 50 functions of the main thread deoptimised for "weak objects" at each call), where the collections V8
 * starts by itself during a run discard none, so every measurement would have timed V8 recompiling.
 */
function settleHeap(): void {
  const gc = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;
  if (gc === undefined) throw new Error('run the benchmark with node --expose-gc (npm run bench does)');
  gc({ type: 'minor' });
  gc({ type: 'minor' });
}

function matchingCore(): { casesPerSec: number; cases: number } {
  const digest = (s: string) =>
    Object.fromEntries(MATCH_FIELDS.map((f) => [f, `${f}:${s}`])) as LegFacts['digests'];
  const cases = 200_000;
  const legs: LegFacts[][] = [];
  for (let i = 0; i < 1000; i++) {
    legs.push([
      { legId: `a${i}`, mspId: 'BankAMSP', role: 'DEBTOR_AGENT', route: ROUTE, digests: digest('x') },
      { legId: `c${i}`, mspId: 'ClearingHouseMSP', role: 'CLEARING', route: ROUTE, digests: digest('x') },
      {
        legId: `b${i}`,
        mspId: 'BankBMSP',
        role: 'CREDITOR_AGENT',
        route: ROUTE,
        digests: digest(i % 10 === 0 ? 'y' : 'x'),
      },
    ]);
  }
  const t0 = performance.now();
  let broken = 0;
  for (let i = 0; i < cases; i++) if (evaluateCase(legs[i % 1000] ?? [], false).status === 'BROKEN') broken++;
  const s = (performance.now() - t0) / 1000;
  if (broken !== cases / 10) throw new Error('matching core benchmark: unexpected verdicts');
  return { casesPerSec: Math.round(cases / s), cases };
}

async function postAll(
  c: EmbeddedConsortium,
  who: Identity,
  legs: LegInput[],
  batch: number,
  concurrency: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < legs.length) {
      const chunk = legs.slice(next, (next += batch));
      await c.gateway.postLegs(who, chunk);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Payments posted, unmeasured, on a fresh network before its batched measurements: V8 keeps optimising and
 * deoptimising the hot code of both threads for about that long (`--trace-opt`: after 2,000 payments, 145
 * compilations and 0.9 s of compile time still fell inside the next 30,000-leg run; after 10,000, about 50 and
 * 0.2 s). Without it the first runs would time V8's compiler more than the network.
 */
const WARM_PAYMENTS = 10_000;

/**
 * Posts `cases` complete 3-leg payments (each leg by its own institution) and returns legs/s. With `settle`
 * (the default) the heap is settled first (see settleHeap); the fill and the warm-up do without.
 */
async function throughput(
  c: EmbeddedConsortium,
  ids: Identity[],
  rnd: Random,
  cases: number,
  batch: number,
  concurrency: number,
  tag: string,
  settle = true,
) {
  const { debit, entry, credit } = threeLegPayments(rnd, cases, `${tag}-`);
  const [a, ch, b] = ids as [Identity, Identity, Identity];
  if (settle) settleHeap();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await postAll(c, a, debit, batch, concurrency);
  await postAll(c, ch, entry, batch, concurrency);
  await postAll(c, b, credit, batch, concurrency);
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    legs: cases * 3,
    seconds: Number(s.toFixed(2)),
    legsPerSec: Math.round((cases * 3) / s),
    // CPU time of the whole process (all threads) per leg: the work per leg, less sensitive than wall
    // time to other load on the machine.
    cpuMicrosPerLeg: Number(((cpu.user + cpu.system) / (cases * 3)).toFixed(1)),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    stateOffHeapMiB: Math.round(c.network.stateBytes() / 2 ** 20),
  };
}

type Throughput = Awaited<ReturnType<typeof throughput>>;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * `runs` measurements one after the other, reported by their median (legs/s and CPU per leg, each on its own)
 * with every run listed: on this machine runs of the same code differ by up to a fifth.
 */
async function repeated(runs: number, measure: (run: number) => Promise<Throughput>) {
  const each: Throughput[] = [];
  for (let i = 0; i < runs; i++) each.push(await measure(i));
  const last = each[each.length - 1] as Throughput;
  return {
    legs: last.legs,
    legsPerSec: Math.round(median(each.map((r) => r.legsPerSec))),
    cpuMicrosPerLeg: Number(median(each.map((r) => r.cpuMicrosPerLeg)).toFixed(1)),
    runs: each.map((r) => ({ legsPerSec: r.legsPerSec, cpuMicrosPerLeg: r.cpuMicrosPerLeg })),
    heapUsedMiB: last.heapUsedMiB,
    stateOffHeapMiB: last.stateOffHeapMiB,
  };
}

const RUNS = 3;

/**
 * What the chaincode alone costs per leg: a peer simulates postLegs (through fabric-shim, as for an
 * endorsement) and nothing is signed, ordered or committed. The ceiling for one core that only endorses.
 */
async function simulationOnly(c: EmbeddedConsortium, who: Identity, rnd: Random) {
  const { debit } = threeLegPayments(rnd, 20_000, 'simulated-');
  // The client's encoding is done before the clock starts: this measures the peer's side only.
  const batches: string[] = [];
  for (let i = 0; i < debit.length; i += 500) batches.push(JSON.stringify(debit.slice(i, i + 500)));
  settleHeap();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const legs of batches) await c.network.evaluate(who, { fcn: 'postLegs', transient: { legs } });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    legs: debit.length,
    each: 'the first leg of a new payment',
    legsPerSec: Math.round(debit.length / s),
    cpuMicrosPerLeg: Number(((cpu.user + cpu.system) / debit.length).toFixed(1)),
  };
}

/** The posting systems of the three-leg payments, in route order: debtor's bank, clearing, creditor's bank. */
const SYSTEMS = ['banka-system', 'clearing-system', 'bankb-system'];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-bench-'));
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: machineInfo(),
  };
  try {
    console.log('matching core ...');
    results.matchingCore = matchingCore();
    console.log(results.matchingCore);

    const rnd = new Random(42);
    // Batched throughput at a small ledger with the peers in process (chaincode on the main thread) and in
    // one or two endorsing worker threads, each on a fresh ledger.
    for (const [key, workers] of [
      ['batchedSmallLedgerInProcess', 0],
      ['batchedSmallLedgerTwoWorkers', 2],
    ] as const) {
      await freshSmallLedger(results, key, workers, rnd);
    }
    const onLedger = await oneWorkerLedger(results, dataDir, rnd);
    results.restart = await restartFromDisk(dataDir, onLedger);
    console.log(results.restart);
    results.businessDay = await businessDayLatency();
    console.log(results.businessDay);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const file = writeResults(
    `${new Date().toISOString().slice(0, 10)}-embedded${values.quick ? '-quick' : ''}.json`,
    results,
  );
  console.log(`written ${file}`);
}

/**
 * Batches of 500 legs on a fresh ledger with `workers` endorsing worker threads (0: the peers in process),
 * after a warm-up; in process, also one leg per transaction and the chaincode alone.
 */
async function freshSmallLedger(
  results: Record<string, unknown>,
  key: string,
  workers: 0 | 2,
  rnd: Random,
): Promise<void> {
  console.log(`embedded network, batches of 500 legs, small ledger, endorsing workers: ${workers} ...`);
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-bench-small-'));
  let posted = 0;
  try {
    const p = await startEmbeddedConsortium({
      dataDir: dir,
      durability: 'fsync',
      endorsementWorker: workers,
    });
    const pIds = await Promise.all(SYSTEMS.map((u) => p.identity(u)));
    if (workers === 0) {
      console.log('embedded network, peers in process, one leg per transaction ...');
      const single = await throughput(p, pIds, rnd, 1_000, 1, 64, 'single-inproc');
      results.singleLegInProcess = single;
      posted += single.legs;
      console.log(single);
    }
    console.log(`  warming up: ${WARM_PAYMENTS} payments, unmeasured ...`);
    posted += (await throughput(p, pIds, rnd, WARM_PAYMENTS, 500, 4, 'warm', false)).legs;
    if (workers === 0) {
      console.log('chaincode alone: postLegs simulated by a peer (evaluate), 500 legs, nothing ordered ...');
      results.simulationOnly = await simulationOnly(p, pIds[0] as Identity, rnd);
      console.log(results.simulationOnly);
    }
    results[key] = {
      endorsingWorkers: workers,
      ledgerLegsBefore: posted,
      ...(await repeated(RUNS, (i) => throughput(p, pIds, rnd, 10_000, 500, 4, `${key}${i}`))),
    };
    console.log(results[key]);
    await p.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The endorsing peers in one worker thread (ChaincodeOptions.worker) on the ledger in `dataDir`: one leg per
 * transaction, then batches at a small ledger and, once filled, at a large one. Returns the legs on the ledger.
 */
async function oneWorkerLedger(
  results: Record<string, unknown>,
  dataDir: string,
  rnd: Random,
): Promise<number> {
  const c = await startEmbeddedConsortium({ dataDir, durability: 'fsync', endorsementWorker: true });
  const ids = await Promise.all(SYSTEMS.map((u) => c.identity(u)));

  console.log('embedded network, one endorsing worker, one leg per transaction ...');
  const single = await throughput(c, ids, rnd, 1_000, 1, 64, 'single');
  results.singleLegOneWorker = single;
  console.log(single);
  let onLedger = single.legs;
  console.log(`  warming up: ${WARM_PAYMENTS} payments, unmeasured ...`);
  onLedger += (await throughput(c, ids, rnd, WARM_PAYMENTS, 500, 4, 'warm', false)).legs;

  /** RUNS measured runs of 10,000 payments in batches of 500 legs, from the ledger's height as it stands. */
  const batched = async (name: string) => {
    const runs = await repeated(RUNS, (i) => throughput(c, ids, rnd, 10_000, 500, 4, `${name}${i}`));
    const result = { endorsingWorkers: 1, ledgerLegsBefore: onLedger, ...runs };
    console.log(result);
    onLedger += RUNS * runs.legs;
    return result;
  };
  console.log(`embedded network, batches of 500 legs, from ${onLedger} legs on the ledger ...`);
  results.batchedSmallLedger = await batched('small');

  onLedger = await fillLedger(c, ids, rnd, onLedger);
  console.log(`embedded network, batches of 500 legs, at ${onLedger} legs on the ledger ...`);
  results.batchedLargeLedger = await batched('large');
  await c.close();
  return onLedger;
}

/** Posts payments until the ledger holds `bigLedgerLegs` legs; returns how many it holds. */
async function fillLedger(
  c: EmbeddedConsortium,
  ids: Identity[],
  rnd: Random,
  from: number,
): Promise<number> {
  console.log(`filling the ledger to ${bigLedgerLegs} legs ...`);
  const fillStart = performance.now();
  let onLedger = from;
  while (onLedger < bigLedgerLegs) {
    const n = Math.min(50_000, Math.ceil((bigLedgerLegs - onLedger) / 3));
    // no forced collection while filling: the fill's rate is the network's own, V8's collections included
    await throughput(c, ids, rnd, n, 500, 4, `fill${onLedger}`, false);
    onLedger += n * 3;
    process.stdout.write(
      `\r  ${onLedger} legs (${Math.round((onLedger - from) / ((performance.now() - fillStart) / 1000))} legs/s)`,
    );
  }
  process.stdout.write('\n');
  return onLedger;
}

/** How long the network takes to start again on the ledger in `dataDir` (replaying it from disk). */
async function restartFromDisk(dataDir: string, onLedger: number) {
  console.log('restart: replaying the ledger from disk ...');
  const t0 = performance.now();
  const again = await startEmbeddedConsortium({ dataDir, endorsementWorker: true });
  const restart = {
    legsOnLedger: onLedger,
    blocks: Number(again.network.height()),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
  };
  await again.close();
  return restart;
}

/** A simulated business day of 10,000 payments on a fresh ledger: detection latency. */
async function businessDayLatency() {
  console.log('business day of 10,000 payments: detection latency ...');
  const dayDir = mkdtempSync(join(tmpdir(), 'tallystick-bench-day-'));
  try {
    const d = await startEmbeddedConsortium({ dataDir: dayDir });
    const systems = new Map<string, Identity>();
    for (const [msp, u] of [
      ['BankAMSP', 'banka-system'],
      ['BankBMSP', 'bankb-system'],
      ['ClearingHouseMSP', 'clearing-system'],
      ['PayCoMSP', 'payco-system'],
    ] as const) {
      systems.set(msp, await d.identity(u));
    }
    const day = generateBusinessDay({
      seed: 20261127,
      payments: 10_000,
      date: '2026-11-27',
      institutions: {
        bankA: 'BankAMSP',
        bankB: 'BankBMSP',
        clearing: 'ClearingHouseMSP',
        payco: 'PayCoMSP',
        branches: { BankAMSP: ['0001'], BankBMSP: ['0101'] },
      },
    });
    const r = await runBusinessDay(day, {
      gateway: d.gateway,
      systems,
      sweeper: systems.get('ClearingHouseMSP') as Identity,
    });
    await d.close();
    return {
      payments: r.payments,
      legs: r.legsPosted,
      transactions: r.transactions,
      retries: r.retries,
      seconds: Number((r.wallMs / 1000).toFixed(1)),
      exact: r.mismatches.length === 0,
      detectionLatencyMsP50: Number(percentile(r.detectionWallMs, 50).toFixed(1)),
      detectionLatencyMsP99: Number(percentile(r.detectionWallMs, 99).toFixed(1)),
      missingLegAfterServiceLevelMsP50: percentile(r.missingLegLedgerMs, 50),
      missingLegAfterServiceLevelMsP99: percentile(r.missingLegLedgerMs, 99),
    };
  } finally {
    rmSync(dayDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
