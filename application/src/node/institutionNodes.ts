import { join } from 'node:path';

import { openNodeBlacklist } from '../blacklist/nodeBlacklist';
import { AlertFollower } from '../blacklistAlerts/follower';
import { readDatabaseConfig } from '../db/config';
import { migrate } from '../db/migrate';
import { openDatabase, type Database } from '../db/pool';
import { createApp, type LogEntry } from '../http/createApp';
import { closeServer, listen } from '../http/listen';
import { LiveFeed } from '../http/live';
import { readNodeTlsConfig, type NodeTls } from '../http/mutualTls';
import { BlockIndexer } from '../indexer/blockIndexer';
import { ownLegReader, type OwnLegReader } from '../indexer/ownLegs';
import type { ReceivablesIndexer } from '../indexer/receivablesIndexer';
import { startReceivablesIndexing } from '../receivables/receivablesIndexing';
import { directoryOf } from '../identity/directory';
import { SessionStore } from '../identity/sessions';
import { FileWallet } from '../identity/wallet';
import { readWalletKeyConfig } from '../identity/walletKey';
import { nodeReaderOf, type LedgerConnection } from '../ledger/connection';
import type { LedgerGateway } from '../ledger/ledgerGateway';
import type { EmbeddedConsortium } from '../ledger/embeddedLedger';
import type { FabricLedger } from '../ledger/fabricLedger';
import { postingWithNotices, startNodeNotices } from '../notices/nodeNoticesStart';
import type { ConsortiumOrganisation } from '../ledger/consortium';
import { fabricCaCertificate, localPartyNodes, readPartyNodesFile } from '../attachments/directory';
import type { PartyNodeDirectory } from '../attachments/partyFetch';

export interface RunningNode {
  readonly mspId: string;
  readonly url: string;
  /** Where the node's off-chain index lives (embedded PGlite or a PostgreSQL schema). */
  readonly database: string;
  /**
   * The ledger as the node posts to it: with the node's notices for the other parties of each new case (the
   * institution's systems post through it, so every party's node learns the references of its cases).
   */
  readonly gateway: LedgerGateway;
  /** Starts following the ledger into the index (from its checkpoint). */
  startIndexer(): Promise<BlockIndexer>;
  close(): Promise<void>;
}

/**
 * How a node reads its institution's own legs back from the ledger: as the identity it reads the ledger with
 * (`nodeReaderOf`); the chaincode reads only the signer's own private collection.
 */
export function ownLegsOf(c: LedgerConnection, mspId: string): OwnLegReader | undefined {
  const reader = nodeReaderOf(c, mspId);
  if (reader === undefined) return undefined;
  let read: OwnLegReader | undefined;
  return async (legs) => {
    read ??= ownLegReader(c.gateway, await c.identity(reader));
    return read(legs);
  };
}

/** How the nodes are started; only `dataDir` is required. */
export interface InstitutionNodesOptions {
  dataDir: string;
  host?: string;
  log?: (e: LogEntry) => void;
  portOffset?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Each node's HTTPS and client-certificate configuration; by default read from the environment
   * (TALLYSTICK_TLS_*: http/mutualTls.ts, docs/API.md), plain HTTP when none is set.
   */
  tls?: (mspId: string) => NodeTls | undefined;
  /**
   * Where the embedded demo keeps each institution's blacklist key file when TALLYSTICK_BLACKLIST_KEY_FILES is not
   * set: `<folder>/<MSP>/`, outside every node's own data directory (`<dataDir>/nodes/<MSP>`); default
   * `<dataDir>/blacklist-keys`. Not used on live Fabric, whose nodes need configured key files for the blacklist.
   */
  blacklistDemoKeyDir?: string;
}

/**
 * Starts one application node per institution of the consortium, each on its documented port on 127.0.0.1,
 * with its own wallet folder and index, whichever ledger the connection reaches: on the embedded network all
 * share the one in-process ledger; on Fabric each reads blocks through its own institution's peer and
 * identity, and its people enrol at their institution's fabric-ca.
 */
export async function startInstitutionNodes(
  c: LedgerConnection,
  options: InstitutionNodesOptions,
): Promise<RunningNode[]> {
  const nodes: RunningNode[] = [];
  // Read for every node before any starts: a bad value stops start-up naming it, with nothing to undo.
  const tlsOf = new Map(
    c.consortium.organisations.map((o) => [
      o.mspId,
      options.tls ? options.tls(o.mspId) : readNodeTlsConfig(options.env ?? process.env, o.mspId),
    ]),
  );
  const partyNodes = partyNodesOf(c, options, (mspId) => tlsOf.get(mspId) !== undefined);
  try {
    for (const org of c.consortium.organisations) {
      nodes.push(await startNode(c, org, options, tlsOf.get(org.mspId), partyNodes));
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.close()));
    throw e;
  }
  return nodes;
}

/**
 * Where a node fetches the files other parties attached to breaks, and whose people may fetch its own: the file
 * TALLYSTICK_PARTY_NODES_FILE when set, else the nodes started here with their institutions' CA certificates
 * (the embedded network's CAs, or those a live network's launcher wrote in its run folder).
 */
