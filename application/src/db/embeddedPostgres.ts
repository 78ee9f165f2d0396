import fs from 'node:fs';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';

import { serveWire } from './pgliteWire';

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

/**
 * Starts PGlite (persisted in `dataDir`, or in memory when it is undefined) and serves it on an ephemeral
 * loopback port. `stop()` closes the server, then the database, then releases the lock.
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
  let db: PGlite | undefined;
  try {
    // PGlite keeps its cluster in a sub-folder so the lock file sits beside, not inside, PostgreSQL's files.
    db = await PGlite.create(dataDir === undefined ? {} : { dataDir: path.join(dataDir, 'pgdata') });
    const server = await serveWire(db, {
      host: '127.0.0.1',
      port: 0,
      maxConnections: SOCKET_CONNECTIONS_MAX,
    });
    const url = `postgres://postgres@${server.address}/postgres`;
    const opened = db;
    let stopped = false;
    return {
      url,
      dataDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.stop();
          await opened.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    await db?.close().catch(() => undefined);
    release();
    throw e;
  }
}

/** Pool connections to the embedded database (it runs one backend: they take turns, whole exchanges at a time). */
export const EMBEDDED_POOL_MAX = 8;
