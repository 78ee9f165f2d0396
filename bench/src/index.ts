import '../../application/src/cli/quiet';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { readDatabaseConfig } from '../../application/src/db/config';
import { migrate } from '../../application/src/db/migrate';
import { openDatabase, type Database } from '../../application/src/db/pool';
import { createApp } from '../../application/src/http/createApp';
import { closeServer, listen } from '../../application/src/http/listen';
import { SessionStore } from '../../application/src/identity/sessions';
import { FileWallet } from '../../application/src/identity/wallet';
import { BlockIndexer } from '../../application/src/indexer/blockIndexer';
import { listOpenBreaks } from '../../application/src/readModel/read/queue';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import type { Committed, Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import { threeLegPayments } from './payments';
import { machineInfo, writeResults } from './results';
import { ownLegsOf } from '../../application/src/node/institutionNodes';

/**
 * The off-chain index, measured (not a test; nothing is asserted):
 *  1. catch-up: legs posted to an embedded ledger first, then a fresh indexer times how fast it reaches the end;
 *  2. the open-breaks list, first page, at 100,000 open breaks in the queue: p50/p99 of the query.
 * Runs against DATABASE_URL when set, embedded PGlite otherwise. Results go to bench/results/<date>-index.json.
 *
 *   npm run build && node dist/bench/src/index.js [--legs 100000] [--open-breaks 100000]
 */
const { values } = parseArgs({
  options: {
    legs: { type: 'string', default: '100000' },
    'open-breaks': { type: 'string', default: '100000' },
    queries: { type: 'string', default: '1000' },
  },
});
const legsTarget = Number(values.legs);
const openBreaksTarget = Number(values['open-breaks']);
const queries = Number(values.queries);

const BATCH = 200;
const IN_FLIGHT = 8;

async function postAll(
  post: (who: Identity, legs: LegInput[]) => Promise<Committed<unknown>>,
  who: Identity,
  legs: readonly LegInput[],
): Promise<Committed<unknown> | undefined> {
  let next = 0;
  let last: Committed<unknown> | undefined;
  const worker = async () => {
    while (next < legs.length) {
      const chunk = legs.slice(next, (next += BATCH));
      const r = await post(who, chunk);
      if (!last || r.blockNumber > last.blockNumber) last = r;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return last;
}

async function catchUp(work: string): Promise<Record<string, unknown>> {
  const c = await startEmbeddedConsortium({ dataDir: join(work, 'ledger'), durability: 'none' });
  const rnd = new Random(20261127);
  const payments = Math.ceil(legsTarget / 3);
  // One payment in a hundred breaks: the creditor's amount differs.
  const legs = threeLegPayments(rnd, payments, '', 100);
  const post = (who: Identity, l: LegInput[]) => c.gateway.postLegs(who, l);
  const t0 = performance.now();
  await postAll(post, await c.identity('banka-system'), legs.debit);
  await postAll(post, await c.identity('clearing-system'), legs.entry);
  const last = await postAll(post, await c.identity('bankb-system'), legs.credit);
  const postSeconds = (performance.now() - t0) / 1000;
  if (!last) throw new Error('nothing posted');
  const posted = payments * 3;
  console.log(`posted ${posted} legs in ${postSeconds.toFixed(1)} s; ledger height ${c.network.height()}`);

  const db = await openBenchDatabase(join(work, 'node-catchup'));
  try {
    await migrate(db.pool);
    const t1 = performance.now();
    const indexer = await BlockIndexer.start({
      gateway: c.gateway,
      pool: db.pool,
      institution: 'BankAMSP',
      ownLegs: ownLegsOf(c, 'BankAMSP'),
    });
    await indexer.waitFor(last, 3_600_000);
    const seconds = (performance.now() - t1) / 1000;
    await indexer.stop();
    const counts = await db.pool.query<{ legs: string; cases: string; breaks: string; txs: string }>(
      `SELECT (SELECT count(*) FROM legs) AS legs, (SELECT count(*) FROM cases) AS cases,
              (SELECT count(*) FROM breaks) AS breaks, (SELECT count(*) FROM indexed_transactions) AS txs`,
    );
    const row = counts.rows[0];
    const indexedLegs = Number(row?.legs);
    const legsPerSecond = Math.round(indexedLegs / seconds);
    console.log(
      `catch-up: ${indexedLegs} legs, ${row?.cases} cases, ${row?.breaks} breaks, ${row?.txs} transactions in ${seconds.toFixed(2)} s = ${legsPerSecond} legs/s`,
    );
    return {
      legsPosted: posted,
      postSeconds: round(postSeconds),
      ledgerTransactions: Number(row?.txs),
      indexedLegs,
      indexedCases: Number(row?.cases),
      indexedBreaks: Number(row?.breaks),
      catchUpSeconds: round(seconds),
      legsPerSecond,
      targetLegsPerSecond: 5000,
    };
  } finally {
    await db.close();
    await c.close();
  }
}

async function openBreaksQuery(work: string): Promise<Record<string, unknown>> {
  const db = await openBenchDatabase(join(work, 'node-query'));
  try {
    await migrate(db.pool);
    const t0 = performance.now();
    // Synthetic rows straight into the tables (creating 100,000 breaks through the ledger measures the ledger).
    await db.pool.query(
      `INSERT INTO cases (case_id, status, parties, is_party, expected, leg_count, opened_at, updated_at, due_at,
                          block_number, tx_index, tx_id)
       SELECT 'c' || g, 'BROKEN', ARRAY['BankAMSP','BankBMSP'], true, '[]', 2,
              timestamptz '2026-11-27 00:00Z' + g * interval '1 second', now(), now(), g / 100, g % 100, 'tx' || g
         FROM generate_series(1, $1::int) g`,
      [openBreaksTarget],
    );
    await db.pool.query(
      `INSERT INTO breaks (break_id, case_id, finding_key, reason, status, parties, is_party, detail, opened_at,
                           updated_at, last_action, last_seq, block_number, tx_index, tx_id)
       SELECT 'b' || g, 'c' || g, 'AMOUNT', (ARRAY['AMOUNT_MISMATCH','MISSING_LEG','STATUS_CONFLICT'])[1 + g % 3],
              (ARRAY['OPEN','ASSIGNED','PROPOSED'])[1 + g % 3], ARRAY['BankAMSP','BankBMSP'], true, '{}',
              timestamptz '2026-11-27 00:00Z' + g * interval '1 second', now(), 'OPEN', 0, g / 100, g % 100, 'tx' || g
         FROM generate_series(1, $1::int) g`,
      [openBreaksTarget],
    );
    await db.pool.query(
      `INSERT INTO open_breaks (break_id, case_id, reason, status, opened_at, updated_at)
       SELECT break_id, case_id, reason, status, opened_at, updated_at FROM breaks`,
    );
    await db.pool.query('ANALYZE');
    console.log(
      `loaded ${openBreaksTarget} open breaks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const now = new Date('2026-11-28T00:00:00Z');
    const measure = async (name: string, run: () => Promise<unknown>) => {
      for (let i = 0; i < 20; i++) await run();
      const ms: number[] = [];
      for (let i = 0; i < queries; i++) {
        const s = performance.now();
        await run();
        ms.push(performance.now() - s);
      }
      const r = {
        p50Ms: round(percentile(ms, 50)),
        p99Ms: round(percentile(ms, 99)),
        maxMs: round(Math.max(...ms)),
      };
      console.log(`${name}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (${queries} queries)`);
      return r;
    };
    const first = await listOpenBreaks(db.pool, { pageSize: 50, now });
    const deep = await listOpenBreaks(db.pool, { pageSize: 200, now });
    const plan = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT break_id FROM open_breaks ORDER BY opened_at, break_id LIMIT 51`,
    );
    return {
      openBreaks: openBreaksTarget,
      pageSize: 50,
      firstPage: await measure('first page', () => listOpenBreaks(db.pool, { pageSize: 50, now })),
      firstPageByReason: await measure('first page, reason filter', () =>
        listOpenBreaks(db.pool, { pageSize: 50, now, reason: 'MISSING_LEG' }),
      ),
      nextPage: await measure('a later page (keyset cursor)', () =>
        listOpenBreaks(db.pool, { pageSize: 50, now, ...(first.next ? { after: first.next } : {}) }),
      ),
      page200: await measure('first page of 200', () => listOpenBreaks(db.pool, { pageSize: 200, now })),
      apiFirstPage: await apiQueue(work, db, measure),
      plan: plan.rows.map((r) => r['QUERY PLAN']),
      itemsOnFirstPage: deep.items.length,
      targetP99Ms: 100,
    };
  } finally {
    await db.close();
  }
}

/**
 * The same first page through the node's REST API (GET /v1/queue over HTTP on loopback, with session check,
 * rate limiter, JSON and logging): what a console or member system sees.
 */
async function apiQueue(
  work: string,
  db: Database,
  measure: (name: string, run: () => Promise<unknown>) => Promise<Record<string, number>>,
): Promise<Record<string, number>> {
  const c = await startEmbeddedConsortium({ dataDir: join(work, 'api-ledger'), durability: 'none' });
  const app = createApp({
    mspId: 'BankBMSP',
    gateway: c.gateway,
    enroller: c.enroller('BankBMSP'),
    wallet: await FileWallet.open(join(work, 'api-wallet')),
    sessions: new SessionStore(() => Date.now()),
    index: { pool: db.pool },
    log: () => undefined,
    rateLimit: { perSec: 1_000_000, burst: 1_000_000 },
  });
  const { server, url } = await listen(app, 0, '127.0.0.1');
  try {
    const login = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentId: 'bruno', secret: 'bruno-pw' }),
    });
    const { token } = (await login.json()) as { token: string };
    return await measure('API: GET /v1/queue?limit=50 over HTTP', async () => {
      const r = await fetch(`${url}/v1/queue?limit=50`, { headers: { authorization: `Bearer ${token}` } });
      const page = (await r.json()) as { items: unknown[] };
      if (r.status !== 200 || page.items.length !== 50) throw new Error(`queue answered ${r.status}`);
    });
  } finally {
    await closeServer(server);
    await c.close();
  }
}

