import type { BlockIndexer } from '../indexer/blockIndexer';

/**
 * How long the indexes may stand still before the wait stops short of the height: the day's last blocks may hold
 * transactions that changed nothing (a sweep that flagged no case), which move no checkpoint. Longer before any
 * index has moved at all (an indexer's start).
 */
const INDEX_IDLE_MS = 1_500;
const INDEX_START_MS = 15_000;
/** Progress every 2 s on a terminal, every 10 s in a log. */
const PROGRESS_TTY_MS = 2_000;
const PROGRESS_LOG_MS = 10_000;

/**
 * Waits until every node's index holds the ledger up to `height` (blocks on the ledger; the last one's number is
 * height - 1), printing each node's progress: `npm start` serves the consoles only then. A ledger whose last
 * blocks carry no change for an index never moves its checkpoint there: the wait ends too when no index has
 * moved for INDEX_IDLE_MS.
 */
export async function indexesCaughtUp(
  indexers: readonly { mspId: string; indexer: Pick<BlockIndexer, 'checkpoint'> }[],
  height: bigint | undefined,
  out: { readonly tty: boolean; line(text: string): void; rewrite(text: string): void } = {
    tty: process.stdout.isTTY,
    line: (text) => {
      console.log(text);
    },
    rewrite: (text) => process.stdout.write(text),
  },
): Promise<void> {
  if (height === undefined || height === 0n) return;
  const last = height - 1n;
  const at = () => indexers.map((i) => i.indexer.checkpoint?.blockNumber ?? -1n);
  const line = (blocks: readonly bigint[]) =>
    `  indexing            ${indexers.map((x, k) => `${x.mspId} ${String((blocks[k] ?? -1n) + 1n)}/${String(height)}`).join(', ')} blocks`;
  let before = at();
  let moved = false;
  let movedAt = Date.now();
  let printedAt = Date.now();
  for (;;) {
    const now = at();
    if (now.every((b) => b >= last)) break;
    if (now.some((b, k) => b !== before[k])) {
      moved = true;
      movedAt = Date.now();
    }
    before = now;
    if (Date.now() - movedAt > (moved ? INDEX_IDLE_MS : INDEX_START_MS)) break;
    if (Date.now() - printedAt >= (out.tty ? PROGRESS_TTY_MS : PROGRESS_LOG_MS)) {
      if (out.tty) out.rewrite(`\r${line(now)}`);
      else out.line(line(now));
      printedAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (out.tty) out.rewrite('\r');
  out.line(line(at()));
}
