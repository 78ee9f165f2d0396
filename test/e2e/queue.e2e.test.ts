import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import type { Committed } from '../../application/src/ledger/ledgerGateway';
import { browserSuite } from '../support/browserSuite';
import { started, type EmbeddedNodes } from '../support/consoleNodes';
import { paymentLegs, ROUTE, TWO_BANK_ROUTE } from '../support/legs';

// The triage queue in Chromium, in English and in Chinese: its columns (own leg's amount, currency, value date
// and reference, counterparties, age with the service-level flag), sorting by a click on a column's header,
// filters, the CSV export, a closed break found with its resolution, and the URL as the queue's one source (a
// link to a filtered queue applies without a reload).

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');

/** Bank B's own legs of five amount breaks: amount (minor units), currency, value date. */
const OWN = [
  ['30000', 'CNY', '2026-11-25'],
  ['1200000', 'USD', '2026-11-26'],
  ['450000', 'CNY', '2026-11-27'],
  ['7000', 'JPY', '2026-11-24'],
  ['9999900', 'CNY', '2026-11-26'],
] as const;
const references: string[] = [];
/** Bank B's leg missing for two days (breached); and one that came late, its break cleared. */
let missingReference = '';
let clearedReference = '';

async function seed({ consortium: c, indexers }: EmbeddedNodes): Promise<void> {
  const bankA = await c.identity('banka-system');
  const bankBSystem = await c.identity('bankb-system');
  const clearing = await c.identity('clearing-system');
  let last: Committed<unknown>;
  for (const [i, [amount, currency, valueDate]] of OWN.entries()) {
    const route = i === 4 ? ROUTE : TWO_BANK_ROUTE;
    const p = paymentLegs({ route, currency, valueDate });
    await c.gateway.postLegs(bankA, [{ ...p.debit, amountMinor: '1' }]);
    if (i === 4) await c.gateway.postLegs(clearing, [p.entry]);
    last = await c.gateway.postLegs(bankBSystem, [{ ...p.credit, amountMinor: amount }]);
    references.push(p.reference);
  }
  // Two payments whose Bank B leg did not come within the service level (60 s), two days ago: both flagged
  // missing; one leg then arrives and its break is cleared.
  const twoDaysAgo = Date.now() - 2 * 86_400_000;
  const at = (ms: number) => ({ timestamp: new Date(twoDaysAgo + ms) });
  const missing = paymentLegs({ route: TWO_BANK_ROUTE, valueDate: '2026-11-20' });
  const late = paymentLegs({ route: TWO_BANK_ROUTE, valueDate: '2026-11-21' });
  await c.gateway.postLegs(bankA, [missing.debit, late.debit], at(0));
  await c.gateway.sweep(bankA, 1000, at(61_000));
  last = await c.gateway.postLegs(bankBSystem, [late.credit], at(120_000));
  missingReference = missing.reference;
  clearedReference = late.reference;
  await started(indexers.get('BankBMSP')).waitFor({ txId: last.txId, blockNumber: last.blockNumber });
}

const suite = browserSuite({ dirPrefix: 'tallystick-e2e-queue-', portOffset: 2300, seed });

const rows = (page: Page) => page.getByTestId('queue').locator('tbody tr');
/** The own references of the rows shown, in order ('' for a break with no leg of Bank B's). */
const shownReferences = async (page: Page) =>
  (await page.getByTestId('queue').locator('tbody td.reference').allInnerTexts()).map((x) => x.trim());
/** The references of OWN in the order of their amounts. */
const byAmount = (order: 'asc' | 'desc') =>
  OWN.map(([amount], i) => ({ amount: BigInt(amount), reference: references[i] ?? '' }))
    .sort((a, b) => (a.amount < b.amount ? -1 : 1) * (order === 'asc' ? 1 : -1))
    .map((x) => x.reference);
const ofCurrency = (currency: string) => references.filter((_, i) => OWN[i]?.[1] === currency);

/** Moves to a queue URL as a link in the page would, and checks that the page was not reloaded. */
async function followLink(page: Page, hash: string): Promise<void> {
  type Win = { location: { hash: string }; notReloaded?: boolean };
  await page.evaluate((h) => {
    const w = globalThis as unknown as Win;
    w.notReloaded = true;
    w.location.hash = h;
  }, hash);
  await expect.poll(() => page.url()).toContain(hash);
  expect(await page.evaluate(() => (globalThis as unknown as Win).notReloaded)).toBe(true);
}

async function exported(page: Page, button: string): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^queue-BankBMSP-\d{4}-\d\d-\d\d\.csv$/);
  const path = await download.path();
  return readFileSync(path, 'utf8').trimEnd().split('\r\n');
}

