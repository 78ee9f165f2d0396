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
import { AlertFollower } from '../../application/src/blacklistAlerts/follower';
import { LiveFeed } from '../../application/src/http/live';
import { peopleOf } from './testApp';

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
    /** Follow the blocks for the blacklist watchlist's alerts (needs `blacklist`), on the node's live stream. */
    alerts?: boolean;
  } = {},
): Promise<{
  url: string;
  consortium: EmbeddedConsortium;
  indexer: BlockIndexer;
  alerts: AlertFollower | undefined;
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
  // With alerts, the node's live stream is made here (the follower sends on it); otherwise the app makes its own.
  const live = options.alerts === true ? new LiveFeed() : undefined;
  live?.attach(indexer);
  const alerts =
    blacklist && live
      ? await AlertFollower.start({
          source: consortium.changes(mspId),
          pool: db.pool,
          institution: mspId,
          onAlert: (a) => {
            live.send(mspId, 'blacklist-alert', a);
          },
        })
      : undefined;
  const app = createApp({
    ...(blacklist ? { blacklist } : {}),
    ...(live ? { live } : {}),
    mspId,
    gateway: consortium.gateway,
    enroller: consortium.enroller(mspId),
    ...peopleOf(consortium, mspId),
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
    alerts,
    db,
    dir,
    async stop() {
      live?.close();
      await closeServer(server);
      await indexer.stop();
      await alerts?.stop();
      await db.close();
      if (options.consortium === undefined) await consortium.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
