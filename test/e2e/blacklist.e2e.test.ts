import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BlacklistGateway } from '../../application/src/ledger/blacklistGateway';
import { startEmbeddedNodes, started, type EmbeddedNodes } from '../support/consoleNodes';
import { buildConsole, launchChromium, loginAs as loginAt } from './browser';

// The shared blacklist's pages in a real browser, in English and in Chinese: Bank B watches its customer; Bank A
// lists that customer through the form and a file (progress bar, refused line by number); Bank B's open console
// gets the alert on its live stream, searches with provenance and cross-validation, makes the subject's report;
// Bank A sees its contributions; the policy; the auditor reads the query log and the entry's history.

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');
const MOBILE = '139 0000 4242';

let run: EmbeddedNodes | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  buildConsole();
  run = await startEmbeddedNodes({ dirPrefix: 'tallystick-e2e-blacklist-', portOffset: 5300 });
  const bl = new BlacklistGateway(run.consortium.gateway);
  for (const admin of ['banka-admin', 'bankb-admin', 'payco-admin'])
    await bl.join(await run.consortium.identity(admin));
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await run?.close();
});

const loginAs = (mspId: string, user: string) => loginAt(started(browser), started(run).urlOf(mspId), user);

async function pickLanguage(page: Page, locale: 'en' | 'zh-CN'): Promise<void> {
  await page.locator('label.lang select').first().selectOption(locale);
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(locale);
}

async function tab(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: /Blacklist pages|黑名单页面/ })
    .getByRole('link', { name })
    .click();
}