function partyNodesOf(
  c: LedgerConnection,
  options: InstitutionNodesOptions,
  https: (mspId: string) => boolean,
): PartyNodeDirectory | undefined {
  const configured = readPartyNodesFile(options.env ?? process.env);
  if (configured !== undefined) return configured;
  const caOf = (mspId: string): string | undefined => {
    if ('network' in c) return (c as EmbeddedConsortium).network.ca(mspId).certificatePem;
    if ('runDir' in c) return fabricCaCertificate((c as FabricLedger).runDir, mspId);
    return undefined;
  };
  return localPartyNodes(
    c.consortium.organisations,
    { host: options.host ?? '127.0.0.1', portOffset: options.portOffset ?? 0, https },
    caOf,
  );
}

/** One institution's node: its index, its HTTP server, and an indexer started on demand. */
async function startNode(
  c: LedgerConnection,
  org: ConsortiumOrganisation,
  options: InstitutionNodesOptions,
  tls: NodeTls | undefined,
  partyNodes: PartyNodeDirectory | undefined,
): Promise<RunningNode> {
  const nodeDir = join(options.dataDir, 'nodes', org.mspId);
  const env = options.env ?? process.env;
  const db = await openNodeIndex(env, nodeDir, org.mspId);
  const index: { pool: typeof db.pool; indexer?: BlockIndexer } = { pool: db.pool };
  let alerts: AlertFollower | undefined;
  let receivables: ReceivablesIndexer | undefined;
  const live = new LiveFeed();
  // The institution's notice key, registered in the directory: the others' nodes address notices of new cases to
  // it, and its posts carry notices for theirs (application/src/notices, docs/RECONCILIATION.md).
  const notices = await startNodeNotices(c, org.mspId, {
    env,
    nodeDir,
    ...(options.log ? { log: (msg: string) => options.log?.({ level: 'warn', msg }) } : {}),
  });
  // Configured key files are refused anywhere in the data directory. The demo's keys live beside the nodes' own
  // folders (refused inside those), so that the demo's ledger and its key are made and removed together.
  const blacklist = await openNodeBlacklist(c.gateway, {
    mspId: org.mspId,
    env,
    dataDir: options.dataDir,
    nodeDir,
    ...(c.backend === 'embedded'
      ? { demoKeyDir: options.blacklistDemoKeyDir ?? join(options.dataDir, 'blacklist-keys') }
      : {}),
  });
  const posting = notices ? postingWithNotices(c.gateway, notices.notices) : c.gateway;
  const app = createApp({
    ...(blacklist ? { blacklist } : {}),
    index,
    live,
    mspId: org.mspId,
    institutionName: org.name,
    gateway: posting,
    enroller: c.enroller(org.mspId),
    people: directoryOf(org),
    wallet: await FileWallet.open(join(nodeDir, 'wallet'), readWalletKeyConfig(env)),
    sessions: new SessionStore(() => Date.now()),
    ...(options.log ? { log: options.log } : {}),
    ...(tls ? { mutualTls: { systemPasswordLogins: tls.systemPasswordLogins } } : {}),
    ...(partyNodes ? { partyNodes } : {}),
  });
  const port = org.apiPort + (options.portOffset ?? 0);
  const { server, url } = await listen(app, port, options.host ?? '127.0.0.1', org.mspId, tls);
  return {
    mspId: org.mspId,
    url,
    database: db.description,
    gateway: posting,
    async startIndexer() {
      if (!index.indexer) {
        // Blocks name each transaction's signer: the index keeps it for auditors.
        const ownLegs = ownLegsOf(c, org.mspId);
        index.indexer = await BlockIndexer.start({
          gateway: c.changes(org.mspId),
          pool: db.pool,
          institution: org.mspId,
          ...(ownLegs ? { ownLegs } : {}),
          ...(notices ? { caseNotices: notices.notices } : {}),
        });
        live.attach(index.indexer);
        // Receivables' records (issue 20), from the same blocks, for the bank's enterprises and financiers.
        receivables = await startReceivablesIndexing(c, org.mspId, db.pool, {
          ...(options.log ? { log: (msg: string) => options.log?.({ level: 'warn', msg }) } : {}),
        });
        // The blacklist watchlist's alerts (issue 19 item 5), from the same blocks, on the same live stream.
        if (blacklist)
          alerts = await AlertFollower.start({
            source: c.changes(org.mspId),
            pool: db.pool,
            institution: org.mspId,
            onAlert: (a) => {
              live.send(org.mspId, 'blacklist-alert', a);
            },
            ...(options.log ? { log: (msg: string) => options.log?.({ level: 'warn', msg }) } : {}),
          });
      }
      return index.indexer;
    },
    async close() {
      // Live streams never end by themselves: end them first, or closing the server would wait for them.
      live.close();
      notices?.close();
      await closeServer(server);
      await index.indexer?.stop();
      await alerts?.stop();
      await receivables?.stop();
      await db.close();
    },
  };
}

/** One index per node, migrated: its own PGlite, or its own schema when DATABASE_URL names a shared server. */
async function openNodeIndex(
  env: Readonly<Record<string, string | undefined>>,
  nodeDir: string,
  mspId: string,
): Promise<Database> {
  const db = await openDatabase(
    readDatabaseConfig(
      { ...env, DATABASE_SCHEMA: env.DATABASE_SCHEMA ?? `node_${mspId.toLowerCase()}` },
      nodeDir,
    ),
  );
  await migrate(db.pool);
  return db;
}
