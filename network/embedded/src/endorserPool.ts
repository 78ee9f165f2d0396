import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Identity } from './ca';
import type { CollectionConfig } from './channel';
import type { Endorsement, SimulationOutcome } from './peer';
import type { Policy } from './policy';
import type { PrivateWrites, TxRwSet, Value } from './rwset';
import type { JournalPart } from './state';

/** Where the worker finds the chaincode: a module and the name of its export listing the contract classes. */
export type WorkerChaincode = {
  module: string;
  exportName?: string;
  /**
   * Worker threads (default 1), each with every peer and a replica of the state; proposals go to the least
   * busy, or to the main thread's own peers when every worker is busier than it (see EmbeddedNetwork).
   */
  threads?: number;
};

export type EndorserInit = {
  dataDir: string;
  /** Blocks the worker replays from disk; later ones reach it as `apply` messages. */
  height: number;
  channel: string;
  organisations: string[];
  chaincode: {
    name: string;
    version: string;
    module: string;
    exportName: string;
    endorsementPolicy: Policy | undefined;
    collections: CollectionConfig[];
  };
  caCertificates: [string, string][];
  peers: [string, Identity][];
};

/** The main thread's shared slab chunks a worker has not attached yet: numbers `from`, `from + 1`, … */
export type NewChunks = { from: number; chunks: SharedArrayBuffer[] };

export type EndorserRequest =
  | { t: 'run'; id: number; org: string; bytes: Uint8Array; endorse: boolean }
  | { t: 'apply'; journal: JournalPart; txIds: string[]; chunks: NewChunks };

export type EndorserReply =
  | { id: number; kind: 'ok'; outcome: SimulationOutcome | Endorsement }
  | { id: number; kind: 'ready' }
  | { id: number; kind: 'rejected' | 'error'; message: string };

export class WorkerRejected extends Error {}

// Structured cloning turns Buffers into plain Uint8Arrays; the network's code expects Buffers.
const buf = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const value = (v: Value | null): Value | null => (v === null || typeof v === 'string' ? v : buf(v));

function reviveMetadata(rw: Pick<TxRwSet, 'metadataWrites' | 'collections'>): void {
  for (const [, entries] of rw.metadataWrites) for (const e of entries) e[1] = buf(e[1]);
  for (const c of rw.collections)
    for (const [, entries] of c.metadataWrites) for (const e of entries) e[1] = buf(e[1]);
}

function reviveRwSet(rw: TxRwSet): TxRwSet {
  for (const w of rw.writes) w[1] = value(w[1]);
  reviveMetadata(rw);
  return rw;
}

/** A journal as a worker receives it: its metadata entries' bytes as Buffers again. */
export function reviveJournal(part: JournalPart): JournalPart {
  for (const entries of part.metadata) for (const e of entries) e[1] = buf(e[1]);
  return part;
}

function revivePrivateWrites(pw: PrivateWrites): PrivateWrites {
  for (const c of pw) for (const w of c.writes) w[1] = value(w[1]);
  return pw;
}

function reviveOutcome(o: SimulationOutcome | Endorsement): SimulationOutcome | Endorsement {
  o.payload = buf(o.payload);
  if (o.event !== undefined) o.event = { name: o.event.name, payload: buf(o.event.payload) };
  reviveRwSet(o.rwset);
  revivePrivateWrites(o.privateWrites);
  if ('signature' in o) {
    o.signature = buf(o.signature);
    o.actionHash = buf(o.actionHash);
    o.actionBytes = buf(o.actionBytes);
  }
  return o;
}

// The worker's entry point: compiled JavaScript, or (under the test runner) TypeScript compiled on load, with
// the decorator metadata fabric-contract-api needs. TypeScript's own transpiler, not SWC's native addon: a
// native addon loaded by one worker thread and unloaded with it must not take the process down with the next.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) {
  const ts = require('typescript');
  const fs = require('node:fs');
  require.extensions['.ts'] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
    });
    module._compile(outputText, filename);
  };
}
require(workerData.entry);
`;

/**
 * The main thread's handle on the endorsing peers' worker thread: sends proposals and committed blocks, in
 * order, and matches replies to requests.
 */
export class EndorserPool {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (o: SimulationOutcome | Endorsement) => void; reject: (e: Error) => void; worker: number }
  >();
  /** Requests in flight per worker: a proposal goes to the least busy one. */
  private readonly load: number[];
  /** Proposals each worker has been sent. */
  readonly sent: number[] = [];
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
    for (const worker of workers) {
      worker.on('message', (m: EndorserReply) => {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        this.load[p.worker] = (this.load[p.worker] ?? 1) - 1;
        if (m.kind === 'ok') p.resolve(reviveOutcome(m.outcome));
        else if (m.kind === 'rejected') p.reject(new WorkerRejected(m.message));
        else if (m.kind === 'error') p.reject(new Error(m.message));
      });
      worker.on('error', (err) => {
        this.fail(err);
      });
      worker.on('exit', (code) => {
        this.fail(new Error(`an endorsing peers' worker thread exited (code ${code})`));
      });
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Starts `count` workers, each with every organisation's peer and its own replica of the state. */
  static async start(init: EndorserInit, count = 1): Promise<EndorserPool> {
    const entry = path.join(__dirname, `endorserWorker${path.extname(__filename)}`);
    const workers = Array.from(
      { length: count },
      () => new Worker(BOOTSTRAP, { eval: true, workerData: { entry, init } }),
    );
    const started = await Promise.allSettled(workers.map((w) => EndorserPool.ready(w)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason as Error;
    }
    return new EndorserPool(workers);
  }

  private static ready(worker: Worker): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onMessage = (m: EndorserReply) => {
        if (m.id !== 0) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (m.kind === 'ready') resolve();
        else
          reject(
            new Error(`the endorsing peers' worker thread did not start: ${'message' in m ? m.message : ''}`),
          );
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  /** Requests in flight on the least busy worker. */
  leastLoad(): number {
    return Math.min(...this.load);
  }

  /** Simulates (and with `endorse`, signs) a proposal on the peer of `org`. */
  run(org: string, bytes: Uint8Array, endorse: boolean): Promise<SimulationOutcome | Endorsement> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    let w = 0;
    for (let i = 1; i < this.load.length; i++) if ((this.load[i] ?? 0) < (this.load[w] ?? 0)) w = i;
    this.load[w] = (this.load[w] ?? 0) + 1;
    this.sent[w] = (this.sent[w] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      (this.workers[w] as Worker).postMessage({
        t: 'run',
        id,
        org,
        bytes,
        endorse,
      } satisfies EndorserRequest);
    });
  }

  /**
   * What a committed block changed (the main state's journal, WorldState.takeJournal) and every transaction ID
   * it carried, to every replica. Sent before the block's submitters hear back, so whatever they propose next
   * is simulated after it.
   */
  apply(journal: JournalPart, txIds: string[], chunks: NewChunks): void {
    if (this.failure !== undefined) return;
    const message = { t: 'apply', journal, txIds, chunks } satisfies EndorserRequest;
    // With one worker the journal's numbers are handed over, not copied.
    if (this.workers.length === 1)
      (this.workers[0] as Worker).postMessage(message, [journal.ops.buffer as ArrayBuffer]);
    else for (const w of this.workers) w.postMessage(message);
  }

  async stop(): Promise<void> {
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.fail(new Error('EmbeddedNetwork is stopped'));
  }
}
