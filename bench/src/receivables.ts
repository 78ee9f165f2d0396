import '../../application/src/cli/quiet';

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { addDays } from '../../chaincode/src/core/receivables/calendar';
import { migrate } from '../../application/src/db/migrate';
import { openDatabase } from '../../application/src/db/pool';
import { readDatabaseConfig } from '../../application/src/db/config';
import { loadConsortium } from '../../application/src/ledger/consortium';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import { defaultFabricRunDir, openFabricLedger } from '../../application/src/ledger/fabricLedger';
import { inTransaction } from '../../application/src/db/pool';
import {
  tokenTree,
  writeReceivablesRows,
  type ReceivablesRow,
} from '../../application/src/readModel/receivablesIndex';
import {
  DEMO_ENTERPRISES,
  ReceivablesFlow,
  receivablesScreeningForRun,
} from '../../application/src/receivables/receivablesFlow';
import { startReceivablesIndexing } from '../../application/src/receivables/receivablesIndexing';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import { machineInfo, writeResults } from './results';
import { timed as timedConcurrently } from './timed';

/**
 * `npm run bench:receivables`: receivable tokens on the embedded network (durability fsync), through the
 * receivables use cases (no HTTP), with Bank A's node index following the blocks: issues (trade registered and
 * confirmed, issue proposed and signed, accepted: five transactions), splits and transfers (a move proposed and
 * signed: two transactions), each at `--concurrency` in flight; then the index's tree query for a 10-tier tree of
 * 10,000 parts (rows written with the index's own write, the query timed as the API runs it). Written to
 * bench/results/<date>-receivables[-fabric]-<HHMM>.json. `--ledger fabric`: the same on the live network of
 * TALLYSTICK_FABRIC_RUN (no index follows there: the index's lag is not measured; the tree is the index's, on
 * PGlite). Measured, never asserted.
 */
const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    'tree-parts': { type: 'string', default: '10000' },
    // fabric: the live network the launcher runs (TALLYSTICK_FABRIC_RUN); the index's follower is not wired there,
    // so the index's figures are the embedded network's only.
    ledger: { type: 'string', default: 'embedded' },
  },
});
if (values.ledger !== 'embedded' && values.ledger !== 'fabric')
  throw new Error(`--ledger is embedded or fabric, not ${values.ledger}`);
const LEDGER = values.ledger;
const TOKENS = Number(values.tokens);
const CONCURRENCY = Number(values.concurrency);
const TREE_PARTS = Number(values['tree-parts']);
const round = (n: number) => Math.round(n * 100) / 100;

const timed = (n: number, work: (i: number) => Promise<void>) => timedConcurrently(n, CONCURRENCY, work);

