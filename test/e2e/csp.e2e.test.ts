import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CONTENT_SECURITY_POLICY } from '../../application/src/http/guards';
import { startTestNode } from '../support/node';
import { buildConsole, launchChromium } from './browser';

// The console under the node's Content-Security-Policy in Debian's Chromium: it loads, logs in and shows the
// queue and the dashboard without one violation, and an injected inline script is refused.

let node: Awaited<ReturnType<typeof startTestNode>> | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  buildConsole();
  node = await startTestNode('BankAMSP');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe('the console under its Content-Security-Policy', () => {
  it('loads, logs in and navigates with no violation; an inline script is refused', async () => {
    if (!browser || !node) throw new Error('beforeAll did not finish');
    const page = await browser.newPage({ locale: 'en-GB' });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    // Page code as text: this package's TypeScript has no DOM types.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) => {
        console.error('Content-Security-Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI);
      });`,
    });
    const answer = await page.goto(node.url);
    expect(answer?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(answer?.headers()['x-frame-options']).toBe('DENY');
    await page.getByLabel('Enrolment id').fill('alice');
    await page.getByLabel('Secret').fill('alice-pw');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByText('Logged in as alice').count()).toBe(1);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/dashboard$/);
    await page.getByRole('link', { name: 'Breaks queue' }).click();
    await page.waitForTimeout(500);
    expect(violations).toEqual([]);

    // The policy is really in force: a script written into the page does not run, and is reported.
    const ran = await page.evaluate(`(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true;';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 100));
      return window.__injected === true;
    })()`);
    expect(ran).toBe(false);
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(violations[0]).toMatch(/script-src/);
  });
});
