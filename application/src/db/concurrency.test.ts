import net from 'node:net';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddedPostgres, type EmbeddedPostgres } from './embeddedPostgres';
import { inTransaction, type Database } from './pool';
import { openTestDatabase, testDatabaseKinds } from '../../../test/support/testDatabase';

// Many connections at once through one pool, on the embedded PGlite and (with DATABASE_URL) a real PostgreSQL:
// extended-protocol queries of different shapes, transactions that write, reads, all interleaved. An earlier
// embedded path queued each connection's protocol messages one by one onto PGlite's single backend, so one
// connection's Bind met another's Parse ("bind message supplies 3 parameters, but prepared statement requires
// 4") and the index lost writes. Each round must finish with every write in and no error.

describe.each(testDatabaseKinds())('the index database under concurrent load (%s)', (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase('concurrency', kind);
    await db.pool.query('CREATE TABLE load (id int PRIMARY KEY, round int NOT NULL, note text NOT NULL)');
  });
  afterAll(async () => {
    await db.close();
  });

  it('serves interleaved writers and readers with every write kept and no error, round after round', async () => {
    const ROUNDS = 5;
    const PER_ROUND = 120;
    const errors: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const work = Array.from({ length: PER_ROUND }, (_, i) => {
        const id = round * PER_ROUND + i;
        const job = (): Promise<unknown> => {
          switch (i % 4) {
            case 0:
              // A writer: two statements of different shapes in one transaction.
              return inTransaction(db.pool, async (c) => {
                await c.query('INSERT INTO load (id, round, note) VALUES ($1, $2, $3)', [
                  id,
                  round,
                  `n${id}`,
                ]);
                const r = await c.query<{ n: number }>(
                  'SELECT count(*)::int AS n FROM load WHERE round = $1 AND id <= $2',
                  [round, id],
                );
                if ((r.rows[0]?.n ?? 0) < 1)
                  throw new Error(`own write ${id} not visible in its transaction`);
              });
            case 1:
              return db.pool.query('SELECT $1::int + $2::int + $3::int AS s', [1, 2, id]);
            case 2:
              return db.pool.query('SELECT $1::text || $2::text || $3::text || $4::text AS s', [
                'a',
                'b',
                'c',
                'd',
              ]);
            default:
              return db.pool.query('INSERT INTO load (id, round, note) VALUES ($1, $2, $3)', [
                id,
                round,
                'plain',
              ]);
          }
        };
        return job().catch((e: unknown) => {
          errors.push(e instanceof Error ? e.message : String(e));
        });
      });
      await Promise.all(work);
      expect(errors, `round ${round}`).toEqual([]);
      const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM load WHERE round = $1', [
        round,
      ]);
      expect(r.rows[0]?.n, `round ${round}`).toBe(PER_ROUND / 2);
    }
  });

  it('rolls back a transaction whose connection died, and the others carry on', async () => {
    const client = await db.pool.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO load (id, round, note) VALUES ($1, $2, $3)', [1_000_000, -1, 'doomed']);
    // The connection goes away mid-transaction, as a killed process's would.
    (client as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
    client.release(new Error('gone'));
    const others = await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.pool.query<{ s: number }>('SELECT $1::int AS s', [i])),
    );
    expect(others.map((r) => r.rows[0]?.s)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const doomed = await db.pool.query('SELECT 1 FROM load WHERE id = 1000000');
    expect(doomed.rows).toEqual([]);
  });
});

describe('the embedded database wire server', () => {
  let embedded: EmbeddedPostgres;
  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({ dataDir: undefined });
  });
  afterAll(async () => {
    await embedded.stop();
  });

  it('ends the open exchange of a connection cut between Parse and Sync, so the next one is not swallowed', async () => {
    const [host, port] = embedded.url.replace('postgres://postgres@', '').replace('/postgres', '').split(':');
    // A raw client: startup, then a Parse with a syntax error and no Sync, then gone. The backend is left
    // skipping messages until a Sync; without one sent on its behalf the next connection's query would vanish.
    const raw = net.connect(Number(port), host);
    await new Promise<void>((resolve) => raw.once('connect', resolve));
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0', 'utf8');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    raw.write(Buffer.concat([startup, params]));
    await new Promise<void>((resolve) =>
      raw.once('data', () => {
        resolve();
      }),
    );
    const sql = Buffer.from('\0SELEC nonsense\0\0\0', 'utf8');
    const parse = Buffer.alloc(5);
    parse.write('P', 0, 'latin1');
    parse.writeInt32BE(4 + sql.length, 1);
    raw.write(Buffer.concat([parse, sql]));
    await new Promise((r) => setTimeout(r, 50));
    raw.destroy();

    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    try {
      const r = await client.query<{ s: number }>('SELECT $1::int + 1 AS s', [41]);
      expect(r.rows[0]?.s).toBe(42);
    } finally {
      await client.end();
    }
  });

  it('answers a connection over the limit with a PostgreSQL error, not a hang', async () => {
    const clients: pg.Client[] = [];
    try {
      let refused: unknown;
      for (let i = 0; i < 40 && refused === undefined; i++) {
        const c = new pg.Client({ connectionString: embedded.url });
        try {
          await c.connect();
          clients.push(c);
        } catch (e) {
          refused = e;
        }
      }
      expect(String(refused)).toMatch(/too many connections/);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
