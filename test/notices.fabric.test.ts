import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../application/src/db/migrate';
import { BlockIndexer } from '../application/src/indexer/blockIndexer';
import { ledgerNoticeDirectory, NodeNotices } from '../application/src/notices/nodeNotices';
import { postingWithNotices, startNodeNotices } from '../application/src/notices/nodeNoticesStart';
import { deriveNoticeKey } from '../application/src/notices/noticeKey';
import { referenceOfCase } from '../application/src/readModel/caseReferences';
import { startFabricBackend, type Backend } from './support/backend';
import { paymentLegs, TWO_BANK_ROUTE } from './support/legs';
import { openTestDatabase } from './support/testDatabase';

/**
 * Notices on the live network (TALLYSTICK_FABRIC_RUN): Bank A's node posts a leg with its notices through the
 * Fabric gateway; Bank B's indexer, following Bank B's own peer's blocks, opens the notice and keeps the case's
 * reference, though Bank B never posted. Both register fresh notice keys (the network keeps its directory).
 */
describe('notices on the live Fabric network', () => {
  let backend: Backend;
  const walletKey = randomBytes(32);

  beforeAll(async () => {
    backend = await startFabricBackend();
  }, 120_000);
  afterAll(async () => {
    await backend.stop();
  });

  it("Bank A posts a leg whose route includes Bank B; Bank B's indexer, which never saw a leg of it, holds the reference", async () => {
    const connection = backend.fabric;
    if (!connection) throw new Error('the live backend has no Fabric connection');
    const notices = (mspId: string, system: string) =>
      new NodeNotices(
        deriveNoticeKey(walletKey, mspId),
        ledgerNoticeDirectory(connection.gateway, () => backend.identity(system)),
      );
    const bankA = notices('BankAMSP', 'banka-system');
    const bankB = notices('BankBMSP', 'bankb-system');
    // As the nodes do at start, before either posts.
    expect(await bankB.ensureRegistered()).toBe('REGISTERED');
    expect(await bankA.ensureRegistered()).toBe('REGISTERED');
    expect(await bankB.ensureRegistered()).toBe('UNCHANGED');

    const p = paymentLegs({ route: TWO_BANK_ROUTE });
    const posted = await postingWithNotices(connection.gateway, bankA).postLegs(
      await backend.identity('banka-system'),
      [p.debit],
    );
    const db = await openTestDatabase(`noticesfabric${randomBytes(2).toString('hex')}`, 'embedded');
    await migrate(db.pool);
    const indexer = await BlockIndexer.start({
      caseNotices: bankB,
      gateway: connection.changes('BankBMSP'),
      institution: 'BankBMSP',
      pool: db.pool,
    });
    try {
      await indexer.waitFor(posted, 60_000);
      expect(await referenceOfCase(db.pool, 'BankBMSP', p.caseId)).toBe(p.reference);
      // Bank B's index holds the case although none of its legs is in it.
      const own = await db.pool.query('SELECT 1 FROM own_legs WHERE case_id = $1', [p.caseId]);
      expect(own.rows).toEqual([]);
    } finally {
      await indexer.stop();
      await db.close();
    }
  }, 180_000);

  it('node start registers the institution’s key through its system on the live network, and only once', async () => {
    const connection = backend.fabric;
    if (!connection) throw new Error('the live backend has no Fabric connection');
    const dir = mkdtempSync(join(tmpdir(), 'tallystick-notices-fabric-'));
    const env = { TALLYSTICK_WALLET_KEY: randomBytes(32).toString('base64') };
    const logged: string[] = [];
    const start = () =>
      startNodeNotices(connection, 'PayCoMSP', {
        env,
        log: (m) => logged.push(m),
        nodeDir: join(dir, 'PayCoMSP'),
      });
    try {
      const first = await start();
      await first?.registered;
      first?.close();
      expect(logged).toEqual(['notice key of PayCoMSP registered in the directory']);
      const listed = await ledgerNoticeDirectory(connection.gateway, () => backend.identity('pavel')).list();
      expect(listed.find((r) => r.mspId === 'PayCoMSP')?.publicKey).toBe(first?.notices.key.publicKey);
      const again = await start();
      await again?.registered;
      again?.close();
      // The directory held it: nothing registered, nothing logged.
      expect(logged).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
