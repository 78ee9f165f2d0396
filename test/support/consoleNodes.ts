import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BlockIndexer } from '../../application/src/indexer/blockIndexer';
import type { LedgerConnection } from '../../application/src/ledger/connection';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import { startInstitutionNodes, type RunningNode } from '../../application/src/node/institutionNodes';

/** Every institution's node over one ledger, each with its index following the ledger from block 0. */
export type IndexedNodes = {
  nodes: RunningNode[];
  /** Each node's indexer, by MSP ID. */
  indexers: ReadonlyMap<string, BlockIndexer>;
  /** The node's base URL (the console and /v1), '' for an MSP ID without a node. */
  urlOf(mspId: string): string;
  /** Stops the nodes (not the ledger). */
  close(): Promise<void>;
};

/**
 * The nodes as `npm start` runs them, on loopback ports from `portOffset` (each suite its own, so suites may run
 * side by side), each with its own PGlite index in `dataDir` (an empty env: no DATABASE_URL, no TLS settings).
 */
export async function startIndexedNodes(
  ledger: LedgerConnection,
  options: { dataDir: string; portOffset: number },
): Promise<IndexedNodes> {
  const nodes = await startInstitutionNodes(ledger, {
    dataDir: options.dataDir,
    portOffset: options.portOffset,
    log: () => undefined,
    env: {},
  });
  const indexers = new Map<string, BlockIndexer>();
  for (const n of nodes) indexers.set(n.mspId, await n.startIndexer());
  return {
    nodes,
    indexers,
    urlOf: (mspId) => nodes.find((n) => n.mspId === mspId)?.url ?? '',
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
}

/** `IndexedNodes` on a fresh embedded ledger in a folder of their own, which `close` removes with the ledger. */
export type EmbeddedNodes = IndexedNodes & { dir: string; consortium: EmbeddedConsortium };

export async function startEmbeddedNodes(options: {
  /** The temporary folder's name prefix, e.g. 'tallystick-e2e-'. */
  dirPrefix: string;
  portOffset: number;
}): Promise<EmbeddedNodes> {
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix));
  let consortium: EmbeddedConsortium | undefined;
  try {
    consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
    const ledger = consortium;
    const nodes = await startIndexedNodes(consortium, { dataDir: dir, portOffset: options.portOffset });
    return {
      ...nodes,
      dir,
      consortium: ledger,
      close: async () => {
        await nodes.close();
        await ledger.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await consortium?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A value a suite's beforeAll sets: its tests fail with this message when beforeAll did not get that far. */
export function started<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('beforeAll did not finish');
  return v;
}
