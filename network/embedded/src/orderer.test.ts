import { describe, expect, it } from 'vitest';
import { OrdererBusyError } from './errors';
import { Orderer, orderingLimits, type OrderingLimits } from './orderer';
import type { Envelope, SubmitResult } from './transaction';

/** A transaction as the orderer sees it: only its ID and its submitter's answer matter here. */
function envelope(txId: string): { tx: Envelope; outcome: Promise<SubmitResult> } {
  let resolve!: (r: SubmitResult) => void;
  let reject!: (e: Error) => void;
  const outcome = new Promise<SubmitResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  outcome.catch(() => undefined);
  return { tx: { txId, resolve, reject } as unknown as Envelope, outcome };
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * An orderer whose committer records each block and holds it until `release()` (this block) or `releaseAll()`
 * (every block from now on).
 */
function heldOrderer(limits: OrderingLimits) {
  const blocks: string[][] = [];
  let held = gate();
  let holding = true;
  const orderer = new Orderer(limits, async (batch) => {
    blocks.push(batch.map((tx) => tx.txId));
    if (holding) await held.opened;
    for (const tx of batch)
      tx.resolve({ txId: tx.txId, blockNumber: BigInt(blocks.length), result: Buffer.alloc(0) });
  });
  const release = () => {
    const was = held;
    held = gate();
    was.open();
  };
  const releaseAll = () => {
    holding = false;
    held.open();
  };
  return { orderer, blocks, release, releaseAll };
}

/** Broadcasts one transaction per ID, in order; their outcomes by ID. */
function broadcast<K extends string>(orderer: Orderer, ...ids: K[]): Record<K, Promise<SubmitResult>> {
  const outcomes = {} as Record<K, Promise<SubmitResult>>;
  for (const id of ids) {
    const { tx, outcome } = envelope(id);
    orderer.broadcast(tx);
    outcomes[id] = outcome;
  }
  return outcomes;
}

const ONE_AT_A_TIME: OrderingLimits = {
  maxTxPerBlock: 1,
  batchTimeoutMs: 1,
  queueTxMax: 1,
  queueWaitMsMax: 5_000,
};

describe('orderer', () => {
  it('cuts blocks of at most maxTxPerBlock, in arrival order', async () => {
    const limits = { ...ONE_AT_A_TIME, maxTxPerBlock: 2, queueTxMax: 8 };
    const { orderer, blocks, releaseAll } = heldOrderer(limits);
    releaseAll();
    await Promise.all(Object.values(broadcast(orderer, 'a', 'b', 'c', 'd', 'e')));
    expect(blocks.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const b of blocks) expect(b.length).toBeLessThanOrEqual(2);
    await orderer.stop();
  });

  it('holds a submit while the queue is full and takes it, in order, when a block is cut', async () => {
    const { orderer, blocks, release, releaseAll } = heldOrderer(ONE_AT_A_TIME);
    // t1 is cut at once and the committer holds it; t2 takes the queue's one place; t3 waits for room.
    const t = broadcast(orderer, 't1', 't2', 't3');
    await new Promise((r) => setTimeout(r, 20));
    expect(blocks).toEqual([['t1']]);
    release();
    await t.t1;
    releaseAll();
    await Promise.all([t.t2, t.t3]);
    expect(blocks).toEqual([['t1'], ['t2'], ['t3']]);
    await orderer.stop();
  });

  it('refuses a submit with a retryable OrdererBusyError when no room comes within queueWaitMsMax', async () => {
    const { orderer, releaseAll } = heldOrderer({ ...ONE_AT_A_TIME, queueWaitMsMax: 30 });
    const t = broadcast(orderer, 't1', 't2', 't3');
    const refusal = await t.t3.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(OrdererBusyError);
    expect((refusal as OrdererBusyError).txId).toBe('t3');
    expect((refusal as OrdererBusyError).waitedMs).toBeGreaterThanOrEqual(25);
    expect((refusal as Error).message).toMatch(/not ordered.*submit it again/);
    releaseAll();
    await Promise.all([t.t1, t.t2]);
    await orderer.stop();
  });

  it('refuses at once when as many submits as the queue holds are already waiting', async () => {
    const { orderer, releaseAll } = heldOrderer(ONE_AT_A_TIME);
    const t = broadcast(orderer, 't1', 't2', 't3', 't4');
    await expect(t.t4).rejects.toMatchObject({ name: 'OrdererBusyError', waitedMs: 0 });
    releaseAll();
    await Promise.all([t.t1, t.t2, t.t3]);
    await orderer.stop();
  });

  it('on stop, commits what is queued and refuses what waits for room', async () => {
    const { orderer, releaseAll } = heldOrderer(ONE_AT_A_TIME);
    const t = broadcast(orderer, 't1', 't2', 't3');
    const stopped = orderer.stop();
    await expect(t.t3).rejects.toThrow('EmbeddedNetwork is stopped');
    releaseAll();
    await stopped;
    await Promise.all([t.t1, t.t2]);
    await expect(broadcast(orderer, 'late').late).rejects.toThrow('EmbeddedNetwork is stopped');
  });

  it('names its bounds and checks them at start', () => {
    expect(orderingLimits(undefined, 1 << 20)).toEqual({
      maxTxPerBlock: 500,
      batchTimeoutMs: 2,
      queueTxMax: 2_000,
      queueWaitMsMax: 30_000,
    });
    expect(orderingLimits({ maxTxPerBlock: 10 }, 1 << 20).queueTxMax).toBe(40);
    expect(() => orderingLimits({ maxTxPerBlock: 10, queueTxMax: 9 }, 1 << 20)).toThrow(/queueTxMax/);
    expect(() => orderingLimits({ queueWaitMsMax: -1 }, 1 << 20)).toThrow(/queueWaitMsMax/);
  });
});
