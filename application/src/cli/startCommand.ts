import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { routeText } from '../../../chaincode/src/core/leg';
import type { LedgerConnection } from '../ledger/connection';
import { startEmbeddedConsortium } from '../ledger/embeddedLedger';
import { indexesCaughtUp } from '../node/indexesCaughtUp';
import { startInstitutionNodes, type RunningNode } from '../node/institutionNodes';
import type { Identity, LedgerGateway } from '../ledger/ledgerGateway';
import {
  compressedTiming,
  consortiumInstitutions,
  dayToSimulate,
  FAULTS,
  generateBusinessDay,
  type BusinessDay,
} from '../simulation/businessDay';
import { formatReport, runBusinessDay } from '../simulation/runBusinessDay';
import { claimDataDirForNetwork, openLiveNetwork } from './fabricNetwork';

/**
 * The real time a compressed day takes on Fabric, from its first posting to its last payment's legs: 60 ms a
 * payment (2,000 payments in 2 minutes, about 45 legs/s, well within the live network's batched rate), at least
 * 20 s so that service levels and late legs fit in.
 */
const FABRIC_MS_PER_PAYMENT = 60;
const fabricDayMs = (payments: number) => Math.max(20_000, payments * FABRIC_MS_PER_PAYMENT);

const USAGE = `usage: npm start -- [--ledger embedded|fabric] [--payments N] [--seed N] [--date YYYY-MM-DD] [--data DIR] [--endorsing-workers N] [--exit] [--port-offset N]

Brings the consortium's ledger up and one application node per institution (ports in
network/consortium.json), replays a simulated business day of payments with injected faults through the
ledger, prints what the ledger found against what was injected, and keeps serving until Ctrl-C (or exits at
once with --exit). Each run simulates the next business day; on the embedded network a day whose trading
hours are not over yet is moved back, whole, so that none of its timestamps lies in the future.

--ledger embedded (default): the in-process network; the ledger persists in --data (default
  .tallystick/embedded) and a day of 10,000 payments runs in virtual time. --endorsing-workers N runs the
  peers' chaincode in N worker threads (default 0: on the main thread; the day is bound by latency, not
  throughput, and runs faster so).
--ledger fabric: the live Fabric network of network/fabric (brought up with network:up if it is not up,
  reused if it is; TALLYSTICK_FABRIC_RUN names another run folder). Transaction time is the real clock there,
  so the day is compressed into ${FABRIC_MS_PER_PAYMENT} ms of real time per payment, at least 20 s (default
  2,000 payments in 2 minutes, service levels of 6 s); the nodes' indexes, wallets and sessions live in
  --data (default .tallystick/fabric).`;

interface Config {
  payments: number;
  seed: number | undefined;
  date: string | undefined;
  dataDir: string;
  ledger: 'embedded' | 'fabric';
  exit: boolean;
  portOffset: number;
  endorsingWorkers: number;
}

