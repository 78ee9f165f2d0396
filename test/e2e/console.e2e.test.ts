import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BlockIndexer } from '../../application/src/indexer/blockIndexer';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedgerGateway';
import { startInstitutionNodes, type RunningNode } from '../../application/src/node/institutionNodes';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import { paymentLegs } from '../support/legs';

// The console in a real browser: Debian's Chromium driven by playwright-core (no browser download). The flags
// keep Chromium from reaching out to the network, which this machine's closed network would refuse.
const CHROMIUM = process.env.TALLYSTICK_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '../../docs/screenshots');
const root = join(__dirname, '../..');

let dir: string;
let consortium: EmbeddedConsortium | undefined;
let nodes: RunningNode[] | undefined;
const indexers = new Map<string, BlockIndexer>();
let browser: Browser | undefined;

const started = <T>(v: T | undefined): T => {
  if (v === undefined) throw new Error('beforeAll did not finish');
  return v;
};
const urlOf = (mspId: string) => nodes?.find((n) => n.mspId === mspId)?.url ?? '';

beforeAll(async () => {
  // The node serves what `npm run build:console` made; build it here so the test sees the current sources.
  execFileSync(
    join(root, 'node_modules/.bin/vite'),
    ['build', 'application/console', '--logLevel', 'error'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  dir = mkdtempSync(join(tmpdir(), 'tallystick-e2e-'));
  const c = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  consortium = c;
  const running = await startInstitutionNodes(c, {
    dataDir: dir,
    portOffset: 1900,
    log: () => undefined,
    env: {},
  });
  nodes = running;
  for (const n of running) indexers.set(n.mspId, await n.startIndexer());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright-core gives every launch a fresh, temporary --user-data-dir of its own (it refuses one passed here).
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all((nodes ?? []).map((n) => n.close()));
  await consortium?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser session (its own sessionStorage) logged in at the person's own institution's console. */
async function loginAs(mspId: string, user: string): Promise<Page> {
  const context = await started(browser).newContext({
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
  });
  const page = await context.newPage();
  await page.goto(urlOf(mspId));
  await page.getByLabel('Enrolment id').fill(user);
  await page.getByLabel('Secret').fill(`${user}-pw`);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect.poll(() => page.getByText(`Logged in as ${user}`).count()).toBe(1);
  return page;
}

async function openBreak(page: Page, breakId: string, reference: string): Promise<void> {
  await page.getByRole('button', { name: `Open ${breakId}` }).click();
  await page.getByLabel('Payment reference').fill(reference);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
}

async function act(page: Page, button: string, comment?: string): Promise<void> {
  if (comment !== undefined) await page.getByRole('textbox', { name: 'Comment' }).fill(comment);
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'the ledger committed it' }).waitFor();
}

const timeline = async (page: Page) =>
  (await page.getByTestId('timeline').locator('tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));

describe('the web console in Chromium', () => {
  it('logs in, finds the break in the queue, opens it, assigns and comments; four eyes across two institutions', async () => {
    // A payment whose creditor leg timed out at Bank B while Bank A and the clearing house settled it.
    const p = paymentLegs();
    const post = async (user: string, leg: object) =>
      started(consortium).gateway.postLegs(await started(consortium).identity(user), [leg as typeof p.debit]);
    await post('banka-system', p.debit);
    await post('clearing-system', p.entry);
    const last = await post('bankb-system', { ...p.credit, outcome: 'TIMED_OUT', amountMinor: '1234500' });
    for (const i of indexers.values()) await i.waitFor({ txId: last.txId, blockNumber: last.blockNumber });

    const bruno = await loginAs('BankBMSP', 'bruno');
    await bruno.screenshot({ path: join(SCREENSHOTS, 'queue.png') });
    // The break of this case, found through the queue's filter.
    await bruno.getByLabel('Reason').selectOption('AMOUNT_MISMATCH');
    const caseId = caseIdOf(p.reference);
    const api = await fetch(`${urlOf('BankBMSP')}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentId: 'bruno', secret: 'bruno-pw' }),
    });
    const { token } = (await api.json()) as { token: string };
    const queue = (await (
      await fetch(`${urlOf('BankBMSP')}/v1/queue?reason=AMOUNT_MISMATCH&limit=200`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { items: { breakId: string; caseId: string }[] };
    const breakId = queue.items.find((b) => b.caseId === caseId)?.breakId;
    expect(breakId).toBeDefined();
    const id = breakId ?? '';
    await bruno.getByRole('button', { name: `Open ${id}` }).waitFor();

    await openBreak(bruno, id, p.reference);
    // Legs side by side: the amount and the outcome differ and are marked so.
    const differing = await bruno.locator('tr.differs th').allInnerTexts();
    expect(differing.join(' ')).toMatch(/Amount/);
    expect(differing.join(' ')).toMatch(/Outcome/);
    await act(bruno, 'Assign');
    await act(bruno, 'Comment', 'core banking shows 12,345.00 settled');
    expect(await timeline(bruno)).toEqual([
      expect.stringMatching(/bankb-system \(BankBMSP\)\s*Open/) as string,
      expect.stringMatching(/bruno \(BankBMSP\)\s*Assigned → bruno/) as string,
      expect.stringMatching(/bruno \(BankBMSP\)\s*Comment.*core banking shows 12,345.00 settled/) as string,
    ]);
    await bruno.screenshot({ path: join(SCREENSHOTS, 'break-detail.png'), fullPage: true });

    // Four eyes: bruno proposes; he cannot approve his own proposal (the error is shown); bella approves.
    await bruno.getByLabel('Resolution').selectOption('CORRECT_LEG');
    await act(bruno, 'Propose', 'correct our leg to the settled amount');
    await bruno.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => bruno.getByRole('alert').innerText()).toMatch(/approv/i);

    // Keyboard only: Bella logs in with Tab and Enter, and a wrong reference is refused with the node's message.
    const bella = await (
      await started(browser).newContext({ viewport: { width: 1280, height: 860 } })
    ).newPage();
    await bella.goto(urlOf('BankBMSP'));
    // Keys typed before the app has rendered its form would be lost: wait for the form first.
    await bella.getByLabel('Enrolment id').waitFor();
    await bella.keyboard.press('Tab'); // the language picker comes first
    await bella.keyboard.press('Tab');
    await bella.keyboard.type('bella');
    await bella.keyboard.press('Tab');
    await bella.keyboard.type('bella-pw');
    await bella.keyboard.press('Enter');
    await bella.getByText('Logged in as bella').waitFor();
    await bella.getByRole('button', { name: `Open ${id}` }).click();
    await bella.getByLabel('Payment reference').fill('not-the-reference');
    await bella.keyboard.press('Enter');
    await expect.poll(() => bella.getByRole('alert').count()).toBe(1);
    await bella.getByRole('button', { name: 'Breaks queue' }).click();
    await openBreak(bella, id, p.reference);
    await act(bella, 'Approve');

    // The other institutions accept on their own consoles.
    for (const [mspId, user] of [
      ['BankAMSP', 'alice'],
      ['ClearingHouseMSP', 'chen'],
    ] as const) {
      const page = await loginAs(mspId, user);
      await openBreak(page, id, p.reference);
      await act(page, 'Accept', `ok for ${mspId}`);
      await page.context().close();
    }

    await bruno.getByRole('button', { name: 'Open', exact: true }).click();
    await act(bruno, 'Resolve', 'adjustment 881 posted');
    expect(await bruno.getByTestId('break-status').innerText()).toBe('Resolved');
    expect((await timeline(bruno)).map((r) => /\((\w+MSP)\)\s*(\w+)/.exec(r)?.slice(1).join(' '))).toEqual([
      'BankBMSP Open',
      'BankBMSP Assigned',
      'BankBMSP Comment',
      'BankBMSP Proposed',
      'BankBMSP Approved',
      'BankAMSP Accepted',
      'ClearingHouseMSP Accepted',
      'BankBMSP Resolved',
    ]);

    // The same screen in Chinese: labels and codes translated, dates per locale.
    await bruno.getByLabel('Language').selectOption('zh-CN');
    await bruno.getByRole('heading', { name: '处理记录' }).waitFor();
    expect(await bruno.getByTestId('break-status').innerText()).toBe('已处理');
    await bruno.screenshot({ path: join(SCREENSHOTS, 'break-detail-zh.png'), fullPage: true });
    await bruno.getByLabel('语言').selectOption('en');

    await bruno.getByRole('button', { name: 'Dashboard' }).click();
    await bruno.getByTestId('by-reason').waitFor();
    await expect.poll(() => bruno.getByText('Legs posted').count()).toBeGreaterThan(0);
    await bruno.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });

    // Live: a new break shows on the open dashboard without a reload (polled every second in this slice).
    const openMismatches = async () =>
      Number(
        (await bruno.getByTestId('by-reason').locator('tr', { hasText: 'Amount mismatch' }).allInnerTexts())
          .join('')
          .split('\t')[1] ?? 0,
      );
    const before = await openMismatches();
    const q = paymentLegs();
    const postedAt = Date.now();
    await post('banka-system', q.debit);
    await post('bankb-system', { ...q.credit, amountMinor: '1' });
    await expect.poll(openMismatches, { timeout: 3000, interval: 50 }).toBe(before + 1);
    const arrivalMs = Date.now() - postedAt;
    expect(arrivalMs).toBeLessThan(3000);
    await bruno.getByRole('button', { name: 'Breaks queue' }).click();
    await bruno.getByRole('cell', { name: 'Amount mismatch' }).first().waitFor();

    // Auditor view: the break's provenance, one version per committed transaction.
    await bruno.getByRole('button', { name: 'Provenance' }).click();
    await bruno.getByLabel('Id').fill(id);
    await bruno.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => bruno.locator('main tbody tr').count()).toBe(8);
    await bruno.screenshot({ path: join(SCREENSHOTS, 'provenance.png') });

    await bruno.getByRole('button', { name: 'Log out' }).click();
    await bruno.getByRole('button', { name: 'Log in' }).waitFor();
    await bruno.screenshot({ path: join(SCREENSHOTS, 'login.png') });
  });

  it('pages through the queue by cursor, filtered by reason', async () => {
    // Twelve amount mismatches in two transactions: Bank A's debits, then Bank B's credits with other amounts.
    const payments = Array.from({ length: 12 }, () => paymentLegs());
    const c = started(consortium);
    await c.gateway.postLegs(
      await c.identity('banka-system'),
      payments.map((x) => x.debit),
    );
    const last = await c.gateway.postLegs(
      await c.identity('bankb-system'),
      payments.map((x) => ({ ...x.credit, amountMinor: '7' })),
    );
    await started(indexers.get('BankBMSP')).waitFor({ txId: last.txId, blockNumber: last.blockNumber });

    const page = await loginAs('BankBMSP', 'bruno');
    await page.getByLabel('Reason').selectOption('AMOUNT_MISMATCH');
    await page.getByLabel('Per page').selectOption('10');
    const ids = async () => page.locator('main tbody td.mono').allInnerTexts();
    await expect.poll(async () => (await ids()).length).toBe(10);
    const first = await ids();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(async () => (await ids())[0]).not.toBe(first[0]);
    const second = await ids();
    expect(second.length).toBeGreaterThanOrEqual(2);
    expect(second.filter((x) => first.includes(x))).toEqual([]);
    await page.getByRole('button', { name: 'First page' }).click();
    await expect.poll(ids).toEqual(first);
    await page.context().close();
  });
});
