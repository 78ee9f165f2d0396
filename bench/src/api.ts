import '../../application/src/cli/quiet';

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { LogEntry } from '../../application/src/http/createApp';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import { startInstitutionNodes } from '../../application/src/node/institutionNodes';
import type { ClientCommand, ClientMessage, RunReport } from './apiClient';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench:api`: the member API end to end. The embedded network and one node per institution run in this
 * process as `npm start` runs them (ledger durability fsync, the peers in process unless --endorsing-workers,
 * every node with its PGlite index and indexer); the four posting institutions' systems run in a second process
 * (apiClient.ts), each logged in at its own node, posting `POST /v1/legs/batch` over loopback HTTP: session
 * check, rate limit, JSON body, the legs' checks, the ledger, and the answer once the node's index holds the
 * legs (with their own-leg records). Not a test: numbers are measured, never asserted; at the end every node's
 * index is verified against the ledger and must hold every acknowledged leg of its institution.
 *
 * Each batch size: one unmeasured run (V8 compiles the hot code), then `--runs` runs, reported by their median.
 */
const { values: args } = parseArgs({
  options: {
    /** Legs per batch, each size measured in turn. */
    batch: { type: 'string', default: '1000,500' },
    /** Requests in flight per institution. */
    'in-flight': { type: 'string', default: '1' },
    /** About this many legs per measured run. */
    legs: { type: 'string', default: '36000' },
    runs: { type: 'string', default: '3' },
    'endorsing-workers': { type: 'string', default: '0' },
    /** Added to each node's port (network/consortium.json's apiPort); loopback only. */
    'port-offset': { type: 'string' },
    /** Appended to the results file's name (`-<label>`), e.g. the variant of an A/B run. */
    label: { type: 'string' },
    /** Write nothing to bench/results (profiling runs). */
    'no-write': { type: 'boolean', default: false },
    /**
     * Diagnosis only, not the member API's figure: the nodes run without their indexers, so a post is answered
     * once the ledger commits (no own-leg record, nothing verified): what HTTP and the ledger cost without the
     * index.
     */
    'without-indexes': { type: 'boolean', default: false },
    seed: { type: 'string' },
    /** Writes a V8 CPU profile of this process (the network and the nodes) over the measured runs only. */
    profile: { type: 'string' },
  },
});

const BATCHES = args.batch.split(',').map(Number);
const IN_FLIGHT = Number(args['in-flight']);
const LEGS_PER_RUN = Number(args.legs);
const RUNS = Number(args.runs);
const WORKERS = Number(args['endorsing-workers']);
const PORT_OFFSET = Number(args['port-offset'] ?? 20_000 + (process.pid % 1_000) * 10);
for (const [name, v] of Object.entries({ batch: Math.min(...BATCHES), IN_FLIGHT, LEGS_PER_RUN, RUNS }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);

/** The posting institutions and their systems (network/consortium.json). */
const POSTERS = {
  BankAMSP: 'banka-system',
  BankBMSP: 'bankb-system',
  ClearingHouseMSP: 'clearing-system',
  PayCoMSP: 'payco-system',
} as const;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** The clients' process, one command at a time. */
class Clients {
  private readonly child: ChildProcess;
  private pending: ((m: ClientMessage) => void) | undefined;

  constructor() {
    this.child = fork(join(__dirname, 'apiClient.js'), [], {
      execArgv: ['--max-semi-space-size=64'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: ClientMessage) => {
      const p = this.pending;
      this.pending = undefined;
      p?.(m);
    });
  }

  async send<T extends ClientMessage['type']>(
    command: ClientCommand,
    expect: T,
  ): Promise<Extract<ClientMessage, { type: T }>> {
    const answer = await new Promise<ClientMessage>((resolve, reject) => {
      this.pending = resolve;
      this.child.send(command, (e) => {
        if (e) reject(e);
      });
    });
    if (answer.type === 'failed') throw new Error(`clients: ${answer.message}`);
    if (answer.type !== expect) throw new Error(`clients answered ${answer.type}, expected ${expect}`);
    return answer as Extract<ClientMessage, { type: T }>;
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ClientCommand);
  }
}

/** V8's CPU profiler over chosen stretches of time (`--profile`): one profile, written at the end. */
function cpuProfiler(file: string) {
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => {
      session.post(method, (e, r) => {
        if (e) reject(e);
        else resolve(r);
      });
    });
  let profile: { nodes: unknown[]; samples: number[]; timeDeltas: number[]; endTime: number } | undefined;
  return {
    start: async () => {
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    /** Stops sampling; the stretches are joined into one profile (their samples appended). */
    pause: async () => {
      const { profile: p } = (await post('Profiler.stop')) as { profile: NonNullable<typeof profile> };
      if (!profile) profile = p;
      else {
        // Node ids differ between profiles: keep each stretch's own tree, renumbered after the first's.
        const shift = Math.max(...(profile.nodes as { id: number }[]).map((n) => n.id));
        for (const n of p.nodes as { id: number; children?: number[] }[]) {
          n.id += shift;
          if (n.children) n.children = n.children.map((c) => c + shift);
        }
        profile.nodes.push(...p.nodes);
        profile.samples.push(...p.samples.map((s) => s + shift));
        profile.timeDeltas.push(...p.timeDeltas);
        profile.endTime = p.endTime;
      }
    },
    write: () => {
      if (profile) writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`CPU profile of the measured runs: ${file}`);
    },
  };
}
const profiler = args.profile === undefined ? undefined : cpuProfiler(args.profile);

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-bench-api-'));
  const warnings: string[] = [];
  const log = (e: LogEntry) => {
    if (e.level !== 'info') warnings.push(`${e.level}: ${e.msg}`);
  };
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    loadAverageBefore: loadavg().map((x) => Number(x.toFixed(2))),
    setup: {
      indexes: args['without-indexes']
        ? 'none (--without-indexes: a diagnosis, not the figure)'
        : 'every node',
      postingInstitutions: Object.keys(POSTERS),
      inFlightPerInstitution: IN_FLIGHT,
      endorsingWorkers: WORKERS,
      durability: 'fsync',
      nodes: 'every institution of network/consortium.json, each with its PGlite index and indexer',
      payments: '3 legs each (debtor bank, clearing house, creditor bank) on 3 routes between the four',
    },
  };
  const clients = new Clients();
  const c = await startEmbeddedConsortium({
    dataDir: join(dataDir, 'ledger'),
    durability: 'fsync',
    endorsementWorker: WORKERS,
  });
  const nodes = await startInstitutionNodes(c, {
    dataDir: join(dataDir, 'nodes'),
    portOffset: PORT_OFFSET,
    host: '127.0.0.1',
    log,
    // Its own PGlite per node, plain HTTP, a wallet key of its own: nothing from this shell's environment.
    env: { TALLYSTICK_WALLET_KEY: randomBytes(32).toString('base64') },
  });
  try {
    if (!args['without-indexes']) for (const n of nodes) await n.startIndexer();
    const users = Object.fromEntries(
      Object.entries(POSTERS).map(([mspId, id]) => {
        const user = c.consortium.organisations
          .find((o) => o.mspId === mspId)
          ?.users.find((u) => u.id === id);
        if (!user) throw new Error(`no ${id} at ${mspId}`);
        return [mspId, { id, secret: user.secret }];
      }),
    );
    await clients.send(
      { type: 'login', nodes: Object.fromEntries(nodes.map((n) => [n.mspId, n.url])), users },
      'loggedIn',
    );
    let seed = Number(args.seed ?? Date.now() % 2 ** 31);
    const acknowledged: Record<string, number> = {};
    const measure = async (batchLegs: number, tag: string) => {
      // Every block is one batch per stop of its route: three batches of `batchLegs` legs.
      const blocks = Math.max(3, Math.round(LEGS_PER_RUN / (3 * batchLegs)));
      const prepared = await clients.send(
        { type: 'prepare', tag, batchLegs, blocks, inFlight: IN_FLIGHT, seed: seed++ },
        'prepared',
      );
      const measured = !tag.startsWith('warm');
      if (measured) await profiler?.start();
      const cpu0 = process.cpuUsage();
      const { report } = await clients.send({ type: 'go' }, 'done');
      const cpu = process.cpuUsage(cpu0);
      if (measured) await profiler?.pause();
      for (const [mspId, n] of Object.entries(report.acknowledged))
        acknowledged[mspId] = (acknowledged[mspId] ?? 0) + n;
      if (report.failures.length > 0)
        throw new Error(`${tag}: ${report.failures.length} batches refused: ${report.failures[0] ?? ''}`);
      if (report.legs !== prepared.legs) throw new Error(`${tag}: ${report.legs} of ${prepared.legs} legs`);
      return {
        ...report,
        nodesCpuMicrosPerLeg: Number(((cpu.user + cpu.system) / report.legs).toFixed(1)),
        loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
      };
    };
    const sizes: Record<string, unknown> = {};
    for (const batchLegs of BATCHES) {
      console.log(`batches of ${batchLegs} legs: warming up (one run, unmeasured) ...`);
      const warm = await measure(batchLegs, `warm${batchLegs}-${seed}`);
      console.log(`  warm-up: ${warm.legsPerSec} legs/s`);
      const runs: Awaited<ReturnType<typeof measure>>[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await measure(batchLegs, `b${batchLegs}-${i}-${seed}`);
        console.log(
          `  run ${i + 1}: ${r.legs} legs in ${r.seconds} s: ${r.legsPerSec} legs/s; batch p50 ${r.batchMs.p50} ms, p99 ${r.batchMs.p99} ms; CPU per leg: nodes ${r.nodesCpuMicrosPerLeg} µs, clients ${r.clientCpuMicrosPerLeg} µs; load ${r.loadAverage1m}`,
        );
        runs.push(r);
      }
      sizes[String(batchLegs)] = {
        batchLegs,
        legsPerSec: Math.round(median(runs.map((r) => r.legsPerSec))),
        nodesCpuMicrosPerLeg: Number(median(runs.map((r) => r.nodesCpuMicrosPerLeg)).toFixed(1)),
        runs: runs.map(({ acknowledged: _a, failures: _f, ...r }: RunReport & Record<string, unknown>) => r),
      };
      console.log(
        `batches of ${batchLegs}: median ${(sizes[String(batchLegs)] as { legsPerSec: number }).legsPerSec} legs/s`,
      );
    }
    results.batches = sizes;
    results.indexWarnings = warnings.length;
    if (warnings.length > 0) console.log(`node warnings: ${warnings.length}, first: ${warnings[0] ?? ''}`);
    results.verified = args['without-indexes']
      ? 'not verified: the nodes ran without their indexes (--without-indexes)'
      : await verify(c, nodes, acknowledged);
    console.log('verified:', results.verified);
    results.loadAverageAfter = loadavg().map((x) => Number(x.toFixed(2)));
    profiler?.write();
  } finally {
    clients.close();
    await Promise.all(nodes.map((n) => n.close()));
    await c.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!args['no-write']) {
    const stamp = new Date().toISOString();
    const file = writeResults(
      `${stamp.slice(0, 10)}-api-${stamp.slice(11, 16).replace(':', '')}${args.label ? `-${args.label}` : ''}.json`,
      results,
    );
    console.log(`written ${file}`);
  }
}

/**
 * Every node's index against the ledger (GET /v1/index/verify as its admin): no difference, and as many own legs
 * checked as its institution had acknowledged (each acknowledged leg has its own-leg record).
 */
async function verify(
  c: Awaited<ReturnType<typeof startEmbeddedConsortium>>,
  nodes: Awaited<ReturnType<typeof startInstitutionNodes>>,
  acknowledged: Record<string, number>,
) {
  const out: Record<string, { ownLegsChecked: number; acknowledged: number; differences: number }> = {};
  for (const mspId of Object.keys(POSTERS)) {
    const node = nodes.find((n) => n.mspId === mspId);
    const admin = c.consortium.organisations
      .find((o) => o.mspId === mspId)
      ?.users.find((u) => u.roles.includes('admin'));
    if (!node || !admin) throw new Error(`no node or admin for ${mspId}`);
    const login = await fetch(`${node.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentId: admin.id, secret: admin.secret }),
    });
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(`${node.url}/v1/index/verify`, { headers: { authorization: `Bearer ${token}` } });
    const report = (await res.json()) as { differences: unknown[]; ownLegsChecked: number };
    out[mspId] = {
      ownLegsChecked: report.ownLegsChecked,
      acknowledged: acknowledged[mspId] ?? 0,
      differences: report.differences.length,
    };
    if (report.differences.length > 0 || report.ownLegsChecked !== (acknowledged[mspId] ?? 0))
      throw new Error(
        `${mspId}: the index does not hold what was acknowledged: ${JSON.stringify(out[mspId])}`,
      );
  }
  return out;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
