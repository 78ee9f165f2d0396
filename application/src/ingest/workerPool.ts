import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';

import { startWorkerModule } from '../workerThread';
import type { LedgerLeg } from './compare';
import { StatementRejected } from './statementLine';
import type { FromWorker, ToWorker, WorkerJob } from './workerProtocol';

/**
 * CPU time one upload may use in its worker thread: parsing, comparing and building the report. Read from the
 * thread's own counters in /proc on Linux, so a busy machine does not count against an upload; elsewhere the busy
 * time of the worker's event loop stands in (waiting for bytes or legs is not counted either way). A
 * 1,000,000-line camt.053 (460 MB) takes about 30 s of CPU; over the budget the worker is terminated and the
 * upload refused.
 */
export const STATEMENT_CPU_MS_MAX = 120_000;
/** Wall-clock time one upload may take from its first byte to its report, slow senders included. */
export const STATEMENT_WALL_MS_MAX = 15 * 60_000;
/** The old-generation heap of a statement worker: what one upload can hold (a 1,000,000-line camt needs ~520). */
export const STATEMENT_HEAP_MIB_MAX = 1024;
/** Statement workers in one process (every node of `npm start` shares them): the uploads compared at once. */
export const STATEMENT_WORKERS_MAX = 2;
/** Chunks of an upload sent to its worker ahead of its parser (64 KiB each from a socket: about 1 MiB). */
const CHUNKS_AHEAD = 16;
/**
 * Ledger legs per message to the worker: cloning a million at once would hold this thread for a second or more;
 * in batches, other requests are served between them.
 */
const LEGS_PER_MESSAGE = 5_000;
/** How long an upload waits for a worker when all are busy, before it is answered 429. */
export const STATEMENT_QUEUE_MS_MAX = 60_000;
/** An idle worker is kept this long for the next upload, then ended. */
export const STATEMENT_WORKER_IDLE_MS = 60_000;

export type WorkRefusedReason = 'BUSY' | 'CPU_BUDGET' | 'WALL_BUDGET' | 'MEMORY' | 'ABORTED';

/** An upload the workers would not or could not finish; nothing of it was returned. */
export class StatementWorkRefused extends Error {
  override readonly name = 'StatementWorkRefused';
  constructor(
    readonly reason: WorkRefusedReason,
    message: string,
  ) {
    super(message);
  }
}

export interface StatementWorkersOptions {
  readonly cpuMsMax?: number;
  readonly wallMsMax?: number;
  readonly heapMiBMax?: number;
  readonly workersMax?: number;
  readonly idleMs?: number;
  readonly queueMs?: number;
}

/** What an upload reads: the request itself (a Node Readable) or, in tests and the CLI, any (async) iterable. */
export type UploadSource =
  Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> | Uint8Array | string;

interface Handle {
  readonly worker: Worker;
  /** Resolves with the thread's id where the platform gives one (Linux). */
  readonly ready: Promise<number | undefined>;
  idle?: NodeJS.Timeout;
}

const isReadable = (s: UploadSource): s is Readable =>
  typeof (s as Readable).pause === 'function' && typeof (s as Readable).on === 'function';

/** Pulls chunks one at a time; a Readable is read paused, chunk by chunk, and left to be drained after. */
function puller(source: UploadSource): { next: () => Promise<Uint8Array | null>; stop: () => void } {
  const asBytes = (c: Uint8Array | string): Uint8Array =>
    typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
  if (typeof source === 'string' || source instanceof Uint8Array) return puller([source]);
  if (!isReadable(source)) {
    const it =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<Uint8Array | string>)[Symbol.iterator]();
    return {
      next: async () => {
        const r = await it.next();
        return r.done ? null : asBytes(r.value);
      },
      stop: () => undefined,
    };
  }
  const queue: Uint8Array[] = [];
  let ended = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const onData = (d: Uint8Array | string) => {
    queue.push(asBytes(d));
    source.pause();
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (e: Error) => {
    failed = e;
    wake?.();
  };
  const onAborted = () => {
    onError(new Error('the upload was aborted'));
  };
  source.pause();
  source.on('data', onData);
  source.on('end', onEnd);
  source.on('error', onError);
  source.on('aborted', onAborted);
  return {
    next: async () => {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) return chunk;
        if (ended) return null;
        if (failed) throw failed;
        const arrived = new Promise<void>((resolve) => {
          wake = resolve;
        });
        source.resume();
        await arrived;
        wake = undefined;
      }
    },
    stop: () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('aborted', onAborted);
      // What the worker did not read is read and dropped, so the connection can answer and be reused.
      if (!ended && !failed) source.resume();
    },
  };
}

