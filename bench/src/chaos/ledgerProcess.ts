/**
 * The chaos run's ledger process: the embedded network and one application node per institution (HTTP API and
 * index), in a child process of its own so that the run can kill it with SIGKILL in the middle of the load and
 * start it again on the same data. It talks to the run over the IPC channel `fork` opens:
 *
 * - sends `{ type: 'ready', height, startMs, notices }` once every node serves and indexes;
 * - answers `{ type: 'audit' }` with every leg the ledger's valid transactions wrote, read back from the block
 *   file (`legs`: `mspId:legId` → how many transactions posted it), after waiting until each node's index holds
 *   the last such transaction;
 * - answers `{ type: 'stop' }` by stopping cleanly and exiting 0;
 * - on `{ type: 'arm', step }` kills itself (SIGKILL) at that step of the next block's commit: in the middle
 *   of a block, at a point no outside timing could hit reliably.
 *
 * `CHAOS_LEDGER` (JSON) configures it: `{ dataDir, portOffset }`.
 */
import '../../../application/src/cli/quiet';

import {
  changesOf,
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../../application/src/ledger/embeddedLedger';
import { startInstitutionNodes, type RunningNode } from '../../../application/src/node/institutionNodes';
import type { BlockIndexer } from '../../../application/src/indexer/blockIndexer';
import { setCommitStepHook, type CommitStep } from '../../../network/embedded/src/index';

export interface LedgerProcessConfig {
  readonly dataDir: string;
  readonly portOffset: number;
}

export type LedgerProcessMessage =
  | {
      readonly type: 'ready';
      readonly height: string;
      readonly startMs: number;
      readonly urls: Record<string, string>;
      /** What the network said while opening its files (a torn tail dropped, blocks kept, ...). */
      readonly notices: readonly string[];
    }
  | {
      readonly type: 'audit';
      readonly height: string;
      readonly legs: Record<string, number>;
      readonly indexedTo: Record<string, string>;
    }
  | { readonly type: 'error'; readonly message: string };

export type LedgerProcessCommand =
  | { readonly type: 'audit' }
  | { readonly type: 'stop' }
  | { readonly type: 'arm'; readonly step: CommitStep };

function send(message: LedgerProcessMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CHAOS_LEDGER ?? '') as LedgerProcessConfig;
  const t0 = performance.now();
  const { c, notices } = await openLedger(config.dataDir);
  const nodes: RunningNode[] = await startInstitutionNodes(c, {
    dataDir: config.dataDir,
    portOffset: config.portOffset,
    log: (e) => {
      if (e.level === 'error') console.error(JSON.stringify(e));
    },
  });
  const indexers = new Map<string, BlockIndexer>();
  for (const n of nodes) indexers.set(n.mspId, await n.startIndexer());
  send({
    type: 'ready',
    height: String(c.network.height()),
    startMs: performance.now() - t0,
    urls: Object.fromEntries(nodes.map((n) => [n.mspId, n.url])),
    notices,
  });
  obeyTheRun(c, nodes, indexers);
}

/** The embedded network on `dataDir`, and what it warned of while opening its files (kept for the run). */
async function openLedger(dataDir: string): Promise<{ c: EmbeddedConsortium; notices: string[] }> {
  const notices: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    notices.push(args.map(String).join(' '));
    warn(...args);
  };
  try {
    return { c: await startEmbeddedConsortium({ dataDir }), notices };
  } finally {
    console.warn = warn;
  }
}

/** Answers the run's commands (audit, stop, arm) until it stops this process or goes away. */
function obeyTheRun(
  c: EmbeddedConsortium,
  nodes: readonly RunningNode[],
  indexers: ReadonlyMap<string, BlockIndexer>,
): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(nodes.map((n) => n.close()));
    await c.close();
    process.exit(0);
  };
  process.on('message', (m: LedgerProcessCommand) => {
    if (m.type === 'arm') {
      setCommitStepHook((step) => {
        if (step === m.step) process.kill(process.pid, 'SIGKILL');
      });
      return;
    }
    const run = m.type === 'stop' ? stop() : audit(c, indexers);
    run.catch((e: unknown) => {
      send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    });
  });
  // The run went away (it was killed, or ended without stopping this process): nothing keeps it alive.
  process.on('disconnect', () => {
    void stop();
  });
}

/** Every leg the ledger's valid transactions wrote, sent once each node's index holds the last of them. */
async function audit(c: EmbeddedConsortium, indexers: ReadonlyMap<string, BlockIndexer>): Promise<void> {
  const height = c.network.height();
  const { legs, last } = await legsOnLedger(c, height);
  const indexedTo: Record<string, string> = {};
  for (const [mspId, indexer] of indexers) {
    if (last) await indexer.waitFor(last, 300_000);
    indexedTo[mspId] = String(indexer.checkpoint?.blockNumber ?? -1n);
  }
  send({ type: 'audit', height: String(height), legs, indexedTo });
}

/** The legs of blocks 1 to `height` - 1 (`mspId:legId` → how many transactions posted it), and the last transaction. */
async function legsOnLedger(
  c: EmbeddedConsortium,
  height: bigint,
): Promise<{ legs: Record<string, number>; last: { txId: string; blockNumber: bigint } | undefined }> {
  const legs: Record<string, number> = {};
  let last: { txId: string; blockNumber: bigint } | undefined;
  await new Promise<void>((resolve) => {
    if (height <= 1n) {
      resolve();
      return;
    }
    const off = c.network.onBlock(
      (block) => {
        for (const change of changesOf(block)) {
          for (const leg of change.legs) {
            const key = `${leg.mspId}:${leg.legId}`;
            legs[key] = (legs[key] ?? 0) + 1;
          }
          last = { txId: change.txId, blockNumber: change.blockNumber };
        }
        if (block.number === height - 1n) {
          off();
          resolve();
        }
      },
      { startBlock: 1n },
    );
  });
  return { legs, last };
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  console.error(e);
  process.exit(1);
});
