import fs from 'node:fs';
import path from 'node:path';

import type { Worker } from 'node:worker_threads';

import { startWorkerModule } from '../workerThread';
import type { PgliteWorkerData, PgliteWorkerMessage } from './pgliteWorker';

/** A PGlite database served over the PostgreSQL wire protocol on 127.0.0.1, so `pg` talks to it unchanged. */
export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly dataDir: string | undefined;
  stop(): Promise<void>;
}

/** PGlite runs one backend; the wire server gives it to one connection at a time (see pgliteWire.ts). */
const SOCKET_CONNECTIONS_MAX = 32;

export class DataDirInUse extends Error {
  override readonly name = 'DataDirInUse';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no lock of its own: two processes on one data directory would corrupt it. A lock file holding the
 * owner's pid; a lock left by a process that is gone (a crash) is taken over.
 */
function takeLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'tallystick-index.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        fs.rmSync(lockPath, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner))
        throw new DataDirInUse(`the index database in ${dataDir} is in use by process ${owner}`);
      if (owner === process.pid)
        throw new DataDirInUse(`the index database in ${dataDir} is already open in this process`);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirInUse(`could not lock ${lockPath}`);
}

/** The first message of the worker: where it serves, or why it could not start. */
function started(worker: Worker): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => {
      reject(new Error(`the index database's thread exited (code ${code}) before it served`));
    };
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (m: PgliteWorkerMessage) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if ('ready' in m) resolve(m.ready);
      else reject(new Error('failed' in m ? m.failed : 'the index database stopped before it served'));
    });
  });
}

/**
 * Starts PGlite (persisted in `dataDir`, or in memory when it is undefined) in a thread of its own and serves it
 * on an ephemeral loopback port. `stop()` closes the server, then the database, then releases the lock.
 *
 * Its own thread: PostgreSQL's work (WASM) would otherwise run on the node's one JavaScript thread, between the
 * ledger's and the HTTP server's; every node of `npm start` has an index, and on the embedded network they all
 * share one process (`npm run bench:api`: the indexes took three quarters of that thread; docs/BENCHMARKS.md).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string | undefined;
}): Promise<EmbeddedPostgres> {
  const { dataDir } = options;
  let release: () => void = () => undefined;
  if (dataDir !== undefined) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    release = takeLock(dataDir);
  }
  // PGlite keeps its cluster in a sub-folder so the lock file sits beside, not inside, PostgreSQL's files.
  const data: PgliteWorkerData = {
    pgdata: dataDir === undefined ? undefined : path.join(dataDir, 'pgdata'),
    maxConnections: SOCKET_CONNECTIONS_MAX,
  };
  const worker = startWorkerModule(__dirname, 'pgliteWorker', data);
  let address: string;
  try {
    address = await started(worker);
  } catch (e) {
    await worker.terminate();
    release();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${address}/postgres`,
    dataDir,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        worker.once('message', (m: PgliteWorkerMessage) => {
          if ('stopped' in m && m.error !== undefined) reject(new Error(m.error));
          else resolve();
        });
        worker.postMessage('stop');
      }).finally(async () => {
        await worker.terminate();
        release();
      });
      return stopping;
    },
  };
}

/** Pool connections to the embedded database (it runs one backend: they take turns, whole exchanges at a time). */
export const EMBEDDED_POOL_MAX = 8;
