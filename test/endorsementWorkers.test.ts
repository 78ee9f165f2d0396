import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddedConsortium, type EmbeddedConsortium } from '../application/src/ledger/embeddedLedger';
import { paymentLegs } from './support/legs';

describe('the embedded network with two endorsing worker threads', () => {
  let dataDir: string;
  let c: EmbeddedConsortium;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tallystick-workers-'));
    c = await startEmbeddedConsortium({ dataDir, durability: 'none', endorsementWorker: 2 });
  });

  afterAll(async () => {
    await c.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every replica on the committed state: concurrent posts match, and each next step sees the last', async () => {
    const payments = Array.from({ length: 24 }, () => paymentLegs());
    const a = await c.identity('banka-system');
    const ch = await c.identity('clearing-system');
    const b = await c.identity('bankb-system');
    // One transaction per leg, many in flight: proposals spread over both workers.
    await Promise.all(payments.map((p) => c.gateway.postLegs(a, [p.debit])));
    await Promise.all(payments.map((p) => c.gateway.postLegs(ch, [p.entry])));
    await Promise.all(
      payments.map((p, i) =>
        c.gateway.postLegs(b, [i % 6 === 0 ? { ...p.credit, amountMinor: '1' } : p.credit]),
      ),
    );
    // The proposals went to both workers and, while both were busy, to the main thread's own peers.
    const counts = c.network.endorsementCounts();
    expect(counts.workers).toHaveLength(2);
    expect(Math.min(...counts.workers)).toBeGreaterThan(0);
    expect(counts.mainThread).toBeGreaterThan(0);
    expect(counts.mainThread + counts.workers.reduce((a, b) => a + b, 0)).toBe(72);
    const bruno = await c.identity('bruno');
    const cases = await Promise.all(payments.map((p) => c.gateway.getCase(bruno, p.caseId)));
    expect(cases.map((k) => k.status)).toEqual(payments.map((_, i) => (i % 6 === 0 ? 'BROKEN' : 'MATCHED')));

    // Sequential steps without retries: each is simulated, on whichever worker, after the one before committed.
    const raw = c.gateway.withoutRetries();
    const p = payments[0];
    if (p === undefined) throw new Error('no payment');
    const breakId = cases[0]?.breaks[0]?.breakId ?? '';
    await raw.assignBreak(bruno, breakId, 'bruno', { reference: p.reference, comment: 'mine' });
    for (let i = 0; i < 6; i++) {
      await raw.assignBreak(bruno, breakId, 'bruno', { reference: p.reference, comment: `note ${i}` });
    }
    const opened = await c.gateway.readCase(bruno, p.reference);
    expect(opened.breaks[0]?.timeline.filter((e) => e.action === 'ASSIGN')).toHaveLength(7);
  });

  it('refuses a thread count that is not a positive integer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallystick-workers-bad-'));
    try {
      await expect(startEmbeddedConsortium({ dataDir: dir, endorsementWorker: 1.5 })).rejects.toThrow(
        /chaincode\.worker\.threads must be an integer >= 1/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
