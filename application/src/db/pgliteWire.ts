import net from 'node:net';

import type { PGlite } from '@electric-sql/pglite';

/**
 * Serves one PGlite database over the PostgreSQL wire protocol on a loopback port, so that `pg` talks to it
 * unchanged, with PostgreSQL's isolation between connections kept intact.
 *
 * PGlite is one backend: one session, one unnamed prepared statement, one unnamed portal, one transaction.
 * Several client connections share it safely only if each has the backend to itself from the first message of
 * an exchange until the backend is idle again: ReadyForQuery with status `I` (not in a transaction block), the
 * answer to a Sync or to a simple Query. Until then no other connection's message reaches the backend, so
 * connection A's Bind can never meet connection B's Parse (the interleaving that lost index rows when an earlier
 * multiplexer queued messages one by one). A connection that goes away while it holds the backend has its
 * exchange ended (Sync) and its transaction rolled back before the next one gets it.
 */
export interface WireServer {
  /** host:port */
  readonly address: string;
  /** Connections open now, and the longest wait for the backend so far (ms): for tests and metrics. */
  stats(): { connections: number; waiting: number; longestWaitMs: number };
  stop(): Promise<void>;
}

/** Protocol codes of the first, untyped message. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** A message longer than this is refused: PostgreSQL's own limit for most messages is 1 GB; ours are far smaller. */
const MESSAGE_BYTES_MAX = 256 * 1024 * 1024;

/** A FIFO lock: whoever asked first gets the backend next. */
class BackendLock {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

/** An ErrorResponse (FATAL, the given SQLSTATE) as the backend would send it. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from('SFATAL\0VFATAL\0', 'utf8'),
    Buffer.from(`C${code}\0M${message}\0\0`, 'utf8'),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4]);

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('Q', 0, 'latin1');
  head.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([head, text]);
}

/** The transaction status of the last ReadyForQuery in `tail` (the last 6 bytes of an answer), if it ends with one. */
function readyStatus(tail: Buffer): string | undefined {
  if (tail.length < 6) return undefined;
  const at = tail.length - 6;
  if (tail[at] !== 0x5a || tail.readInt32BE(at + 1) !== 5) return undefined;
  return String.fromCharCode(tail[at + 5] ?? 0);
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly pending: Buffer[] = [];
  private running = false;
  private holding = false;
  /** The backend's transaction status after the last answer that ended with ReadyForQuery. */
  private status = 'I';
  /** Whether messages went to the backend since its last ReadyForQuery (an exchange still open). */
  private midExchange = false;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly db: PGlite,
    private readonly lock: BackendLock,
    private readonly onWait: (ms: number) => void,
    private readonly onClosed: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    socket.on('error', () => {
      this.close();
    });
    socket.on('close', () => {
      this.close();
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const untyped = !this.started;
      const headBytes = untyped ? 4 : 5;
      if (this.buffer.length < headBytes) break;
      const length = untyped ? this.buffer.readInt32BE(0) : this.buffer.readInt32BE(1);
      if (length < 4 || length > MESSAGE_BYTES_MAX) {
        this.fail('08P01', `invalid message length ${length}`);
        return;
      }
      const total = untyped ? length : length + 1;
      if (this.buffer.length < total) break;
      const message = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      if (untyped) {
        const code = message.length >= 8 ? message.readInt32BE(4) : 0;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          // Not supported: the backend cannot be interrupted. The cancelling connection just ends.
          this.socket.end();
          this.close();
          return;
        }
        this.started = true;
      } else if (message[0] === 0x58) {
        // Terminate: the connection ends; whatever it left open is cleaned up in close().
        this.socket.end();
        this.close();
        return;
      }
      // Copy: the socket's chunk may be reused, and the message waits for the backend.
      this.pending.push(Buffer.from(message));
    }
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0 && !this.closed) {
        if (!this.holding) {
          const asked = Date.now();
          await this.lock.acquire();
          this.onWait(Date.now() - asked);
          this.holding = true;
          // It may have gone away while it waited: close() ran, cleanUp() below hands the backend on.
          if (this.isClosed()) break;
        }
        const message = this.pending.shift();
        if (!message) break;
        let tail = Buffer.alloc(0);
        this.midExchange = true;
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(message, {
            onRawData: (data: Uint8Array) => {
              if (data.length === 0) return;
              const bytes = Buffer.from(data);
              tail =
                bytes.length >= 6
                  ? bytes.subarray(bytes.length - 6)
                  : Buffer.concat([tail, bytes]).subarray(-6);
              if (!this.closed) this.socket.write(bytes);
            },
          }),
        );
        const status = readyStatus(tail);
        if (status !== undefined) {
          this.status = status;
          this.midExchange = false;
          // Idle between exchanges: another connection may have the backend now.
          if (status === 'I') this.releaseBackend();
        }
      }
    } catch (e) {
      this.fail('XX000', `embedded database failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
      if (this.closed) await this.cleanUp();
    }
  }

  /** A method, not the field: the compiler would take `closed` as unchanged across an await. */
  private isClosed(): boolean {
    return this.closed;
  }

  private releaseBackend(): void {
    if (!this.holding) return;
    this.holding = false;
    this.lock.release();
  }

  private fail(code: string, message: string): void {
    if (!this.closed && this.socket.writable) this.socket.end(errorResponse(code, message));
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.length = 0;
    this.socket.destroy();
    this.onClosed();
    if (!this.running) void this.cleanUp();
  }

  /** Gone while holding the backend: end its exchange and roll back its transaction, then hand the backend on. */
  private async cleanUp(): Promise<void> {
    if (!this.holding) return;
    try {
      if (this.midExchange || this.status !== 'I') {
        let status: string | undefined;
        const answer = await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC));
        status = readyStatus(Buffer.from(answer).subarray(-6));
        if (status !== 'I') {
          const rolledBack = await this.db.runExclusive(() =>
            this.db.execProtocolRaw(simpleQuery('ROLLBACK')),
          );
          status = readyStatus(Buffer.from(rolledBack).subarray(-6));
        }
        this.status = status ?? 'I';
      }
    } catch {
      // The backend itself failed; the next connection will see that in its own answer.
    } finally {
      this.releaseBackend();
    }
  }
}

/** Starts serving `db` on `host:port` (port 0: any free port), at most `maxConnections` at once. */
export async function serveWire(
  db: PGlite,
  options: { host: string; port: number; maxConnections: number },
): Promise<WireServer> {
  const lock = new BackendLock();
  const sockets = new Set<net.Socket>();
  let longestWaitMs = 0;
  /** Every socket accepted, refused ones too: stop() must end them all, or closing the server would wait. */
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    if (sockets.size >= options.maxConnections) {
      socket.on('error', () => undefined);
      socket.end(errorResponse('53300', `too many connections (at most ${options.maxConnections})`));
      return;
    }
    sockets.add(socket);
    new Connection(
      socket,
      db,
      lock,
      (ms) => {
        longestWaitMs = Math.max(longestWaitMs, ms);
      },
      () => sockets.delete(socket),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound !== 'object') throw new Error('embedded database: no address bound');
  return {
    address: `${options.host}:${bound.port}`,
    stats: () => ({ connections: sockets.size, waiting: lock.waiting, longestWaitMs }),
    async stop() {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      for (const s of open) s.destroy();
      await closed;
    },
  };
}
