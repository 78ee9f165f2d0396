import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BlockIndexer } from '../../application/src/indexer/blockIndexer';
import type { LedgerConnection } from '../../application/src/ledger/connection';
import { startInstitutionNodes, type RunningNode } from '../../application/src/node/institutionNodes';
import { paymentLegs } from '../support/legs';
import {
  act,
  buildConsole,
  findBreakByReference,
  launchChromium,
  loginAs,
  openBreak,
  othersAccept,
  postCorrection,
  timelineSteps,
} from './browser';

/**
 * The README's walkthrough in Chromium against institution nodes on the given ledger, as `npm start` serves
 * them (one composition root for both backends): a break resolved across two institutions with four eyes,
 * then the auditor's provenance with each version's signer as its block records it, and the index checked
 * against the ledger. The live suite runs it on Fabric (test/conformance/fabric.fabric.test.ts) when Chromium
 * is there (TALLYSTICK_E2E=1, which .ci/run sets); the embedded network's console suite is console.e2e.test.ts.
 */
export function defineWalkthrough(ledger: () => LedgerConnection, label: string): void {
  describe(`the README walkthrough in Chromium on ${label}`, () => {
    let dir = '';
    let nodes: RunningNode[] = [];
    const indexers = new Map<string, BlockIndexer>();
    let browser: Browser | undefined;
    let resolved: { breakId: string } | undefined;
    const urlOf = (mspId: string) => nodes.find((n) => n.mspId === mspId)?.url ?? '';
    const chromium = () => {
      if (!browser) throw new Error('beforeAll did not finish');
      return browser;
    };

    beforeAll(async () => {
      buildConsole();
      dir = mkdtempSync(join(tmpdir(), 'tallystick-walkthrough-'));
      // Each node with its own PGlite index (env without DATABASE_URL), following the ledger from block 0.
      nodes = await startInstitutionNodes(ledger(), {
        dataDir: dir,
        portOffset: 2900,
        log: () => undefined,
        env: {},
      });
      for (const n of nodes) indexers.set(n.mspId, await n.startIndexer());
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await Promise.all(nodes.map((n) => n.close()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('resolves a break across two institutions with four eyes', { timeout: 900_000 }, async () => {
      const c = ledger();
      const p = paymentLegs();
      const post = async (user: string, leg: object) =>
        c.gateway.postLegs(await c.identity(user), [leg as typeof p.debit]);
      await post('banka-system', p.debit);
      await post('clearing-system', p.entry);
      const last = await post('bankb-system', { ...p.credit, outcome: 'TIMED_OUT', amountMinor: '1234500' });
      for (const i of indexers.values())
        await i.waitFor({ txId: last.txId, blockNumber: last.blockNumber }, 400_000);

      const bruno = await loginAs(chromium(), urlOf('BankBMSP'), 'bruno');
      const id = await findBreakByReference(bruno, p.reference, 'AMOUNT_MISMATCH');
      expect(id).toMatch(/^brk-[0-9a-f]{28}$/);
      await openBreak(bruno, id);
      await act(bruno, 'Assign');
      await bruno.getByLabel('Resolution').selectOption('CORRECT_LEG');
      await bruno.getByLabel('Root cause').selectOption('DATA_ENTRY');
      await act(bruno, 'Propose', 'correct our leg to the settled amount');
      // Four eyes: the proposer is offered no Approve; a second person of Bank B, an approver, approves.
      expect(await bruno.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
      const bella = await loginAs(chromium(), urlOf('BankBMSP'), 'bella');
      await findBreakByReference(bella, p.reference, 'AMOUNT_MISMATCH');
      await openBreak(bella, id);
      await act(bella, 'Approve');
      await bella.context().close();
      // The other institutions accept on their own nodes' consoles.
      await othersAccept(id, async (mspId, user) => {
        const page = await loginAs(chromium(), urlOf(mspId), user);
        await findBreakByReference(page, p.reference, 'AMOUNT_MISMATCH');
        return page;
      });
      // Bruno's open break follows the others' decisions live, pushed as his node indexes each block.
      await expect
        .poll(() => bruno.getByTestId('break-status').innerText(), { timeout: 60_000 })
        .toBe('Accepted');
      // Correcting the leg is posting the corrected leg, not saying so: Resolve stays disabled for it.
      expect(await bruno.getByRole('button', { name: 'Resolve', exact: true }).isDisabled()).toBe(true);
      await postCorrection(bruno, { amount: '12345.67', outcome: 'SETTLED' });
      // The legs agree now; the corrected leg is listed apart.
      expect(await bruno.locator('tr.differs').count()).toBe(0);
      expect(await bruno.getByTestId('superseded-legs').innerText()).toContain(p.credit.legId);
      expect(await timelineSteps(bruno)).toEqual([
        '— Open',
        'Bank B Assigned',
        'Bank B Proposed',
        'Bank B Approved',
        'Bank A Accepted',
        'Clearing House Accepted',
        '— Cleared',
      ]);
      await bruno.context().close();
      resolved = { breakId: id };
    });

    it(
      "shows the auditor every version with the signer's certificate from the block, and the index agrees with the ledger",
      {
        timeout: 300_000,
      },
      async () => {
        const breakId = resolved?.breakId;
        expect(breakId, 'the four-eyes test resolved a break').toBeDefined();
        if (breakId === undefined) return;
        const audrey = await loginAs(chromium(), urlOf('AuditorMSP'), 'audrey');
        await audrey.getByRole('heading', { name: 'Provenance' }).waitFor();
        const listed = audrey.getByTestId('all-breaks').locator('tr', { hasText: breakId });
        await expect
          .poll(() => listed.innerText(), { timeout: 60_000 })
          .toMatch(/Amount mismatch\s+Resolved\s+Bank A, Bank B, Clearing House/);
        await listed.getByRole('link', { name: breakId }).click();
        const rows = audrey.getByTestId('provenance').locator('tbody tr');
        await expect.poll(() => rows.count()).toBe(7);
        const text = (await rows.allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));
        // Newest first. Each signer is the certificate in the transaction's envelope: issued by the institution's
        // own fabric-ca (its CN ca.<mspid>), with the person's enrolment id as CN.
        expect(text[0]).toMatch(/ Bank B \(BankBMSP\) \S*CN=bruno issued by .*CN=ca\.bankbmsp.* Resolved$/);
        expect(text[6]).toMatch(
          / Bank B \(BankBMSP\) \S*CN=bankb-system issued by .*CN=ca\.bankbmsp.* Open$/,
        );
        expect(text.some((r) => /\(BankBMSP\) \S*CN=bella .* Approved$/.test(r))).toBe(true);
        expect(text.some((r) => /\(BankAMSP\) \S*CN=alice issued by .*CN=ca\.bankamsp/.test(r))).toBe(true);
        expect(text.some((r) => /\(ClearingHouseMSP\) \S*CN=chen /.test(r))).toBe(true);
        for (const r of text) expect(r).toMatch(/^\d \S.* [\d,]+ · \d+ [0-9a-f]{64} /);

        await audrey.getByRole('button', { name: 'Check the index' }).click();
        await expect
          .poll(() => audrey.getByTestId('verify').innerText(), { timeout: 300_000 })
          .toMatch(
            /^The index agrees with the ledger: [\d,]+ cases and [\d,]+ breaks checked up to block [\d,]+\.$/,
          );
        await audrey.context().close();
      },
    );
  });
}
