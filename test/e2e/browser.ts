import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

// The console in a real browser: Debian's Chromium driven by playwright-core (no browser download). The flags
// keep Chromium from reaching out to the network, which this machine's closed network would refuse.
const CHROMIUM = process.env.TALLYSTICK_CHROMIUM ?? '/usr/bin/chromium';
const root = join(__dirname, '../..');

/** The node serves what `npm run build:console` made: build it so that a test sees the current sources. */
export function buildConsole(): void {
  execFileSync(
    join(root, 'node_modules/.bin/vite'),
    ['build', 'application/console', '--logLevel', 'error'],
    { cwd: root, stdio: 'inherit' },
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * A fresh browser session (its own sessionStorage) logged in at the person's own institution's console (the
 * consortium's seeded people have the secret `<id>-pw`).
 */
export async function loginAs(browser: Browser, url: string, user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Enrolment id').fill(user);
  await page.getByLabel('Secret').fill(`${user}-pw`);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect.poll(() => page.getByText(`Logged in as ${user}`).count(), { timeout: 15_000 }).toBe(1);
  return page;
}

/** Picks a language with the language select (in the header, or on the login page). */
export async function pickLanguage(page: Page, locale: 'en' | 'zh-CN'): Promise<void> {
  await page.locator('label.lang select').first().selectOption(locale);
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(locale);
}

/** Opens a break listed on the page, then gives its payment reference to see the legs and act. */
/**
 * Opens a break from the queue as a party whose node holds the payment reference (its institution posted a leg
 * of the case, or someone there gave the reference before): the case opens by itself, nothing is pasted.
 */
export async function openBreak(page: Page, breakId: string): Promise<void> {
  await page.getByRole('link', { name: `Open ${breakId}` }).click();
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
  await page.getByRole('heading', { name: 'Legs side by side' }).waitFor();
  expect(await page.getByLabel('Payment reference').count()).toBe(0);
}

/** Presses an action button (with a comment) and waits until the console reports the ledger committed it. */
const AXE = readFileSync(join(__dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2 A and AA rules on the page as it stands (run through the DevTools protocol: no CSP). */
export async function accessible(page: Page): Promise<void> {
  await page.evaluate(AXE);
  const found = await page.evaluate<string[]>(
    "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))",
  );
  expect(found).toEqual([]);
}

export async function act(page: Page, button: string, comment?: string): Promise<void> {
  if (comment !== undefined) await page.getByRole('textbox', { name: 'Comment' }).fill(comment);
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'the ledger committed it' }).waitFor({ timeout: 60_000 });
}

/**
 * Posts the corrected leg from the break screen (a CORRECT_LEG every party accepted: the proposer's reconciler
 * sees the panel) and waits until the break resolved itself, the legs agreeing.
 */
export async function postCorrection(
  page: Page,
  fields: { readonly amount?: string; readonly outcome?: string },
): Promise<void> {
  const form = page.getByRole('form', { name: 'Post the corrected leg' });
  if (fields.amount !== undefined) await form.getByLabel(/^Amount/).fill(fields.amount);
  if (fields.outcome !== undefined) await form.getByLabel('Outcome').selectOption(fields.outcome);
  await form.getByRole('button', { name: 'Post the corrected leg' }).click();
  await expect.poll(() => page.getByTestId('break-status').innerText(), { timeout: 60_000 }).toBe('Resolved');
}

/** The break's timeline as the screen shows it, one line per entry. */
export const timeline = async (page: Page): Promise<string[]> =>
  (await page.getByTestId('timeline').locator('tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));

/** The timeline's steps as "<institution> <step>" (matching's own steps, Open and Cleared, name nobody: —). */
export const timelineSteps = async (page: Page): Promise<(string | undefined)[]> =>
  (await timeline(page)).map((r) =>
    /(?:\(([^)]+)\)|(—))\s*(\w+)/.exec(r)?.slice(1).filter(Boolean).join(' '),
  );

/**
 * The break's other parties, Bank A (alice) and the clearing house (chen), accept it on their own consoles, each
 * with a comment naming its institution. `find` logs the person in and brings the break into the queue.
 */
export async function othersAccept(
  breakId: string,
  find: (mspId: 'BankAMSP' | 'ClearingHouseMSP', user: string) => Promise<Page>,
): Promise<void> {
  for (const [mspId, user] of [
    ['BankAMSP', 'alice'],
    ['ClearingHouseMSP', 'chen'],
  ] as const) {
    const page = await find(mspId, user);
    await openBreak(page, breakId);
    await act(page, 'Accept', `ok for ${mspId}`);
    await page.context().close();
  }
}

/** Finds the break of a payment in the queue by its reference (sent in a POST body, never in a URL). */
export async function findBreakByReference(page: Page, reference: string, reason?: string): Promise<string> {
  if (reason !== undefined) await page.getByLabel('Reason').selectOption(reason);
  await page.getByRole('searchbox', { name: 'Search' }).fill(reference);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect.poll(() => page.getByTestId('queue').locator('tbody tr').count(), { timeout: 15_000 }).toBe(1);
  return (await page.getByTestId('queue').locator('tbody td.mono').innerText()).split(/\s/)[0] ?? '';
}
