import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addDays } from '../../../../chaincode/src/core/receivables/calendar';
import { startTestNode } from '../../../../test/support/node';
import type { ReceivablesIndexer } from '../../indexer/receivablesIndexer';
import { DEMO_ENTERPRISES, joinBlacklistForScreening } from '../../receivables/receivablesFlow';
import { startReceivablesIndexing } from '../../receivables/receivablesIndexing';
import { runCli } from '../tallystickCli';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * `tallystick receivables …` against Bank A's and Bank B's nodes on one embedded ledger: the core enterprise
 * registers a trade and issues a token under four eyes, its supplier confirms and accepts, lists its parts and the
 * tree from its node's index and offers a part; Bank B's financier accepts with its terms. Refusals keep their
 * codes and exit codes.
 */
describe('tallystick receivables', () => {
  let bankA: Node;
  let bankB: Node;
  const indexers: ReceivablesIndexer[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const keyDir = mkdtempSync(join(tmpdir(), 'tallystick-cli-receivables-keys-'));
  const h = (s: string) => createHash('sha256').update(`cli ${s}`).digest('hex');

  beforeAll(async () => {
    // The nodes hold the blacklist's (demo) key: financing screens the enterprise it pays.
    const blacklist = { demoKeyDir: keyDir };
    bankA = await startTestNode('BankAMSP', { blacklist });
    bankB = await startTestNode('BankBMSP', { blacklist, consortium: bankA.consortium });
    // Financing screens the enterprise it pays against the shared blacklist: both banks take part.
    await joinBlacklistForScreening(bankA.consortium.gateway, (u) => bankA.consortium.identity(u));
    for (const n of [bankA, bankB]) {
      const x = await startReceivablesIndexing(
        n.consortium,
        n === bankA ? 'BankAMSP' : 'BankBMSP',
        n.db.pool,
      );
      if (x) indexers.push(x);
    }
  }, 180_000);
  afterAll(async () => {
    for (const x of indexers) await x.stop();
    await bankB.stop();
    await bankA.stop();
    rmSync(keyDir, { force: true, recursive: true });
  });

  const indexed = async () => {
    const last = bankA.consortium.network.height() - 1n;
    await Promise.all(indexers.map((x) => x.waitFor(last)));
  };
  /** The command line as `user` at `node` (its own session file), what it printed and its exit code. */
  const run = async (node: Node, user: string, argv: readonly string[], stdin = '') => {
    const printed = { out: [] as string[], err: [] as string[] };
    const session = join(node.dir, `${user}.json`);
    const io = { isTty: false, env: {}, stdin: Readable.from([stdin]) };
    const code = await runCli([...argv, '--session', session], {
      ...io,
      out: (line) => printed.out.push(line),
      err: (text) => printed.err.push(text),
    });
    return { code, out: printed.out.join('\n'), err: printed.err.join('') };
  };
  const ok = async (node: Node, user: string, argv: readonly string[]) => {
    const r = await run(node, user, argv);
    expect([r.code, r.err], argv.join(' ')).toEqual([0, '']);
    return r.out;
  };
  const file = (name: string, value: unknown) => {
    const path = join(bankA.dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it('registers, issues under four eyes, accepts, lists from the index, offers and finances', async () => {
    for (const [node, users] of [
      [bankA, ['core-finance', 'core-approver']],
      [bankB, ['tier1-finance', 'bankb-financier']],
    ] as const)
      for (const u of users) {
        const r = await run(
          node,
          u,
          ['login', '--node', node.url, '--user', u, '--password-stdin'],
          `${u}-pw\n`,
        );
        expect([r.code, r.err]).toEqual([0, '']);
      }
    expect(await ok(bankA, 'core-finance', ['receivables', 'me'])).toBe(
      '91310000MA1K000006@BankAMSP: enterprise-finance',
    );
    const trade = file('trade.json', {
      tradeId: 'CLI-T1',
      buyer: DEMO_ENTERPRISES.core,
      seller: DEMO_ENTERPRISES.tier1,
      contractHash: h('contract'),
      invoiceHash: h('invoice'),
      deliveryNoteHash: h('delivery'),
      invoiceCode: '',
      invoiceNumber: '12345678901234567890',
      amountMinor: '500000',
      currency: 'CNY',
      dueDate: addDays(today, 30),
    });
    expect(await ok(bankA, 'core-finance', ['receivables', 'register-trade', '--file', trade])).toMatch(
      /^trade: REGISTERED \(transaction \w+, block \d+\)$/,
    );
    expect(await ok(bankB, 'tier1-finance', ['receivables', 'confirm-trade', 'CLI-T1'])).toMatch(
      /^trade: CONFIRMED/,
    );
    const issue = file('issue.json', {
      tokenId: 'CLI-K1',
      tradeId: 'CLI-T1',
      amountMinor: '500000',
      currency: 'CNY',
      maturityDate: addDays(today, 60),
      undertaking: 'We pay every holder at maturity.',
    });
    await ok(bankA, 'core-finance', ['receivables', 'propose-issue', '--file', issue]);
    // Four eyes: the proposer's role cannot sign; the approver does.
    const refused = await run(bankA, 'core-finance', ['receivables', 'sign-issue', 'CLI-K1']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/ROLE_REQUIRED/);
    expect(await ok(bankA, 'core-approver', ['receivables', 'sign-issue', 'CLI-K1'])).toMatch(
      /^issue: SIGNED/,
    );
    expect(
      await ok(bankB, 'tier1-finance', ['receivables', 'answer-issue', 'CLI-K1', '--decision', 'ACCEPT']),
    ).toMatch(/^answer: ACCEPTED/);

    await indexed();
    const parts = await ok(bankB, 'tier1-finance', ['receivables', 'list', 'parts', '--mine']);
    expect(parts).toMatch(
      /ID\s+STATUS\s+HOLDER[\s\S]*CLI-K1\/root\s+HELD\s+91440300MA5F000007@BankBMSP\s+CNY 500000/,
    );
    expect(await ok(bankB, 'tier1-finance', ['receivables', 'tree', 'CLI-K1'])).toMatch(
      /token CLI-K1: ACCEPTED, trade CLI-T1[\s\S]*CLI-K1\/root[\s\S]*\(root\)\s+CLI-T1/,
    );
    await ok(bankB, 'tier1-finance', [
      'receivables',
      'offer',
      '--part',
      'CLI-K1/root',
      '--bank',
      'BankBMSP',
      '--offer-id',
      'CLI-O1',
    ]);
    expect(
      await ok(bankB, 'bankb-financier', [
        'receivables',
        'answer-offer',
        '--part',
        'CLI-K1/root',
        '--offer-id',
        'CLI-O1',
        '--decision',
        'ACCEPT',
        '--rate-bp',
        '350',
        '--day-count',
        'ACT/365F',
      ]),
    ).toMatch(/^financing: FINANCED/);
    await indexed();
    const book = await ok(bankB, 'bankb-financier', ['receivables', 'list', 'financings', '--order', 'due']);
    expect(book).toMatch(/CLI-K1\/root\s+FINANCED\s+BankBMSP\s+CNY 500000/);
    const json = JSON.parse(
      await ok(bankB, 'bankb-financier', ['receivables', 'list', 'parts', '--mine', '--json']),
    ) as { items: { id: string; status: string }[] };
    expect(json.items.map((x) => [x.id, x.status])).toEqual([['CLI-K1/root', 'FINANCED']]);
  });

  it('shows the policy; a governing bank’s admin proposes, an approver of each bank approves, the second adopts', async () => {
    const login = async (node: Node, u: string) => {
      const r = await run(
        node,
        u,
        ['login', '--node', node.url, '--user', u, '--password-stdin'],
        `${u}-pw\n`,
      );
      expect([r.code, r.err]).toEqual([0, '']);
    };
    for (const u of ['banka-admin', 'anna']) await login(bankA, u);
    await login(bankB, 'bella');
    const shown = await ok(bankA, 'banka-admin', ['receivables', 'policy']);
    expect(shown).toContain('policy version 1 (genesis)');
    expect(shown).toContain('on a blacklist hit: REFUSE');
    expect(shown).toContain('governed by BankAMSP, BankBMSP');
    const policy = file('policy.json', {
      minPartMinor: { CNY: '20000', JPY: '1000' },
      minPartMinorDefault: '100',
      outputsMax: 10,
      feeBpMax: 50,
      screeningOnHit: 'REFUSE',
      governors: ['BankAMSP', 'BankBMSP'],
    });
    expect(
      await ok(bankA, 'banka-admin', ['receivables', 'propose-policy', '--file', policy, '--id', 'CLI-RP1']),
    ).toMatch(/^policy proposal: PROPOSED \(transaction/);
    // Anna cannot propose: the chaincode's code and a non-zero exit.
    const refused = await run(bankA, 'anna', [
      'receivables',
      'propose-policy',
      '--file',
      policy,
      '--id',
      'CLI-RP2',
    ]);
    expect([refused.code, refused.err]).toEqual([1, expect.stringContaining('ROLE_REQUIRED') as unknown]);
    expect(await ok(bankA, 'anna', ['receivables', 'approve-policy', 'CLI-RP1'])).toMatch(
      /^policy approval: APPROVED/,
    );
    expect(await ok(bankB, 'bella', ['receivables', 'approve-policy', 'CLI-RP1'])).toMatch(
      /^policy approval: ADOPTED/,
    );
    const after = await ok(bankB, 'bella', ['receivables', 'policy']);
    expect(after).toContain('policy version 2, adopted in transaction');
    expect(after).toContain('CNY 20000');
    expect(after).toMatch(/CLI-RP1\s+ADOPTED\s+1\s+banka-admin@BankAMSP\s+BankAMSP, BankBMSP/);
  });

  it('says what is missing before sending anything', async () => {
    const noFile = await run(bankA, 'core-finance', ['receivables', 'propose-issue']);
    expect([noFile.code, noFile.err]).toEqual([2, expect.stringMatching(/needs --file/)]);
    const badKind = await run(bankA, 'core-finance', ['receivables', 'list', 'widgets']);
    expect([badKind.code, badKind.err]).toEqual([2, expect.stringMatching(/needs a kind: trades, tokens/)]);
    const noSub = await run(bankA, 'core-finance', ['receivables']);
    expect(noSub.code).toBe(2);
  });
});
