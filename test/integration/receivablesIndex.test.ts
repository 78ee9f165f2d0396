import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addDays, addMonths } from '../../chaincode/src/core/receivables/calendar';
import { migrate } from '../../application/src/db/migrate';
import type { Database } from '../../application/src/db/pool';
import { verifyReceivables } from '../../application/src/indexer/receivablesVerify';
import type { ReceivablesIndexer } from '../../application/src/indexer/receivablesIndexer';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import {
  listReceivables,
  tokenTree,
  type ReceivablesFilter,
} from '../../application/src/readModel/receivablesIndex';
import type { ReceivablesGateway } from '../../application/src/receivables/receivablesGateway';
import {
  DEMO_ENTERPRISES,
  ReceivablesFlow,
  receivablesScreeningForRun,
} from '../../application/src/receivables/receivablesFlow';
import { startReceivablesIndexing } from '../../application/src/receivables/receivablesIndexing';
import { openTestDatabase, testDatabaseKinds } from '../support/testDatabase';

const label = (e: { enterpriseId: string; mspId: string }) => `${e.enterpriseId}@${e.mspId}`;
const CORE = label(DEMO_ENTERPRISES.core);
const TIER1 = label(DEMO_ENTERPRISES.tier1);
const TIER2 = label(DEMO_ENTERPRISES.tier2);
const INSTITUTIONS = ['BankAMSP', 'BankBMSP', 'AuditorMSP'] as const;
type Institution = (typeof INSTITUTIONS)[number];

/**
 * The node's index of receivables (issue 20): each member bank's node (and the auditor's) follows the blocks,
 * reads the records the events name as the bank may index them, and lists each person's tokens, parts, trades,
 * offers and payments from its own index; verify finds every difference with the ledger. On PGlite, and on
 * PostgreSQL too when DATABASE_URL names one.
 */
