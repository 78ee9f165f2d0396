import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { start } from '../application/src/cli/startCommand';

const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-start-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it(
    'replays a business day and reports exactly the injected faults, then the next day on the same ledger',
    { timeout: 180_000 },
    async () => {
      const lines: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        lines.push(args.join(' '));
      });
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        const args = [
          '--payments',
          '600',
          '--data',
          dataDir,
          '--exit',
          '--port-offset',
          '1300',
          '--date',
          '2026-11-27',
        ];
        expect(await start(args)).toBe(0);
        const out = lines.join('\n');
        expect(out).toMatch(/Business day 2026-11-27/);
        expect(out).toMatch(/payments\s+600/);
        expect(out).toMatch(/EXACT/);
        for (const m of out.matchAll(/^\s{4}([A-Z_]+)\s+(\d+) \/\s+(\d+)/gm)) expect(m[2]).toBe(m[3]);
        // Each system posts through its institution's node, which adds notices for the other parties of every
        // new case: every case of the day got them.
        const noticed = /notices\s+(\d+) on (\d+) of (\d+) cases/.exec(out);
        expect(noticed, out).not.toBeNull();
        const [, notices, withNotices, opened] = (noticed ?? []).map(Number);
        expect(opened).toBeGreaterThanOrEqual(600);
        expect(withNotices).toBe(opened);
        expect(notices).toBeGreaterThanOrEqual(opened ?? Infinity);
        lines.length = 0;
        // a second run continues the same ledger with the next business day, the chaincode in a worker thread
        expect(
          await start([
            ...['--payments', '200', '--data', dataDir, '--exit', '--port-offset', '1300'],
            ...['--endorsing-workers', '1'],
          ]),
        ).toBe(0);
        expect(lines.join('\n')).toMatch(/Business day 2026-11-28/);
      } finally {
        log.mockRestore();
        vi.restoreAllMocks();
      }
    },
  );
});
