import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { startEmbeddedConsortium } from '../application/src/ledger/embeddedLedger';
import { paymentLegs } from './support/legs';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// With the endorsing peers in a worker thread, the worker's replica of the state is rebuilt from disk too: the
// case read and the idempotent re-post after the restart run there.
describe.each([
  { peers: 'in process', endorsementWorker: false },
  { peers: 'in a worker thread', endorsementWorker: true },
])('the embedded consortium across a restart, peers $peers', ({ endorsementWorker }) => {
  it('loses nothing: cases, breaks, history, private data and enrolments survive', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-restart-'));
    dirs.push(dataDir);
    const p = paymentLegs();
    let height: bigint;
    let breakId: string;
    {
      const c = await startEmbeddedConsortium({ dataDir, endorsementWorker });
      await c.gateway.postLegs(await c.identity('banka-system'), [p.debit]);
      await c.gateway.postLegs(await c.identity('clearing-system'), [p.entry]);
      await c.gateway.postLegs(await c.identity('bankb-system'), [{ ...p.credit, amountMinor: '1' }]);
      const bruno = await c.identity('bruno');
      breakId = (await c.gateway.getCase(bruno, p.caseId)).breaks[0]?.breakId ?? '';
      await c.gateway.assignBreak(bruno, breakId, 'bruno', {
        reference: p.reference,
        comment: 'looking into it',
      });
      height = c.network.height();
      await c.close();
    }
    const c = await startEmbeddedConsortium({ dataDir, endorsementWorker });
    try {
      expect(c.network.height()).toBe(height);
      const bruno = await c.identity('bruno');
      const opened = await c.gateway.readCase(bruno, p.reference);
      expect(opened.case.status).toBe('BROKEN');
      expect(opened.legs.map((l) => l.detail.amountMinor)).toEqual(['1234567', '1234567', '1']);
      expect(opened.breaks[0]?.timeline.at(-1)).toMatchObject({
        action: 'ASSIGN',
        comment: 'looking into it',
      });
      expect(await c.gateway.history(bruno, 'break', breakId)).toHaveLength(2);
      // the ledger goes on from where it stopped
      const again = await c.gateway.postLegs(await c.identity('bankb-system'), [
        { ...p.credit, amountMinor: '1' },
      ]);
      expect(again.result[0]?.outcome).toBe('UNCHANGED');
      expect(again.blockNumber).toBe(height);
      // A break written twice after the restart: with a worker, the replica links each new value to the
      // main thread's record, and the break's history runs from them back through the versions from before.
      for (const comment of ['after the restart', 'and again']) {
        await c.gateway.assignBreak(bruno, breakId, 'bruno', { reference: p.reference, comment });
      }
      const before = c.network.endorsementCounts();
      const history = await c.gateway.history(bruno, 'break', breakId);
      const reopened = await c.gateway.readCase(bruno, p.reference);
      const after = c.network.endorsementCounts();
      expect(history).toHaveLength(4);
      expect(reopened.breaks[0]?.timeline.map((e) => e.comment)).toEqual([
        '',
        'looking into it',
        'after the restart',
        'and again',
      ]);
      // Both queries ran on the worker's peers when there is a worker (it was idle), else in process.
      const onWorkers = (n: typeof after) => n.workers.reduce((a, b) => a + b, 0);
      expect(onWorkers(after) - onWorkers(before)).toBe(endorsementWorker ? 2 : 0);
    } finally {
      await c.close();
    }
  });
});
