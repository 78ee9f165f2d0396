import { join } from 'node:path';

import { readDatabaseConfig } from '../db/config';
import { migrate } from '../db/migrate';
import { openDatabase, type Database } from '../db/pool';
import { createApp, type LogEntry } from '../http/createApp';
import { closeServer, listen } from '../http/listen';
import { LiveFeed } from '../http/live';
import { BlockIndexer } from '../indexer/blockIndexer';
import { ownLegReader, type OwnLegReader } from '../indexer/ownLegs';
import { embeddedEnroller } from '../identity/embeddedEnroller';
import { SessionStore } from '../identity/sessions';
import { FileWallet } from '../identity/wallet';
import { readWalletKeyConfig } from '../identity/walletKey';
import type { EmbeddedConsortium } from '../ledger/embeddedLedgerGateway';
import { embeddedChangeStream } from './embeddedChanges';

export interface RunningNode {
  readonly mspId: string;
  readonly url: string;
  /** Where the node's off-chain index lives (embedded PGlite or a PostgreSQL schema). */
  readonly database: string;
  /** Starts following the ledger into the index (from its checkpoint). */
  startIndexer(): Promise<BlockIndexer>;
  close(): Promise<void>;
}

/**
 * How a node reads its institution's own legs back from the ledger: as the institution's system (the identity
 * that posts them), or any of its people with a role when it has no system. The chaincode reads only the
 * signer's own private collection, so no identity of the institution can read another's.
 */
export function embeddedOwnLegs(c: EmbeddedConsortium, mspId: string): OwnLegReader | undefined {
  const org = c.consortium.organisations.find((o) => o.mspId === mspId);
  const reader =
    org?.users.find((u) => u.roles.includes('submitter')) ?? org?.users.find((u) => u.roles.length > 0);
  if (!reader) return undefined;
  let read: OwnLegReader | undefined;
  return async (legs) => {
    read ??= ownLegReader(c.gateway, await c.identity(reader.id));
    return read(legs);
  };
}

/**
 * Starts one application node per institution of the consortium, each on its documented port on 127.0.0.1,
 * with its own wallet folder. All share the embedded ledger here; on the live network each institution runs its
 * own node against its own peer.
 */
export async function startInstitutionNodes(
  c: EmbeddedConsortium,
  options: {
    dataDir: string;
    host?: string;
    log?: (e: LogEntry) => void;
    portOffset?: number;
    env?: Readonly<Record<string, string | undefined>>;
  },
): Promise<RunningNode[]> {
  const host = options.host ?? '127.0.0.1';
  const nodes: RunningNode[] = [];
  try {
    for (const org of c.consortium.organisations) {
      const nodeDir = join(options.dataDir, 'nodes', org.mspId);
      // One index per node: its own PGlite, or its own schema when DATABASE_URL names a shared server.
      const env = options.env ?? process.env;
      const db: Database = await openDatabase(
        readDatabaseConfig(
          { ...env, DATABASE_SCHEMA: env.DATABASE_SCHEMA ?? `node_${org.mspId.toLowerCase()}` },
          nodeDir,
        ),
      );
      await migrate(db.pool);
      const index: { pool: typeof db.pool; indexer?: BlockIndexer } = { pool: db.pool };
      const live = new LiveFeed();
      const app = createApp({
        index,
        live,
        mspId: org.mspId,
        gateway: c.gateway,
        enroller: embeddedEnroller(c, org.mspId),
        wallet: await FileWallet.open(join(nodeDir, 'wallet'), readWalletKeyConfig(env)),
        sessions: new SessionStore(() => Date.now()),
        ...(options.log ? { log: options.log } : {}),
      });
      const port = org.apiPort + (options.portOffset ?? 0);
      const { server, url } = await listen(app, port, host, org.mspId);
      nodes.push({
        mspId: org.mspId,
        url,
        database: db.description,
        async startIndexer() {
          if (!index.indexer) {
            // The embedded network's blocks name each transaction's signer: the index keeps it for auditors.
            index.indexer = await BlockIndexer.start({
              gateway: embeddedChangeStream(c),
              pool: db.pool,
              institution: org.mspId,
              ownLegs: embeddedOwnLegs(c, org.mspId),
            });
            live.attach(index.indexer);
          }
          return index.indexer;
        },
        async close() {
          // Live streams never end by themselves: end them first, or closing the server would wait for them.
          live.close();
          await closeServer(server);
          await index.indexer?.stop();
          await db.close();
        },
      });
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.close()));
    throw e;
  }
  return nodes;
}