/** Rows of one token's tree: `parts` parts in `tiers` tiers, each part's children as even as the count allows. */
function treeRows(tokenId: string, parts: number, tiers: number): ReceivablesRow[] {
  const perTier = Math.ceil((parts - 1) / (tiers - 1));
  const holder = (tier: number) => `9111000010000${String(tier).padStart(4, '0')}X@BankAMSP`;
  const rows: ReceivablesRow[] = [];
  let previous: string[] = [];
  for (let tier = 0; tier < tiers && rows.length < parts; tier++) {
    const ids: string[] = [];
    const count = tier === 0 ? 1 : Math.min(perTier, parts - rows.length);
    for (let k = 0; k < count; k++) {
      const partId = tier === 0 ? `${tokenId}/root` : `${tokenId}/m${String(tier)}-${String(k)}/0`;
      const parentId = tier === 0 ? null : (previous[k % previous.length] ?? null);
      ids.push(partId);
      rows.push({
        kind: 'PART',
        id: partId,
        status: tier === tiers - 1 ? 'HELD' : 'SPENT',
        tokenId,
        tradeId: `T-${String(tier)}`,
        holder: holder(tier),
        currency: 'CNY',
        amountMinor: '100000',
        dueOn: '2031-06-30',
        longTerm: false,
        viewers: ['91310000MA1K000006@BankAMSP', holder(tier)],
        record: { partId, parentId, tokenId },
        origin: {
          blockNumber: BigInt(rows.length),
          txIndex: 0,
          txId: `tx${String(rows.length)}`,
          at: new Date().toISOString(),
        },
      });
    }
    previous = ids;
  }
  return rows;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-bench-receivables-'));
  const c =
    LEDGER === 'embedded'
      ? await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'fsync' })
      : await openFabricLedger({ runDir: defaultFabricRunDir(), consortium: loadConsortium() });
  const height = () => ('network' in c ? c.network.height() : c.transport.height());
  const db = await openDatabase(readDatabaseConfig({ ...process.env }, join(dir, 'index')));
  await migrate(db.pool);
  const indexer = await startReceivablesIndexing(c, 'BankAMSP', db.pool);
  // Transfers screen the receiving enterprise against the shared blacklist (a key made for the run).
  const rcv = await receivablesScreeningForRun(c.gateway, (u) => c.identity(u));
  const today = new Date().toISOString().slice(0, 10);
  const flow = new ReceivablesFlow(rcv, (u) => c.identity(u), `b${Date.now().toString(36)}`);
  try {
    const roots: string[] = [];
    const issue = await timed(TOKENS, async () => {
      const t = await flow.acceptedToken('1000000', addDays(today, 90), today);
      roots.push(t.root.partId);
    });
    console.log(
      `issue (5 transactions each): ${String(issue.perSecond)} tokens/s, p50 ${String(issue.latencyMsP50)} ms, p99 ${String(issue.latencyMsP99)} ms`,
    );
    const halves: string[] = [];
    const split = await timed(roots.length, async (i) => {
      const created = await flow.move('tier1', roots[i] ?? '', [
        { to: 'tier1', amountMinor: '400000' },
        { to: 'tier1', amountMinor: '600000' },
      ]);
      halves.push(created[1]?.partId ?? '');
    });
    console.log(
      `split (2 transactions each): ${String(split.perSecond)} splits/s, p50 ${String(split.latencyMsP50)} ms, p99 ${String(split.latencyMsP99)} ms`,
    );
    const trades: string[] = [];
    for (let i = 0; i < halves.length; i++)
      trades.push((await flow.confirmedTrade('tier1', 'tier2', '600000', today)).tradeId);
    const transfer = await timed(halves.length, async (i) => {
      await flow.move('tier1', halves[i] ?? '', [
        { to: 'tier2', amountMinor: '600000', tradeId: trades[i] ?? '' },
      ]);
    });
    console.log(
      `transfer (2 transactions each): ${String(transfer.perSecond)} transfers/s, p50 ${String(transfer.latencyMsP50)} ms, p99 ${String(transfer.latencyMsP99)} ms`,
    );
    // No follower on live Fabric (docs/RECEIVABLES.md): the lag is the embedded network's only.
    const lagStarted = performance.now();
    await indexer?.waitFor(height() - 1n, 600_000);
    const indexLagMs = indexer ? round(performance.now() - lagStarted) : null;
    if (indexLagMs !== null)
      console.log(`the index caught up ${String(indexLagMs)} ms after the last transfer`);

    const rows = treeRows('BENCH-TREE', TREE_PARTS, 10);
    await inTransaction(db.pool, (client) => writeReceivablesRows(client, rows));
    const viewers = ['91310000MA1K000006@BankAMSP', null] as const;
    const tree: Record<string, { p50: number; p99: number; parts: number }> = {};
    for (const viewer of viewers) {
      const latencies: number[] = [];
      let parts = 0;
      await tokenTree(db.pool, 'BENCH-TREE', viewer); // warm: the first read plans and loads
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        const r = await tokenTree(db.pool, 'BENCH-TREE', viewer);
        latencies.push(performance.now() - t);
        parts = r.parts.length;
      }
      tree[viewer ?? 'auditor'] = {
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        parts,
      };
      console.log(
        `tree of ${String(parts)} parts in 10 tiers from the index (${viewer ?? 'auditor'}): p50 ${String(tree[viewer ?? 'auditor']?.p50)} ms, p99 ${String(tree[viewer ?? 'auditor']?.p99)} ms`,
      );
    }
    const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
    const name = `${stamp.slice(0, 10)}-receivables${LEDGER === 'fabric' ? '-fabric' : ''}-${stamp.slice(11)}`;
    const file = writeResults(`${name}.json`, {
      bench: 'receivables',
      ledger: LEDGER,
      ...(LEDGER === 'embedded' ? { durability: 'fsync' } : {}),
      index: db.kind,
      at: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: loadavg().map(round),
      concurrency: CONCURRENCY,
      issue,
      split,
      transfer,
      indexLagMs,
      tree: { tiers: 10, parts: TREE_PARTS, byViewer: tree },
      enterprises: DEMO_ENTERPRISES,
    });
    console.log(`results: ${file}`);
  } finally {
    await indexer?.stop();
    await db.close();
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
