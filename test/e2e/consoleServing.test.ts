import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { formatAge, formatDate, formatMoney, formatPercent } from '../../application/console/src/format';
import { createApp, type AppDeps } from '../../application/src/http/createApp';

// Runs in the default `npm test` (no browser): the node serves a built console at / and keeps the API's 404s;
// the console's formatting per locale.

const dir = mkdtempSync(join(tmpdir(), 'tallystick-console-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function serve(consoleDir: string): Promise<{ url: string; server: Server }> {
  // Static serving needs none of the node's collaborators.
  const app = createApp({ mspId: 'BankAMSP', consoleDir, log: () => undefined } as unknown as AppDeps);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
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
  it('formats amounts from minor units per currency exponent and locale, without floats', () => {
    expect(formatMoney('en', '1234567', 'CNY')).toBe('CN¥12,345.67');
    expect(formatMoney('zh-CN', '1234567', 'CNY')).toBe('¥12,345.67');
    expect(formatMoney('en', '1234567', 'JPY')).toBe('¥1,234,567');
    expect(formatMoney('en', '5', 'USD')).toBe('$0.05');
    expect(formatMoney('en', '900719925474099312', 'USD')).toBe('$9,007,199,254,740,993.12');
    expect(formatMoney('en', '12.5', 'USD')).toBe('12.5 USD');
  });
  it('formats dates, ages and rates per locale', () => {
    expect(formatDate('en', '2026-11-27')).toBe('Nov 27, 2026');
    expect(formatDate('zh-CN', '2026-11-27')).toBe('2026年11月27日');
    expect(formatPercent('en', 0.9876)).toBe('98.8%');
    expect(formatAge('en', 3 * 3_600_000 + 12 * 60_000)).toBe('3h 12m');
    expect(formatAge('en', 50 * 3_600_000)).toBe('2d 2h');
  });
});
