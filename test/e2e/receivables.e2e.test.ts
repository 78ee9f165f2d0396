import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { addDays, addMonths } from '../../chaincode/src/core/receivables/calendar';
import {
  joinBlacklistForScreening,
  ReceivablesFlow,
} from '../../application/src/receivables/receivablesFlow';
import { ReceivablesGateway } from '../../application/src/receivables/receivablesGateway';
import { browserSuite } from '../support/browserSuite';

// The receivables pages in a real browser, in English and in Chinese: a core enterprise proposes an issue and its
// approver signs it (four eyes); the supplier accepts; tier 1 sees its parts with the long-term flag and traces
// one to the trade, splits and transfers it to tier 2 (its approver signs); tier 2 offers its part to Bank A,
// whose financier accepts with its terms; the financed book and its maturity calendar. Every page passes axe.

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');
const AXE = readFileSync(join(__dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

const today = new Date().toISOString().slice(0, 10);
const seeded: Record<string, string> = {};
/** Amounts as the console writes them: the ISO code, a no-break space, the amount. */
const SIX_THOUSAND = /CNY\s6,000\.00/;

const { loginAs } = browserSuite({
  dirPrefix: 'tallystick-e2e-receivables-',
  portOffset: 5700,
  seed: async ({ consortium: c }) => {
    // The console's transfers and financings screen the receiving enterprise: both banks take part.
    await joinBlacklistForScreening(c.gateway, (u) => c.identity(u));
    const flow = new ReceivablesFlow(new ReceivablesGateway(c.gateway), (u) => c.identity(u), 'e2e');
    const long = await flow.acceptedToken('200000', addMonths(today, 9), today, 'a seasonal programme');
    const t12 = await flow.confirmedTrade('tier1', 'tier2', '600000', today);
    const forIssue = await flow.confirmedTrade('core', 'tier1', '1000000', today);
    Object.assign(seeded, { longRoot: long.root.partId, t12: t12.tradeId, forIssue: forIssue.tradeId });
  },
});

/** axe-core's WCAG 2 A and AA rules on the page as it stands (run through the DevTools protocol: no CSP). */
async function accessible(page: Page): Promise<void> {
  await page.evaluate(AXE);
  const found = await page.evaluate<string[]>(
    "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))",
  );
  expect(found).toEqual([]);
}

async function open(page: Page, tab: RegExp): Promise<void> {
  await page.getByRole('link', { name: /^(Receivables|应收账款)$/ }).click();
  await page
    .getByRole('navigation', { name: /Receivables pages|应收账款页面/ })
    .getByRole('link', { name: tab })
    .click();
}

/** Clicks Refresh until `text` shows in the element (the index follows the ledger a moment later). */
async function until(page: Page, testId: string, text: string | RegExp): Promise<void> {
  await expect
    .poll(
      async () => {
        const t = await page.getByTestId(testId).innerText();
        if (typeof text === 'string' ? t.includes(text) : text.test(t)) return true;
        await page.getByRole('button', { name: /^(Refresh|刷新)$/ }).click();
        return false;
      },
      { timeout: 20_000, interval: 300 },
    )
    .toBe(true);
}

describe('the receivables pages', () => {
  let tokenId = '';

  it('issues under four eyes: the core enterprise proposes, its approver signs, the supplier accepts', async () => {
    const finance = await loginAs('BankAMSP', 'core-finance');
    // An enterprise's person has no role of the reconciliation's: they start in receivables, are offered none of
    // its screens, and are named by their receivables role (the node streams them nothing: no live badge).
    await expect.poll(() => new URL(finance.url()).hash).toMatch(/^#\/receivables/);
    const header = finance.locator('header');
    await expect.poll(() => header.locator('.who').innerText()).toMatch(/core-finance · Enterprise finance$/);
    expect(await header.getByRole('link').allInnerTexts()).toEqual(['Receivables']);
    expect(await finance.getByTestId('live-state').count()).toBe(0);
    await open(finance, /Tokens and trades/);
    // The policy in force, read-only (governed by the banks through the API and the command line).
    await expect
      .poll(() => finance.getByTestId('receivables-policy').innerText())
      .toMatch(
        /Version 1, the genesis[\s\S]*On a blacklist hit\s+refuse the transfer or financing[\s\S]*BankAMSP, BankBMSP/,
      );
    await accessible(finance);
    const form = finance.getByRole('form', { name: 'Propose an issue (core enterprise)' });
    tokenId = await form.getByLabel('Token id').inputValue();
    await form.getByLabel('Trade id').fill(seeded.forIssue ?? '');
    await form.getByLabel('Amount (minor units)').fill('1000000');
    await form.getByLabel('Maturity').fill(addDays(today, 90));
    await form.getByLabel('Irrevocable payment undertaking').fill('We pay every holder at maturity.');
    await form.getByRole('button', { name: 'Propose' }).click();
    await form
      .getByRole('status')
      .filter({ hasText: `Issue ${tokenId} proposed` })
      .waitFor();

    const approver = await loginAs('BankAMSP', 'core-approver');
    await open(approver, /Tokens and trades/);
    await until(approver, 'receivables-tokens', tokenId);
    await approver.getByTestId('receivables-tokens').getByRole('button', { name: 'Sign' }).click();
    await approver
      .getByRole('status')
      .filter({ hasText: /^Signed, transaction/ })
      .waitFor();

    const supplier = await loginAs('BankBMSP', 'tier1-finance');
    await open(supplier, /Tokens and trades/);
    await until(supplier, 'receivables-tokens', /Signed/);
    await supplier.getByTestId('receivables-tokens').getByRole('button', { name: 'Accept' }).click();
    await supplier
      .getByRole('status')
      .filter({ hasText: `Token ${tokenId}: Accepted.` })
      .waitFor();
  }, 120_000);

  it('shows tier 1 its parts with the long-term flag, traces one to the trade, and splits and transfers it', async () => {
    const finance = await loginAs('BankBMSP', 'tier1-finance');
    await open(finance, /My parts/);
    await until(finance, 'receivables-wallet', `${tokenId}/root`);
    const wallet = await finance.getByTestId('receivables-wallet').innerText();
    expect(wallet).toMatch(new RegExp(`${seeded.longRoot ?? ''}[\\s\\S]*Term over 6 months`));
    const row = finance.getByRole('row').filter({ hasText: `${tokenId}/root` });
    await row.getByRole('button', { name: 'Trace' }).click();
    await expect
      .poll(() => finance.getByTestId('receivables-trace').innerText())
      .toMatch(new RegExp(`issued by 91310000MA1K000006@BankAMSP against trade ${seeded.forIssue ?? ''}`));
    await accessible(finance);

    await row.getByRole('button', { name: 'Split or transfer' }).click();
    const form = finance.getByRole('form', { name: 'Split or transfer' });
    await form.getByLabel('Amount (minor units)').first().fill('400000');
    await form.getByRole('button', { name: 'Add an output' }).click();
    const second = form.getByRole('group', { name: 'Output 2' });
    await second.getByLabel('To (enterprise code@bank)').fill('91110000100000000R@BankAMSP');
    await second.getByLabel('Amount (minor units)').fill('600000');
    await second.getByLabel('Trade id (for a transfer)').fill(seeded.t12 ?? '');
    expect(await form.getByTestId('outputs-sum').innerText()).toMatch(/CNY\s10,000\.00 of CNY\s10,000\.00/);
    await accessible(finance);
    await form.getByRole('button', { name: 'Propose' }).click();
    await form
      .getByRole('status')
      .filter({ hasText: /^Proposed as M-/ })
      .waitFor();

    const approver = await loginAs('BankBMSP', 'tier1-approver');
    await open(approver, /My parts/);
    await until(approver, 'receivables-moves-to-sign', 'CNY');
    await approver
      .getByTestId('receivables-moves-to-sign')
      .getByRole('button', { name: /^Sign M-/ })
      .click();
    await approver
      .getByRole('status')
      .filter({ hasText: /^Signed, transaction/ })
      .waitFor();
    await until(approver, 'receivables-wallet', /Split or transferred/);
    await approver.screenshot({ path: join(SCREENSHOTS, 'receivables-wallet.png'), fullPage: true });
  }, 120_000);

  it('tier 2 offers its part to Bank A; the financier accepts with its terms; the book and its calendar', async () => {
    const tier2 = await loginAs('BankAMSP', 'tier2-finance');
    await open(tier2, /My parts/);
    await until(tier2, 'receivables-wallet', SIX_THOUSAND);
    const row = tier2.getByRole('row').filter({ hasText: SIX_THOUSAND });
    await row.getByRole('button', { name: 'Offer for financing' }).click();
    const offer = tier2.getByRole('form', { name: 'Offer for financing' });
    await offer.getByLabel('Bank').selectOption('BankAMSP');
    await offer.getByRole('button', { name: 'Offer for financing' }).click();
    await offer
      .getByRole('status')
      .filter({ hasText: /^Offered to BankAMSP/ })
      .waitFor();

    const financier = await loginAs('BankAMSP', 'banka-financier');
    await open(financier, /Financing/);
    await until(financier, 'receivables-offers', SIX_THOUSAND);
    await accessible(financier);
    const answer = financier.getByTestId('receivables-offers');
    await answer.getByLabel('Discount rate (basis points a year)').fill('500');
    await answer.getByRole('button', { name: 'Accept' }).click();
    await financier
      .getByRole('status')
      .filter({
        hasText:
          /^Financed: discount CNY\s[\d.,]+, fee CNY\s0\.00, proceeds CNY\s[\d.,]+ \(\d+ days, HALF_UP\)\.$/,
      })
      .waitFor();
    await until(financier, 'receivables-book', '500 bp ACT/360');
    await until(financier, 'receivables-calendar', SIX_THOUSAND);
    await accessible(financier);
    await financier.screenshot({ path: join(SCREENSHOTS, 'receivables-financing.png'), fullPage: true });
  }, 120_000);

  it('draws the token tree as a graph: the core enterprise down to every part, with status, holder and financing; opens, closes and selects by mouse and keyboard', async () => {
    const page = await loginAs('BankBMSP', 'tier1-finance');
    await open(page, /My parts/);
    const FOUR_THOUSAND = /CNY\s4,000\.00/;
    await until(page, 'receivables-wallet', FOUR_THOUSAND);
    await page
      .getByRole('row')
      .filter({ hasText: FOUR_THOUSAND })
      .getByRole('button', { name: 'Trace' })
      .click();
    const tree = page.getByRole('tree', {
      name: 'Token tree: the core enterprise and every part you may see',
    });
    await tree.waitFor();
    const issuer = tree.getByRole('treeitem', { name: /^Core enterprise 91310000MA1K000006@BankAMSP/ });
    expect(await issuer.getAttribute('aria-expanded')).toBe('true');
    const root = tree.getByRole('treeitem', { name: new RegExp(`^${tokenId}/root`) });
    expect(await root.getAttribute('aria-expanded')).toBe('true');
    // The root was split: tier 1 kept a part, tier 2's part is financed by Bank A.
    const financed = tree.getByRole('treeitem', { name: /financed by BankAMSP/ });
    expect(await financed.innerText()).toMatch(/CNY\s6,000\.00 · BankAMSP[\s\S]*Financed/);
    await financed.click();
    const details = page.getByTestId('receivables-graph-details');
    await expect
      .poll(() => details.innerText())
      .toMatch(/BankAMSP financed it, for 91110000100000000R@BankAMSP/);
    expect(await financed.getAttribute('aria-selected')).toBe('true');
    // The keyboard: from the root, Left closes it (its parts leave the graph), Right opens it again, Down moves.
    await root.focus();
    await page.keyboard.press('ArrowLeft');
    expect(await root.getAttribute('aria-expanded')).toBe('false');
    expect(await tree.getByRole('treeitem', { name: /financed by BankAMSP/ }).count()).toBe(0);
    expect(await root.innerText()).toContain('2 below');
    await page.keyboard.press('ArrowRight');
    expect(await root.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => details.innerText()).toMatch(new RegExp(`Parent\\s+${tokenId}/root`));
    await accessible(page);
    await page
      .getByTestId('receivables-trace')
      .screenshot({ path: join(SCREENSHOTS, 'receivables-graph.png') });
    // The same graph in Chinese.
    await page.locator('label.lang select').first().selectOption('zh-CN');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await open(page, /我的凭证/);
    await until(page, 'receivables-wallet', FOUR_THOUSAND);
    await page
      .getByRole('row')
      .filter({ hasText: FOUR_THOUSAND })
      .getByRole('button', { name: '溯源' })
      .click();
    const zhTree = page.getByRole('tree', { name: '凭证树：核心企业及您可见的全部份额' });
    await zhTree.waitFor();
    expect(await zhTree.innerText()).toMatch(/核心企业 91310000MA1K000006@BankAMSP[\s\S]*由 BankAMSP 融资/);
    expect(await page.getByTestId('receivables-graph').innerText()).not.toMatch(
      /Financed|Core enterprise|below/,
    );
    await accessible(page);
    await page.locator('label.lang select').first().selectOption('en');
  }, 120_000);

  it('reads the same pages in Chinese, every word translated', async () => {
    const page = await loginAs('BankBMSP', 'tier1-finance');
    await page.locator('label.lang select').first().selectOption('zh-CN');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await open(page, /我的凭证/);
    await until(page, 'receivables-wallet', '期限超过 6 个月');
    const text = await page.getByTestId('receivables-wallet').innerText();
    expect(text).toMatch(/凭证份额[\s\S]*到期日[\s\S]*已拆分或流转/);
    expect(text).not.toMatch(/Held|Term over|Trace|Split or/);
    await accessible(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'receivables-wallet-zh.png'), fullPage: true });
  }, 60_000);
});
