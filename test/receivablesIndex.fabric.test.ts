import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addDays } from '../chaincode/src/core/receivables/calendar';
import { migrate } from '../application/src/db/migrate';
import { listReceivables } from '../application/src/readModel/receivablesIndex';
import { ReceivablesFlow } from '../application/src/receivables/receivablesFlow';
import { ReceivablesGateway } from '../application/src/receivables/receivablesGateway';
import { startReceivablesIndexing } from '../application/src/receivables/receivablesIndexing';
import { startFabricBackend, type Backend } from './support/backend';
import { ledgerRefusal } from './support/receivablesRefusal';
import { openTestDatabase } from './support/testDatabase';

/**
 * The receivables contract's reads for a node's index on the live network (TALLYSTICK_FABRIC_RUN): a bank's system
 * indexes its client's records, another bank's system only those naming its own clients, an auditor everything
 * (paged in key order), a member outside the collection nothing; and a node's receivables follower indexes them
 * from its own peer's blocks.
 */
describe('receivables index reads on the live Fabric network', () => {
  let backend: Backend;
  let rcv: ReceivablesGateway;
  const run = randomBytes(3).toString('hex');
  const today = new Date().toISOString().slice(0, 10);
  let token: { tokenId: string; tradeId: string; root: { partId: string } };
  let local: string;

  beforeAll(async () => {
    backend = await startFabricBackend();
    const connection = backend.fabric ?? backend.embedded;
    if (!connection) throw new Error('the backend has no connection');
    rcv = new ReceivablesGateway(connection.gateway);
    const flow = new ReceivablesFlow(rcv, (u) => backend.identity(u), `fx${run}`);
    token = await flow.acceptedToken('300000', addDays(today, 90), today);
    local = (await flow.confirmedTrade('core', 'tier2', '10000', today)).tradeId;
  }, 180_000);
  afterAll(async () => {
    await backend.stop();
  });

  it('indexRecords: Bank A indexes its clients’ records, Bank B only what names its client, PayCo nothing', async () => {
    const refs = [
      { kind: 'PART', id: token.root.partId },
      { kind: 'TRADE', id: local },
    ] as const;
    const ofBankA = await rcv.indexRecords(await backend.identity('banka-system'), refs);
    expect(ofBankA.entries.map((e) => `${e.kind}:${e.id}`).sort()).toEqual(
      [`PART:${token.root.partId}`, `TOKEN:${token.tokenId}`, `TRADE:${local}`].sort(),
    );
    const ofBankB = await rcv.indexRecords(await backend.identity('bankb-system'), refs);
    expect(ofBankB.entries.map((e) => `${e.kind}:${e.id}`).sort()).toEqual(
      [`PART:${token.root.partId}`, `TOKEN:${token.tokenId}`].sort(),
    );
    await ledgerRefusal(rcv.indexRecords(await backend.identity('payco-system'), refs), 'NOT_A_PARTY');
    // A person with a member role other than the system's or an admin's indexes nothing.
    expect((await rcv.indexRecords(await backend.identity('alice'), refs)).entries).toEqual([]);
  });

  it('listForIndex: an auditor pages through every trade in key order', async () => {
    const audrey = await backend.identity('audrey');
    const seen: string[] = [];
    for (let after: string | null = ''; after !== null;) {
      const page = await rcv.listForIndex(audrey, 'TRADE', after, 50);
      seen.push(...page.entries.map((e) => e.id));
      after = page.next;
    }
    expect(seen).toEqual(expect.arrayContaining([token.tradeId, local]));
    expect([...seen].sort()).toEqual(seen);
  });

  it('a node follows its peer’s blocks into its receivables index: Bank A’s lists its client’s part and trades', async () => {
    const connection = backend.fabric;
    if (!connection) throw new Error('the live backend has no Fabric connection');
    const db = await openTestDatabase(`rcvfabric${run}`, 'embedded');
    await migrate(db.pool);
    const indexer = await startReceivablesIndexing(connection, 'BankAMSP', db.pool, { retryDelayMs: 100 });
    if (!indexer) throw new Error('Bank A keeps receivables: its node indexes them on Fabric too');
    try {
      const listed = async (kind: 'PART' | 'TRADE') =>
        (await listReceivables(db.pool, { kind, viewer: null, limit: 500 })).items.map((r) => r.id);
      // From block 0, the whole channel's receivables events reach the follower through Bank A's peer.
      await expect
        .poll(() => listed('PART'), { timeout: 60_000, interval: 500 })
        .toContain(token.root.partId);
      await expect
        .poll(() => listed('TRADE'), { timeout: 60_000, interval: 500 })
        .toEqual(expect.arrayContaining([token.tradeId, local]));
    } finally {
      await indexer.stop();
      await db.close();
    }
  }, 120_000);
});
