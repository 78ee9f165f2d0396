import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import type { Committed } from '../../application/src/ledger/ledgerGateway';
import { browserSuite } from '../support/browserSuite';
import type { EmbeddedNodes } from '../support/consoleNodes';
import { paymentLegs, TWO_BANK_ROUTE } from '../support/legs';
import { pickLanguage } from './browser';

// The dashboard of the institution's own work beside the network's figures, and the console in both languages:
// server refusals by their code, plurals through ICU, roles, outcomes and institutions in words, the time zone
// shown on every time (the institution's by default, kept in the browser), bank-style amounts, a header that
// stays one line at 1280 px, a favicon. Each in English and in Chinese.

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');
const PAYCO_ROUTE = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' as const },
  { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' as const },
];

/** The amount break between Bank A and Bank B (Bank B's leg: CNY 270.22). */
let amountBreakReference = '';

/**
 * Today's ledger, as the network and as Bank B see it: 11 legs, 5 cases (Bank B in 4). Matched: A→PayCo and
 * A→B. Broken: an amount break (A→B), a timed-out credit (A→B: funds in transit), and a case that matched and
 * then got Bank B's credit twice (DUPLICATE): the daily counter of cases matched counts that one, the
 * dashboard (as npm start's summary) counts it broken, its status now.
 */
async function seed({ consortium: c, indexers }: EmbeddedNodes): Promise<void> {
  const bankA = await c.identity('banka-system');
  const bankB = await c.identity('bankb-system');
  const payco = await c.identity('payco-system');
  const two = () => paymentLegs({ route: TWO_BANK_ROUTE, amountMinor: '27022' });
  const toPayco = paymentLegs({ route: PAYCO_ROUTE });
  await c.gateway.postLegs(bankA, [toPayco.debit]);
  await c.gateway.postLegs(payco, [toPayco.credit]);
  const matched = two();
  await c.gateway.postLegs(bankA, [matched.debit]);
  await c.gateway.postLegs(bankB, [matched.credit]);
  const amount = two();
  await c.gateway.postLegs(bankA, [{ ...amount.debit, amountMinor: '27000' }]);
  await c.gateway.postLegs(bankB, [amount.credit]);
  amountBreakReference = amount.reference;
  const timedOut = two();
  await c.gateway.postLegs(bankA, [timedOut.debit]);
  await c.gateway.postLegs(bankB, [{ ...timedOut.credit, outcome: 'TIMED_OUT' }]);
  const duplicate = two();
  await c.gateway.postLegs(bankA, [duplicate.debit]);
  await c.gateway.postLegs(bankB, [duplicate.credit]);
  const last: Committed<unknown> = await c.gateway.postLegs(bankB, [
    { ...duplicate.credit, legId: `${duplicate.credit.legId}-again` },
  ]);
  for (const i of indexers.values()) await i.waitFor({ txId: last.txId, blockNumber: last.blockNumber });
}

const suite = browserSuite({ dirPrefix: 'tallystick-e2e-dashboard-', portOffset: 3500, seed });
const { loginAs } = suite;

/** A tile's figure by its label, as a number. */
async function tile(page: Page, testId: string, label: string): Promise<number> {
  const text = await page
    .getByTestId(testId)
    .locator('div', { has: page.locator('dt', { hasText: label }) })
    .locator('dd')
    .innerText();
  return Number(text.replace(/[^\d]/g, ''));
}

/** The header's height, and on how many lines its items sit (one: every item starts on the first line). */
async function headerHeight(page: Page): Promise<{ height: number; lines: number }> {
  const boxes = await Promise.all((await page.locator('header > *').all()).map((l) => l.boundingBox()));
  const shown = boxes.filter((b): b is NonNullable<typeof b> => b !== null && b.height > 1);
  // An item that starts below another's bottom is on a further line.
  const firstBottom = Math.min(...shown.map((b) => b.y + b.height));
  const lines = shown.some((b) => b.y >= firstBottom) ? 2 : 1;
  return { height: (await page.locator('header').boundingBox())?.height ?? 0, lines };
}