describe.each(testDatabaseKinds())('the receivables index on %s', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-rcv-index-'));
  let c: EmbeddedConsortium;
  let rcv: ReceivablesGateway;
  const dbs = new Map<Institution, Database>();
  const indexers = new Map<Institution, ReceivablesIndexer>();
  const today = '2030-01-01';
  const at = () => ({ timestamp: new Date(`${today}T09:00:00Z`) });
  const s: Record<string, string> = {};

  const db = (i: Institution): Database => {
    const d = dbs.get(i);
    if (!d) throw new Error(`no database for ${i}`);
    return d;
  };
  const caughtUp = async () => {
    const last = c.network.height() - 1n;
    await Promise.all([...indexers.values()].map((x) => x.waitFor(last)));
  };
  const ids = async (i: Institution, f: Omit<ReceivablesFilter, 'limit'>) =>
    (await listReceivables(db(i).pool, { limit: 200, ...f })).items.map((r) => r.id).sort();

  beforeAll(async () => {
    c = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
    rcv = await receivablesScreeningForRun(c.gateway, (u) => c.identity(u), at);
    for (const i of INSTITUTIONS) {
      const d = await openTestDatabase(`rcv${i}`, kind);
      await migrate(d.pool);
      dbs.set(i, d);
      const x = await startReceivablesIndexing(c, i, d.pool, { retryDelayMs: 50 });
      if (!x) throw new Error(`${i} keeps receivables: its node indexes them`);
      indexers.set(i, x);
    }
    const flow = new ReceivablesFlow(rcv, (u) => c.identity(u), 'ix', at);
    // Token A: core → tier 1; tier 1 keeps 400,000 and pays tier 2 600,000 against their trade; tier 2 discounts
    // its part at Bank A.
    const a = await flow.acceptedToken('1000000', addDays(today, 90), today);
    const t12 = await flow.confirmedTrade('tier1', 'tier2', '600000', today);
    const [toTier2, kept] = await flow.move('tier1', a.root.partId, [
      { amountMinor: '600000', to: 'tier2', tradeId: t12.tradeId },
      { amountMinor: '400000', to: 'tier1' },
    ]);
    if (!toTier2 || !kept) throw new Error('two parts');
    await rcv.offerFinancing(
      await c.identity('tier2-finance'),
      { bank: 'BankAMSP', offerId: 'O-ix-1', partId: toTier2.partId },
      at(),
    );
    await rcv.answerFinancing(
      await c.identity('banka-financier'),
      {
        decision: 'ACCEPT',
        offerId: 'O-ix-1',
        partId: toTier2.partId,
        terms: { dayCount: 'ACT/360', rateBp: 500 },
      },
      at(),
    );
    // Token B: nine months, flagged.
    const b = await flow.acceptedToken('200000', addMonths(today, 9), today, 'a seasonal programme');
    // A trade between two of Bank A's clients only.
    const local = await flow.confirmedTrade('core', 'tier2', '50000', today);
    Object.assign(s, {
      tokenA: a.tokenId,
      rootA: a.root.partId,
      toTier2: toTier2.partId,
      kept: kept.partId,
      tokenB: b.tokenId,
      rootB: b.root.partId,
      tradeA: a.tradeId,
      t12: t12.tradeId,
      local: local.tradeId,
    });
    await caughtUp();
  }, 180_000);

  afterAll(async () => {
    for (const x of indexers.values()) await x.stop();
    for (const d of dbs.values()) await d.close();
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists each person's parts from the node's own index: the core enterprise all, tier 2 its branch", async () => {
    expect(await ids('BankAMSP', { kind: 'PART', viewer: CORE })).toEqual(
      [s.rootA, s.toTier2, s.kept, s.rootB].sort(),
    );
    // Tier 2 sees its part and its trace (the root above it), not tier 1's other part.
    expect(await ids('BankAMSP', { kind: 'PART', viewer: TIER2 })).toEqual([s.rootA, s.toTier2].sort());
    expect(await ids('BankBMSP', { kind: 'PART', viewer: TIER1 })).toEqual(
      [s.rootA, s.toTier2, s.kept, s.rootB].sort(),
    );
    // The wallet: what each holds now.
    expect(await ids('BankAMSP', { kind: 'PART', viewer: TIER2, holder: TIER2 })).toEqual([]);
    expect(await ids('BankAMSP', { kind: 'PART', viewer: 'BankAMSP', holder: 'BankAMSP' })).toEqual([
      s.toTier2,
    ]);
    expect(await ids('BankBMSP', { kind: 'PART', viewer: TIER1, holder: TIER1, statuses: ['HELD'] })).toEqual(
      [s.kept, s.rootB].sort(),
    );
  });

  it('keeps to each bank what it may index: Bank B never sees a trade between two of Bank A’s clients', async () => {
    expect(await ids('BankAMSP', { kind: 'TRADE', viewer: null })).toContain(s.local);
    expect(await ids('BankBMSP', { kind: 'TRADE', viewer: null })).not.toContain(s.local);
    expect(await ids('BankBMSP', { kind: 'TRADE', viewer: null })).toEqual(
      expect.arrayContaining([s.tradeA, s.t12]),
    );
    expect(await ids('AuditorMSP', { kind: 'TRADE', viewer: null })).toEqual(
      expect.arrayContaining([s.tradeA, s.t12, s.local]),
    );
    // Bank B's people see nothing of the financing at Bank A; Bank A's financier its own.
    expect(await ids('BankBMSP', { kind: 'FINANCING', viewer: 'BankBMSP' })).toEqual([]);
    expect(await ids('BankAMSP', { kind: 'FINANCING', viewer: 'BankAMSP' })).toEqual([s.toTier2]);
  });

  it('flags terms over six months on the token and every part of it; filters and pages', async () => {
    expect(await ids('BankBMSP', { kind: 'PART', viewer: TIER1, longTerm: true })).toEqual([s.rootB]);
    expect(await ids('BankBMSP', { kind: 'TOKEN', viewer: TIER1, longTerm: true })).toEqual([s.tokenB]);
    expect(await ids('BankAMSP', { kind: 'PART', viewer: CORE, tokenId: s.tokenA })).toHaveLength(3);
    expect(
      await ids('BankAMSP', { kind: 'PART', viewer: CORE, dueFrom: addDays(today, 91), order: 'due' }),
    ).toEqual([s.rootB]);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await listReceivables(db('BankAMSP').pool, {
        kind: 'PART',
        viewer: CORE,
        limit: 1,
        ...(after ? { after } : {}),
      });
      seen.push(...page.items.map((r) => r.id));
      after = page.next ?? undefined;
    } while (after);
    expect(seen.sort()).toEqual([s.rootA, s.toTier2, s.kept, s.rootB].sort());
    await expect(
      listReceivables(db('BankAMSP').pool, { kind: 'PART', viewer: CORE, limit: 1, after: 'bad' }),
    ).rejects.toThrow(RangeError);
  });

  it("a token's tree from the index: each part names its parent, back to the trade", async () => {
    const tree = await tokenTree(db('BankAMSP').pool, s.tokenA ?? '', TIER2);
    expect(tree.token?.tradeId).toBe(s.tradeA);
    expect(tree.parts.map((p) => p.id).sort()).toEqual([s.rootA, s.toTier2].sort());
    const part = tree.parts.find((p) => p.id === s.toTier2)?.record as { parentId: string; tradeId: string };
    expect(part).toMatchObject({ parentId: s.rootA, tradeId: s.t12 });
  });

  it('verify finds the index equal to the ledger, and reports a tampered, a missing and an extra row', async () => {
    const rcvAs =
      (i: Institution) => async (k: Parameters<typeof rcv.listForIndex>[1], after: string, n: number) =>
        rcv.listForIndex(
          await c.identity(
            i === 'AuditorMSP' ? 'audrey' : i === 'BankAMSP' ? 'banka-system' : 'bankb-system',
          ),
          k,
          after,
          n,
        );
    // The ledger read two records a page: the pages follow one another in key order, none read twice or missed.
    const inPairs = await verifyReceivables(db('AuditorMSP').pool, 'AuditorMSP', (k, after) =>
      rcvAs('AuditorMSP')(k, after, 2),
    );
    expect(inPairs.differences).toEqual([]);
    for (const i of INSTITUTIONS) {
      const r = await verifyReceivables(db(i).pool, i, rcvAs(i));
      expect(r.differences, i).toEqual([]);
      if (i === 'AuditorMSP') expect(r.checked).toBe(inPairs.checked);
      expect(r.checked).toBeGreaterThan(8);
    }
    const pool = db('BankBMSP').pool;
    await pool.query(`UPDATE receivables_records SET status = 'PAID' WHERE kind = 'PART' AND id = $1`, [
      s.kept,
    ]);
    await pool.query(`DELETE FROM receivables_records WHERE kind = 'TRADE' AND id = $1`, [s.t12]);
    await pool.query(
      `INSERT INTO receivables_records SELECT kind, 'ghost', status, token_id, trade_id, holder, currency,
         amount_minor, due_on, long_term, viewers, record, block_number, tx_index, tx_id, changed_at
       FROM receivables_records WHERE kind = 'TOKEN' AND id = $1`,
      [s.tokenB],
    );
    const r = await verifyReceivables(pool, 'BankBMSP', rcvAs('BankBMSP'));
    expect(r.differences.map((d) => `${d.id} ${d.field}`).sort()).toEqual(
      [`PART:${s.kept} status`, `TOKEN:ghost exists`, `TRADE:${s.t12} exists`].sort(),
    );
  });

  it('rebuilds from block 0 to the same rows, and a crash between rows and checkpoint loses and repeats nothing', async () => {
    const snapshot = async (pool: Database['pool']) =>
      (
        await pool.query<{ k: string }>(
          `SELECT kind || ':' || id || ':' || status || ':' || array_to_string(viewers, ',') || ':' || md5(record::text) AS k
           FROM receivables_records ORDER BY kind, id`,
        )
      ).rows.map((r) => r.k);
    const pool = db('BankAMSP').pool;
    const before = await snapshot(pool);
    await indexers.get('BankAMSP')?.stop();
    await pool.query('DELETE FROM receivables_records; DELETE FROM receivables_index_checkpoint');
    let crashes = 0;
    const again = await startReceivablesIndexing(c, 'BankAMSP', pool, {
      retryDelayMs: 10,
      faults: (step, block) => {
        // Crash once at each step of the first block that holds receivables rows.
        if (block > 0n && crashes < 2 && step === (crashes === 0 ? 'rows' : 'checkpoint')) {
          crashes++;
          throw new Error(`crash at ${step}`);
        }
      },
    });
    if (!again) throw new Error('restarted');
    indexers.set('BankAMSP', again);
    await again.waitFor(c.network.height() - 1n);
    expect(crashes).toBe(2);
    expect(again.failed).toBe(2);
    expect(await snapshot(pool)).toEqual(before);
  });
});