describe('the triage queue in Chromium', () => {
  it('sorts by a header, filters, exports, follows a link without reload and finds a closed break (English)', async () => {
    const page = await suite.loginAs('BankBMSP', 'bruno');
    await expect.poll(() => rows(page).count()).toBe(6);
    // The breached break: Bank B's leg missing for two days, no own facts, flagged.
    const breached = rows(page).filter({ hasText: 'Breached' });
    expect(await breached.count()).toBe(1);
    expect(await breached.innerText()).toContain('no leg of yours');

    // A click on Amount sorts ascending (the break without an amount of ours first), again descending.
    await page.getByRole('button', { name: 'Amount', exact: true }).click();
    await expect.poll(() => shownReferences(page)).toEqual(['', ...byAmount('asc')]);
    const amountHeader = page.locator('th', {
      has: page.getByRole('button', { name: 'Amount', exact: true }),
    });
    expect(await amountHeader.getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: 'Amount', exact: true }).click();
    await expect.poll(() => shownReferences(page)).toEqual([...byAmount('desc'), '']);
    expect(page.url()).toMatch(/#\/queue\?sort=amount&order=desc$/);
    expect(await amountHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await page.getByLabel('Sort by').inputValue()).toBe('amount');

    // Filters: currency, then an amount range in its major units, then a counterparty.
    await page.getByLabel('Currency', { exact: true }).selectOption('CNY');
    await expect
      .poll(() => shownReferences(page))
      .toEqual(byAmount('desc').filter((r) => ofCurrency('CNY').includes(r)));
    await page.getByLabel('Amount from').fill('4000');
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(page.url()).toContain('currency=CNY&amountMin=4000');
    expect(await rows(page).first().innerText()).toMatch(/99,999\.00/);
    await page.getByLabel('Counterparty', { exact: true }).selectOption('ClearingHouseMSP');
    await expect.poll(() => shownReferences(page)).toEqual([references[4]]);
    expect(await rows(page).innerText()).toContain('Bank A, Clearing House');

    // The export is the view: CNY from 4,000, via the clearing house, amounts in major units.
    await page.getByLabel('Counterparty', { exact: true }).selectOption('');
    await expect.poll(() => rows(page).count()).toBe(2);
    const csv = await exported(page, 'Export CSV');
    expect(csv[0]).toBe(
      'break_id,case_id,reason,status,resolution,opened_at,updated_at,age_ms,service_level,assignee,counterparties,amount,currency,value_date,own_reference,root_cause,due_at,escalated',
    );
    expect(csv.slice(1).map((l) => l.split(',').slice(11, 15))).toEqual([
      ['99999.00', 'CNY', '2026-11-26', references[4]],
      ['4500.00', 'CNY', '2026-11-27', references[2]],
    ]);
    await page.getByRole('status').filter({ hasText: 'Exported 2 breaks.' }).waitFor();

    // A link to another filtered queue applies at once, without a reload (the URL is the queue's state).
    await followLink(page, '#/queue?currency=USD&sort=valueDate');
    await expect.poll(() => shownReferences(page)).toEqual(ofCurrency('USD'));
    expect(await page.getByLabel('Currency', { exact: true }).inputValue()).toBe('USD');
    expect(await page.getByLabel('Amount from').inputValue()).toBe('');
    expect(await page.getByLabel('Sort by').inputValue()).toBe('valueDate');
    // Back and forward move between the two views, each applied as it comes.
    await page.goBack();
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await page.getByLabel('Currency', { exact: true }).inputValue()).toBe('CNY');
    await page.goForward();
    await expect.poll(() => shownReferences(page)).toEqual(ofCurrency('USD'));

    // Closed breaks, with their resolution, searched by the payment reference.
    await followLink(page, '#/queue');
    await expect.poll(() => rows(page).count()).toBe(6);
    await page.screenshot({ path: join(SCREENSHOTS, 'queue-triage.png') });
    await page.getByLabel('Status').selectOption('RESOLVED');
    await page.getByRole('heading', { name: 'Closed breaks' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill(clearedReference);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => shownReferences(page)).toEqual([clearedReference]);
    expect(await rows(page).innerText()).toContain('Cleared (the difference went away)');
    expect(page.url()).not.toContain(clearedReference);
    expect(missingReference).not.toBe('');
    await page.context().close();
  });

  it('does the same in Chinese: headers, sorting, filters, export and closed breaks', async () => {
    const page = await suite.loginAs('BankBMSP', 'bella');
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '未处理差错' }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(6);
    expect(await rows(page).filter({ hasText: '已超时' }).count()).toBe(1);
    await page.getByRole('button', { name: '金额', exact: true }).click();
    await page.getByRole('button', { name: '金额', exact: true }).click();
    await expect.poll(() => shownReferences(page)).toEqual([...byAmount('desc'), '']);
    await page.getByLabel('币种', { exact: true }).selectOption('CNY');
    await expect.poll(() => rows(page).count()).toBe(3);
    await page.getByLabel('起息日自').fill('2026-11-26');
    await expect.poll(() => shownReferences(page)).toEqual([references[4], references[2]]);
    await page.screenshot({ path: join(SCREENSHOTS, 'queue-triage-zh.png') });
    const csv = await exported(page, '导出 CSV');
    expect(csv).toHaveLength(3);
    await page.getByRole('status').filter({ hasText: '已导出 2 笔差错。' }).waitFor();
    await followLink(page, '#/queue?status=RESOLVED');
    await page.getByRole('heading', { name: '已处理差错' }).waitFor();
    await expect.poll(() => shownReferences(page)).toEqual([clearedReference]);
    expect(await rows(page).innerText()).toContain('自动消除（差异已不存在）');
    expect(await page.getByLabel('状态').inputValue()).toBe('RESOLVED');
    await page.context().close();
  });
});
