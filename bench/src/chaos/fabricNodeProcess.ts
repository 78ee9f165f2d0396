/**
 * One institution's application node on the live Fabric network, in a process of its own, for the Fabric
 * chaos run's `kill-node` fault: its HTTP API, its wallet and sessions, and its index in embedded PGlite under
 * its data folder (the index dies with the process, as a node's in-process database does). The run kills it
 * with SIGKILL and starts it again on the same folder; the index resumes from its checkpoint. IPC, as the
 * embedded run's ledger process:
 *
 * - sends `{ type: 'ready', url, startMs, checkpoint }` once the node serves and its indexer follows the ledger;
 * - answers `{ type: 'catch-up', txId, blockNumber }` with `{ type: 'caught-up', checkpoint }` once the index holds
 *   that transaction;
 * - answers `{ type: 'stop' }` by closing the node and exiting 0.
 *
 * `CHAOS_FABRIC_NODE` (JSON) configures it: `{ mspId, dataDir, portOffset }`. The network is the one
 * `TALLYSTICK_FABRIC_RUN` names (`defaultFabricRunDir`).
 */
import '../../../application/src/cli/quiet';

import type { LedgerConnection } from '../../../application/src/ledger/connection';
import { loadConsortium } from '../../../application/src/ledger/consortium';
import { defaultFabricRunDir, openFabricLedger } from '../../../application/src/ledger/fabricLedger';
import { startInstitutionNodes } from '../../../application/src/node/institutionNodes';

export interface FabricNodeConfig {
  readonly mspId: string;
  readonly dataDir: string;
  readonly portOffset: number;
}

export type FabricNodeMessage =
  | { readonly type: 'ready'; readonly url: string; readonly startMs: number; readonly checkpoint: string }
  | { readonly type: 'caught-up'; readonly checkpoint: string }
  | { readonly type: 'error'; readonly message: string };

export type FabricNodeCommand =
  | { readonly type: 'catch-up'; readonly txId: string; readonly blockNumber: string }
  | { readonly type: 'stop' };

function send(message: FabricNodeMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CHAOS_FABRIC_NODE ?? '') as FabricNodeConfig;
  const t0 = performance.now();
  const consortium = loadConsortium();
  const org = consortium.organisations.find((o) => o.mspId === config.mspId);
  if (!org) throw new Error(`no organisation ${config.mspId} in the consortium`);
  const ledger = await openFabricLedger({ runDir: defaultFabricRunDir(), consortium });
  // This institution's node only (startInstitutionNodes starts one per organisation of the consortium).
  const mine: LedgerConnection = { ...ledger, consortium: { ...consortium, organisations: [org] } };
  // The index in the node's own PGlite, whatever the environment names.
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DATABASE_SCHEMA;
  const [node] = await startInstitutionNodes(mine, {
    dataDir: config.dataDir,
    portOffset: config.portOffset,
    env,
    log: (e) => {
      if (e.level === 'error') console.error(JSON.stringify(e));
    },
  });
  if (!node) throw new Error('no node started');
  const indexer = await node.startIndexer();
  send({
    type: 'ready',
    url: node.url,
    startMs: performance.now() - t0,
    checkpoint: String(indexer.checkpoint?.blockNumber ?? -1n),
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await node.close();
    await ledger.close();
    process.exit(0);
  };
  process.on('message', (m: FabricNodeCommand) => {
    const run =
      m.type === 'stop'
        ? stop()
        : indexer.waitFor({ txId: m.txId, blockNumber: BigInt(m.blockNumber) }, 600_000).then(() => {
            send({ type: 'caught-up', checkpoint: String(indexer.checkpoint?.blockNumber ?? -1n) });
          });
    run.catch((e: unknown) => {
      send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    });
  });
  // The run went away: nothing keeps this node alive.
  process.on('disconnect', () => {
    void stop();
  });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  console.error(e);
  process.exit(1);
});
