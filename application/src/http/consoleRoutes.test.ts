import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../test/support/legs';
import type { Database } from '../db/pool';
import { callJson } from '../../../test/support/sessions';
import { startTestIndex, testAppDeps } from '../../../test/support/testApp';
import { BlockIndexer } from '../indexer/blockIndexer';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import type { Committed, LegInput } from '../ledger/ledgerGateway';
import { createApp } from './createApp';
import { closeServer, listen } from './listen';
import { LiveFeed } from './live';
import { toCsv } from './provenance';

// The routes the console adds over the first slice: the live stream, the queue's sorts and searches, bulk
// assignment, saved views, colleagues and provenance with blocks and signers. One node per institution, each
// with its own index fed by the embedded network's blocks (which name each transaction's signer).

const dir = mkdtempSync(join(tmpdir(), 'tallystick-console-api-'));
let consortium: EmbeddedConsortium;
interface Node {
  url: string;
  server: Server;
  live: LiveFeed;
  db: Database;
  indexer: BlockIndexer;
}
const nodes = new Map<string, Node>();

async function startNode(mspId: string): Promise<Node> {
  const { db, indexer } = await startTestIndex(consortium, mspId, `console${mspId}`, consortium.changes());
  const live = new LiveFeed();
  live.attach(indexer);
  const app = createApp(
    await testAppDeps(consortium, mspId, dir, {
      index: { pool: db.pool, indexer },
      live,
      // Every test here logs its people in again, from one address: the login limits are not what it tests
      // (hardening.test.ts does), and the file running fast must not run into them.
      loginRateLimit: { perSec: 100, burst: 100 },
      loginClientRateLimit: { perSec: 100, burst: 100 },
    }),
  );
  const { server, url } = await listen(app, 0, '127.0.0.1');
  const node = {
    url,
    server,
    live,
    db,
    indexer,
  };
  nodes.set(mspId, node);
  return node;
}

const nodeOf = (mspId: string): Node => {
  const n = nodes.get(mspId);
  if (!n) throw new Error(`no node ${mspId}`);
  return n;
};

const call = (mspId: string, method: string, path: string, token?: string, payload?: unknown) =>
  callJson(nodeOf(mspId).url, method, path, token, payload);

