/**
 * A PostgreSQL server of the chaos run's own: Debian's binaries (/usr/lib/postgresql/<version>/bin), a cluster
 * made by `initdb` in a temporary folder, the postmaster started directly (as user `postgres` when the run is
 * root, PostgreSQL refuses root) so that its PID is known, on 127.0.0.1 only. `kill()` sends SIGKILL to the
 * postmaster and to each of its backends by PID, as a crash or the kernel's OOM killer would; `start()` starts
 * it again on the same folder (it replays its WAL: crash recovery).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The postmaster's PID now. */
  readonly pid: number;
  /** SIGKILL to the postmaster and its backends; resolves once every one of them is gone. */
  kill(): Promise<{ postmaster: number; backends: number[] }>;
  /** Starts the postmaster again on the same folder; resolves once it accepts connections (its start, in ms). */
  start(): Promise<number>;
  /** Fast shutdown, and the folder removed. */
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/** The user the server runs as: `postgres` when we are root, ourselves otherwise. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by its parent) holds nothing: count it as gone.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The PIDs whose parent is `pid` (the postmaster's backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces): state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export async function startPostgresServer(options: {
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === undefined)
    throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)');
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-chaos-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  execFileSync(
    join(bin, 'initdb'),
    ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'],
    {
      ...(user ?? {}),
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const server = new LocalPostgres(bin, user, dir, options.port, options.database ?? 'tallystick_chaos');
  await server.firstStart();
  options.log?.(`postgres: server ${server.pid} on 127.0.0.1:${options.port} in ${dir}`);
  return server;
}

/** The cluster in `dir` (made by initdb) and its postmaster, if one runs. */
class LocalPostgres implements PostgresServer {
  readonly url: string;
  private readonly data: string;
  private readonly logFile: string;
  private child: ChildProcess | undefined;
  // Never outlive the run: a run that dies leaves no server behind.
  private readonly onExit = () => {
    if (this.child?.pid !== undefined && alive(this.child.pid)) process.kill(this.child.pid, 'SIGQUIT');
  };

  constructor(
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
    readonly dir: string,
    readonly port: number,
    private readonly database: string,
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}/${database}`;
    this.data = join(dir, 'data');
    this.logFile = join(dir, 'server.log');
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Starts the new cluster's postmaster and creates the run's database. */
  async firstStart(): Promise<void> {
    process.on('exit', this.onExit);
    this.child = this.spawnPostmaster();
    await this.waitAccepting('postgres');
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${this.database}`);
    await admin.end();
  }

  async kill(): Promise<{ postmaster: number; backends: number[] }> {
    const postmaster = this.child?.pid ?? 0;
    const backends = childrenOf(postmaster);
    process.kill(postmaster, 'SIGKILL');
    for (const pid of backends) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    while (alive(postmaster) || backends.some(alive)) await sleep(10);
    return { postmaster, backends };
  }

  async start(): Promise<number> {
    const t0 = performance.now();
    this.child = this.spawnPostmaster();
    await this.waitAccepting(this.database);
    return performance.now() - t0;
  }

  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    const c = this.child;
    if (c?.pid !== undefined && alive(c.pid)) {
      const exited = new Promise((done) => c.once('exit', done));
      process.kill(c.pid, 'SIGINT');
      await Promise.race([exited, sleep(30_000)]);
      if (alive(c.pid)) process.kill(c.pid, 'SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawnPostmaster(): ChildProcess {
    const out = openSync(this.logFile, 'a');
    const c = spawn(
      join(this.bin, 'postgres'),
      ['-D', this.data, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1'],
      { ...(this.user ?? {}), cwd: this.dir, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    return c;
  }

  /** Resolves once `db` answers a query; fails if the postmaster exits first, or after 60 s. */
  private async waitAccepting(db: string): Promise<void> {
    const deadline = performance.now() + 60_000;
    for (;;) {
      const client = new pg.Client({
        connectionString: `postgres://postgres@127.0.0.1:${this.port}/${db}`,
        connectionTimeoutMillis: 2_000,
      });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (e) {
        if (this.child?.exitCode !== null || this.child.signalCode !== null)
          throw new Error(`PostgreSQL exited while starting; see ${this.logFile}`);
        if (performance.now() > deadline)
          throw new Error(
            `PostgreSQL not accepting connections within 60 s (${String(e)}); see ${this.logFile}`,
          );
        await sleep(100);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }
}
