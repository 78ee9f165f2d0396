import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../../application/src/db/migrate';
import type { Database } from '../../application/src/db/pool';
import { openTestDatabase } from '../support/testDatabase';
import { dashboard } from '../../application/src/http/dashboard';
import { colleagues } from '../../application/src/http/queue';
import {
  listOpenBreaks,
  QUEUE_SORTS,
  queueStatements,
  type OpenBreaksQuery,
} from '../../application/src/readModel/read/queue';

// The queue at 100,000 open breaks: every sort, in both orders, on the first page and deep behind a cursor, and
// the searches, must be index scans that stop after one page — never a sort or a scan of the whole table. The
// plan is asked of PostgreSQL itself (EXPLAIN), so this holds on any machine, however loaded; the times are
// printed for the record.

const OPEN = 100_000;
const ME = 'BankBMSP';
let db: Database;

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}
const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];

async function plan(q: OpenBreaksQuery): Promise<PlanNode[]> {
  const { text, values } = queueStatements(q).page;
  const r = await db.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${text}`,
    values,
  );
  const root = r.rows[0]?.['QUERY PLAN'][0].Plan;
  if (!root) throw new Error('no plan');
  return nodesOf(root);
}

beforeAll(async () => {
  db = await openTestDatabase('queuescale');
  await migrate(db.pool);
  // Rows straight into the tables (the projection is tested elsewhere): cases, their breaks, the open queue
  // with eight reasons, five statuses, a quarter unassigned, and one own leg per case with its reference.
  await db.pool.query(`
    INSERT INTO cases (case_id, status, parties, is_party, expected, leg_count, opened_at, updated_at, due_at,
                       block_number, tx_index, tx_id)
    SELECT md5('c' || i) || md5('d' || i), 'BROKEN', ARRAY['BankAMSP', 'BankBMSP'], true, '[]'::jsonb, 2,
           timestamptz '2026-11-01' + i * interval '7 seconds', timestamptz '2026-11-01' + i * interval '7 seconds',
           timestamptz '2026-11-01' + i * interval '7 seconds', i, 0, 'tx' || i
      FROM generate_series(1, ${OPEN}) AS i;
    INSERT INTO breaks (break_id, case_id, finding_key, reason, status, parties, is_party, detail, opened_at,
                        updated_at, last_action, last_seq, block_number, tx_index, tx_id)
    SELECT 'brk-' || substr(md5('b' || i), 1, 28), md5('c' || i) || md5('d' || i), 'k',
           (ARRAY['MISSING_LEG','AMOUNT_MISMATCH','CURRENCY_MISMATCH','VALUE_DATE_MISMATCH','ACCOUNT_MISMATCH',
                  'STATUS_CONFLICT','DUPLICATE','UNEXPECTED_LEG'])[1 + i % 8],
           (ARRAY['OPEN','ASSIGNED','PROPOSED','APPROVED','ACCEPTED'])[1 + i % 5],
           ARRAY['BankAMSP', 'BankBMSP'], true, '{}'::jsonb,
           timestamptz '2026-11-01' + i * interval '7 seconds',
           timestamptz '2026-11-01' + ((i * 7919) % ${OPEN}) * interval '5 seconds', 'OPEN', 0, i, 0, 'tx' || i
      FROM generate_series(1, ${OPEN}) AS i;
    -- With the triage columns as the projection and queueFacts.ts write them: a tenth of the cases have no own
    -- leg facts (Bank B's leg is the missing one), a fifth are in USD, value dates over a month, three
    -- counterparty sets; the reference is the own leg's below.
    INSERT INTO open_breaks (break_id, case_id, reason, status, opened_at, updated_at, assignee_msp_id, assignee_name,
                             counterparties, amount_minor, currency, value_date, own_reference)
    SELECT break_id, case_id, reason, status, opened_at, updated_at,
           CASE WHEN block_number % 4 = 0 THEN NULL ELSE '${ME}' END,
           CASE WHEN block_number % 4 = 0 THEN NULL ELSE (ARRAY['bruno','bella','bo'])[1 + block_number % 3] END,
           CASE WHEN block_number % 3 = 0 THEN ARRAY['BankAMSP', 'ClearingHouseMSP']
                WHEN block_number % 3 = 1 THEN ARRAY['BankAMSP'] ELSE ARRAY['PayCoMSP'] END,
           CASE WHEN block_number % 10 = 0 THEN NULL ELSE (block_number * 7919) % 1000000 END,
           CASE WHEN block_number % 10 = 0 THEN NULL WHEN block_number % 5 = 1 THEN 'USD' ELSE 'CNY' END,
           CASE WHEN block_number % 10 = 0 THEN NULL ELSE date '2026-11-01' + (block_number % 30)::int END,
           CASE WHEN block_number % 10 = 0 THEN NULL ELSE md5('r' || block_number) END
      FROM breaks;
    INSERT INTO own_legs (msp_id, leg_id, case_id, reference, role, route, amount_minor, currency, value_date,
                          payer_ref, payee_ref, outcome, tx_id, block_number)
    SELECT '${ME}', 'B-' || i, md5('c' || i) || md5('d' || i), md5('r' || i), 'CREDITOR_AGENT', '[]'::jsonb,
           1000 + i, 'CNY', date '2026-11-27', 'p', 'q', 'SETTLED', 'tx' || i, i
      FROM generate_series(1, ${OPEN}) AS i;
    ANALYZE;
  `);
  // Fifteen indexes of open_breaks to fill (each triage sort has one): PGlite, single-threaded, takes minutes on a
  // loaded machine.
}, 480_000);

afterAll(async () => {
  await db.close();
});

describe(`the work queue at ${OPEN.toLocaleString('en')} open breaks`, () => {
  it('pages every sort in both orders by index scan, on the first page and deep behind a cursor', async () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const times: string[] = [];
    for (const sort of QUEUE_SORTS) {
      for (const order of ['asc', 'desc'] as const) {
        const q: OpenBreaksQuery = { pageSize: 50, sort, order, now };
        let started = performance.now();
        const first = await listOpenBreaks(db.pool, q);
        const firstMs = performance.now() - started;
        // Behind a cursor a few pages in: keyset pages cost the same at any depth (the plan below shows why).
        let deep = first.next ?? '';
        for (let i = 0; i < 3; i++) deep = (await listOpenBreaks(db.pool, { ...q, after: deep })).next ?? '';
        started = performance.now();
        const page = await listOpenBreaks(db.pool, { ...q, pageSize: 200, after: deep });
        const deepMs = performance.now() - started;
        expect(page.items).toHaveLength(200);
        times.push(
          `${sort} ${order}: first ${firstMs.toFixed(1)} ms, behind a cursor ${deepMs.toFixed(1)} ms`,
        );
        for (const nodes of [await plan(q), await plan({ ...q, pageSize: 200, after: deep })]) {
          const types = nodes.map((n) => n['Node Type']);
          expect(types, `${sort} ${order}`).not.toContain('Sort');
          expect(types, `${sort} ${order}`).not.toContain('Seq Scan');
          expect(types[0], `${sort} ${order}`).toBe('Limit');
        }
      }
    }
    console.log(
      `queue pages at ${String(OPEN)} open breaks (PGlite or DATABASE_URL):\n  ${times.join('\n  ')}`,
    );
  });

  it('filters by reason, status, assignee, currency and counterparty without a sequential scan, oldest first', async () => {
    const now = new Date();
    for (const q of [
      { reason: 'DUPLICATE' as const },
      { status: 'PROPOSED' as const },
      { assignee: null },
      { assignee: { mspId: ME, name: 'bella' } },
      { currency: 'USD' },
      { counterparty: 'ClearingHouseMSP' },
    ]) {
      const nodes = await plan({ pageSize: 50, now, ...q });
      expect(
        nodes.map((n) => n['Node Type']),
        JSON.stringify(q),
      ).not.toContain('Sort');
      expect(
        nodes.map((n) => n['Node Type']),
        JSON.stringify(q),
      ).not.toContain('Seq Scan');
      const page = await listOpenBreaks(db.pool, { pageSize: 50, now, ...q, count: true });
      expect(page.items).toHaveLength(50);
      expect(page.total).toBeGreaterThan(50);
    }
  });

  it('searches by reference, own prefix and break id without scanning the queue or the own legs', async () => {
    const now = new Date();
    const exact = {
      casePrefix: 'ffffffffffffffffffffffffffffffff',
      ownLegsOf: ME,
      prefix: await md5('r4242'),
    };
    for (const q of [
      { reference: exact },
      { reference: { ...exact, prefix: exact.prefix.slice(0, 6) } },
      { breakIdPrefix: 'brk-00' },
    ]) {
      const nodes = await plan({ pageSize: 50, now, ...q });
      const seq = nodes.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']);
      expect(seq, JSON.stringify(q)).toEqual([]);
    }
    const found = await listOpenBreaks(db.pool, { pageSize: 50, now, reference: exact });
    expect(found.items.map((i) => i.caseId)).toHaveLength(1);
  });
});

describe('the dashboard and the colleague list at the same scale', () => {
  it('answer with every open break counted', async () => {
    let started = performance.now();
    const d = await dashboard(db.pool, ME);
    const dashboardMs = performance.now() - started;
    expect(d.openBreaksByReason.reduce((n, r) => n + Number(r.open), 0)).toBe(OPEN);
    // Status conflicts and missing legs are a quarter of the reasons; each has one own leg of 1000 + i fen.
    expect(d.inTransitByCounterparty).toEqual([
      {
        counterparty: 'BankAMSP',
        currency: 'CNY',
        breaks: String(OPEN / 4),
        amountMinor: expect.stringMatching(/^\d+$/) as unknown,
      },
    ]);
    started = performance.now();
    const people = await colleagues(db.pool, ME, 'bruno');
    const peopleMs = performance.now() - started;
    expect(people).toEqual(['bella', 'bo', 'bruno']);
    console.log(
      `dashboard ${dashboardMs.toFixed(0)} ms, colleagues ${peopleMs.toFixed(0)} ms at ${String(OPEN)} open breaks`,
    );
  });
});

async function md5(s: string): Promise<string> {
  const r = await db.pool.query<{ h: string }>('SELECT md5($1) AS h', [s]);
  return r.rows[0]?.h ?? '';
}