async function login(mspId: string, enrollmentId: string): Promise<string> {
  const r = await call(mspId, 'POST', '/v1/sessions', undefined, {
    enrollmentId,
    secret: `${enrollmentId}-pw`,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.token as string;
}

async function indexed(c: Committed<unknown>): Promise<void> {
  for (const n of nodes.values()) await n.indexer.waitFor({ txId: c.txId, blockNumber: c.blockNumber });
}

/** Bank A's debit and Bank B's credit with another amount: an AMOUNT_MISMATCH break between the two banks. */
async function amountBreak(
  over: Partial<LegInput> = {},
  viaNode?: string,
  credit: Partial<LegInput> = { amountMinor: '5' },
) {
  const p = paymentLegs({
    route: [p0('BankAMSP', 'DEBTOR_AGENT'), p0('BankBMSP', 'CREDITOR_AGENT')],
    ...over,
  });
  await consortium.gateway.postLegs(await consortium.identity('banka-system'), [p.debit]);
  let last: Committed<unknown>;
  if (viaNode) {
    const r = await call('BankBMSP', 'POST', '/v1/legs', viaNode, { ...p.credit, ...credit });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    last = { txId: r.body.txId as string, blockNumber: BigInt(r.body.blockNumber as string), result: null };
  } else {
    last = await consortium.gateway.postLegs(await consortium.identity('bankb-system'), [
      { ...p.credit, ...credit },
    ]);
  }
  await indexed(last);
  return p;
}
const p0 = (mspId: string, role: 'DEBTOR_AGENT' | 'CREDITOR_AGENT') => ({ mspId, role });

type Item = {
  breakId: string;
  caseId: string;
  reason: string;
  status: string;
  openedAt: string;
  updatedAt: string;
};

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  for (const msp of ['BankAMSP', 'BankBMSP', 'PayCoMSP', 'AuditorMSP']) await startNode(msp);
});
afterAll(async () => {
  for (const n of nodes.values()) {
    n.live.close();
    await closeServer(n.server);
    await n.indexer.stop();
    await n.db.close();
  }
  await consortium.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads a server-sent event stream until `until` says enough, or fails after `timeoutMs`. */
async function readEvents(
  res: Response,
  until: (events: { event: string; data: unknown }[]) => boolean,
  timeoutMs = 5000,
): Promise<{ event: string; data: unknown }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such events in ${timeoutMs} ms: ${JSON.stringify(events)}`);
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          setTimeout(() => {
            reject(new Error('timed out'));
          }, left);
        }),
      ]);
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as unknown });
      }
    }
    return events;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

describe('console routes of a node', () => {
  it('streams a new break to its parties once its block is indexed, and nothing of it to others', async () => {
    const bruno = await login('BankBMSP', 'bruno');
    const pavel = await login('PayCoMSP', 'pavel');
    const open = async (mspId: string, token?: string) =>
      fetch(`${nodeOf(mspId).url}/v1/events`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await open('BankBMSP')).status).toBe(401);
    const stream = await open('BankBMSP', bruno);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const other = await open('PayCoMSP', pavel);
    const hello = await readEvents(stream, (e) => e.length >= 1);
    expect(hello[0]?.event).toBe('hello');

    const stream2 = await open('BankBMSP', bruno);
    const p = await amountBreak();
    const caseId = p.caseId;
    const events = await readEvents(stream2, (e) =>
      e.some((x) => x.event === 'indexed' && JSON.stringify(x.data).includes(caseId)),
    );
    const arrival = events.find((x) => x.event === 'indexed' && JSON.stringify(x.data).includes(caseId));
    expect(arrival?.data).toMatchObject({
      block: expect.stringMatching(/^\d+$/) as unknown,
      breaks: [{ caseId, reason: 'AMOUNT_MISMATCH', status: 'OPEN', action: 'OPEN' }],
    });
    // PayCo is no party: its stream says a block was indexed, with none of the banks' breaks.
    const theirs = await readEvents(other, (e) => e.filter((x) => x.event === 'indexed').length >= 2);
    expect(JSON.stringify(theirs)).not.toContain(caseId);

    // Logout ends the person's streams; closing the feed ends the rest (a node shuts down without waiting).
    const stream3 = await open('BankBMSP', bruno);
    await readEvents(stream3, (e) => e.length >= 1).catch(() => undefined);
    const before = nodeOf('BankBMSP').live.size;
    expect(before).toBeGreaterThanOrEqual(1);
    await call('BankBMSP', 'DELETE', '/v1/sessions/current', bruno);
    await expect.poll(() => nodeOf('BankBMSP').live.size).toBe(0);
    // Shutdown: closing the feed ends the open streams (the body finishes) and refuses new ones.
    const last = await open('PayCoMSP', pavel);
    await readEvents(last, (e) => e.length >= 1);
    const tail = await open('PayCoMSP', pavel);
    expect(nodeOf('PayCoMSP').live.size).toBeGreaterThanOrEqual(1);
    nodeOf('PayCoMSP').live.close();
    expect(nodeOf('PayCoMSP').live.size).toBe(0);
    const rest = await tail.text();
    expect(rest).toContain('event: hello');
    const refused = await open('PayCoMSP', pavel);
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([
      503,
      'INDEX_UNAVAILABLE',
    ]);
  });

  it('sorts the queue by age, update, reason and status in both orders, paging by cursor without gaps', async () => {
    for (let i = 0; i < 4; i++) await amountBreak();
    // a second reason: Bank B's credit in another currency
    await amountBreak({}, undefined, { currency: 'USD' });
    const bruno = await login('BankBMSP', 'bruno');
    const all = async (query: string) => {
      const items: Item[] = [];
      let cursor: string | null = null;
      do {
        const r = await call(
          'BankBMSP',
          'GET',
          `/v1/queue?limit=2&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          bruno,
        );
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        items.push(...(r.body.items as Item[]));
        cursor = r.body.nextCursor as string | null;
      } while (cursor);
      return items;
    };
    const byAge = await all('sort=age&order=asc');
    expect(byAge.length).toBeGreaterThanOrEqual(5);
    const key = (i: Item, ...fields: (keyof Item)[]) => fields.map((f) => i[f]).join('|');
    const sorted = (items: Item[], fields: (keyof Item)[], desc: boolean) =>
      [...items].sort((a, b) => (key(a, ...fields) < key(b, ...fields) ? -1 : 1) * (desc ? -1 : 1));
    expect(byAge.map((i) => i.breakId)).toEqual(
      sorted(byAge, ['openedAt', 'breakId'], false).map((i) => i.breakId),
    );
    for (const [sort, fields] of [
      ['age', ['openedAt', 'breakId']],
      ['updated', ['updatedAt', 'breakId']],
      ['reason', ['reason', 'openedAt', 'breakId']],
      ['status', ['status', 'openedAt', 'breakId']],
    ] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const items = await all(`sort=${sort}&order=${order}`);
        expect(
          items.map((i) => i.breakId),
          `${sort} ${order}`,
        ).toEqual(sorted(byAge, [...fields], order === 'desc').map((i) => i.breakId));
      }
    }
    const reasons = (await all('sort=reason')).map((i) => i.reason);
    expect(new Set(reasons)).toEqual(new Set(['AMOUNT_MISMATCH', 'CURRENCY_MISMATCH']));
    // A cursor of one order is refused by another, by name.
    const first = await call('BankBMSP', 'GET', '/v1/queue?limit=1&sort=reason', bruno);
    const wrong = await call(
      'BankBMSP',
      'GET',
      `/v1/queue?limit=1&sort=status&cursor=${encodeURIComponent(first.body.nextCursor as string)}`,
      bruno,
    );
    expect([wrong.status, wrong.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(wrong.body.error?.message).toMatch(/cursor/);
    const bad = await call('BankBMSP', 'GET', '/v1/queue?sort=size', bruno);
    expect(bad.body.error?.message).toMatch(/sort must be one of age, updated, reason, status, amount/);
    const counted = await call(
      'BankBMSP',
      'GET',
      '/v1/queue?limit=1&count=true&reason=CURRENCY_MISMATCH',
      bruno,
    );
    expect(counted.body.total).toBe(reasons.filter((r) => r === 'CURRENCY_MISMATCH').length);
  });

  it('finds a break by its exact payment reference, by the beginning of an own leg reference, by break id', async () => {
    const system = await login('BankBMSP', 'bankb-system');
    const own = await amountBreak({}, system); // Bank B's own leg: its node reads the plaintext from the ledger
    // A break between Bank A and the clearing house on a route to Bank B, whose own leg has not come: Bank B is a
    // party and has the break in its queue, but knows the payment's reference only by its hash.
    const foreign = paymentLegs();
    await consortium.gateway.postLegs(await consortium.identity('banka-system'), [foreign.debit]);
    await indexed(
      await consortium.gateway.postLegs(await consortium.identity('clearing-system'), [
        { ...foreign.entry, amountMinor: '5' },
      ]),
    );
    const bruno = await login('BankBMSP', 'bruno');
    const search = async (text: string) => {
      const r = await call('BankBMSP', 'POST', '/v1/queue/search', bruno, { search: text, limit: 200 });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.items as Item[]).map((i) => i.caseId);
    };
    expect(await search(foreign.reference)).toEqual([foreign.caseId]);
    expect(await search(own.reference)).toEqual([own.caseId]);
    expect(await search(own.reference.slice(0, 13))).toEqual([own.caseId]);
    // Only the node's own references are searched by prefix; a beginning that short finds nothing.
    expect(await search(foreign.reference.slice(0, 13))).toEqual([]);
    expect(await search(own.reference.slice(0, 3))).toEqual([]);
    expect(await search(foreign.caseId)).toEqual([foreign.caseId]);
    const all = (await call('BankBMSP', 'GET', '/v1/queue?limit=200', bruno)).body.items as Item[];
    const target = all.find((i) => i.caseId === foreign.caseId);
    expect(await search(target?.breakId.slice(0, 12) ?? 'x')).toContain(foreign.caseId);
    // Wildcards are literal: a search for "%" matches no reference.
    expect(await search('%%%%')).toEqual([]);
    const tooLong = await call('BankBMSP', 'POST', '/v1/queue/search', bruno, { search: 'x'.repeat(65) });
    expect(tooLong.body.error?.message).toMatch(/search must be a string of at most 64 characters/);
  });

  it('assigns several breaks at once, each signed by the person, reporting each refusal on its own', async () => {
    const a = await amountBreak();
    const b = await amountBreak();
    const bruno = await login('BankBMSP', 'bruno');
    const items = (await call('BankBMSP', 'GET', '/v1/queue?limit=200&assignee=none', bruno)).body
      .items as Item[];
    const ids = [a, b].map((p) => items.find((i) => i.caseId === p.caseId)?.breakId ?? '');
    const r = await call('BankBMSP', 'POST', '/v1/breaks/assign', bruno, {
      breakIds: [...ids, 'brk-doesnotexist'],
      assignee: 'bella',
    });
    expect(r.status).toBe(200);
    expect(r.body.assigned).toBe(2);
    expect(r.body.results).toEqual([
      {
        breakId: ids[0],
        ok: true,
        status: 'ASSIGNED',
        txId: expect.any(String) as unknown,
        blockNumber: expect.any(String) as unknown,
      },
      {
        breakId: ids[1],
        ok: true,
        status: 'ASSIGNED',
        txId: expect.any(String) as unknown,
        blockNumber: expect.any(String) as unknown,
      },
      {
        breakId: 'brk-doesnotexist',
        ok: false,
        error: { code: 'BREAK_NOT_FOUND', message: expect.any(String) as unknown },
      },
    ]);
    const last = (r.body.results as { txId: string; blockNumber: string }[])[1];
    const committed = await consortium.gateway.history(
      await consortium.identity('bruno'),
      'break',
      ids[1] ?? '',
    );
    expect(committed[0]?.txId).toBe(last?.txId);
    await nodeOf('BankBMSP').indexer.waitFor({
      txId: last?.txId ?? '',
      blockNumber: BigInt(last?.blockNumber ?? 0),
    });
    const bellas = await login('BankBMSP', 'bella');
    const mine = (await call('BankBMSP', 'GET', '/v1/queue?limit=200&assignee=me', bellas)).body
      .items as Item[];
    expect(mine.map((i) => i.breakId).sort()).toEqual([...ids].sort());
    const named = (await call('BankBMSP', 'GET', '/v1/queue?limit=200&assignee=bella', bruno)).body
      .items as Item[];
    expect(named.map((i) => i.breakId).sort()).toEqual([...ids].sort());
    // The people the index has seen at work, for "assign to a colleague"; systems are not among them.
    const people = await call('BankBMSP', 'GET', '/v1/people', bruno);
    expect(people.body.items).toEqual(expect.arrayContaining(['bella', 'bruno']));
    expect(people.body.items).not.toContain('bankb-system');
    // An auditor may not assign; bad input is named.
    const audrey = await login('AuditorMSP', 'audrey');
    const refused = await call('AuditorMSP', 'POST', '/v1/breaks/assign', audrey, {
      breakIds: ids,
      assignee: 'x',
    });
    expect(refused.body.error?.code).toBe('FORBIDDEN');
    const empty = await call('BankBMSP', 'POST', '/v1/breaks/assign', bruno, {
      breakIds: [],
      assignee: 'bella',
    });
    expect(empty.body.error?.message).toMatch(/breakIds must be an array of 1-100 break ids/);
  });

  it("keeps each person's saved views in the node's database, private to that person", async () => {
    const bruno = await login('BankBMSP', 'bruno');
    const bella = await login('BankBMSP', 'bella');
    const put = (token: string, name: string, query: unknown) =>
      call('BankBMSP', 'PUT', `/v1/views/${encodeURIComponent(name)}`, token, { query });
    const saved = await put(bruno, 'My amounts', {
      reason: 'AMOUNT_MISMATCH',
      assignee: 'me',
      sort: 'updated',
      order: 'desc',
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.query).toEqual({
      reason: 'AMOUNT_MISMATCH',
      assignee: 'me',
      sort: 'updated',
      order: 'desc',
    });
    await put(bruno, 'Oldest', { sort: 'age', limit: 100 });
    await put(bruno, 'Oldest', { sort: 'age', limit: 25 }); // replaced, not doubled
    const listed = await call('BankBMSP', 'GET', '/v1/views', bruno);
    expect((listed.body.items as { name: string; query: unknown }[]).map((v) => [v.name, v.query])).toEqual([
      ['My amounts', { reason: 'AMOUNT_MISMATCH', assignee: 'me', sort: 'updated', order: 'desc' }],
      ['Oldest', { sort: 'age', limit: 25 }],
    ]);
    expect((await call('BankBMSP', 'GET', '/v1/views', bella)).body.items).toEqual([]);
    // A search may be a payment reference: a view never stores one.
    const withSearch = await put(bruno, 'x', { search: 'some-reference' });
    expect(withSearch.body.error?.message).toMatch(/query may hold only .*; not search/);
    expect((await put(bruno, 'x', { reason: 'NOPE' })).body.error?.message).toMatch(/reason must be one of/);
    expect((await put(bruno, ' x', {})).body.error?.message).toMatch(/name must be 1-64/);
    expect((await call('BankBMSP', 'DELETE', '/v1/views/Oldest', bella)).status).toBe(404);
    expect((await call('BankBMSP', 'DELETE', '/v1/views/Oldest', bruno)).status).toBe(204);
    expect(((await call('BankBMSP', 'GET', '/v1/views', bruno)).body.items as unknown[]).length).toBe(1);
  });

  it("seals every listing's cursors to the person and the query: forged, altered, another person's or another view's are refused; a restarted node keeps its own", async () => {
    for (let i = 0; i < 3; i++) await amountBreak();
    const bruno = await login('BankBMSP', 'bruno');
    const bella = await login('BankBMSP', 'bella');
    const q = (path: string, token: string, mspId = 'BankBMSP') => call(mspId, 'GET', path, token);
    const first = await q('/v1/queue?limit=1', bruno);
    const sealed = first.body.nextCursor as string;
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const second = await q(`/v1/queue?limit=1&cursor=${encodeURIComponent(sealed)}`, bruno);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    const position = sealed.slice(0, sealed.indexOf('.'));
    const forged = Buffer.from(JSON.stringify(['age', 'asc', '2026-01-01 00:00:00+00', 'brk-0'])).toString(
      'base64url',
    );
    // One character of the position changed, the seal kept.
    const altered = `${position.startsWith('A') ? 'B' : 'A'}${sealed.slice(1)}`;
    const refusedCursor = async (path: string, token: string, mspId = 'BankBMSP') => {
      const r = await q(path, token, mspId);
      expect([r.status, r.body.error?.code, r.body.details], path).toEqual([
        400,
        'VALIDATION_FAILED',
        { field: 'cursor' },
      ]);
    };
    for (const bad of [forged, `${forged}.AAAAAAAAAAAAAAAAAAAAAA`, altered, `${position}.`])
      await refusedCursor(`/v1/queue?limit=1&cursor=${encodeURIComponent(bad)}`, bruno);
    // Another person of the same institution, and the same person with another view.
    await refusedCursor(`/v1/queue?limit=1&cursor=${encodeURIComponent(sealed)}`, bella);
    await refusedCursor(`/v1/queue?limit=2&cursor=${encodeURIComponent(sealed)}`, bruno);
    await refusedCursor(`/v1/queue?limit=1&reason=DUPLICATE&cursor=${encodeURIComponent(sealed)}`, bruno);
    // The auditor's listing of every break is sealed the same way.
    const audrey = await login('AuditorMSP', 'audrey');
    const audit = await q('/v1/audit/breaks?limit=1', audrey, 'AuditorMSP');
    const auditCursor = audit.body.nextCursor as string;
    expect(auditCursor).toMatch(/\.[A-Za-z0-9_-]{22}$/);
    await refusedCursor(
      `/v1/audit/breaks?limit=1&cursor=${encodeURIComponent(Buffer.from(JSON.stringify(['audit', '9999', 'brk-z'])).toString('base64url'))}`,
      audrey,
      'AuditorMSP',
    );
    // A restarted node (a new app on the same wallet) still honours the cursor it gave the person.
    const node = nodeOf('BankBMSP');
    const app = createApp(
      await testAppDeps(consortium, 'BankBMSP', dir, {
        index: { pool: node.db.pool, indexer: node.indexer },
        live: node.live,
      }),
    );
    const restarted = await listen(app, 0, '127.0.0.1');
    try {
      const again = await callJson(restarted.url, 'POST', '/v1/sessions', undefined, {
        enrollmentId: 'bruno',
        secret: 'bruno-pw',
      });
      const page = await callJson(
        restarted.url,
        'GET',
        `/v1/queue?limit=1&cursor=${encodeURIComponent(sealed)}`,
        again.body.token as string,
      );
      expect(page.status).toBe(200);
      const ids = (items: unknown) => (items as { breakId: string }[]).map((i) => i.breakId);
      expect(ids(page.body.items)).toEqual(ids(second.body.items));
    } finally {
      await closeServer(restarted.server);
    }
  });

  it('shows every version of a break with its block, position and signer, as JSON and as CSV', async () => {
    const p = await amountBreak();
    const bruno = await login('BankBMSP', 'bruno');
    const items = (await call('BankBMSP', 'POST', '/v1/queue/search', bruno, { search: p.reference })).body
      .items as Item[];
    const breakId = items[0]?.breakId ?? '';
    const assigned = await call('BankBMSP', 'POST', `/v1/breaks/${breakId}/assign`, bruno, {
      assignee: 'bruno',
    });
    expect(assigned.status).toBe(200);
    await nodeOf('AuditorMSP').indexer.waitFor({
      txId: assigned.body.txId as string,
      blockNumber: BigInt(assigned.body.blockNumber as string),
    });
    const audrey = await login('AuditorMSP', 'audrey');
    const r = await call('AuditorMSP', 'GET', `/v1/provenance/break/${breakId}`, audrey);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const history = r.body.history as {
      version: number;
      txId: string;
      blockNumber: string;
      signer: { mspId: string; subject: string; issuer: string };
    }[];
    expect(history.map((h) => h.version)).toEqual([2, 1]);
    expect(history[0]).toMatchObject({
      txId: assigned.body.txId,
      blockNumber: assigned.body.blockNumber,
      signer: { mspId: 'BankBMSP', subject: expect.stringContaining('CN=bruno') as unknown },
    });
    expect(history[0]?.signer.issuer).toContain('BankBMSP');
    expect(history[1]?.signer).toMatchObject({
      mspId: 'BankBMSP',
      subject: expect.stringContaining('CN=bankb-system') as unknown,
    });
    const csv = await call('AuditorMSP', 'GET', `/v1/provenance/break/${breakId}?format=csv`, audrey);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`provenance-break-${breakId}.csv`);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'kind,id,version,tx_id,block_number,tx_index,time,signer_msp_id,signer_subject,signer_issuer,deleted,status',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(
      `break,${breakId},2,${assigned.body.txId as string},${assigned.body.blockNumber as string},`,
    );
    expect(lines[1]).toMatch(/,BankBMSP,.*CN=bruno.*,false,ASSIGNED$/);
    expect(
      (await call('AuditorMSP', 'GET', `/v1/provenance/break/${breakId}?format=xml`, audrey)).body.error
        ?.message,
    ).toMatch(/format must be json or csv/);
    // The auditor is party to no break, yet lists every break the index knows, newest change first, by cursor.
    const first = await call('AuditorMSP', 'GET', '/v1/audit/breaks?limit=1', audrey);
    expect(first.body.items).toEqual([
      expect.objectContaining({
        breakId,
        status: 'ASSIGNED',
        lastAction: 'ASSIGN',
        parties: ['BankAMSP', 'BankBMSP'],
      }),
    ]);
    const all: { breakId: string; updatedAt: string }[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await call(
        'AuditorMSP',
        'GET',
        `/v1/audit/breaks?limit=7&cursor=${encodeURIComponent(cursor)}`,
        audrey,
      );
      all.push(...(page.body.items as typeof all));
      cursor = page.body.nextCursor as string | null;
    }
    expect(new Set(all.map((b) => b.breakId)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(10);
    expect(all.map((b) => b.updatedAt)).toEqual([...all.map((b) => b.updatedAt)].sort().reverse());
    expect((await call('AuditorMSP', 'GET', '/v1/audit/breaks?status=RESOLVED', audrey)).body.items).toEqual(
      [],
    );
    expect((await call('BankBMSP', 'GET', '/v1/audit/breaks', bruno)).body.error?.code).toBe('FORBIDDEN');
    // An institution's administrator lists its own institution's breaks only, never another's.
    const bankbAdmin = await login('BankBMSP', 'bankb-admin');
    const own = await call('BankBMSP', 'GET', '/v1/audit/breaks?limit=200', bankbAdmin);
    const ownItems = own.body.items as { breakId: string; parties: string[] }[];
    expect(ownItems.length).toBeGreaterThan(0);
    expect(ownItems.filter((b) => !b.parties.includes('BankBMSP'))).toEqual([]);
    // The auditor institution's administrator is no auditor: party to no break, it lists none of them.
    const auditorAdmin = await login('AuditorMSP', 'auditor-admin');
    expect((await call('AuditorMSP', 'GET', '/v1/audit/breaks', auditorAdmin)).body.items).toEqual([]);
    // The index agrees with the ledger (the auditor's check).
    const verify = await call('AuditorMSP', 'GET', '/v1/index/verify', audrey);
    expect([verify.status, verify.body.differences]).toEqual([200, []]);
  });

  it('shows funds in transit per counterparty from its own legs, and the service level', async () => {
    const system = await login('BankBMSP', 'bankb-system');
    // Bank B's credit timed out while Bank A settled: funds in transit between the two, Bank B's amount known.
    await amountBreak({ amountMinor: '250075' }, system, { outcome: 'TIMED_OUT' });
    const bruno = await login('BankBMSP', 'bruno');
    const d = await call('BankBMSP', 'GET', '/v1/dashboard', bruno);
    expect(d.status).toBe(200);
    expect(d.body.inTransitByCounterparty).toEqual([
      { counterparty: 'BankAMSP', currency: 'CNY', breaks: '1', amountMinor: '250075' },
    ]);
    expect(d.body.serviceLevel).toMatchObject({
      overdueCases: expect.stringMatching(/^\d+$/) as unknown,
      missingLegBreaks: '0',
      oldestOpenAt: expect.stringMatching(/^\d{4}-/) as unknown,
    });
    // Bank A sees the same break with its own amount: its index reads Bank A's legs from Bank A's private
    // collection on the ledger, though Bank A's system posted around the node.
    const alice = await login('BankAMSP', 'alice');
    const a = await call('BankAMSP', 'GET', '/v1/dashboard', alice);
    expect(a.body.inTransitByCounterparty).toEqual([
      { counterparty: 'BankBMSP', currency: 'CNY', breaks: '1', amountMinor: '250075' },
    ]);
  });

  it("counts the institution's own work apart from the network's, each case by its status now", async () => {
    type Day = Record<'legsPosted' | 'casesOpened' | 'casesMatched' | 'casesBroken' | 'breaksOpened', string>;
    const figures = async (mspId: string, user: string) => {
      const d = await call(mspId, 'GET', '/v1/dashboard', await login(mspId, user));
      expect(d.status).toBe(200);
      const {
        own,
        network,
        mspId: whose,
      } = d.body as { own: { days: Day[] }; network: { days: Day[] }; mspId: string };
      expect(whose).toBe(mspId);
      const today = new Date().toISOString().slice(0, 10);
      const of = (days: Day[]) => {
        const day = days.find((x) => (x as Day & { day: string }).day === today);
        return (k: keyof Day) => Number(day?.[k] ?? 0);
      };
      return { own: of(own.days), network: of(network.days) };
    };
    const before = { b: await figures('BankBMSP', 'bruno'), payco: await figures('PayCoMSP', 'pavel') };
    // A payment between Bank A and PayCo that matches: the network's, not Bank B's.
    const q = paymentLegs({ route: [p0('BankAMSP', 'DEBTOR_AGENT'), p0('PayCoMSP', 'CREDITOR_AGENT')] });
    await consortium.gateway.postLegs(await consortium.identity('banka-system'), [q.debit]);
    await indexed(await consortium.gateway.postLegs(await consortium.identity('payco-system'), [q.credit]));
    // A payment between the two banks that matches, then Bank B books its credit twice: it ends broken. The
    // ledger's counter of cases matched each day counts it (it matched), npm start's summary does not (its status
    // at the end is BROKEN): the dashboard counts each case by its status now, as the summary does.
    const r = paymentLegs({ route: [p0('BankAMSP', 'DEBTOR_AGENT'), p0('BankBMSP', 'CREDITOR_AGENT')] });
    await consortium.gateway.postLegs(await consortium.identity('banka-system'), [r.debit]);
    const bank = await consortium.identity('bankb-system');
    await consortium.gateway.postLegs(bank, [r.credit]);
    await indexed(await consortium.gateway.postLegs(bank, [{ ...r.credit, legId: `${r.credit.legId}-dup` }]));
    const after = { b: await figures('BankBMSP', 'bruno'), payco: await figures('PayCoMSP', 'pavel') };
    const delta = (who: 'b' | 'payco', part: 'own' | 'network', k: keyof Day) =>
      after[who][part](k) - before[who][part](k);
    expect({
      legs: delta('b', 'network', 'legsPosted'),
      opened: delta('b', 'network', 'casesOpened'),
      matched: delta('b', 'network', 'casesMatched'),
      broken: delta('b', 'network', 'casesBroken'),
    }).toEqual({ legs: 5, opened: 2, matched: 1, broken: 1 });
    expect({
      legs: delta('b', 'own', 'legsPosted'),
      opened: delta('b', 'own', 'casesOpened'),
      matched: delta('b', 'own', 'casesMatched'),
      broken: delta('b', 'own', 'casesBroken'),
      breaks: delta('b', 'own', 'breaksOpened'),
    }).toEqual({ legs: 2, opened: 1, matched: 0, broken: 1, breaks: 1 });
    expect({
      legs: delta('payco', 'own', 'legsPosted'),
      opened: delta('payco', 'own', 'casesOpened'),
      matched: delta('payco', 'own', 'casesMatched'),
      breaks: delta('payco', 'own', 'breaksOpened'),
    }).toEqual({ legs: 1, opened: 1, matched: 1, breaks: 0 });
    // Every node sees the same network.
    expect(delta('payco', 'network', 'casesBroken')).toBe(1);
  });

  it('extracts its own legs on the ledger as a CSV statement that the upload reads back as all matched', async () => {
    const system = await login('BankBMSP', 'bankb-system');
    const credits = [
      paymentLegs({ valueDate: '2032-01-02', amountMinor: '100' }).credit,
      paymentLegs({ valueDate: '2032-01-02', amountMinor: '123456789', currency: 'JPY' }).credit,
    ];
    expect((await call('BankBMSP', 'POST', '/v1/legs/batch', system, { legs: credits })).status).toBe(201);
    const bruno = await login('BankBMSP', 'bruno');
    const extract = await call('BankBMSP', 'GET', '/v1/statements/ledger?from=2032-01-02', bruno);
    expect(extract.status).toBe(200);
    expect(extract.headers.get('content-disposition')).toContain('ledger-BankBMSP-2032-01-02-2032-01-02.csv');
    const lines = extract.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('reference,amount,currency,valueDate,side,payerRef,payeeRef,legId');
    // Amounts in major units, exactly: 100 fen is 1.00 CNY; yen have no minor unit.
    expect(lines.slice(1).sort()).toEqual(
      [
        `${credits[0]?.reference ?? ''},1.00,CNY,2032-01-02,CREDIT,${credits[0]?.payerRef ?? ''},${credits[0]?.payeeRef ?? ''},${credits[0]?.legId ?? ''}`,
        `${credits[1]?.reference ?? ''},123456789,JPY,2032-01-02,CREDIT,${credits[1]?.payerRef ?? ''},${credits[1]?.payeeRef ?? ''},${credits[1]?.legId ?? ''}`,
      ].sort(),
    );
    const back = await fetch(`${nodeOf('BankBMSP').url}/v1/statements?format=csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${bruno}` },
      body: extract.text,
    });
    const report = (await back.json()) as { counts: Record<string, number> };
    expect(report.counts).toMatchObject({
      lines: 2,
      matched: 2,
      onlyInMyBooks: 0,
      onlyOnLedger: 0,
      fieldDifferences: 0,
    });
    const bad = await call('BankBMSP', 'GET', '/v1/statements/ledger?from=2032-13-45', bruno);
    expect([bad.status, bad.body.error?.message]).toEqual([400, 'from must be a value date YYYY-MM-DD']);
    const backwards = await call(
      'BankBMSP',
      'GET',
      '/v1/statements/ledger?from=2032-01-02&to=2032-01-01',
      bruno,
    );
    expect(backwards.body.error?.message).toMatch(/not before from/);
  });

  it('writes CSV cells a spreadsheet cannot run as formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['=1+1', 'x,"y"'],
          [null, 3],
        ],
      ),
    ).toBe('a,b\r\n\'=1+1,"x,""y"""\r\n,3\r\n');
  });
});
