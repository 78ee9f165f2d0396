import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { migrate } from '../../application/src/db/migrate';
import type { Database } from '../../application/src/db/pool';
import { openTestDatabase } from './testDatabase';
import { openNodeBlacklist } from '../../application/src/blacklist/nodeBlacklist';
import { createApp, type LogEntry } from '../../application/src/http/createApp';
import { closeServer, listen } from '../../application/src/http/listen';
import { SessionStore } from '../../application/src/identity/sessions';
import { FileWallet } from '../../application/src/identity/wallet';
import { BlockIndexer } from '../../application/src/indexer/blockIndexer';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import { ownLegsOf } from '../../application/src/node/institutionNodes';

/**
 * One institution's node with its index, listening on a free loopback port: on a fresh embedded ledger, or on
 * `consortium` beside other nodes (which then stays open when the node stops).
 */
export async function startTestNode(
  mspId: string,
  options: {
    database?: Database['kind'];
    consortium?: EmbeddedConsortium;
    /** Serve the blacklist with the embedded demo's key files in `demoKeyDir` (shared by the nodes of a test). */
    blacklist?: { demoKeyDir: string };
    /** The node's log lines (default: dropped). */
    log?: (e: LogEntry) => void;
  } = {},
): Promise<{
  url: string;
  consortium: EmbeddedConsortium;
  indexer: BlockIndexer;
  db: Database;
  dir: string;
  stop(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-node-'));
  const consortium =
    options.consortium ??
    (await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' }));
  const db = await openTestDatabase('node', options.database);
  await migrate(db.pool);
  const indexer = await BlockIndexer.start({
    gateway: consortium.gateway,
    pool: db.pool,
    institution: mspId,
    ownLegs: ownLegsOf(consortium, mspId),
  });
  const blacklist = options.blacklist
    ? await openNodeBlacklist(consortium.gateway, {
        mspId,
        env: {},
        dataDir: dir,
        demoKeyDir: options.blacklist.demoKeyDir,
      })
    : undefined;
  const app = createApp({
    ...(blacklist ? { blacklist } : {}),
    mspId,
    gateway: consortium.gateway,
    enroller: consortium.enroller(mspId),
    wallet: await FileWallet.open(join(dir, 'wallet')),
    sessions: new SessionStore(() => Date.now()),
    index: { pool: db.pool, indexer },
    log: options.log ?? (() => undefined),
  });
  const { server, url } = await listen(app, 0, '127.0.0.1');
  return {
    url,
    consortium,
    indexer,
    db,
    dir,
    async stop() {
      await closeServer(server);
      await indexer.stop();
      await db.close();
      if (options.consortium === undefined) await consortium.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
