import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { startEmbeddedConsortium } from '../ledger/embeddedLedgerGateway';
import { startInstitutionNodes } from '../node/institutionNodes';
import type { Identity } from '../ledger/ledgerGateway';
import { consortiumInstitutions, FAULTS, generateBusinessDay } from '../simulation/businessDay';
import { formatReport, runBusinessDay } from '../simulation/runBusinessDay';

const USAGE = `usage: npm start -- [--payments N] [--seed N] [--date YYYY-MM-DD] [--data DIR] [--ledger embedded|fabric] [--endorsing-workers N] [--exit] [--port-offset N]

Brings the consortium's ledger up (the embedded network by default) and one application node per
institution (ports in network/consortium.json), replays a simulated business day of payments with injected
faults through the ledger, prints what the ledger found against what was injected, and keeps serving until
Ctrl-C (or exits at once with --exit). The ledger persists in --data (default .tallystick/embedded): each run
simulates the next business day. --endorsing-workers N runs the peers' chaincode in N worker threads
(default 0: on the main thread; the business day is bound by latency, not throughput, and runs faster so).`;

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
      payments: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      date: { type: 'string' },
      data: { type: 'string', default: '.tallystick/embedded' },
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
  const payments = Number(values.payments);
  if (!Number.isInteger(payments) || payments < 1 || payments > 1_000_000)
    throw new Error(`--payments must be 1-1000000, got ${values.payments}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new Error(`--seed must be an integer, got ${values.seed}`);
  if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date))
    throw new Error(`--date must be YYYY-MM-DD, got ${values.date}`);
  if (values.ledger !== 'embedded' && values.ledger !== 'fabric')
    throw new Error(`--ledger must be embedded or fabric, got ${values.ledger}`);
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
    dataDir: resolve(values.data),
    ledger: values.ledger,
    exit: values.exit,
    portOffset,
  };
}

function nextBusinessDate(dataDir: string): string {
  try {
    const { lastDate } = JSON.parse(readFileSync(join(dataDir, 'simulation.json'), 'utf8')) as {
      lastDate: string;
    };
    const d = new Date(`${lastDate}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

/** `npm start`: returns the exit code (0 when the ledger found exactly the injected faults). */
export async function start(argv: readonly string[]): Promise<number> {
  const config = readConfig([...argv]);
  if (config.ledger === 'fabric') {
    console.error(
      'The live Fabric backend is started with `npm run network:up`; its gateway is not wired into npm start yet (issue 3).',
    );
    return 2;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const t0 = performance.now();
  process.stdout.write(`Starting the embedded consortium in ${config.dataDir} ... `);
  const net = await startEmbeddedConsortium({
    dataDir: config.dataDir,
    endorsementWorker: config.endorsingWorkers,
  });
  console.log(
    `up in ${((performance.now() - t0) / 1000).toFixed(1)} s at block height ${net.network.height()}`,
  );
  const nodes = await startInstitutionNodes(net, {
    dataDir: config.dataDir,
    portOffset: config.portOffset,
    log: (e) => {
      if (e.level === 'error') console.error(JSON.stringify(e));
    },
  });
  for (const org of net.consortium.organisations) {
    console.log(
      `  ${org.mspId.padEnd(18)} ${org.name} (${org.kind.toLowerCase().replace('_', ' ')}), people: ${org.users.map((u) => `${u.id} [${u.roles.join(',')}]`).join(', ')}`,
    );
  }

  const date = config.date ?? nextBusinessDate(config.dataDir);
  const seed = config.seed ?? Number(date.replaceAll('-', ''));
  const day = generateBusinessDay({
    seed,
    payments: config.payments,
    date,
    institutions: consortiumInstitutions(net.consortium.organisations),
  });
  const systems = new Map<string, Identity>();
  for (const org of net.consortium.organisations) {
    const system = org.users.find((u) => u.roles.includes('submitter'));
    if (system) systems.set(org.mspId, await net.identity(system.id));
  }
  const sweeper = systems.get('ClearingHouseMSP');
  if (!sweeper) throw new Error('the consortium needs a ClearingHouseMSP submitter to run the sweep');

  console.log(`Replaying ${day.payments.length} payments (${day.postings.length} legs) of ${date} ...`);
  let lastPrinted = -1;
  // Each institution's system posts straight to the ledger here, as a core banking system would through its own
  // adapter; each node's index reads its institution's own legs back from the ledger as it indexes their blocks.
  const report = await runBusinessDay(day, {
    gateway: net.gateway,
    systems,
    sweeper,
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
  console.log(formatReport(report));
  const code = report.mismatches.length === 0 ? 0 : 1;
  if (config.exit) {
    await Promise.all(nodes.map((n) => n.close()));
    await net.stop();
    return code;
  }
  for (const n of nodes) await n.startIndexer();
  console.log(
    "\nEach institution's console (and REST API /v1, OpenAPI at /v1/openapi.json); log in with an enrolment id and secret:",
  );
  for (const n of nodes) {
    const org = net.consortium.organisations.find((o) => o.mspId === n.mspId);
    console.log(
      `  ${n.mspId.padEnd(18)} ${n.url}   ${(org?.users ?? []).map((u) => `${u.id}/${u.secret}`).join('  ')}`,
    );
  }
  // The payment reference is the parties' secret: a person opens a break with it, as staff would from their
  // own books. A few of today's, with the parties and what was injected, to try the console with.
  // One between two institutions first: the README's walkthrough resolves it on their two consoles.
  const withBreak = day.payments.filter((p) => p.fault === 'TIMEOUT' || p.fault === 'AMOUNT_MISMATCH');
  const twoParty = withBreak.find((p) => p.route.length === 2);
  const samples = [...(twoParty ? [twoParty] : []), ...withBreak.filter((p) => p !== twoParty)].slice(0, 4);
  if (samples.length > 0)
    console.log("\nSome of the day's payments with a break (open them with their reference):");
  for (const p of samples) {
    const reason = p.fault ? FAULTS[p.fault].reasons.join(',') : '';
    console.log(
      `  ${p.reference}  ${reason.padEnd(16)} ${p.route.map((s) => s.mspId).join(' > ')}  (injected: ${p.fault ?? ''})`,
    );
  }
  // From here on the ledger runs in real time: a sweeper flags missing legs as service levels pass.
  const sweeping = setInterval(() => {
    void net.gateway.sweep(sweeper, 1000).catch((e: unknown) => {
      console.error(`sweep failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }, 5_000);
  console.log('\nServing; Ctrl-C stops every node and the ledger.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(sweeping);
  await Promise.all(nodes.map((n) => n.close()));
  await net.stop();
  return code;
}
