/**
 * Fabric's peer holds a read lock on the state while it simulates and a write lock while it commits,
 * so a simulation sees one consistent state. Same here: simulations share the lock, the committer
 * takes it alone, and once the committer waits no new simulation starts (so commits cannot starve).
 * Taking the read lock is synchronous when nobody waits to commit, which is the hot path.
 */
export class StateLock {
  private readers = 0;
  private writer = false;
  private writerWaiting: (() => void) | undefined;
  private waitingReaders: (() => void)[] = [];

  /** Returns undefined when the lock was taken at once, else a promise resolved once taken. */
  acquireRead(): Promise<void> | undefined {
    if (!this.writer && this.writerWaiting === undefined) {
      this.readers++;
      return undefined;
    }
    return new Promise((resolve) => {
      this.waitingReaders.push(() => {
        this.readers++;
        resolve();
      });
    });
  }

  releaseRead(): void {
    this.readers--;
    if (this.readers === 0 && this.writerWaiting !== undefined) {
      const grant = this.writerWaiting;
      this.writerWaiting = undefined;
      this.writer = true;
      grant();
    }
  }

  /** Only the committer writes, so there is at most one waiting writer. */
  acquireWrite(): Promise<void> | undefined {
    if (this.writer || this.writerWaiting !== undefined) throw new Error('StateLock: a second writer');
    if (this.readers === 0) {
      this.writer = true;
      return undefined;
    }
    return new Promise((resolve) => {
      this.writerWaiting = resolve;
    });
  }

  releaseWrite(): void {
    this.writer = false;
    const readers = this.waitingReaders;
    this.waitingReaders = [];
    for (const grant of readers) grant();
  }
}
