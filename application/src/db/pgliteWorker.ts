import { parentPort, workerData } from 'node:worker_threads';

import { PGlite } from '@electric-sql/pglite';

import { serveWire } from './pgliteWire';

/**
 * The embedded index database's own thread (started by embeddedPostgres.ts): PGlite and its wire server, so a
 * node's SQL runs beside the ledger and the HTTP server instead of on their thread. The node talks to it over
 * loopback as before. Messages: `{ ready: address }` or `{ failed: message }` once; `stop` in, `{ stopped }` out.
 */
export interface PgliteWorkerData {
  /** PGlite's cluster folder, or undefined for a database in memory. */
  readonly pgdata: string | undefined;
  readonly maxConnections: number;
}

export type PgliteWorkerMessage =
  | { readonly ready: string }
  | { readonly failed: string }
  | { readonly stopped: true; readonly error?: string };

if (!parentPort) throw new Error('pgliteWorker runs as a worker thread');
const port = parentPort;
const { pgdata, maxConnections } = workerData as PgliteWorkerData;
const send = (m: PgliteWorkerMessage) => {
  port.postMessage(m);
};

async function start(): Promise<void> {
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(pgdata === undefined ? {} : { dataDir: pgdata });
    const server = await serveWire(db, { host: '127.0.0.1', port: 0, maxConnections });
    const opened = db;
    port.once('message', () => {
      server
        .stop()
        .then(() => opened.close())
        .then(
          () => {
            send({ stopped: true });
          },
          (e: unknown) => {
            send({ stopped: true, error: e instanceof Error ? e.message : String(e) });
          },
        );
    });
    send({ ready: server.address });
  } catch (e) {
    await db?.close().catch(() => undefined);
    send({ failed: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

void start();
