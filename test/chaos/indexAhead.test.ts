import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../../application/src/db/migrate';
import type { Database } from '../../application/src/db/pool';
import { openTestDatabase } from '../support/testDatabase';
import { BlockIndexer } from '../../application/src/indexer/blockIndexer';

// An index whose checkpoint holds a block the ledger does not have: the ledger lost acknowledged blocks
// (restored from an older copy, or a file cut before the ledger refused such damage). Start says so.
describe('BlockIndexer.start against a ledger behind its checkpoint', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase('indexahead');
    await migrate(db.pool);
    await db.pool.query(
      `INSERT INTO index_checkpoint (institution, block_number, tx_index, tx_id) VALUES ('BankBMSP', 7829, 0, 'tx-lost')`,
    );
  });
  afterAll(async () => {
    await db.close();
  });

  const stream = (height: bigint) => ({
    onChanges: () => () => undefined,
    height: () => height,
  });

  it('refuses, naming the checkpoint and the ledger height', async () => {
    await expect(
      BlockIndexer.start({ gateway: stream(7829n), pool: db.pool, institution: 'BankBMSP' }),
    ).rejects.toThrow(
      /the index of BankBMSP is ahead of the ledger: its checkpoint is block 7829 \(tx 0\), the ledger's last block is 7828/,
    );
  });

  it('starts when the ledger holds the checkpoint block', async () => {
    const indexer = await BlockIndexer.start({
      gateway: stream(7830n),
      pool: db.pool,
      institution: 'BankBMSP',
    });
    expect(indexer.checkpoint?.blockNumber).toBe(7829n);
    await indexer.stop();
  });
});
