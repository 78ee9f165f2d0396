import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { browserSuite } from '../support/browserSuite';
import { paymentLegs } from '../support/legs';
import { pickLanguage } from './browser';

// The break screen's attachments (issue 21 item 3) in Chromium, in both languages: Bank B's reconciler attaches a
// statement; Bank A's reconciler sees it listed and downloads it through Bank A's node, which fetches it from Bank
// B's node and checks it against the ledger's hash. A file over the limit is named before anything is sent.

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');

const suite = browserSuite({ dirPrefix: 'tallystick-e2e-attachments-', portOffset: 4300 });
const consortium = () => suite.run().consortium;

/** A break between Bank A, the clearing house and Bank B (Bank B's amount differs). */
async function aBreak(): Promise<string> {
  const p = paymentLegs();
  const post = async (user: string, leg: object) =>
    consortium().gateway.postLegs(await consortium().identity(user), [leg as typeof p.debit]);
  await post('banka-system', p.debit);
  await post('clearing-system', p.entry);
  const last = await post('bankb-system', { ...p.credit, amountMinor: '1234000' });
  for (const i of suite.run().indexers.values()) await i.waitFor(last);
  const c = await consortium().gateway.getCase(await consortium().identity('alice'), p.caseId);
  return c.breaks[0]?.breakId ?? '';
}

const STATEMENT = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 32), Buffer.from('%%EOF\n')]);

describe('attachments on the break screen, in Chromium', () => {
  it('attaches a statement at Bank B, lists and downloads it at Bank A (fetched node to node); English', async () => {
    const id = await aBreak();
    const bruno = await suite.loginAs('BankBMSP', 'bruno');
    await bruno.goto(`${suite.urlOf('BankBMSP')}/#/break/${id}`);
    const section = bruno.getByTestId('attachments');
    await section.getByText('No files attached yet.').waitFor();
    // Too large: named with its size, and nothing is sent.
    await section.getByLabel('File to attach').setInputFiles({
      name: 'huge.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.alloc(10 * 1024 * 1024 + 10, 1),
    });
    expect(await section.getByRole('alert').innerText()).toBe(
      'This file is 10.0 MiB: an attachment is at most 10 MiB.',
    );
    expect(await section.getByRole('button', { name: 'Attach', exact: true }).isDisabled()).toBe(true);
    await section.getByLabel('File to attach').setInputFiles({
      name: 'page.html',
      mimeType: 'text/html',
      buffer: Buffer.from('<p>'),
    });
    expect(await section.getByRole('alert').innerText()).toBe(
      'Attach a PDF, PNG, JPEG, text, CSV or XML file.',
    );
    await section.getByLabel('File to attach').setInputFiles({
      name: 'statement 27.11.pdf',
      mimeType: 'application/pdf',
      buffer: STATEMENT,
    });
    expect(await section.getByTestId('attachment-chosen').innerText()).toBe('statement 27.11.pdf (2.9 KiB)');
    await section.getByRole('button', { name: 'Attach', exact: true }).click();
    await section
      .getByRole('status')
      .filter({ hasText: 'Attached statement 27.11.pdf.' })
      .waitFor({ timeout: 60_000 });
    const row = section.getByTestId('attachment-list').locator('tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(
      /statement 27\.11\.pdf\s+2\.9 KiB\s+application\/pdf\s+bruno \(Bank B\)/,
    );
    await bruno.getByTestId('timeline').getByText('File attached').waitFor();
    await section.screenshot({ path: join(SCREENSHOTS, 'break-attachments.png') });

    const alice = await suite.loginAs('BankAMSP', 'alice');
    await alice.goto(`${suite.urlOf('BankAMSP')}/#/break/${id}`);
    const listed = alice.getByTestId('attachments').getByTestId('attachment-list').locator('tr');
    await expect.poll(() => listed.count()).toBe(1);
    expect(await listed.innerText()).toMatch(/statement 27\.11\.pdf\s+2\.9 KiB/);
    const downloading = alice.waitForEvent('download');
    await alice.getByRole('button', { name: 'Download statement 27.11.pdf' }).click();
    const file = await downloading;
    expect(file.suggestedFilename()).toBe('statement 27.11.pdf');
    const bytes = readFileSync(await file.path());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(STATEMENT).digest('hex'),
    );
  });

  it('shows the same section in 简体中文, its refusals named in Chinese', async () => {
    const id = await aBreak();
    const bella = await suite.loginAs('BankBMSP', 'bella');
    await pickLanguage(bella, 'zh-CN');
    await bella.goto(`${suite.urlOf('BankBMSP')}/#/break/${id}`);
    const section = bella.getByTestId('attachments');
    await section.getByRole('heading', { name: '附件' }).waitFor();
    await section.getByText('尚无附件。').waitFor();
    await section.getByLabel('要附加的文件').setInputFiles({
      name: 'huge.png',
      mimeType: 'image/png',
      buffer: Buffer.alloc(10 * 1024 * 1024 + 10, 1),
    });
    expect(await section.getByRole('alert').innerText()).toBe('该文件大小为 10.0 MiB：附件最大 10 MiB。');
    await section.getByLabel('要附加的文件').setInputFiles({
      name: '截图.png',
      mimeType: 'image/png',
      buffer: Buffer.from('89504e470d0a1a0a', 'hex'),
    });
    await section.getByRole('button', { name: '附加', exact: true }).click();
    await section.getByRole('status').filter({ hasText: '已附加 截图.png。' }).waitFor({ timeout: 60_000 });
    const row = section.getByTestId('attachment-list').locator('tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(/截图\.png\s+8 字节\s+image\/png\s+bella \(/);
    await bella.getByTestId('timeline').getByText('附加文件').waitFor();
    await section.screenshot({ path: join(SCREENSHOTS, 'break-attachments-zh.png') });
  });
});
