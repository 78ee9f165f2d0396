import { createServer, type Server } from 'node:net';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { toErrorResponse } from '../http/errors';
import { createPool } from './pool';
import { isDatabaseUnavailable } from './unavailable';

// A database that is down answers 503 ("unavailable, retry"), never 500: the chaos run kills PostgreSQL under
// load and counts the answers (docs/RELIABILITY.md).
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

/** A TCP server that behaves as `onConnection` says; its port. */
async function fakeServer(onConnection: (socket: import('node:net').Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** What a pool's query on `port` throws. */
async function failureOn(port: number): Promise<unknown> {
  const pool = createPool(`postgres://u@127.0.0.1:${port}/db`, { schema: 'public' });
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await pool.end();
  }
}

describe('database unavailable', () => {
  it('a refused connection (server down) is unavailable, and answered 503', async () => {
    // A port that was free a moment ago: nothing listens on it now.
    const port = await fakeServer(() => undefined);
    await new Promise((done) => servers.pop()?.close(done));
    const e = await failureOn(port);
    expect(e).toBeDefined();
    expect(isDatabaseUnavailable(e)).toBe(true);
    expect(toErrorResponse(e, 'r1')).toMatchObject({
      status: 503,
      body: { error: { code: 'INDEX_UNAVAILABLE' } },
    });
  });

  it('a connection the server drops (killed mid-session) is unavailable', async () => {
    const port = await fakeServer((socket) => socket.destroy());
    const e = await failureOn(port);
    expect(String(e)).toMatch(/Connection terminated/);
    expect(isDatabaseUnavailable(e)).toBe(true);
    expect(toErrorResponse(e, 'r2').status).toBe(503);
  });

  it.each([
    ['57P01', true], // admin shutdown (fast shutdown, or a backend killed by the server)
    ['57P03', true], // the server is starting up (recovery after a crash)
    ['08006', true], // connection failure
    ['53300', true], // too many connections
    ['42601', false], // a syntax error is a bug: 500
    ['23505', false], // a unique violation is the caller's business
  ])('SQLSTATE %s unavailable: %s', (code, expected) => {
    const e = Object.assign(new pg.DatabaseError('x', 1, 'error'), { code });
    expect(isDatabaseUnavailable(e)).toBe(expected);
    expect(toErrorResponse(e, 'r3').status).toBe(expected ? 503 : 500);
  });

  it('looks through causes and aggregate errors, not arbitrary values', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(new AggregateError([refused]))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
