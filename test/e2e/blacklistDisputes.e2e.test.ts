import { createHash } from 'node:crypto';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { BlacklistGateway } from '../../application/src/ledger/blacklistGateway';
import { moneyMuleEntry } from '../support/blacklistNodes';
import { browserSuite } from '../support/browserSuite';
import { callApi, login } from '../support/sessions';
import { pickLanguage } from './browser';

// The disputes inbox and votes in a real browser (issue 19 items 6 and 9): Bank B finds Bank A's entry by a search
// and disputes it from the result; Bank A finds the dispute in its inbox and maintains it with its evidence hash;
// Bank B contests; PayCo (a third member) votes in English, Bank B's approver in Chinese, and the entry is revoked.

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');
const MOBILE = '139 0000 7878';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const suite = browserSuite({
  dirPrefix: 'tallystick-e2e-disputes-',
  portOffset: 6100,
  seed: async (run) => {
    const bl = new BlacklistGateway(run.consortium.gateway);
    for (const admin of ['banka-admin', 'bankb-admin', 'payco-admin'])
      await bl.join(await run.consortium.identity(admin));
    // Bank A's entry, listed through its node's API (the upload pages have their own test).
    const url = run.urlOf('BankAMSP');
    const listed = await callApi(url, await login(url, 'alice'), 'POST', '/v1/blacklist/entries', {
      json: moneyMuleEntry(MOBILE, 'two victims reported transfers'),
    });
    if (listed.status !== 201) throw new Error(`listing failed: ${listed.text}`);
  },
});

async function disputesTab(page: Page, name: string): Promise<void> {
  await page
    .getByRole('link', { name: /^(Blacklist|黑名单)/ })
    .first()
    .click();
  await page
    .getByRole('navigation', { name: /Blacklist pages|黑名单页面/ })
    .getByRole('link', { name })
    .click();
}

const boxText = (page: Page, box: string) => page.getByTestId(`disputes-${box}`).innerText();

describe('the blacklist disputes inbox and votes', () => {
  it('Bank B disputes Bank A’s entry from a search result; Bank A maintains it from its inbox; Bank B contests', async () => {
    const bruno = await suite.loginAs('BankBMSP', 'bruno');
    await bruno.getByRole('link', { name: 'Blacklist' }).click();
    const search = bruno.getByRole('form', { name: 'Search' });
    await search.getByLabel('Identifier', { exact: true }).fill(MOBILE);
    await search.getByRole('button', { name: 'Search (recorded)' }).click();
    await bruno.getByTestId('search-result').getByRole('button', { name: 'Dispute…' }).click();
    const open = bruno.getByRole('form', { name: /Dispute Bank A’s entry/ });
    await open.getByLabel(/Request hash/).fill(sha('the subject’s signed request'));
    await open.getByRole('button', { name: 'Open the dispute' }).click();
    await bruno
      .getByRole('status')
      .filter({ hasText: /Dispute d-[0-9a-f-]+ opened/ })
      .waitFor();
    await bruno.getByRole('link', { name: 'Show the disputes' }).click();
    await expect
      .poll(() => boxText(bruno, 'opened-by-us'), { timeout: 15_000 })
      .toMatch(/d-[0-9a-f-]+\s+Bank A\s+MONEY_MULE\s+Awaiting answer\s+\d{4}-\d\d-\d\d \(ledger day\)/);

    const alice = await suite.loginAs('BankAMSP', 'alice');
    await disputesTab(alice, 'Disputes');
    await expect
      .poll(() => boxText(alice, 'against-us'), { timeout: 15_000 })
      .toMatch(/Bank B\s+MONEY_MULE\s+Awaiting answer/);
    const inbox = alice.getByTestId('disputes-against-us');
    // Maintaining needs the evidence hash: the page says so before anything is sent.
    await inbox.getByRole('button', { name: 'Maintain' }).click();
    await inbox.getByText(/Enter the SHA-256 of your evidence/).waitFor();
    await inbox.getByLabel(/Evidence hash/).fill(sha('the evidence'));
    await inbox.getByRole('button', { name: 'Maintain' }).click();
    await alice
      .getByRole('status')
      .filter({ hasText: /: maintain recorded\./ })
      .waitFor();
    await expect.poll(() => boxText(alice, 'against-us')).toMatch(/Bank B\s+MONEY_MULE\s+Maintained/);

    await disputesTab(bruno, 'Disputes');
    await expect
      .poll(() => boxText(bruno, 'opened-by-us'), { timeout: 15_000 })
      .toMatch(/Bank A\s+MONEY_MULE\s+Maintained/);
    await bruno.getByTestId('disputes-opened-by-us').getByRole('button', { name: 'Contest' }).click();
    await bruno
      .getByRole('status')
      .filter({ hasText: /: contest recorded\./ })
      .waitFor();
    await expect
      .poll(() => boxText(bruno, 'to-vote'), { timeout: 15_000 })
      .toMatch(/Bank A\s+MONEY_MULE\s+In a vote\s+\d{4}-\d\d-\d\d \(ledger day\)/);
    expect(await boxText(bruno, 'opened-by-us')).toMatch(/In a vote/);
    await bruno.screenshot({ path: join(SCREENSHOTS, 'blacklist-disputes.png') });
  }, 120_000);

  it('a third member votes to revoke in English; Bank B’s approver votes in Chinese and the majority revokes', async () => {
    const petra = await suite.loginAs('PayCoMSP', 'petra');
    await disputesTab(petra, 'Disputes');
    await expect
      .poll(() => boxText(petra, 'to-vote'), { timeout: 15_000 })
      .toMatch(/Bank A\s+MONEY_MULE\s+In a vote/);
    await petra.getByTestId('disputes-to-vote').getByRole('button', { name: 'Vote: revoke' }).click();
    await petra
      .getByRole('status')
      .filter({ hasText: /: vote recorded\./ })
      .waitFor();

    const bella = await suite.loginAs('BankBMSP', 'bella');
    await pickLanguage(bella, 'zh-CN');
    await disputesTab(bella, '异议');
    await expect
      .poll(() => boxText(bella, 'to-vote'), { timeout: 15_000 })
      .toMatch(/A银行\s+资金骡子（跑分） \(MONEY_MULE\)\s+表决中 \(VOTING\)\s+\d{4}-\d\d-\d\d（账本日）/);
    expect(await bella.getByRole('heading', { name: /待表决/ }).count()).toBe(1);
    await bella.screenshot({ path: join(SCREENSHOTS, 'blacklist-disputes-zh.png') });
    await bella.getByTestId('disputes-to-vote').getByRole('button', { name: '投票：撤销' }).click();
    await bella
      .getByRole('status')
      .filter({ hasText: /已记录投票/ })
      .waitFor();
    // Decided: no longer open in any box.
    await expect.poll(() => boxText(bella, 'to-vote'), { timeout: 15_000 }).toMatch(/此处无未决异议。/);
    const ledger = await callApi(
      suite.urlOf('BankBMSP'),
      await login(suite.urlOf('BankBMSP'), 'bella'),
      'GET',
      '/v1/blacklist/disputes?box=to-vote',
      {},
    );
    expect(ledger.body).toMatchObject({ total: 1, items: [{ status: 'REVOKED', inVote: true }] });
  }, 120_000);
});