function openBenchDatabase(nodeDir: string): Promise<Database> {
  return openDatabase(readDatabaseConfig(process.env, nodeDir));
}

const round = (n: number) => Math.round(n * 100) / 100;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tallystick-bench-index-'));
  try {
    const backend = process.env.DATABASE_URL
      ? 'postgresql (DATABASE_URL)'
      : 'embedded PGlite over its socket';
    console.log(`index benchmark on ${backend}`);
    if (process.env.DATABASE_URL && !process.env.DATABASE_SCHEMA)
      throw new Error('with DATABASE_URL, set DATABASE_SCHEMA to an empty schema for the benchmark');
    const catchUpResult = await catchUp(work);
    if (process.env.DATABASE_URL) {
      // Same server for both parts: start the query part from an empty schema.
      const db = await openBenchDatabase(work);
      await db.pool.query(`DROP SCHEMA ${db.schema} CASCADE; CREATE SCHEMA ${db.schema}`);
      await db.close();
    }
    const query = await openBreaksQuery(work);
    const result = {
      date: new Date().toISOString(),
      database: backend,
      machine: machineInfo(),
      catchUp: catchUpResult,
      openBreaksList: query,
    };
    const suffix = process.env.DATABASE_URL ? '-index-postgresql' : '-index';
    const file = writeResults(`${result.date.slice(0, 10)}${suffix}.json`, result);
    console.log(`written ${file}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
