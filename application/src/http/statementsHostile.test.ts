import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../test/support/legs';
import type { Database } from '../db/pool';
import { login as loginAt } from '../../../test/support/sessions';
import { startTestIndex, stopTestApp, testAppDeps } from '../../../test/support/testApp';
import { BlockIndexer } from '../indexer/blockIndexer';
import { bigHostileCases, hostileCorpus, type HostileCase } from '../../../test/support/hostile/corpus';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import { createApp } from './createApp';
import { listen } from './listen';
import { LiveFeed } from './live';

// Hostile and careless statement uploads through the real HTTP app: the committed corpus (made by
// test/support/hostile/corpus.ts) and cases of up to 101 MB made as they are sent. Each must be answered 4xx naming
// the line or element, write nothing to the ledger or the index, and leave the process's memory bounded.

const CORPUS_DIR = join(__dirname, '../../../test/support/hostile/corpus');
const CONTENT_TYPE = { camt: 'application/xml', mt940: 'text/plain', csv: 'text/csv' } as const;
/** Growth of the resident set over the whole corpus, at most (measured: see the test's log line). */
const CORPUS_RSS_GROWTH_MIB_MAX = 256;

const GOOD_CSV =
  'reference,amount,currency,valueDate,side,payerRef,payeeRef,legId\r\nE2E-1,1.00,EUR,2026-11-27,C,P1,P2,L1\r\n';

const dir = mkdtempSync(join(tmpdir(), 'tallystick-hostile-'));
let consortium: EmbeddedConsortium;
let db: Database;
let indexer: BlockIndexer;
let live: LiveFeed;
let server: Server;
let url: string;
let bruno: string;

const login = (enrollmentId: string): Promise<string> => loginAt(url, enrollmentId);

interface ErrorBody {
  error?: { code: string; message: string; details?: { code?: string; at?: unknown; field?: string } };
}

async function upload(
  format: HostileCase['format'],
  body: string | Buffer | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
  token = bruno,
): Promise<{ status: number; body: ErrorBody & Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/statements?format=${format}`, {
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE[format], authorization: `Bearer ${token}`, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
  return { status: res.status, body: (await res.json()) as ErrorBody & Record<string, unknown> };
}

/** What the ledger and the index hold: a refused upload changes none of it. */
async function written(): Promise<Record<string, string>> {
  const counts = await db.pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM own_legs)::text AS own_legs, (SELECT count(*) FROM legs)::text AS legs,
            (SELECT count(*) FROM cases)::text AS cases, (SELECT count(*) FROM breaks)::text AS breaks,
            (SELECT count(*) FROM indexed_transactions)::text AS transactions`,
  );
  return { ...counts.rows[0], height: consortium.network.height().toString() };
}

/** Checks one answer against what the case expects, with its name in every failure message. */
function expectRefusal(
  name: string,
  r: Awaited<ReturnType<typeof upload>>,
  status: number,
  expected: HostileCase['expect'],
): void {
  const what = `${name}: ${JSON.stringify(r.body).slice(0, 400)}`;
  expect.soft(r.status, what).toBe(status);
  const error = r.body.error;
  if ('field' in expected) {
    expect.soft(error?.details?.field, what).toBe(expected.field);
    expect.soft(error?.message, what).toMatch(/^x-csv-mapping/);
    return;
  }
  if (typeof expected.code === 'string') expect.soft(error?.details?.code, what).toBe(expected.code);
  else expect.soft(expected.code, what).toContain(error?.details?.code);
  // The message names the place: a line number, or an element path (or the line where the XML stopped).
  expect.soft(error?.message, what).toMatch(/^statement rejected at (line \d+|\/[A-Za-z])/);
  if (expected.at !== undefined) expect.soft(error?.details?.at, what).toEqual(expected.at);
}

/** The resident set before `work`, and its peak growth while `work` ran (sampled every 10 ms), in MiB. */
async function residentGrowth(
  work: () => Promise<void>,
): Promise<{ baselineMiB: number; growthMiB: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return { baselineMiB: baseline / 1024 / 1024, growthMiB: (peak - baseline) / 1024 / 1024 };
}

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  // The node's own legs reach its index from its private data on the ledger, as `npm start` does.
  ({ db, indexer } = await startTestIndex(consortium, 'BankBMSP', 'hostile', consortium.changes()));
  live = new LiveFeed();
  live.attach(indexer);
  const app = createApp({
    ...(await testAppDeps(consortium, 'BankBMSP', dir)),
    index: { pool: db.pool, indexer },
    live,
  });
  ({ server, url } = await listen(app, 0, '127.0.0.1'));
  bruno = await login('bruno');
});

afterAll(() => stopTestApp({ servers: [server], index: { indexer, db }, consortium, dir }));