describe('the blacklist pages', () => {
  let bruno: Page;
  let alice: Page;

  it('Bank B watches a customer; Bank A lists them by form and by file, with a progress bar and a refused line', async () => {
    bruno = await loginAs('BankBMSP', 'bruno');
    await bruno.getByRole('link', { name: 'Blacklist' }).click();
    await tab(bruno, 'Alerts and watchlist');
    const watch = bruno.getByRole('form', { name: 'Watchlist' });
    await watch.getByLabel('Identifier type').selectOption('MOBILE');
    await watch.getByLabel('Identifier', { exact: true }).fill(MOBILE);
    await watch.getByLabel(/Your label/).fill('cust-0042');
    await watch.getByRole('button', { name: 'Watch' }).click();
    await bruno.getByRole('status').filter({ hasText: '1 watched, 0 already watched.' }).waitFor();
    await expect.poll(() => bruno.getByTestId('watchlist').innerText()).toMatch(/cust-0042\s+Mobile\s+1/);
    // The identifier left the form, and the page shows none.
    expect(await watch.getByLabel('Identifier', { exact: true }).inputValue()).toBe('');
    expect(await bruno.content()).not.toContain('4242');

    alice = await loginAs('BankAMSP', 'alice');
    await alice.getByRole('link', { name: 'Blacklist' }).click();
    await tab(alice, 'Upload');

    const csv = join(started(run).dir, 'entries.csv');
    const lines = ['type,identifier,category,severity,indicators,summary'];
    // Enough lines (six transactions) for the node's own progress to show between the bytes sent and the report.
    for (let i = 0; i < 3_000; i++)
      lines.push(
        `MOBILE,+86 137 ${String(1000_0000 + i).slice(0, 4)} ${String(1000_0000 + i).slice(4)},SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,unpaid loan ${String(i)}`,
      );
    lines.splice(3, 0, 'MOBILE,12345,MONEY_MULE,HIGH,MULE_PATTERN;POLICE_REPORT,not a number');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    // Noted by the page itself as the bar comes and goes (the test's Node has no DOM types: a script text).
    await alice.evaluate(`new MutationObserver(() => {
      if (document.querySelector('[data-testid="bulk-progress"] progress')) window.sawProgress = true;
      const lines = document.querySelector('[data-testid="bulk-lines"]');
      if (lines) window.sawLines = lines.textContent;
    }).observe(document.body, { subtree: true, childList: true, characterData: true })`);
    const bulk = alice.getByRole('form', { name: 'Upload a CSV file' });
    await bulk.getByLabel('File').setInputFiles(csv);
    await bulk.getByRole('button', { name: 'Upload' }).click();
    await alice.getByTestId('bulk-report').waitFor({ timeout: 60_000 });
    // The progress bar was shown while the file went and the node posted it (it may be brief: noted as it came).
    expect(await alice.evaluate('window.sawProgress === true')).toBe(true);
    // The node's progress: lines done of the total with the outcomes so far, as it posted them.
    expect(await alice.evaluate('window.sawLines')).toMatch(
      /^\d+ of 3001 lines done: \d+ listed, 0 unchanged, 1 refused so far\.$/,
    );
    expect(await alice.getByTestId('bulk-report').innerText()).toMatch(
      /3001 lines: 3000 listed, 0 unchanged, 1 refused\.[\s\S]*4\s+INVALID_INPUT/,
    );
    expect(await alice.getByTestId('bulk-report').innerText()).not.toContain('12345');
    // The one entry after the file: the newest of Bank A's contributions, on the first page of them.
    const one = alice.getByRole('form', { name: 'List one entry' });
    await one.getByLabel('Identifier', { exact: true }).fill(MOBILE);
    await one.getByLabel('Category').selectOption('MONEY_MULE');
    await one.getByLabel('Severity').selectOption('HIGH');
    await one.getByLabel('Red-flag indicators').fill('POLICE_REPORT, MULE_PATTERN');
    await one.getByLabel(/Evidence summary/).fill('three victims reported transfers');
    await one.getByRole('button', { name: 'List' }).click();
    await alice
      .getByRole('status')
      .filter({ hasText: /^Listed: Money mule|^LISTED|MONEY_MULE/ })
      .waitFor();
    await alice.screenshot({ path: join(SCREENSHOTS, 'blacklist-upload.png'), fullPage: true });
  }, 120_000);

  it('alerts Bank B’s open console on its live stream, in its banner and its list', async () => {
    await bruno.getByTestId('blacklist-alert').waitFor({ timeout: 30_000 });
    expect(await bruno.getByTestId('blacklist-alert').innerText()).toMatch(
      /Bank A listed a watched customer \(cust-0042\) as Money mule|MONEY_MULE/,
    );
    await expect
      .poll(() => bruno.getByTestId('alerts').innerText(), { timeout: 15_000 })
      .toMatch(/cust-0042\s+Mobile\s+Bank A\s+MONEY_MULE\s+ACTIVE/);
    await bruno.screenshot({ path: join(SCREENSHOTS, 'blacklist-alerts.png'), fullPage: true });
    await bruno.getByTestId('alerts').getByRole('button', { name: 'Seen' }).click();
    await expect.poll(() => bruno.getByTestId('alerts').innerText()).toMatch(/ACTIVE\s+\S+…\s+#\d+\s+bruno/);
  });

  it('searches with provenance and cross-validation, and reports who looked, in English and in Chinese', async () => {
    await tab(bruno, 'Search');
    const form = bruno.getByRole('form', { name: 'Search' });
    await form.getByLabel('Identifier', { exact: true }).fill('+86 139-0000-4242');
    // The purposes of the policy in force, in words (a subject's own report has its page).
    await expect
      .poll(() => form.getByLabel('Purpose').locator('option').allInnerTexts())
      .toEqual([
        'Account opening',
        'Credit application',
        'Fraud investigation',
        'Law enforcement request',
        'Payment screening',
      ]);
    await form.getByLabel('Purpose').selectOption('FRAUD_INVESTIGATION');
    await form.getByRole('button', { name: 'Search (recorded)' }).click();
    await bruno.getByTestId('search-result').waitFor();
    const result = await bruno.getByTestId('search-result').innerText();
    expect(result).toMatch(/Recorded as transaction [0-9a-f]{16}… in block \d+/);
    expect(result).toMatch(/Cross-validation: 1 institution\(s\) list this subject · in MONEY_MULE × 1/);
    expect(result).toMatch(/Bank A\s+MONEY_MULE\s+HIGH\s+MULE_PATTERN, POLICE_REPORT\s+ACTIVE/);
    await bruno.screenshot({ path: join(SCREENSHOTS, 'blacklist-search.png'), fullPage: true });

    await pickLanguage(bruno, 'zh-CN');
    await bruno.getByRole('heading', { name: '黑名单共享' }).waitFor();
    const zhForm = bruno.getByRole('form', { name: '查询' });
    await zhForm.getByLabel('标识号码').fill('13900004242');
    await zhForm.getByLabel('查询目的').selectOption('FRAUD_INVESTIGATION');
    await zhForm.getByRole('button', { name: '查询（留痕）' }).click();
    await expect
      .poll(() => bruno.getByTestId('search-result').innerText())
      .toMatch(/交叉验证: 1 家机构列入该主体 · 类别：资金骡子（跑分） \(MONEY_MULE\) × 1/);
    expect(await bruno.getByTestId('search-result').innerText()).toMatch(
      /A银行\s+资金骡子（跑分） \(MONEY_MULE\)\s+高 \(HIGH\)/,
    );
    await bruno.screenshot({ path: join(SCREENSHOTS, 'blacklist-search-zh.png'), fullPage: true });

    await tab(bruno, '查询记录');
    const report = bruno.getByRole('form', { name: '主体报告' });
    await report.getByLabel('标识号码').fill(MOBILE);
    await report.getByLabel('授权哈希 (SHA-256)').fill('c'.repeat(64));
    await report.getByLabel('授权到期日').fill('2099-12-31');
    await report.getByRole('button', { name: '生成报告（留痕）' }).click();
    await bruno.getByTestId('report-result').waitFor();
    // Two earlier looks (the two searches above), newest first, by institution and purpose.
    expect(await bruno.getByRole('table', { name: '查询记录' }).innerText()).toMatch(
      /B银行\s+欺诈调查 \(FRAUD_INVESTIGATION\)[\s\S]*B银行\s+欺诈调查 \(FRAUD_INVESTIGATION\)/,
    );
    await bruno.screenshot({ path: join(SCREENSHOTS, 'blacklist-report-zh.png'), fullPage: true });

    await tab(bruno, '规则与提案');
    await expect
      .poll(() => bruno.getByTestId('policy-categories').innerText())
      .toMatch(/资金骡子（跑分） \(MONEY_MULE\)\s+2\s+730/);
    await pickLanguage(bruno, 'en');
  }, 120_000);

  it('shows Bank A its contributions, and the auditor the query log and the entry’s history', async () => {
    // The node projects its own entries from the blocks it follows (3,001 of them, under load a while): the
    // page reads them when it opens, so it is opened again until they are all there.
    await expect
      .poll(
        async () => {
          await tab(alice, 'Search');
          await tab(alice, 'My contributions');
          return alice.getByTestId('contributions').innerText();
        },
        { timeout: 60_000 },
      )
      .toMatch(/Total\s+3,001/);
    expect(await alice.getByTestId('contributions').innerText()).toMatch(/Money mule: 1|MONEY_MULE: 1/);
    // The allowance in words, figures grouped, never the raw answer.
    await expect
      .poll(() => alice.getByTestId('contributions').innerText())
      .toMatch(/[\d,]+ of [\d,]+ queries left \([\d,]+ used\); renews .+\. From 3,001 entries in force/);
    expect(await alice.getByTestId('contributions').innerText()).not.toMatch(/[{}"]/);
    const moneyMule = alice.getByRole('row').filter({ hasText: 'MONEY_MULE' }).first();
    const subjectKey = (await moneyMule.locator('td.mono').first().getAttribute('title')) ?? '';
    expect(subjectKey).toMatch(/^[0-9a-f]{64}$/);
    await alice.screenshot({ path: join(SCREENSHOTS, 'blacklist-contributions.png'), fullPage: true });
    // 3,001 entries are shown 50 a page: the next page holds other entries, the first page comes back.
    const mine = alice.getByRole('table', { name: 'Entries your institution has listed' });
    expect(await mine.locator('tbody tr').count()).toBe(50);
    const firstRow = await mine.locator('tbody tr').first().innerText();
    await alice.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => mine.locator('tbody tr').first().innerText()).not.toBe(firstRow);
    expect(await mine.locator('tbody tr').count()).toBe(50);
    await alice.getByRole('button', { name: 'First page' }).click();
    await expect.poll(() => mine.locator('tbody tr').first().innerText()).toBe(firstRow);

    const audrey = await loginAs('AuditorMSP', 'audrey');
    await audrey.getByRole('link', { name: 'Blacklist' }).click();
    await tab(audrey, 'Audit');
    await audrey.getByLabel('Subject key', { exact: true }).fill(subjectKey);
    await audrey.getByRole('button', { name: 'Query log of a subject key' }).click();
    await expect
      .poll(() => audrey.getByTestId('query-log').locator('tbody tr').count(), { timeout: 15_000 })
      .toBe(3);
    expect(await audrey.getByTestId('query-log').innerText()).toMatch(
      /Bank B\s+bruno\s+Subject's own report/,
    );
    await audrey.getByLabel('Uploader').fill('BankAMSP');
    await audrey.getByLabel('Category', { exact: true }).fill('MONEY_MULE');
    await audrey.getByRole('button', { name: 'Entry history' }).click();
    await expect.poll(() => audrey.getByTestId('entry-history').innerText()).toMatch(/ACTIVE|Active/);
    await audrey.screenshot({ path: join(SCREENSHOTS, 'blacklist-audit.png'), fullPage: true });
  }, 120_000);

  it('tells a person whose institution has not joined, and lets its administrator join from the console', async () => {
    // The clearing house is the one institution this suite did not join.
    const chen = await loginAs('ClearingHouseMSP', 'chen');
    await chen.getByRole('link', { name: 'Blacklist' }).click();
    const notice = chen.getByTestId('blacklist-membership');
    await expect.poll(() => notice.innerText()).toMatch(/has not joined the shared blacklist yet/);
    expect(await notice.innerText()).toMatch(/An administrator of your institution joins it/);
    expect(await notice.getByRole('button').count()).toBe(0);

    const admin = await loginAs('ClearingHouseMSP', 'clearing-admin');
    await admin.getByRole('link', { name: 'Blacklist' }).click();
    await admin.getByRole('button', { name: 'Join the shared blacklist' }).click();
    await expect
      .poll(() => admin.getByRole('status').filter({ hasText: 'now a member' }).innerText())
      .toMatch(/^Your institution is now a member \(transaction [0-9a-f]{64}\)\.$/);
    // Seen again, the institution is a member: no notice.
    await chen.reload();
    await chen.getByRole('heading', { name: 'Shared blacklist' }).waitFor();
    await expect.poll(() => chen.getByTestId('blacklist-membership').count(), { timeout: 10_000 }).toBe(0);
  }, 120_000);
});
