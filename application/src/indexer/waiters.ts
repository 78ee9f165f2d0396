/**
 * Callers waiting for a follower of the blocks (the indexer, the blacklist alert follower) to reach a point, each
 * with a deadline. `wait` adds one; `settle` resolves those whose point the follower has now reached. The timer
 * and the bookkeeping live here once; what a point is (a transaction, a block) is the follower's.
 */
export class Waiters<Point> {
  private readonly pending = new Set<{ readonly point: Point; readonly done: () => void }>();

  /** Resolves when `settle` finds `point` reached; rejects with `timeoutMessage()` after `timeoutMs`. */
  wait(point: Point, timeoutMs: number, timeoutMessage: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        point,
        done: () => {
          clearTimeout(timer);
          this.pending.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.pending.delete(waiter);
        reject(new Error(timeoutMessage()));
      }, timeoutMs);
      this.pending.add(waiter);
    });
  }

  /** The points still waited for. */
  points(): Point[] {
    return [...this.pending].map((w) => w.point);
  }

  /** Resolves every waiter whose point `reached` says the follower has reached. */
  settle(reached: (point: Point) => boolean): void {
    for (const w of [...this.pending]) if (reached(w.point)) w.done();
  }
}
