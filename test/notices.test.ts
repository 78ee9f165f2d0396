import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConsortium } from '../application/src/ledger/consortium';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../application/src/ledger/embeddedLedger';
import { ledgerNoticeDirectory } from '../application/src/notices/nodeNotices';
import { deriveNoticeKey } from '../application/src/notices/noticeKey';
import { startInstitutionNodes, type RunningNode } from '../application/src/node/institutionNodes';
import { callApi, login } from './support/sessions';
import { paymentLegs, TWO_BANK_ROUTE } from './support/legs';

/**
 * Notices through the composition root (`startInstitutionNodes`, what `npm start` runs) on the embedded network:
 * each node registers its institution's notice key at start, and a node learns of a case it never posted to
 * from the notice the poster's node left with it (docs/RECONCILIATION.md, "parties as commitments").
 */
const dir = mkdtempSync(join(tmpdir(), 'tallystick-notices-'));
const walletKey = randomBytes(32);
const env = { TALLYSTICK_WALLET_KEY: walletKey.toString('base64') };
let consortium: EmbeddedConsortium;
let nodes: RunningNode[] = [];
const portOffset = 12_000 + (process.pid % 1_000) * 10;

const start = () =>
  startInstitutionNodes(consortium, { dataDir: join(dir, 'nodes'), portOffset, log: () => undefined, env });
const node = (mspId: string): RunningNode => {
  const n = nodes.find((x) => x.mspId === mspId);
  if (!n) throw new Error(`no node of ${mspId}`);
  return n;
};

beforeAll(async () => {
  const all = loadConsortium();
  consortium = await startEmbeddedConsortium({
    dataDir: join(dir, 'ledger'),
    durability: 'none',
    consortium: {
      ...all,
      organisations: all.organisations.filter((o) => o.mspId === 'BankAMSP' || o.mspId === 'BankBMSP'),
    },
  });
  nodes = await start();
}, 180_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await consortium.close();
  rmSync(dir, { recursive: true, force: true });
});

const directory = () => ledgerNoticeDirectory(consortium.gateway, () => consortium.identity('alice')).list();

describe('notice keys at node start', () => {
  it('each node registered its institution’s key, derived from the wallet key; a restart registers nothing again', async () => {
    const listed = await directory();
    expect(listed.map((r) => [r.mspId, r.publicKey])).toEqual([
      ['BankAMSP', deriveNoticeKey(walletKey, 'BankAMSP').publicKey],
      ['BankBMSP', deriveNoticeKey(walletKey, 'BankBMSP').publicKey],
    ]);
    const height = consortium.network.height();
    await Promise.all(nodes.map((n) => n.close()));
    nodes = await start();
    expect(consortium.network.height()).toBe(height);
    expect(await directory()).toEqual(listed);
  });
});

describe('a party that never posted learns of the case', () => {
  it("Bank A's node posts a leg whose route includes Bank B; Bank B's node then holds the case's reference", async () => {
    const bankA = node('BankAMSP');
    const bankB = node('BankBMSP');
    await bankB.startIndexer();
    await bankA.startIndexer();
    const p = paymentLegs({ route: TWO_BANK_ROUTE });
    const posted = await callApi(bankA.url, await login(bankA.url, 'banka-system'), 'POST', '/v1/legs', {
      json: p.debit,
    });
    expect(posted.status).toBe(201);
    const bruno = await login(bankB.url, 'bruno');
    // Bank B's node learns it from the notice in the block; it may take its index a moment.
    let opened = await callApi(bankB.url, bruno, 'POST', '/v1/cases/open', { json: { caseId: p.caseId } });
    for (let i = 0; i < 50 && opened.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      opened = await callApi(bankB.url, bruno, 'POST', '/v1/cases/open', { json: { caseId: p.caseId } });
    }
    expect([opened.status, (opened.body as { reference?: string }).reference]).toEqual([200, p.reference]);
  });
});
