import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestNode } from '../../../test/support/node';
import { BlacklistGateway } from '../ledger/blacklistGateway';
import { runCli } from './tallystickCli';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** A search for a mobile number, for a fraud investigation: the identifier comes on standard input. */
const SEARCH_MOBILE = [
  'blacklist',
  'search',
  '--type',
  'MOBILE',
  '--purpose',
  'FRAUD_INVESTIGATION',
] as const;

/**
 * `tallystick blacklist …` against two institutions' nodes on one embedded ledger: Bank A lists through the command
 * line, Bank B searches, watches and reads its alerts. Identifiers only ever on standard input.
 */
describe('tallystick blacklist', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'tallystick-cli-blacklist-keys-'));
  let bankA: Node;
  let bankB: Node;
  const MOBILE = '138 0013 8111';
  /** Lists a money mule entry; the identifier on standard input. */
  const listArgs = [
    'blacklist',
    'list',
    '--type',
    'MOBILE',
    '--category',
    'MONEY_MULE',
    '--severity',
    'HIGH',
    '--indicators',
    'POLICE_REPORT,MULE_PATTERN',
    '--summary',
    'three victims',
  ];

  beforeAll(async () => {
    bankA = await startTestNode('BankAMSP', { blacklist: { demoKeyDir: keyDir } });
    bankB = await startTestNode('BankBMSP', {
      consortium: bankA.consortium,
      blacklist: { demoKeyDir: keyDir },
      alerts: true,
    });
  }, 180_000);
  afterAll(async () => {
    await bankB.stop();
    await bankA.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const run = async (node: Node, user: string, argv: readonly string[], stdin = '') => {
    const out: string[] = [];
    let err = '';
    const code = await runCli([...argv, '--session', join(node.dir, `${user}.json`)], {
      out: (l) => out.push(l),
      err: (t) => {
        err += t;
      },
      isTty: false,
      env: {},
      stdin: Readable.from([stdin]),
    });
    return { code, out: out.join('\n'), err };
  };
  const login = async (node: Node, user: string) => {
    const r = await run(
      node,
      user,
      ['login', '--node', node.url, '--user', user, '--password-stdin'],
      `${user}-pw\n`,
    );
    expect([r.code, r.err]).toEqual([0, '']);
  };

  it('joins, lists, uploads a file, searches with provenance, watches and reads its alerts', async () => {
    for (const [node, users] of [
      [bankA, ['banka-admin', 'alice']],
      [bankB, ['bankb-admin', 'bruno']],
    ] as const)
      for (const u of users) await login(node, u);
    expect((await run(bankA, 'banka-admin', ['blacklist', 'join'])).out).toMatch(/^JOINED: BankAMSP/);
    expect((await run(bankB, 'bankb-admin', ['blacklist', 'join'])).code).toBe(0);
    expect((await run(bankB, 'bruno', ['blacklist', 'members'])).out).toMatch(/BankAMSP[\s\S]*BankBMSP/);

    // Bank B watches its customer before anyone lists them.
    const watched = await run(
      bankB,
      'bruno',
      ['blacklist', 'watch', '--type', 'MOBILE', '--label', 'cust-9'],
      `${MOBILE}\n`,
    );
    expect([watched.code, watched.out]).toEqual([0, expect.stringMatching(/^1 watched, 0 already watched/)]);

    // An identifier as an argument is refused before anything is sent, and not repeated.
    const onArgv = await run(bankA, 'alice', [...SEARCH_MOBILE, '13800138111']);
    expect(onArgv.code).toBe(2);
    expect(onArgv.err).toMatch(/standard input/);
    expect(onArgv.err).not.toContain('13800138111');

    const listed = await run(bankA, 'alice', listArgs, `${MOBILE}\n`);
    expect([listed.code, listed.err]).toEqual([0, '']);
    expect(listed.out).toMatch(/^LISTED MONEY_MULE by BankAMSP, subject key [0-9a-f]{64}/);
    expect((await run(bankA, 'alice', listArgs, `${MOBILE}\n`)).out).toMatch(/^UNCHANGED/);

    const file = join(bankA.dir, 'entries.csv');
    writeFileSync(
      file,
      'type,identifier,category,severity,indicators,summary\nBANK_CARD,4111 1111 1111 1111,SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,unpaid\nMOBILE,123,MONEY_MULE,HIGH,MULE_PATTERN;POLICE_REPORT,x\n',
    );
    const uploaded = await run(bankA, 'alice', ['blacklist', 'upload', file]);
    expect(uploaded.code).toBe(1);
    expect(uploaded.out).toMatch(/^2 lines: 1 listed, 0 unchanged, 1 refused\n {2}line 3: INVALID_INPUT/);
    expect(uploaded.err).toMatch(/uploading 100%/);

    const found = await run(bankB, 'bruno', [...SEARCH_MOBILE, '--json'], '+8613800138111\n');
    expect(found.code).toBe(0);
    const answer = JSON.parse(found.out) as {
      txId: string;
      result: { entries: { uploader: string; txId: string }[]; crossValidation: { institutions: number } };
    };
    expect(answer.result.entries.map((e) => e.uploader)).toEqual(['BankAMSP']);
    expect(answer.result.crossValidation.institutions).toBe(1);
    const text = await run(bankB, 'bruno', SEARCH_MOBILE, `${MOBILE}\n`);
    expect(text.out).toMatch(/1 entries in force; listed by 1 institution\(s\) in MONEY_MULE/);
    expect(text.out).toContain(answer.result.entries[0]?.txId ?? 'none');

    const noId = await run(bankB, 'bruno', [...SEARCH_MOBILE, '--json']);
    expect(noId.code).toBe(2);
    expect(JSON.parse(noId.err)).toMatchObject({ error: { code: 'IDENTIFIER_REQUIRED', exitCode: 2 } });

    await bankB.alerts?.waitFor(bankA.consortium.network.height() - 1n);
    const alerts = await run(bankB, 'bruno', ['blacklist', 'alerts', '--open']);
    expect(alerts.out).toMatch(/^1 open alert\(s\)\nALERT/);
    expect(alerts.out).toMatch(/cust-9\s+MOBILE\s+BankAMSP\s+MONEY_MULE\s+ACTIVE/);
    const alertId = /\n(\d+)\s/.exec(alerts.out)?.[1] ?? '';
    expect((await run(bankB, 'bruno', ['blacklist', 'ack', alertId])).out).toBe(
      `alert ${alertId} seen by bruno`,
    );
    expect((await run(bankB, 'bruno', ['blacklist', 'alerts', '--open'])).out).toBe('0 open alert(s)');
    const list = await run(bankB, 'bruno', ['blacklist', 'watchlist']);
    expect(list.out).toMatch(/^1 watched\nWATCH/);
    expect(list.out).not.toContain('138');

    const policy = await run(bankB, 'bruno', ['blacklist', 'policy']);
    expect(policy.out).toMatch(/^policy version 1\n[\s\S]*MONEY_MULE\s+2\s+730/);
    // Every answer above, and the failures, hold no identifier.
    for (const r of [listed, uploaded, found, text, alerts, list]) {
      expect(r.out + r.err).not.toContain('13800138111');
      expect(r.out + r.err).not.toContain('4111');
    }
  }, 120_000);

  it('lists the disputes of a box, shows one and takes its steps: maintain, contest, vote', async () => {
    const listed = await run(bankA, 'alice', listArgs, '138 0013 8222\n');
    const subjectKey = /subject key ([0-9a-f]{64})/.exec(listed.out)?.[1] ?? '';
    expect(subjectKey).not.toBe('');
    const hash = (c: string) => c.repeat(64);
    await new BlacklistGateway(bankB.consortium.gateway).openDispute(
      await bankB.consortium.identity('bruno'),
      {
        disputeId: 'd-cli-1',
        subjectKey,
        uploader: 'BankAMSP',
        category: 'MONEY_MULE',
        requestHash: hash('a'),
      },
    );
    await bankB.alerts?.waitFor(bankB.consortium.network.height() - 1n);
    const mine = await run(bankB, 'bruno', ['blacklist', 'disputes', '--box', 'opened-by-us']);
    expect([mine.code, mine.err]).toEqual([0, '']);
    expect(mine.out).toMatch(
      /^1 dispute\(s\)\nDISPUTE[\s\S]*d-cli-1\s+BankAMSP\s+BankBMSP\s+MONEY_MULE\s+AWAITING_ANSWER\s+\d{4}-\d\d-\d\d/,
    );
    expect((await run(bankB, 'bruno', ['blacklist', 'disputes', '--box', 'against-us'])).out).toBe(
      '0 dispute(s)',
    );
    const noBox = await run(bankB, 'bruno', ['blacklist', 'disputes']);
    expect([noBox.code, noBox.err]).toEqual([2, expect.stringMatching(/needs --box/)]);

    const noHash = await run(bankA, 'alice', ['blacklist', 'dispute-step', 'd-cli-1', 'MAINTAIN']);
    expect([noHash.code, noHash.err]).toEqual([2, expect.stringMatching(/needs --evidence-hash/)]);
    const maintained = await run(bankA, 'alice', [
      'blacklist',
      'dispute-step',
      'd-cli-1',
      'MAINTAIN',
      '--evidence-hash',
      hash('b'),
    ]);
    expect([maintained.code, maintained.out]).toEqual([
      0,
      expect.stringMatching(/^RECORDED: dispute d-cli-1 MAINTAINED \(transaction /),
    ]);
    expect((await run(bankB, 'bruno', ['blacklist', 'dispute-step', 'd-cli-1', 'CONTEST'])).out).toMatch(
      /^RECORDED: dispute d-cli-1 VOTING/,
    );
    await bankB.alerts?.waitFor(bankB.consortium.network.height() - 1n);
    const toVote = await run(bankB, 'bruno', [
      'blacklist',
      'disputes',
      '--box',
      'to-vote',
      '--status',
      'VOTING',
    ]);
    expect(toVote.out).toMatch(/d-cli-1\s+BankAMSP\s+BankBMSP\s+MONEY_MULE\s+VOTING/);
    // Voting is an approver's: the ledger refuses a reconciler, with its code.
    const refused = await run(bankB, 'bruno', [
      'blacklist',
      'dispute-step',
      'd-cli-1',
      'VOTE',
      '--vote',
      'REVOKE',
    ]);
    expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(/ROLE_REQUIRED/)]);
    const shown = await run(bankA, 'alice', ['blacklist', 'dispute', 'd-cli-1']);
    expect(shown.out).toMatch(
      /^dispute d-cli-1: VOTING until \d{4}-\d\d-\d\d \(ledger day\), MONEY_MULE by BankAMSP, opened by BankBMSP\n.* OPEN by BankBMSP \(bruno\)\n {2}votes: none\n.* MAINTAIN by BankAMSP \(alice\) -> MAINTAINED\n.* CONTEST by BankBMSP \(bruno\) -> VOTING$/,
    );
  }, 120_000);

  it('explains itself: blacklist --help lists the subcommands; an unknown one is a usage error', async () => {
    const help = await run(bankA, 'alice', ['blacklist', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/identifier is never an argument/);
    const bad = await run(bankA, 'alice', ['blacklist', 'frobnicate']);
    expect([bad.code, bad.err]).toEqual([
      2,
      expect.stringMatching(/^blacklist needs a subcommand: join, members/),
    ]);
  });
});
