import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { formatAge, formatDate, formatMoney, formatPercent } from '../../application/console/src/format';
import { sseParser } from '../../application/console/src/sse';
import { hrefOf, parseRoute } from '../../application/console/src/route';
import {
  fromQuery,
  minorUnitsOf,
  sortedBy,
  toQuery,
  urlFiltersOf,
  viewOf,
} from '../../application/console/src/queueView';
import { createApp, type AppDeps } from '../../application/src/http/createApp';
import { listen } from '../../application/src/http/listen';

// Runs in the default `npm test` (no browser): the node serves a built console at / and keeps the API's 404s;
// the console's formatting per locale.

const dir = mkdtempSync(join(tmpdir(), 'tallystick-console-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function serve(consoleDir: string): Promise<{ url: string; server: Server }> {
  // Static serving needs none of the node's collaborators.
  const app = createApp({ mspId: 'BankAMSP', consoleDir, log: () => undefined } as unknown as AppDeps);
  return listen(app, 0, '127.0.0.1');
}

describe('the node serves the console', () => {
  it('serves the built files at / beside the API, and nothing when there is no build', async () => {
    const built = join(dir, 'dist');
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(built, 'assets', 'app.js'), 'console.log(1)');
    const { url, server } = await serve(built);
    try {
      const index = await fetch(`${url}/`);
      expect([index.status, index.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await index.text()).toContain('<title>console</title>');
      expect((await fetch(`${url}/assets/app.js`)).status).toBe(200);
      const api = await fetch(`${url}/v1/queue`);
      expect(api.status).toBe(401);
      const missing = await fetch(`${url}/nope.js`);
      expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([
        404,
        'NOT_FOUND',
      ]);
    } finally {
      server.close();
    }
    const none = await serve(join(dir, 'not-built'));
    try {
      expect((await fetch(`${none.url}/`)).status).toBe(404);
    } finally {
      none.server.close();
    }
  });
});

describe('console formatting', () => {
  it('formats amounts bank style from minor units per currency exponent and locale, without floats', () => {
    // The ISO code before the amount in both languages ("CNY 270.22"): ¥ would not tell yuan from yen.
    expect(formatMoney('en', '1234567', 'CNY')).toMatch(/^CNY\s12,345\.67$/);
    expect(formatMoney('zh-CN', '1234567', 'CNY')).toMatch(/^CNY\s12,345\.67$/);
    expect(formatMoney('en', '1234567', 'JPY')).toMatch(/^JPY\s1,234,567$/);
    expect(formatMoney('en', '5', 'USD')).toMatch(/^USD\s0\.05$/);
    expect(formatMoney('en', '900719925474099312', 'USD')).toMatch(/^USD\s9,007,199,254,740,993\.12$/);
    // Not an integer of minor units: shown as it is, never guessed at.
    expect(formatMoney('en', '12.5', 'USD')).toBe('USD 12.5');
  });
  it('formats dates, ages and rates per locale', () => {
    expect(formatDate('en', '2026-11-27')).toBe('Nov 27, 2026');
    expect(formatDate('zh-CN', '2026-11-27')).toBe('2026年11月27日');
    expect(formatPercent('en', 0.9876)).toBe('98.8%');
    expect(formatAge('en', 3 * 3_600_000 + 12 * 60_000)).toBe('3h 12m');
    expect(formatAge('en', 50 * 3_600_000)).toBe('2d 2h');
  });
});

describe("the console's URLs and its reading of the live stream", () => {
  it('keeps each screen in the hash, with the queue filters but never a search, and refuses what is not an id', () => {
    expect(parseRoute('')).toEqual({ name: 'queue' });
    expect(parseRoute('#/dashboard')).toEqual({ name: 'dashboard' });
    expect(parseRoute('#/break/brk-0123abc')).toEqual({ name: 'break', breakId: 'brk-0123abc' });
    expect(parseRoute('#/break/<script>')).toEqual({ name: 'queue' });
    expect(parseRoute('#/audit/leg/BankAMSP:A-1')).toEqual({
      name: 'audit',
      kind: 'leg',
      id: 'BankAMSP:A-1',
    });
    expect(parseRoute('#/audit/block/1')).toEqual({ name: 'audit' });
    expect(parseRoute('#/break/%E0%A4%A')).toEqual({ name: 'queue' });
    const filters = {
      reason: 'AMOUNT_MISMATCH',
      assignee: 'me',
      sort: 'updated',
      order: 'desc',
      limit: '10',
    };
    const href = hrefOf({ name: 'queue', filters });
    expect(href).toBe('#/queue?reason=AMOUNT_MISMATCH&assignee=me&sort=updated&order=desc&limit=10');
    expect(parseRoute(href)).toEqual({ name: 'queue', filters });
    // A search (it may be a payment reference) is not among the keys a URL carries.
    expect(parseRoute('#/queue?search=0b1f7a3e-5d2c-4e8a-9f00-123456789abc&reason=DUPLICATE')).toEqual({
      name: 'queue',
      filters: { reason: 'DUPLICATE' },
    });
    expect(hrefOf({ name: 'audit', kind: 'break', id: 'brk-1' })).toBe('#/audit/break/brk-1');
  });

  it("keeps the triage queue's view in the URL: filters, amounts in major units sent in minor units, header sorts", () => {
    const href =
      '#/queue?currency=JPY&counterparty=ClearingHouseMSP&valueDateFrom=2026-11-26&amountMin=4000&sort=amount&order=desc';
    const route = parseRoute(href);
    expect(route).toEqual({
      name: 'queue',
      filters: {
        currency: 'JPY',
        counterparty: 'ClearingHouseMSP',
        valueDateFrom: '2026-11-26',
        amountMin: '4000',
        sort: 'amount',
        order: 'desc',
      },
    });
    const view = viewOf(route.name === 'queue' ? route.filters : undefined);
    expect(hrefOf({ name: 'queue', filters: urlFiltersOf(view) })).toBe(href);
    // JPY has no minor unit, CNY two; a half-typed or too precise amount is not sent.
    expect(toQuery(view)).toEqual({
      currency: 'JPY',
      counterparty: 'ClearingHouseMSP',
      valueDateFrom: '2026-11-26',
      amountMinorMin: '4000',
      sort: 'amount',
      order: 'desc',
      limit: 50,
    });
    expect(minorUnitsOf('12.5', 'CNY')).toBe('1250');
    expect(minorUnitsOf('0.07', 'CNY')).toBe('7');
    expect(minorUnitsOf('12.345', 'CNY')).toBeUndefined();
    expect(minorUnitsOf('12.', 'JPY')).toBe('12');
    expect(minorUnitsOf('1.5', 'JPY')).toBeUndefined();
    expect(toQuery(viewOf({ amountMin: '12.5' }))).not.toHaveProperty('amountMinorMin'); // no currency chosen
    // A saved view's query comes back as the form shows it.
    expect(fromQuery({ currency: 'CNY', amountMinorMax: '450000', sort: 'valueDate' })).toMatchObject({
      currency: 'CNY',
      amountMax: '4500.00',
      sort: 'valueDate',
    });
    // A click on a header sorts by it ascending; on the sorted one, the other way.
    expect(sortedBy(view, 'currency')).toEqual({ sort: 'currency', order: 'asc' });
    expect(sortedBy(view, 'amount')).toEqual({ order: 'asc' });
  });

  it('reads server-sent events split anywhere across chunks, with CRLF or LF and comment lines', () => {
    const seen: [string, string][] = [];
    const feed = sseParser((event, data) => seen.push([event, data]));
    const stream =
      'retry: 1000\r\nevent: hello\r\ndata: {"block":"3"}\r\n\r\n: ping\n\nevent: indexed\ndata: {"block":"4",\ndata: "breaks":[]}\n\n';
    // Every way of cutting it in two, then in chunks of 1 to 9 characters: always the same two events.
    const cuts = [
      ...Array.from({ length: stream.length }, (_, i) => [stream.slice(0, i), stream.slice(i)]),
      ...Array.from({ length: 9 }, (_, n) =>
        Array.from({ length: Math.ceil(stream.length / (n + 1)) }, (_, i) =>
          stream.slice(i * (n + 1), (i + 1) * (n + 1)),
        ),
      ),
    ];
    for (const chunks of cuts) {
      const each: [string, string][] = [];
      const parse = sseParser((event, data) => each.push([event, data]));
      for (const c of chunks) parse(c);
      expect(each, JSON.stringify(chunks)).toEqual([
        ['hello', '{"block":"3"}'],
        ['indexed', '{"block":"4",\n"breaks":[]}'],
      ]);
    }
    for (let i = 0; i < stream.length; i += 7) feed(stream.slice(i, i + 7));
    expect(seen).toEqual([
      ['hello', '{"block":"3"}'],
      ['indexed', '{"block":"4",\n"breaks":[]}'],
    ]);
  });
});
