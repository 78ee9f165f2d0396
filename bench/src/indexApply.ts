import '../../application/src/cli/quiet';

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { readDatabaseConfig } from '../../application/src/db/config';
import { migrate } from '../../application/src/db/migrate';
import { openDatabase } from '../../application/src/db/pool';
import { BlockIndexer } from '../../application/src/indexer/blockIndexer';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import type { Committed } from '../../application/src/ledger/ledgerGateway';
import { ownLegsOf } from '../../application/src/node/institutionNodes';
import { Random } from '../../application/src/simulation/random';
import { legsByStop, ROUTES } from './payments';
import { machineInfo, writeResults } from './results';

/**
 * The index's work per leg at one node, without HTTP or the other nodes (a diagnosis for `npm run bench:api`,
 * whose CPU per leg is mostly the five nodes' indexes): legs are posted to an embedded ledger as bench:api's
 * institutions post them (one block per batch, each stop of a route in turn), then each institution's indexer
 * follows the ledger from block 0 one transaction per SQL transaction, as it does live, into a fresh index
 * (PGlite served as the node serves it, or DATABASE_URL). CPU per leg: this process, every thread (PGlite's
 * included; a PostgreSQL server's not). `--statements` times each kind of statement (wall time per leg).
 *
 *   npm run build && node dist/bench/src/indexApply.js [--legs 30000] [--batch 1000] [--statements]
 */
const { values: args } = parseArgs({
  options: {
    legs: { type: 'string', default: '30000' },
    batch: { type: 'string', default: '1000' },
    institutions: { type: 'string', default: 'BankAMSP,ClearingHouseMSP,AuditorMSP' },
    /** Transactions per SQL transaction (1: as the node applies live blocks; the indexer's default catches up). */
    'transactions-per-apply': { type: 'string', default: '1' },
    statements: { type: 'boolean', default: false },
    label: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const LEGS = Number(args.legs);
const BATCH = Number(args.batch);
const PER_APPLY = Number(args['transactions-per-apply']);

const SYSTEMS: Readonly<Record<string, string>> = {
  BankAMSP: 'banka-system',
  BankBMSP: 'bankb-system',
  ClearingHouseMSP: 'clearing-system',
  PayCoMSP: 'payco-system',
};

/** Wall time per kind of statement (its first words), while `on`. */
const timing = { on: false, byStatement: new Map<string, { n: number; ms: number }>() };
function timeStatements(): void {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const result = original.apply(this, a);
    const first = a[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
    if (!timing.on || text === undefined || !(result instanceof Promise)) return result;
    const kind = text.replace(/\s+/g, ' ').trim().slice(0, 60);
    const t0 = performance.now();
    return result.finally(() => {
      const s = timing.byStatement.get(kind) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t0;
      timing.byStatement.set(kind, s);
    });
  };
}

async function main(): Promise<void> {
  if (args.statements) timeStatements();
  const work = mkdtempSync(join(tmpdir(), 'tallystick-bench-index-apply-'));
  const c = await startEmbeddedConsortium({ dataDir: join(work, 'ledger'), durability: 'none' });
  const out: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    loadAverageBefore: loadavg().map((x) => Number(x.toFixed(2))),
    setup: { legs: LEGS, batchLegs: BATCH, transactionsPerApply: PER_APPLY },
  };
  try {
    const rnd = new Random(20261207);
    let last: Committed<unknown> | undefined;
    let posted = 0;
    for (let block = 0; posted < LEGS; block++) {
      const route = ROUTES[block % ROUTES.length] ?? [];
      const perStop = legsByStop(rnd, route, BATCH, 'ia', block, 100);
      for (const [s, stop] of route.entries()) {
        const who = await c.identity(SYSTEMS[stop.mspId] ?? '');
        last = await c.gateway.postLegs(who, perStop[s] ?? []);
        posted += BATCH;
      }
    }
    if (!last) throw new Error('nothing posted');
    console.log(`posted ${posted} legs, ledger height ${c.network.height()}`);
    const results: Record<string, unknown> = {};
    for (const institution of args.institutions.split(',')) {
      const config = readDatabaseConfig(process.env, join(work, institution));
      const db = await openDatabase({ ...config, schema: `bench_ia_${institution.toLowerCase()}` });
      try {
        await migrate(db.pool);
        const ownLegs = ownLegsOf(c, institution);
        timing.byStatement.clear();
        timing.on = true;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const indexer = await BlockIndexer.start({
          gateway: c.changes(institution),
          pool: db.pool,
          institution,
          batchTransactionsMax: PER_APPLY,
          ...(ownLegs ? { ownLegs } : {}),
        });
        await indexer.waitFor(last, 3_600_000);
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        timing.on = false;
        await indexer.stop();
        const cpuMicrosPerLeg = Number(((cpu.user + cpu.system) / posted).toFixed(1));
        const legsPerSec = Math.round(posted / seconds);
        const statements = [...timing.byStatement]
          .sort((a, b) => b[1].ms - a[1].ms)
          .map(([kind, s]) => ({
            kind,
            count: s.n,
            microsPerLeg: Number(((s.ms * 1000) / posted).toFixed(1)),
          }));
        console.log(
          `${institution}: ${posted} legs in ${seconds.toFixed(2)} s = ${legsPerSec} legs/s; CPU ${cpuMicrosPerLeg} µs per leg; load ${loadavg()[0]?.toFixed(2) ?? '?'}`,
        );
        if (args.statements)
          for (const s of statements.slice(0, 14))
            console.log(
              `  ${String(s.microsPerLeg).padStart(7)} µs/leg  ${String(s.count).padStart(5)}x  ${s.kind}`,
            );
        results[institution] = {
          legsPerSec,
          cpuMicrosPerLeg,
          loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
          ...(args.statements ? { statements } : {}),
        };
      } finally {
        if (db.kind === 'postgres')
          await db.pool.query(`DROP SCHEMA bench_ia_${institution.toLowerCase()} CASCADE`);
        await db.close();
      }
    }
    out.database = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite';
    out.institutions = results;
  } finally {
    await c.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (!args['no-write']) {
    const stamp = new Date().toISOString();
    const file = writeResults(
      `${stamp.slice(0, 10)}-index-apply-${stamp.slice(11, 16).replace(':', '')}${args.label ? `-${args.label}` : ''}.json`,
      out,
    );
    console.log(`written ${file}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