describe("the institution's dashboard and the console in both languages, in Chromium", () => {
  it("shows the institution's own work apart from the network's, consistent with the cases' status now", async () => {
    const bruno = await loginAs('BankBMSP', 'bruno');
    await bruno.getByRole('link', { name: 'Dashboard' }).click();
    await bruno.getByTestId('own-today').waitFor();
    await expect(bruno.getByRole('heading', { name: 'Bank B: your own work' }).count()).resolves.toBe(1);
    await expect(bruno.getByRole('heading', { name: 'The network: every member' }).count()).resolves.toBe(1);
    // Bank B's own: its 5 legs, the 4 cases it is in (1 matched, 3 broken), its 3 breaks.
    expect(await tile(bruno, 'own-today', 'Legs posted')).toBe(5);
    expect(await tile(bruno, 'own-today', 'Cases opened')).toBe(4);
    expect(await tile(bruno, 'own-today', 'Cases matched')).toBe(1);
    expect(await tile(bruno, 'own-today', 'Cases with a break')).toBe(3);
    expect(await tile(bruno, 'own-today', 'Breaks opened')).toBe(3);
    // The network's: 11 legs, 5 cases, 2 matched (the duplicate case matched first, but is broken now).
    expect(await tile(bruno, 'network-today', 'Legs posted')).toBe(11);
    expect(await tile(bruno, 'network-today', 'Cases opened')).toBe(5);
    expect(await tile(bruno, 'network-today', 'Cases matched')).toBe(2);
    expect(await tile(bruno, 'network-today', 'Cases with a break')).toBe(3);
    // The timed-out credit: funds in transit with Bank A, at Bank B's own amount, bank style.
    expect((await bruno.getByTestId('in-transit').innerText()).replace(/\u00a0/g, ' ')).toMatch(
      /Bank A\s+1\s+CNY 270\.22/,
    );
    // Its service level, its open breaks by reason with a noun for the column.
    await bruno.getByTestId('service-level').waitFor();
    expect(await bruno.getByTestId('by-reason').locator('thead').innerText()).toContain('Open breaks');
    // Times in the institution's zone, the zone shown.
    expect(await bruno.getByTestId('service-level').innerText()).toMatch(/GMT\+8/);
    expect(await headerHeight(bruno)).toMatchObject({ lines: 1 });
    await bruno.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    await pickLanguage(bruno, 'zh-CN');
    await expect.poll(() => bruno.getByRole('heading', { name: 'B银行：本机构业务' }).count()).toBe(1);
    await expect(bruno.getByRole('heading', { name: '全网：全部成员机构' }).count()).resolves.toBe(1);
    expect(await tile(bruno, 'own-today', '记账笔数')).toBe(5);
    expect(await tile(bruno, 'network-today', '记账笔数')).toBe(11);
    expect(await tile(bruno, 'network-today', '已对平')).toBe(2);
    const byReason = await bruno.getByTestId('by-reason').locator('thead').innerText();
    expect(byReason).toContain('未结差错');
    expect(byReason).not.toContain('打开');
    expect((await bruno.getByTestId('in-transit').innerText()).replace(/\u00a0/g, ' ')).toMatch(
      /A银行\s+1\s+CNY 270\.22/,
    );
    expect(await bruno.getByTestId('by-reason').innerText()).toContain('金额不符');
    expect(await headerHeight(bruno)).toMatchObject({ lines: 1 });
    await bruno.screenshot({ path: join(SCREENSHOTS, 'dashboard-zh.png'), fullPage: true });
  });

  it('keeps the header on one line at 1280 px in both languages, on every screen', async () => {
    for (const [mspId, user] of [
      ['BankBMSP', 'bruno'],
      ['BankAMSP', 'ava'],
      ['AuditorMSP', 'audrey'],
      // the longest name and roles (a posting system; two enterprise roles), which wrapped the header before
      ['BankBMSP', 'bankb-system'],
      ['BankAMSP', 'core-treasurer'],
    ] as const) {
      const page = await loginAs(mspId, user);
      expect(page.viewportSize()?.width).toBe(1280);
      for (const locale of ['en', 'zh-CN'] as const) {
        await pickLanguage(page, locale);
        for (const screen of ['#/', '#/dashboard', '#/statements', '#/audit']) {
          await page.evaluate(`window.location.hash = ${JSON.stringify(screen)}`);
          await page.locator('main h2').first().waitFor();
          const { height, lines } = await headerHeight(page);
          expect({ user, locale, screen, lines }).toEqual({ user, locale, screen, lines: 1 });
          // One line of controls: under 60 px (two lines measure about 90).
          expect(height, `${user} ${locale} ${screen}`).toBeLessThan(60);
        }
      }
      await page.context().close();
    }
  });

  it("translates the node's refusals by their code, in both languages", async () => {
    const page = await suite.browser().newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(suite.run().urlOf('BankBMSP'));
    await page.getByLabel('Enrolment id').fill('bruno');
    await page.getByLabel('Secret').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('The enrolment id or the secret is wrong.');
    expect(await page.getByRole('alert').innerText()).toContain('LOGIN_FAILED');
    await pickLanguage(page, 'zh-CN');
    await page.getByRole('button', { name: '登录' }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toMatch(/^登记账号或密码错误。 \(LOGIN_FAILED\)$/);
    await page.context().close();

    // Logged in: a break that is not on the ledger.
    const bruno = await loginAs('BankBMSP', 'bruno');
    await bruno.goto(`${suite.run().urlOf('BankBMSP')}/#/break/brk-${'0'.repeat(28)}`);
    await expect.poll(() => bruno.getByRole('alert').count(), { timeout: 15_000 }).toBe(1);
    const en = await bruno.getByRole('alert').innerText();
    expect(en).toMatch(/\((BREAK_NOT_FOUND|NOT_FOUND)\)/);
    await pickLanguage(bruno, 'zh-CN');
    await bruno.reload();
    await expect.poll(() => bruno.getByRole('alert').count(), { timeout: 15_000 }).toBe(1);
    const zh = await bruno.getByRole('alert').innerText();
    expect(zh).toMatch(/^(账本上没有此差错。|未找到。) \((BREAK_NOT_FOUND|NOT_FOUND)\)$/);
    await bruno.context().close();
  });

  it('says plurals, roles, outcomes, institutions, amounts, dates and times in the chosen language and zone', async () => {
    const bruno = await loginAs('BankBMSP', 'bruno');
    // The header: the institution's name, the person's role in words.
    expect(await bruno.locator('header').innerText()).toMatch(/Bank B[\s\S]*bruno · Reconciler/);
    // One break of a reason: "1 open break matches."
    await bruno.getByLabel('Reason').selectOption('AMOUNT_MISMATCH');
    await expect.poll(() => bruno.getByTestId('queue-total').innerText()).toBe('1 open break matches.');
    const row = bruno.getByTestId('queue').locator('tbody tr').first();
    expect((await row.innerText()).replace(/\u00a0/g, ' ')).toMatch(/CNY 270\.22[\s\S]*Bank A[\s\S]*GMT\+8/);
    await bruno.getByLabel('Reason').selectOption('');
    await expect.poll(() => bruno.getByTestId('queue-total').innerText()).toBe('3 open breaks match.');

    // The break: outcomes and institutions in words, times with their zone.
    await bruno.getByLabel('Reason').selectOption('AMOUNT_MISMATCH');
    await expect.poll(() => bruno.getByTestId('queue').locator('tbody tr').count()).toBe(1);
    await bruno.getByRole('link', { name: /^Open brk-/ }).click();
    await bruno.getByRole('heading', { name: 'Legs side by side' }).waitFor();
    const legs = await bruno.locator('table', { hasText: 'Outcome' }).first().innerText();
    expect(legs).toContain('Settled');
    expect(legs).toContain('Bank A');
    expect(legs.replace(/\u00a0/g, ' ')).toContain('CNY 270.22');
    expect(await bruno.getByTestId('timeline').innerText()).toMatch(/GMT\+8/);

    await pickLanguage(bruno, 'zh-CN');
    await bruno.getByRole('heading', { name: '各方记账对照' }).waitFor();
    const legsZh = await bruno.locator('table', { hasText: '结果' }).first().innerText();
    expect(legsZh).toContain('已结算');
    expect(legsZh).toContain('A银行');
    expect(legsZh).toMatch(/2026年11月27日/);
    expect(await bruno.locator('header').innerText()).toMatch(/B银行[\s\S]*bruno · 对账员/);

    // Another zone, kept in this browser: every time follows.
    await bruno.getByTestId('time-zone').selectOption('UTC');
    await expect.poll(() => bruno.getByTestId('timeline').innerText()).toMatch(/UTC/);
    expect(await bruno.getByTestId('timeline').innerText()).not.toMatch(/GMT\+8/);
    await bruno.reload();
    await bruno.getByRole('heading', { name: '各方记账对照' }).waitFor();
    expect(await bruno.getByTestId('time-zone').inputValue()).toBe('UTC');
    await expect.poll(() => bruno.getByTestId('timeline').innerText()).toMatch(/UTC/);

    // The queue in Chinese: the plural-free count, amounts bank style.
    await bruno.getByRole('link', { name: '差错队列', exact: true }).click();
    await bruno.getByLabel('原因').selectOption('AMOUNT_MISMATCH');
    await expect.poll(() => bruno.getByTestId('queue-total').innerText()).toBe('共 1 笔未结差错符合条件。');
    expect(
      (await bruno.getByTestId('queue').locator('tbody tr').first().innerText()).replace(/\u00a0/g, ' '),
    ).toMatch(/CNY 270\.22[\s\S]*A银行/);
    expect(amountBreakReference).not.toBe('');
    await bruno.context().close();
  });

  it("opens in the browser's language until a language is chosen, then keeps the choice", async () => {
    const url = suite.run().urlOf('BankBMSP');
    const context = await suite.browser().newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => page.getByRole('button', { name: '登录' }).count()).toBe(1);
    await pickLanguage(page, 'en');
    await page.reload();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('button', { name: 'Log in' }).count()).toBe(1);
    await context.close();
    // A browser that prefers neither language the console speaks opens in English.
    const other = await suite.browser().newContext({ locale: 'fr-FR' });
    const french = await other.newPage();
    await french.goto(url);
    await expect.poll(() => french.locator('html').getAttribute('lang')).toBe('en');
    await other.close();
  });

  it('has a favicon', async () => {
    const page = await suite.browser().newPage();
    await page.goto(suite.run().urlOf('BankAMSP'));
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toBe('./favicon.svg');
    const res = await page.request.get(`${suite.run().urlOf('BankAMSP')}/favicon.svg`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('image/svg+xml');
    expect(await res.text()).toContain('<svg');
    await page.context().close();
  });
});
