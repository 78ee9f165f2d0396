import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, layoutFor } from './layout.js';
import { down, loadContext, reset, status, up } from './network.js';
import { isOurs, readPids } from './proc.js';

/**
 * Brings the live network up and down. Needs the built binaries (minutes the first time), so it runs
 * only with TALLYSTICK_FABRIC=1 (`TALLYSTICK_FABRIC=1 npx vitest run network/fabric/src/network.fabric.test.ts`).
 */
const live = process.env.TALLYSTICK_FABRIC === '1';

describe.skipIf(!live)('native Fabric network (live)', () => {
  const layout = layoutFor(findRepoRoot(__dirname));
  const lines: string[] = [];
  const ctx = loadContext(layout, (line) => lines.push(line));

  it('comes up from nothing, serves the channel on every node and leaves no process behind', async () => {
    await reset(ctx);
    try {
      await up(ctx, 1);
      const rows = await status(ctx);
      expect(rows.filter((row) => !row.up).map((row) => row.name)).toEqual([]);
      for (const row of rows.filter((r) => r.kind !== 'ca')) {
        expect(row.heights[ctx.consortium.channel] ?? 0).toBeGreaterThanOrEqual(1);
      }
      const pids = readPids(layout.pidFile);
      await down(ctx);
      expect(Object.values(pids).filter((record) => isOurs(record))).toEqual([]);
      expect(existsSync(layout.pidFile)).toBe(false);
    } finally {
      await down(ctx);
    }
  }, 600_000);
});