/**
 * CPU time (user and system) of a thread of this process so far, in ms, from /proc (Linux: clock ticks of
 * 10 ms); undefined where there is no such file.
 */
function threadCpuMs(tid: number | undefined): number | undefined {
  if (tid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** A worker's error as the upload's refusal when it ran out of its heap; any other error as it is. */
function outOfMemory(e: Error, heapMiBMax: number): Error {
  const oom =
    (e as Error & { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' || /memory limit/i.test(e.message);
  return oom
    ? new StatementWorkRefused(
        'MEMORY',
        `the statement needs more memory than STATEMENT_HEAP_MIB_MAX (${heapMiBMax} MiB) to compare; split it into smaller files`,
      )
    : e;
}

/**
 * Worker threads that parse and compare statements, so that no upload, however large or hostile, holds the
 * event loop every other request (and, under `npm start`, every other institution's node) runs on. Each upload
 * runs alone in one worker with a bounded heap and a time budget; one institution compares one upload at a time.
 */
export class StatementWorkers {
  private readonly options: Required<StatementWorkersOptions>;
  private readonly idle: Handle[] = [];
  private readonly waiting: ((h: Handle | undefined) => void)[] = [];
  private readonly busyKeys = new Set<string>();
  private count = 0;
  private closed = false;
  /** Jobs started, numbering each one. */
  private jobs = 0;

  constructor(options: StatementWorkersOptions = {}) {
    this.options = {
      cpuMsMax: options.cpuMsMax ?? STATEMENT_CPU_MS_MAX,
      wallMsMax: options.wallMsMax ?? STATEMENT_WALL_MS_MAX,
      heapMiBMax: options.heapMiBMax ?? STATEMENT_HEAP_MIB_MAX,
      workersMax: options.workersMax ?? STATEMENT_WORKERS_MAX,
      idleMs: options.idleMs ?? STATEMENT_WORKER_IDLE_MS,
      queueMs: options.queueMs ?? STATEMENT_QUEUE_MS_MAX,
    };
  }

  /** Worker threads alive (busy or idle). */
  get size(): number {
    return this.count;
  }

  /**
   * Parses `source` as `job.upload` in a worker, asks `ledger` for the institution's legs of the statement's
   * period, and returns the report. Throws `StatementRejected` for a statement refused as it is, and
   * `StatementWorkRefused` when the work itself was refused (`key` already has an upload running) or stopped
   * (over its time or memory budget, or the upload was aborted).
   */
  async compare(
    source: UploadSource,
    job: WorkerJob,
    ledger: LedgerOfPeriod,
    key: string,
  ): Promise<Record<string, unknown>> {
    if (this.busyKeys.has(key)) {
      throw new StatementWorkRefused(
        'BUSY',
        'another statement of this institution is being compared; send this one when it is done',
      );
    }
    this.busyKeys.add(key);
    try {
      const handle = await this.acquire();
      return await this.run(handle, source, job, ledger);
    } finally {
      this.busyKeys.delete(key);
    }
  }

  /** Ends every worker; uploads still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w(undefined);
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((h) => this.end(h)));
  }

  private async acquire(): Promise<Handle> {
    if (this.closed) throw new StatementWorkRefused('BUSY', 'the node is shutting down');
    const idle = this.idle.pop();
    if (idle) {
      clearTimeout(idle.idle);
      idle.worker.ref();
      return idle;
    }
    if (this.count < this.options.workersMax) return this.spawn();
    // Every worker is busy: wait for one, but not for ever (a worker may hold an upload for minutes).
    const handle = await new Promise<Handle | undefined | 'timeout'>((resolve) => {
      const waiter = (h: Handle | undefined) => {
        clearTimeout(timer);
        resolve(h);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve('timeout');
      }, this.options.queueMs);
      this.waiting.push(waiter);
    });
    if (handle === 'timeout') {
      throw new StatementWorkRefused(
        'BUSY',
        `every statement worker (STATEMENT_WORKERS_MAX ${this.options.workersMax}) was busy for STATEMENT_QUEUE_MS_MAX (${this.options.queueMs} ms); try again later`,
      );
    }
    if (!handle) throw new StatementWorkRefused('BUSY', 'the node is shutting down');
    handle.worker.ref();
    return handle;
  }

  private spawn(): Handle {
    const worker = startWorkerModule(
      __dirname,
      'statementWorker',
      {},
      {
        resourceLimits: { maxOldGenerationSizeMb: this.options.heapMiBMax },
      },
    );
    this.count++;
    worker.once('exit', () => {
      this.count--;
      const i = this.idle.findIndex((h) => h.worker === worker);
      if (i >= 0) this.idle.splice(i, 1);
      // A slot freed by a worker that ended: the next waiting upload gets a new one.
      const next = this.waiting.shift();
      if (next) next(this.spawn());
    });
    const ready = new Promise<number | undefined>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.t !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m.tid);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    // A worker that fails to start is reported by the upload that waits for it; no unhandled rejection.
    ready.catch(() => undefined);
    return { worker, ready };
  }

  private release(h: Handle): void {
    const next = this.waiting.shift();
    if (next) {
      next(h);
      return;
    }
    if (this.closed) {
      void this.end(h);
      return;
    }
    h.worker.unref();
    h.idle = setTimeout(() => {
      const i = this.idle.indexOf(h);
      if (i >= 0) this.idle.splice(i, 1);
      void this.end(h);
    }, this.options.idleMs);
    h.idle.unref();
    this.idle.push(h);
  }

  private async end(h: Handle): Promise<void> {
    clearTimeout(h.idle);
    await h.worker.terminate();
  }

  /** One upload in worker `h`: its exchange until the report or a refusal, then the worker reused or ended. */
  private async run(
    h: Handle,
    source: UploadSource,
    job: WorkerJob,
    ledger: LedgerOfPeriod,
  ): Promise<Record<string, unknown>> {
    const { worker } = h;
    const input = puller(source);
    const exchange = new UploadExchange(worker, ++this.jobs, input, ledger, this.options);
    let watchdog: NodeJS.Timeout | undefined;
    try {
      const tid = await h.ready.catch((e: unknown) => {
        throw outOfMemory(e instanceof Error ? e : new Error(String(e)), this.options.heapMiBMax);
      });
      exchange.listen();
      watchdog = exchange.watchBudgets(tid);
      worker.postMessage({ t: 'start', id: exchange.id, job } satisfies ToWorker);
      void exchange.pump();
      return await exchange.outcome;
    } finally {
      clearInterval(watchdog);
      input.stop();
      exchange.unlisten();
      if (exchange.reusable) this.release(h);
      else await worker.terminate();
    }
  }
}

/** The institution's ledger legs of a statement's period, as the worker asks for them. */
type LedgerOfPeriod = (period: { from: string; to: string }) => Promise<LedgerLeg[]>;

/**
 * One upload's exchange with the worker comparing it: its bytes sent as the worker takes them (a window of
 * CHUNKS_AHEAD chunks, one more for each it takes), the ledger's legs sent when it names the period, its CPU and
 * wall-clock budgets watched, and one outcome (the first to come: the report, a refusal, or the worker's failure).
 */
class UploadExchange {
  /** Whether the worker finished cleanly and may take the next upload. */
  reusable = false;
  readonly outcome: Promise<Record<string, unknown>>;
  private settled = false;
  private resolve: (report: Record<string, unknown>) => void = () => undefined;
  private reject: (e: Error) => void = () => undefined;
  /** Chunks the worker may still be sent. */
  private credit = CHUNKS_AHEAD;
  private pumping = false;
  private sentEnd = false;
  /** When the upload's run began (its worker perhaps still starting): the wall-clock budget counts from here. */
  private readonly started = performance.now();

  constructor(
    private readonly worker: Worker,
    readonly id: number,
    private readonly input: ReturnType<typeof puller>,
    private readonly ledger: LedgerOfPeriod,
    private readonly budgets: Required<StatementWorkersOptions>,
  ) {
    this.outcome = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  listen(): void {
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
  }

  unlisten(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
  }

  /** Sends chunks while the worker has credit for them, then the end. */
  async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.credit > 0 && !this.sentEnd && !this.settled) {
        this.credit--;
        const bytes = await this.input.next();
        if (bytes === null) {
          this.sentEnd = true;
          this.post({ t: 'end', id: this.id });
        } else {
          // Cloning a view would copy the whole buffer under it (a socket's pool, a file's bytes): the chunk's
          // own bytes are copied once and handed over.
          const own = new Uint8Array(bytes);
          this.post({ t: 'chunk', id: this.id, bytes: own }, [own.buffer]);
        }
      }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.fail(new StatementWorkRefused('ABORTED', `the upload stopped before its end: ${why}`));
    } finally {
      this.pumping = false;
    }
  }

  /** Stops the upload when its worker has used its CPU budget or the upload its wall-clock budget. */
  watchBudgets(tid: number | undefined): NodeJS.Timeout {
    const { cpuMsMax, wallMsMax } = this.budgets;
    const loopBefore = this.worker.performance.eventLoopUtilization();
    const cpuBefore = threadCpuMs(tid);
    return setInterval(
      () => {
        const cpuNow = threadCpuMs(tid);
        const busyMs =
          cpuNow !== undefined && cpuBefore !== undefined
            ? cpuNow - cpuBefore
            : this.worker.performance.eventLoopUtilization(loopBefore).active;
        if (busyMs > cpuMsMax) {
          this.fail(
            new StatementWorkRefused(
              'CPU_BUDGET',
              `comparing the statement took more than STATEMENT_CPU_MS_MAX (${cpuMsMax} ms) of processing; it was stopped. Split it into smaller files`,
            ),
          );
        } else if (performance.now() - this.started > wallMsMax) {
          this.fail(
            new StatementWorkRefused(
              'WALL_BUDGET',
              `the upload took longer than STATEMENT_WALL_MS_MAX (${wallMsMax} ms) from its first byte; it was stopped`,
            ),
          );
        }
      },
      Math.min(100, Math.max(10, Math.floor(cpuMsMax / 4))),
    );
  }

  private readonly onMessage = (m: FromWorker): void => {
    switch (m.t) {
      case 'ready':
        return;
      case 'pull':
        this.credit++;
        void this.pump();
        return;
      case 'period':
        this.sendLedger({ from: m.from, to: m.to }).catch((e: unknown) => {
          this.fail(e instanceof Error ? e : new Error(String(e)));
        });
        return;
      case 'done':
        this.settle(m.report, undefined, true);
        return;
      case 'rejected':
        this.settle(undefined, new StatementRejected(m.code, m.at, m.detail), true);
        return;
      case 'error':
        this.fail(new Error(`statement worker: ${m.message}`));
        return;
    }
  };

  private readonly onError = (e: Error): void => {
    this.fail(outOfMemory(e, this.budgets.heapMiBMax));
  };

  private readonly onExit = (code: number): void => {
    this.fail(new Error(`the statement worker ended (code ${code})`));
  };

  /** The period's legs in messages of LEGS_PER_MESSAGE, other work served between them; always one message. */
  private async sendLedger(period: { from: string; to: string }): Promise<void> {
    const legs = await this.ledger(period);
    for (let i = 0; i < legs.length || i === 0; i += LEGS_PER_MESSAGE) {
      const last = i + LEGS_PER_MESSAGE >= legs.length;
      this.post({ t: 'ledger', id: this.id, legs: legs.slice(i, i + LEGS_PER_MESSAGE), last });
      if (!last) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.settled) this.worker.postMessage(m, transfer);
  }

  /** The upload's failure, after which the worker is not reused. */
  private fail(e: Error): void {
    this.settle(undefined, e, false);
  }

  private settle(
    report: Record<string, unknown> | undefined,
    error: Error | undefined,
    reuse: boolean,
  ): void {
    if (this.settled) return;
    this.settled = true;
    this.reusable = reuse;
    if (error !== undefined) this.reject(error);
    else this.resolve(report ?? {});
  }
}

/** The process's statement workers, shared by every node it serves. */
export const statementWorkers = new StatementWorkers();
