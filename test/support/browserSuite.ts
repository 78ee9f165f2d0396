import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

import { buildConsole, launchChromium, loginAs } from '../e2e/browser';
import { startEmbeddedNodes, started, type EmbeddedNodes } from './consoleNodes';

/** What a browser suite's tests reach once its `beforeAll` has run (each fails the test if it did not). */
export interface BrowserSuite {
  /** Every institution's node with its index, on one embedded ledger. */
  readonly run: () => EmbeddedNodes;
  readonly browser: () => Browser;
  /** The console and API of an institution's node. */
  readonly urlOf: (mspId: string) => string;
  /** A fresh browser session logged in at the person's own institution's console. */
  readonly loginAs: (mspId: string, user: string) => Promise<Page>;
}

/**
 * The setup of a suite that drives the console in Chromium, registered as its `beforeAll` and `afterAll`: the
 * console built from the current sources, every institution's node started as `npm start` runs them (their
 * ports from `portOffset`, which no other suite uses, their data in a folder named `dirPrefix`), `seed` run on
 * them, then Chromium launched; the browser and the nodes closed after.
 */
export function browserSuite(o: {
  readonly dirPrefix: string;
  readonly portOffset: number;
  readonly seed?: (run: EmbeddedNodes) => Promise<void>;
}): BrowserSuite {
  let run: EmbeddedNodes | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    buildConsole();
    run = await startEmbeddedNodes({ dirPrefix: o.dirPrefix, portOffset: o.portOffset });
    await o.seed?.(run);
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await run?.close();
  });
  return {
    run: () => started(run),
    browser: () => started(browser),
    urlOf: (mspId) => run?.urlOf(mspId) ?? '',
    loginAs: (mspId, user) => loginAs(started(browser), started(run).urlOf(mspId), user),
  };
}