function readConfig(argv: string[]): Config {
  const { values } = parseArgs({
    args: argv,
    options: {
      payments: { type: 'string' },
      seed: { type: 'string' },
      date: { type: 'string' },
      data: { type: 'string' },
      ledger: { type: 'string', default: 'embedded' },
      help: { type: 'boolean', default: false },
      exit: { type: 'boolean', default: false },
      'port-offset': { type: 'string', default: '0' },
      'endorsing-workers': { type: 'string', default: '0' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const ledger = values.ledger;
  if (ledger !== 'embedded' && ledger !== 'fabric')
    throw new Error(`--ledger must be embedded or fabric, got ${ledger}`);
  const payments = Number(values.payments ?? (ledger === 'fabric' ? '2000' : '10000'));
  if (!Number.isInteger(payments) || payments < 1 || payments > 1_000_000)
    throw new Error(`--payments must be 1-1000000, got ${values.payments}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new Error(`--seed must be an integer, got ${values.seed}`);
  if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date))
    throw new Error(`--date must be YYYY-MM-DD, got ${values.date}`);
  const portOffset = Number(values['port-offset']);
  if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 50_000) {
    throw new Error(`--port-offset must be 0-50000, got ${values['port-offset']}`);
  }
  const endorsingWorkers = Number(values['endorsing-workers']);
  if (!Number.isInteger(endorsingWorkers) || endorsingWorkers < 0 || endorsingWorkers > 8) {
    throw new Error(`--endorsing-workers must be 0-8, got ${values['endorsing-workers']}`);
  }
  return {
    endorsingWorkers,
    payments,
    seed,
    date: values.date,
    dataDir: resolve(values.data ?? `.tallystick/${ledger}`),
    ledger,
    exit: values.exit,
    portOffset,
  };
}

/** The business date the last run in `dataDir` simulated, if any. */
function lastSimulatedDate(dataDir: string): string | undefined {
  try {
    const { lastDate } = JSON.parse(readFileSync(join(dataDir, 'simulation.json'), 'utf8')) as {
      lastDate: string;
    };
    return lastDate;
  } catch {
    return undefined;
  }
}

/** The ledger `npm start` runs on: the embedded network in `dataDir`, or the live Fabric network. */
async function openLedger(config: Config): Promise<LedgerConnection> {
  const t0 = performance.now();
  if (config.ledger === 'fabric') {
    const ledger = await openLiveNetwork((line) => {
      console.log(line);
    });
    claimDataDirForNetwork(config.dataDir, ledger.runDir, (line) => {
      console.log(line);
    });
    console.log(`Fabric network open (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return ledger;
  }
  process.stdout.write(`Starting the embedded consortium in ${config.dataDir} ... `);
  const net = await startEmbeddedConsortium({
    dataDir: config.dataDir,
    endorsementWorker: config.endorsingWorkers,
  });
  console.log(
    `up in ${((performance.now() - t0) / 1000).toFixed(1)} s at block height ${net.network.height()}`,
  );
  return net;
}

/**
 * On a ledger whose time is the clock, every route of the day gets the day's (short) service level, set by an
 * admin of one of its parties; on the embedded network the day uses the ledger's default.
 */
async function setDayServiceLevels(c: LedgerConnection, day: BusinessDay): Promise<void> {
  const routes = new Map<string, readonly { mspId: string }[]>();
  for (const p of day.postings) routes.set(routeText(p.leg.route), p.leg.route);
  for (const [route, stops] of routes) {
    const admin = c.consortium.organisations
      .filter((o) => stops.some((s) => s.mspId === o.mspId))
      .flatMap((o) => o.users.filter((u) => u.roles.includes('admin')))[0];
    if (!admin) throw new Error(`no admin of any party of route ${route} to set its service level`);
    await c.gateway.setServiceLevel(await c.identity(admin.id), route, day.serviceLevelMs);
  }
}

/**
 * The ledger as the simulated systems post to it: each institution's through its own node, as its adapter would,
 * so that every batch carries the node's notices for the other parties of its new cases and every party's node
 * learns the references of its cases (application/src/notices). Everything else goes to the ledger directly.
 */
function postingThroughNodes(c: LedgerConnection, nodes: readonly RunningNode[]): LedgerGateway {
  const postLegs: LedgerGateway['postLegs'] = (who, legs, options) =>
    (nodes.find((n) => n.mspId === who.mspId)?.gateway ?? c.gateway).postLegs(who, legs, options);
  return new Proxy(c.gateway, {
    get(target, property) {
      if (property === 'postLegs') return postLegs;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function runDay(
  c: LedgerConnection,
  config: Config,
  nodes: readonly RunningNode[],
): Promise<{ code: number; day: BusinessDay; sweeper: Identity }> {
  const realTime = !c.supportsInjectedTime;
  // In virtual time the day is placed so that none of it lies after now (simulation/businessDay.ts).
  const { date, timing } = dayToSimulate(
    { date: config.date, lastDate: lastSimulatedDate(config.dataDir) },
    Date.now(),
  );
  // The live ledger outlives any data folder: a fresh seed per run (printed, so a run can be replayed), and
  // leg ids that carry it.
  const seed =
    config.seed ?? (realTime ? Math.floor(Date.now() / 1000) % 2 ** 31 : Number(date.replaceAll('-', '')));
  const day = generateBusinessDay({
    seed,
    payments: config.payments,
    date,
    institutions: consortiumInstitutions(c.consortium.organisations),
    ...(realTime ? { runTag: seed.toString(36) } : {}),
    // On Fabric the day starts now and runs compressed; the sweeper's first round needs a moment to start.
    timing: realTime ? compressedTiming(Date.now() + 3_000, fabricDayMs(config.payments)) : timing,
  });
  const systems = new Map<string, Identity>();
  for (const org of c.consortium.organisations) {
    const system = org.users.find((u) => u.roles.includes('submitter'));
    if (system) systems.set(org.mspId, await c.identity(system.id));
  }
  const sweeper = systems.get('ClearingHouseMSP');
  if (!sweeper) throw new Error('the consortium needs a ClearingHouseMSP submitter to run the sweep');
  if (realTime) await setDayServiceLevels(c, day);

  console.log(
    `Replaying ${day.payments.length} payments (${day.postings.length} legs) of ${date}` +
      (realTime
        ? ` in real time over ${fabricDayMs(config.payments) / 1000} s (service levels ${day.serviceLevelMs / 1000} s) ...`
        : ' ...'),
  );
  let lastPrinted = -1;
  // Each institution's system posts straight to the ledger here, as a core banking system would through its own
  // adapter; each node's index reads its institution's own legs back from the ledger as it indexes their blocks.
  // The notices the day's cases got, as the ledger's events list them.
  const cases = new Set<string>();
  const noticed = new Set<string>();
  let notices = 0;
  const stopCounting = c.gateway.onChanges((changes) => {
    for (const k of changes.cases) {
      cases.add(k.caseId);
      if (k.notices !== undefined && k.notices.length > 0) {
        noticed.add(k.caseId);
        notices += k.notices.length;
      }
    }
  });
  const report = await runBusinessDay(day, {
    gateway: postingThroughNodes(c, nodes),
    systems,
    sweeper,
    ...(realTime ? { realTime: true, windowMs: 2_000 } : {}),
    onProgress: ({ postedLegs, totalLegs }) => {
      const pct = Math.floor((postedLegs / totalLegs) * 100);
      if (process.stdout.isTTY)
        process.stdout.write(`\r  ${String(pct).padStart(3)}%  ${postedLegs}/${totalLegs} legs`);
      else if (pct >= lastPrinted + 10) {
        console.log(`  ${pct}%  ${postedLegs}/${totalLegs} legs`);
        lastPrinted = pct;
      }
    },
  });
  if (process.stdout.isTTY) process.stdout.write('\n');
  writeFileSync(join(config.dataDir, 'simulation.json'), JSON.stringify({ lastDate: date }));
  stopCounting();
  console.log(formatReport(report));
  console.log(
    `  notices             ${notices} on ${noticed.size} of ${cases.size} cases, for their other parties' nodes`,
  );
  return { code: report.mismatches.length === 0 ? 0 : 1, day, sweeper };
}

/** `npm start`: returns the exit code (0 when the ledger found exactly the injected faults). */
export async function start(argv: readonly string[]): Promise<number> {
  const config = readConfig([...argv]);
  mkdirSync(config.dataDir, { recursive: true });
  const c = await openLedger(config);
  const nodes = await startInstitutionNodes(c, {
    dataDir: config.dataDir,
    portOffset: config.portOffset,
    log: (e) => {
      if (e.level === 'error') console.error(JSON.stringify(e));
    },
  });
  for (const org of c.consortium.organisations) {
    console.log(
      `  ${org.mspId.padEnd(18)} ${org.name} (${org.kind.toLowerCase().replace('_', ' ')}), people: ${org.users.map((u) => `${u.id} [${u.roles.join(',')}]`).join(', ')}`,
    );
  }
  const { code, day, sweeper } = await runDay(c, config, nodes);
  if (config.exit) {
    await Promise.all(nodes.map((n) => n.close()));
    await c.close();
    return code;
  }
  // The nodes index once the day is posted: indexing beside it, on two cores, slows the day more than it saves
  // (at load 9-12: 221 s to serving that way, against 46 s for the day and about 55 s of indexing after it).
  // A node answers only from its index: the URLs are printed once every index holds the day (a queue read
  // before that would look complete and not be).
  const indexers = [];
  for (const n of nodes) indexers.push({ mspId: n.mspId, indexer: await n.startIndexer() });
  await indexesCaughtUp(indexers, c.changes(nodes[0]?.mspId ?? '').height?.());
  console.log(
    `\nEach institution's console (and REST API /v1, OpenAPI at /v1/openapi.json) on the ${c.backend === 'fabric' ? 'live Fabric network' : 'embedded network'}; log in with an enrolment id and secret:`,
  );
  for (const n of nodes) {
    const org = c.consortium.organisations.find((o) => o.mspId === n.mspId);
    console.log(
      `  ${n.mspId.padEnd(18)} ${n.url}   ${(org?.users ?? []).map((u) => `${u.id}/${u.secret}`).join('  ')}`,
    );
  }
  // The payment reference is the parties' secret: a person opens a break with it, as staff would from their
  // own books. A few of today's, with the parties and what was injected, to try the console with.
  // One between two institutions first: the README's walkthrough resolves it on their two consoles. Both faults
  // are in the creditor's leg, which the line names: that institution corrects it.
  const withBreak = day.payments.filter((p) => p.fault === 'TIMEOUT' || p.fault === 'AMOUNT_MISMATCH');
  const oddLegAt = (p: (typeof withBreak)[number]) =>
    p.route.find((s) => s.role === 'CREDITOR_AGENT')?.mspId ?? '';
  const twoParty = withBreak.find((p) => p.route.length === 2);
  const samples = [...(twoParty ? [twoParty] : []), ...withBreak.filter((p) => p !== twoParty)].slice(0, 4);
  if (samples.length > 0)
    console.log("\nSome of the day's payments with a break (open them with their reference):");
  for (const p of samples) {
    const reason = p.fault ? FAULTS[p.fault].reasons.join(',') : '';
    console.log(
      `  ${p.reference}  ${reason.padEnd(16)} ${p.route.map((s) => s.mspId).join(' > ')}  (injected: ${p.fault ?? ''} in ${oddLegAt(p)}'s leg)`,
    );
  }
  // From here on the ledger runs in real time: a sweeper flags missing legs as service levels pass.
  const sweeping = setInterval(() => {
    void c.gateway.sweep(sweeper, 1000).catch((e: unknown) => {
      console.error(`sweep failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }, 5_000);
  console.log(
    '\nServing; Ctrl-C stops every node' +
      (c.backend === 'fabric'
        ? ' (the Fabric network keeps running: npm run network:down).'
        : ' and the ledger.'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(sweeping);
  await Promise.all(nodes.map((n) => n.close()));
  await c.close();
  return code;
}