describe('hostile statement uploads', () => {
  it('has a committed corpus of at least 200 files, exactly what its generator makes, small in bytes', () => {
    const cases = hostileCorpus();
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(readdirSync(CORPUS_DIR).sort()).toEqual(cases.map((c) => c.name).sort());
    let bytes = 0;
    for (const c of cases) {
      expect(readFileSync(join(CORPUS_DIR, c.name)).equals(c.body), c.name).toBe(true);
      bytes += c.body.length;
    }
    expect(bytes).toBeLessThan(1024 * 1024);
    const families = new Set(cases.map((c) => c.name.replace(/^\d+-/, '').split('-')[0]));
    expect([...families].sort()).toEqual(['camt', 'csv', 'mt940']);
  });

  it('answers every corpus file 4xx naming its line or element, writing nothing, memory bounded', async () => {
    // One good upload first: the worker is started (and, under the test runner, compiles its TypeScript).
    const system = await login('bankb-system');
    const legs = Array.from({ length: 3 }, () => paymentLegs({ valueDate: '2026-11-27' }).credit);
    const posted = await fetch(`${url}/v1/legs/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${system}` },
      body: JSON.stringify({ legs }),
    });
    expect(posted.status).toBe(201);
    const ok = await upload('csv', GOOD_CSV);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    for (let i = 0; i < 100 && (await written()).own_legs === '0'; i++)
      await new Promise((r) => setTimeout(r, 50));
    const before = await written();

    const { baselineMiB, growthMiB } = await residentGrowth(async () => {
      for (const c of hostileCorpus()) {
        const body = readFileSync(join(CORPUS_DIR, c.name));
        const r = await upload(c.format, body, c.mapping === undefined ? {} : { 'x-csv-mapping': c.mapping });
        expectRefusal(c.name, r, c.status, c.expect);
      }
    });
    console.log(
      `hostile corpus: ${hostileCorpus().length} files, resident set ${Math.round(baselineMiB)} MiB before, peak +${growthMiB.toFixed(0)} MiB`,
    );
    expect(growthMiB).toBeLessThan(CORPUS_RSS_GROWTH_MIB_MAX);
    expect(await written()).toEqual(before);
  });

  it('answers cases of up to 101 MB, streamed, as soon as a limit is crossed, memory bounded', async () => {
    const before = await written();
    const { growthMiB } = await residentGrowth(async () => {
      for (const c of bigHostileCases()) {
        const chunks = c.chunks();
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = chunks.next();
            if (next.done === true) controller.close();
            else controller.enqueue(next.value);
          },
        });
        const t = performance.now();
        const r = await upload(c.format, stream);
        expectRefusal(c.name, r, c.status, c.expect);
        console.log(`${c.name}: ${r.status} in ${(performance.now() - t).toFixed(0)} ms`);
      }
    });
    console.log(`big hostile cases: resident set peak +${growthMiB.toFixed(0)} MiB`);
    expect(growthMiB).toBeLessThan(CORPUS_RSS_GROWTH_MIB_MAX);
    expect(await written()).toEqual(before);
  });

  it('keeps answering other requests while a large statement is compared', async () => {
    // 150,000 CSV lines: seconds of parsing and comparing, in the worker. Meanwhile /healthz is asked again and
    // again; parsed on this thread (as before), each answer would wait for the whole upload.
    const rows = Array.from(
      { length: 150_000 },
      (_, i) => `E2E-${i},1.00,EUR,2026-11-27,C,P${i},Q${i},L${i}`,
    );
    const big = `reference,amount,currency,valueDate,side,payerRef,payeeRef,legId\r\n${rows.join('\r\n')}\r\n`;
    const state = { done: false };
    const started = performance.now();
    const compared = upload('csv', big).then((r) => {
      state.done = true;
      return r;
    });
    const latenciesMs: number[] = [];
    while (!state.done) {
      const t = performance.now();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      latenciesMs.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await compared;
    const uploadMs = performance.now() - started;
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(r.body.counts).toMatchObject({ lines: 150_000, onlyInMyBooks: 150_000 });
    const slowest = Math.max(...latenciesMs);
    console.log(
      `150,000-line upload: ${uploadMs.toFixed(0)} ms; ${latenciesMs.length} health checks meanwhile, slowest ${slowest.toFixed(0)} ms`,
    );
    expect(uploadMs).toBeGreaterThan(500);
    expect(latenciesMs.length).toBeGreaterThan(3);
    expect(slowest).toBeLessThan(uploadMs / 2);
  });

  it('lets only the roles that keep the books upload', async () => {
    for (const [user, status] of [
      ['bella', 403], // approver
      ['bankb-admin', 403],
      ['bankb-system', 200], // submitter
      ['bruno', 200], // reconciler
    ] as const) {
      const r = await upload('csv', GOOD_CSV, {}, await login(user));
      expect([user, r.status]).toEqual([user, status]);
      if (status === 403) expect(r.body.error?.message).toMatch(/submitter or reconciler/);
    }
  });

  it('reads back its own extract without a difference, values starting with - or + included', async () => {
    const system = await login('bankb-system');
    const legs = [
      { ...paymentLegs({ valueDate: '2033-03-03' }).credit, reference: '+E2E-PLUS', legId: '-leg-minus' },
      { ...paymentLegs({ valueDate: '2033-03-03' }).credit, reference: '-E2E-MINUS', payerRef: '-ACC-1' },
      { ...paymentLegs({ valueDate: '2033-03-03' }).credit, reference: "'-E2E-QUOTED" },
    ];
    const posted = await fetch(`${url}/v1/legs/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${system}` },
      body: JSON.stringify({ legs }),
    });
    expect(posted.status, await posted.text()).toBe(201);
    let extract = '';
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${url}/v1/statements/ledger?from=2033-03-03`, {
        headers: { authorization: `Bearer ${bruno}` },
      });
      extract = await r.text();
      if (extract.trimEnd().split('\r\n').length === 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Guarded for spreadsheets: no cell starts with a character a spreadsheet would run.
    expect(extract).toContain(",'-leg-minus\r\n");
    expect(extract).toContain("'+E2E-PLUS,");
    expect(extract).toContain("''-E2E-QUOTED,");
    for (const line of extract.split('\r\n'))
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const back = await upload('csv', extract);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.counts).toMatchObject({
      lines: 3,
      matched: 3,
      onlyInMyBooks: 0,
      onlyOnLedger: 0,
      fieldDifferences: 0,
    });
    const bad = await fetch(`${url}/v1/statements/ledger?from=2026-02-30`, {
      headers: { authorization: `Bearer ${bruno}` },
    });
    expect(bad.status).toBe(400);
  });
});
