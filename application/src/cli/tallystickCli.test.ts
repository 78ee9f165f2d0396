import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import { paymentLegs } from '../../../test/support/legs';
import { startTestNode } from '../../../test/support/node';
import type { SecretInput } from './cliSecret';
import type { OpenCase } from '../http/apiTypes';
import { COMMAND_NAMES } from './cliHelp';
import { runCli } from './tallystickCli';

let node: Awaited<ReturnType<typeof startTestNode>>;
beforeAll(async () => {
  node = await startTestNode('BankBMSP');
});
afterAll(async () => {
  await node.stop();
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** A run of the command line as a script would make it: argv, environment, standard input, a session file. */
async function run(
  argv: readonly string[],
  o: { env?: Record<string, string>; stdin?: string | SecretInput; isTty?: boolean; session?: string } = {},
): Promise<Run> {
  const out: string[] = [];
  let err = '';
  const code = await runCli([...argv, '--session', join(node.dir, o.session ?? 'session.json')], {
    out: (l) => out.push(l),
    err: (t) => {
      err += t;
    },
    isTty: o.isTty ?? false,
    env: o.env ?? {},
    stdin: typeof o.stdin === 'string' || o.stdin === undefined ? Readable.from([o.stdin ?? '']) : o.stdin,
  });
  return { code, out: out.join('\n'), err };
}

const cli = (...argv: string[]) => run(argv);

/**
 * Logs `user` in (password `<user>-pw` piped on standard input) into the named session file. The node limits
 * logins per id (10 at once, then one every 5 s), so after the first login of a user its session is copied.
 */
async function loginAs(user: string, session = 'session.json', fresh = false): Promise<void> {
  const first = join(node.dir, `first-login-${user}.json`);
  if (fresh || !existsSync(first)) {
    const r = await run(['login', '--node', node.url, '--user', user, '--password-stdin'], {
      stdin: `${user}-pw\n`,
      session: `first-login-${user}.json`,
    });
    expect([r.code, r.err]).toEqual([0, '']);
  }
  copyFileSync(first, join(node.dir, session));
  // a session that will log out must not be the one the others copy
  if (fresh) rmSync(first);
}

describe('the tallystick command line', () => {
  it('logs in, posts legs with progress, uploads books, works a break and verifies the index', async () => {
    expect((await cli('breaks')).err).toMatch(/not logged in/);
    const wrong = await run(['login', '--node', node.url, '--user', 'bankb-system', '--password-stdin'], {
      stdin: 'wrong\n',
    });
    expect([wrong.code, wrong.err]).toEqual([1, expect.stringMatching(/^LOGIN_FAILED: /)]);
    const login = await run(['login', '--node', node.url, '--user', 'bankb-system'], {
      env: { TALLYSTICK_PASSWORD: 'bankb-system-pw' },
    });
    expect(login.out).toMatch(/logged in as bankb-system of BankBMSP \(submitter\)/);
    expect(statSync(join(node.dir, 'session.json')).mode & 0o777).toBe(0o600);

    const payments = Array.from({ length: 7 }, () => paymentLegs({ valueDate: '2031-04-04' }));
    const legsFile = join(node.dir, 'legs.json');
    writeFileSync(legsFile, JSON.stringify(payments.map((p) => p.credit)));
    const posted = await cli('post', legsFile, '--batch', '3');
    expect(posted.out).toBe('7 legs posted, 0 already on the ledger unchanged');
    expect(posted.err).toMatch(/posting 100% 7\/7/);
    expect((await cli('post', legsFile)).out).toBe('0 legs posted, 7 already on the ledger unchanged');

    // the day's books: one payment missing from the ledger, one amount different, one leg not in the books
    const extra = paymentLegs({ valueDate: '2031-04-04' }).credit;
    const row = (l: (typeof payments)[number]['credit'], amount = '12345.67') =>
      `${l.reference},${amount},CNY,2031-04-04,CREDIT,${l.payerRef},${l.payeeRef},${l.legId}`;
    const books = join(node.dir, 'books.csv');
    writeFileSync(
      books,
      [
        'reference,amount,currency,valueDate,side,payerRef,payeeRef,legId',
        ...payments.slice(0, 5).map((p) => row(p.credit)),
        row(payments[5]?.credit ?? extra, '12340.00'),
        row(extra),
      ].join('\n'),
    );
    const upload = await cli(
      'upload',
      books,
      '--format',
      'csv',
      '--counterparty',
      'BankAMSP',
      '--clearing',
      'ClearingHouseMSP',
      '--post',
    );
    expect(upload.out).toMatch(
      /7 lines: 5 matched, 1 only in my books, 1 only on the ledger, 1 with differing fields/,
    );
    expect(upload.out).toMatch(new RegExp(`only on the ledger ${payments[6]?.credit.reference ?? ''}`));
    expect(upload.out).toMatch(/amount mine CNY 12340\.00 \/ ledger CNY 12345\.67/);
    expect(upload.out).toMatch(/1 missing legs posted/);
    expect(
      (
        await node.consortium.gateway.getCase(
          await node.consortium.identity('bruno'),
          caseIdOf(extra.reference, extra.route),
        )
      ).legs,
    ).toHaveLength(1);

    // a duplicate makes a break of BankB's own; bruno assigns it to himself
    const first = payments[0]?.credit ?? extra;
    await node.consortium.gateway.postLegs(await node.consortium.identity('bankb-system'), [
      { ...first, legId: 'dup-1' },
    ]);
    await loginAs('bruno');
    let listed = { out: '' };
    for (let i = 0; i < 50 && !/DUPLICATE/.test(listed.out); i++) {
      listed = await cli('breaks', '--reason', 'DUPLICATE');
      await new Promise((r) => setTimeout(r, 50));
    }
    const breakId = /^(brk-\S+)\s+DUPLICATE/m.exec(listed.out)?.[1] ?? '';
    expect(breakId).not.toBe('');
    const assigned = await cli(
      'break',
      breakId,
      'assign',
      '--assignee',
      'bruno',
      '--comment',
      'mine',
      '--reference',
      payments[0]?.reference ?? '',
    );
    expect(assigned.out).toMatch(new RegExp(`${breakId} is ASSIGNED`));
    // A step retried under its key answers its first result and adds nothing to the timeline.
    const comment = [
      'break',
      breakId,
      'comment',
      '--comment',
      'checked',
      '--reference',
      payments[0]?.reference ?? '',
    ];
    const once = await cli(...comment, '--idempotency-key', 'cli-comment-1');
    const twice = await cli(...comment, '--idempotency-key', 'cli-comment-1');
    expect(once.out).toMatch(new RegExp(`${breakId} is ASSIGNED`));
    expect(twice.out.replace(/tx \w+/, '')).toBe(once.out.replace(/tx \w+/, ''));
    const versions = await node.consortium.gateway.history(
      await node.consortium.identity('bruno'),
      'break',
      breakId,
    );
    expect(versions).toHaveLength(3);
    // A proposal names what it lacks; with its kind, root cause and comment it goes through, and shows.
    const ref = ['--reference', payments[0]?.reference ?? ''];
    const incomplete = await cli('break', breakId, 'propose', '--kind', 'REVERSE', ...ref);
    expect([incomplete.code, incomplete.err]).toEqual([
      1,
      expect.stringMatching(/PROPOSAL_INCOMPLETE.*rootCause, comment/),
    ]);
    const proposed = await cli(
      'break',
      breakId,
      'propose',
      '--kind',
      'REVERSE',
      '--root-cause',
      'DUPLICATE',
      '--comment',
      'posted twice by our system',
      ...ref,
    );
    expect(proposed.out).toMatch(new RegExp(`${breakId} is PROPOSED`));
    const shown = await cli('break', 'show', breakId, ...ref);
    expect(shown.out).toMatch(/proposal\s+REVERSE \(DUPLICATE\) by bruno/);
    expect(shown.out).toMatch(/due\s+\d{4}-\d{2}-\d{2}T/);
    expect((await cli('break', breakId, 'assign', '--assignee', 'zoe')).err).toMatch(/UNKNOWN_PERSON.*"zoe"/);
    expect((await cli('break', breakId, 'approve')).err).toMatch(/ROLE_REQUIRED|INVALID_TRANSITION/);
    expect((await cli('verify')).err).toMatch(/FORBIDDEN/);
    await loginAs('bankb-admin', 'session.json', true); // logs out below
    const verified = await cli('verify');
    expect(verified.out).toMatch(/0 differences/);
    expect(verified.code).toBe(0);
    expect((await cli('logout')).out).toBe('logged out');
    expect((await cli('nonsense')).code).toBe(2);
  });
});

describe('a step whose answer is lost', () => {
  /** A node that logs anyone in and answers every break action with the given 503 body, counting the tries. */
  async function unavailableNode(details: object) {
    const tries: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/v1/sessions') {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({ token: 't', user: { enrollmentId: 'bruno', mspId: 'BankBMSP', roles: [] } }),
          );
          return;
        }
        tries.push(req.headers['idempotency-key'] as string | undefined);
        res.statusCode = 503;
        // Problem details, as the node answers (application/src/http/errors.ts).
        res.setHeader('content-type', 'application/problem+json');
        res.end(
          JSON.stringify({
            type: 'urn:tallystick:problem:LEDGER_UNAVAILABLE',
            title: 'Ledger unavailable',
            status: 503,
            detail: 'no answer',
            code: 'LEDGER_UNAVAILABLE',
            requestId: 'r-1',
            details,
            errors: [{ code: 'LEDGER_UNAVAILABLE', message: 'no answer' }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, tries, close: () => new Promise((r) => server.close(r)) };
  }

  for (const [outcome, advice] of [
    [
      { outcome: 'UNKNOWN', txId: 'ab12' },
      /sent as transaction ab12 and its outcome is unknown: run it again with --idempotency-key step-7, which returns the first result if it was committed/,
    ],
    [
      { outcome: 'NOT_SENT' },
      /the ledger did not take the step \(nothing written\): run it again with --idempotency-key step-7/,
    ],
  ] as const) {
    it(`is tried again under one key, then says what may have happened (${outcome.outcome})`, async () => {
      const n = await unavailableNode(outcome);
      try {
        const login = await run(['login', '--node', n.url, '--user', 'bruno'], {
          env: { TALLYSTICK_PASSWORD: 'x' },
          session: 'lost.json',
        });
        expect(login.code).toBe(0);
        const r = await run(['break', 'brk-1', 'comment', '--comment', 'hi', '--idempotency-key', 'step-7'], {
          session: 'lost.json',
        });
        expect([r.code, r.err]).toEqual([
          3,
          expect.stringMatching(/^LEDGER_UNAVAILABLE: no answer \[request r-1\]\n/),
        ]);
        expect(r.err).toMatch(advice);
        expect(n.tries).toEqual(['step-7', 'step-7', 'step-7']);
      } finally {
        await n.close();
      }
    });
  }
});

/** Polls the queue (the index follows the ledger) until `pattern` shows. */
async function queueUntil(pattern: RegExp, session: string): Promise<string> {
  let listed = '';
  for (let i = 0; i < 100 && !pattern.test(listed); i++) {
    listed = (await run(['breaks', '--limit', '200'], { session })).out;
    if (!pattern.test(listed)) await new Promise((r) => setTimeout(r, 50));
  }
  return listed;
}

/** A DUPLICATE break of Bank B's own, on a payment of CNY 1.19 (119 minor units). */
async function duplicateBreak(session: string) {
  const p = paymentLegs({ valueDate: '2031-05-05', amountMinor: '119' });
  const system = await node.consortium.identity('bankb-system');
  await node.consortium.gateway.postLegs(system, [p.credit]);
  await node.consortium.gateway.postLegs(system, [{ ...p.credit, legId: `${p.credit.legId}-dup` }]);
  await loginAs('bruno', session);
  const c = await node.consortium.gateway.getCase(await node.consortium.identity('bruno'), p.caseId);
  const breakId = c.breaks[0]?.breakId ?? '';
  expect(breakId).toMatch(/^brk-/);
  expect(await queueUntil(new RegExp(breakId), session)).toMatch(breakId);
  return { payment: p, breakId };
}

describe('attachments', () => {
  it('attaches a file to a break, lists it and writes it back, checked against its hash', async () => {
    const { breakId } = await duplicateBreak('attach.json');
    const file = join(node.dir, 'mt103 copy.txt');
    const text = '{1:F01BANKBXXXX}{4:\n:20:ABC123\n:32A:261127CNY1,19\n-}\n';
    writeFileSync(file, text);
    const s = { session: 'attach.json' };
    const attached = await run(['break', breakId, 'attach', file, '--idempotency-key', `cli-${breakId}`], s);
    expect([attached.code, attached.err]).toEqual([
      0,
      `uploading 100% ${String(text.length)}/${String(text.length)}\n`,
    ]);
    const sha = /sha256 ([0-9a-f]{64})/.exec(attached.out)?.[1] ?? '';
    expect(attached.out).toContain(
      `attached mt103 copy.txt to break ${breakId} (text/plain, ${String(text.length)} B)`,
    );
    // The same key again: the first result, no second attachment.
    expect(
      (await run(['break', breakId, 'attach', file, '--idempotency-key', `cli-${breakId}`], s)).code,
    ).toBe(0);
    const listed = await run(['break', breakId, 'attachments', '--json'], s);
    expect(JSON.parse(listed.out)).toMatchObject({
      items: [{ sha256: sha, name: 'mt103 copy.txt', mediaType: 'text/plain', held: true }],
    });
    expect((await run(['break', breakId, 'attachments'], s)).out).toMatch(
      /mt103 copy\.txt\s+\d+ B\s+text\/plain\s+bruno \(BankBMSP\)/,
    );
    const out = join(node.dir, 'mt103-back.txt');
    const saved = await run(['break', breakId, 'attachment', sha, '--out', out], s);
    expect([saved.code, saved.err]).toEqual([0, '']);
    expect(readFileSync(out, 'utf8')).toBe(text);
    // Never overwritten; a file type the node does not take is a usage error before anything is sent.
    expect((await run(['break', breakId, 'attachment', sha, '--out', out], s)).code).toBe(2);
    const page = join(node.dir, 'page.html');
    writeFileSync(page, '<p>');
    const html = await run(['break', breakId, 'attach', page], s);
    expect(html.code).toBe(2);
    expect(html.err).toContain('application/pdf');
    const missing = await run(
      ['break', breakId, 'attachment', 'f'.repeat(64), '--out', join(node.dir, 'x')],
      s,
    );
    expect([missing.code, missing.err]).toEqual([1, expect.stringContaining('ATTACHMENT_NOT_FOUND')]);
  });
});

describe('help', () => {
  it('every command has its help: --help prints it and the command does not run', async () => {
    const { breakId } = await duplicateBreak('help.json');
    // logged in, with a break in the queue: `breaks` lists it, `breaks --help` does not
    expect((await run(['breaks'], { session: 'help.json' })).out).toMatch(breakId);
    for (const command of COMMAND_NAMES) {
      for (const flag of ['--help', '-h']) {
        const r = await run([command, flag], { session: 'help.json' });
        expect([r.code, r.err]).toEqual([0, '']);
        expect(r.out).toMatch(new RegExp(`^tallystick ${command}\\b`));
        expect(r.out).toMatch(/--json/);
        expect(r.out).toMatch(
          /\nExit codes: 0 done, 1 refused, 2 usage, 3 unavailable \(try later\), 130 cancelled/,
        );
        expect(r.out).not.toMatch(/brk-|logged in as|legs posted|breaks shown|cases, .* checked/);
      }
      expect((await run(['help', command])).out).toBe((await run([command, '--help'])).out);
    }
    const legsFile = join(node.dir, 'help-legs.json');
    const leg = paymentLegs().credit;
    writeFileSync(legsFile, JSON.stringify([leg]));
    await loginAs('bankb-system', 'help-system.json');
    expect((await run(['post', legsFile, '--help'], { session: 'help-system.json' })).out).toMatch(
      /^tallystick post/,
    );
    // the leg was not posted: posting it now posts it
    expect((await run(['post', legsFile], { session: 'help-system.json' })).out).toBe(
      '1 legs posted, 0 already on the ledger unchanged',
    );
    expect((await run(['logout', '--help'], { session: 'help.json' })).code).toBe(0);
    expect((await run(['breaks'], { session: 'help.json' })).code).toBe(0); // still logged in
  });

  it('the overview lists the commands and documents the exit codes', async () => {
    const help = await cli('help');
    expect(help.code).toBe(0);
    for (const command of COMMAND_NAMES) expect(help.out).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(help.out).toMatch(
      /Exit codes:\n {2}0 .*\n {2}1 {4}refused: .*\n(.*\n)* {2}2 {4}usage: .*\n(.*\n)* {2}3 {4}unavailable: /,
    );
    expect((await cli('--help')).code).toBe(0);
    const bare = await cli();
    expect([bare.code, bare.out, bare.err]).toEqual([2, '', `${help.out}\n`]);
  });

  it('a command used wrongly exits 2, says what is wrong and where its help is', async () => {
    const cases: [string[], RegExp][] = [
      [['nonsense'], /^unknown command nonsense\n/],
      [['breaks', '--frobnicate'], /Unknown option '--frobnicate' \(see tallystick breaks --help\)/],
      [['post'], /post needs one JSON file/],
      [['post', join(node.dir, 'nope.json')], /cannot read .*nope\.json \(ENOENT\)/],
      [['post', 'x.json', '--batch', '0'], /--batch must be a whole number from 1 to 1000, got 0/],
      [['breaks', '--timeout', 'soon'], /--timeout must be a whole number/],
      [['break'], /break needs show ID, open REFERENCE, provenance ID, or ID and a step/],
      [['break', 'brk-1', 'dance'], /the step must be one of assign, propose/],
      [['break', 'provenance', 'brk-1', '--of', 'person'], /--of must be break, case or leg/],
      [
        ['break', 'open'],
        /break open needs a payment reference, a case id \(--case\) or a break \(--break\)/,
      ],
      [['break', 'open', 'REF1', '--case', 'c'.repeat(64), '--break', 'brk-1'], /not both/],
      [['login', '--user', 'bruno'], /login needs --node URL/],
      [['upload', 'x.csv'], /upload needs one file and --format/],
      [['help', 'nonsense'], /no command nonsense/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv, { session: 'usage.json' });
      expect([argv, r.code, r.out]).toEqual([argv, 2, '']);
      expect(r.err).toMatch(message);
    }
  });
});

describe('the password', () => {
  const login = ['login', '--node', '', '--user', 'bruno'];
  beforeAll(() => {
    login[2] = node.url;
  });

  it('comes from standard input, the environment or a prompt without echo, never needing the command line', async () => {
    const piped = await run([...login, '--password-stdin'], { stdin: 'bruno-pw\n', session: 'pw.json' });
    expect([piped.code, piped.err]).toEqual([0, '']);
    expect(piped.out).toMatch(/^logged in as bruno of BankBMSP/);

    const fromEnv = await run(login, { env: { TALLYSTICK_PASSWORD: 'bruno-pw' }, session: 'pw.json' });
    expect([fromEnv.code, fromEnv.err]).toEqual([0, '']);

    // a terminal on standard input: the prompt on standard error, what is typed never echoed
    const tty = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void };
    const modes: boolean[] = [];
    tty.isTTY = true;
    tty.setRawMode = (raw) => modes.push(raw);
    const typing = run(login, { stdin: tty, session: 'pw.json' });
    await new Promise((r) => setTimeout(r, 20));
    for (const key of 'bruno-pw\r') tty.write(key);
    const prompted = await typing;
    expect(prompted.code).toBe(0);
    expect(prompted.err).toBe(`Password for bruno at ${node.url}: \n`);
    expect(prompted.out).toMatch(/^logged in as bruno/);
    expect(modes).toEqual([true, false]);

    // Ctrl-C at the prompt: cancelled, exit 130, nothing sent, no session
    const cancelTty = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void };
    cancelTty.isTTY = true;
    cancelTty.setRawMode = () => undefined;
    const cancelling = run(login, { stdin: cancelTty, session: 'pw-cancel.json' });
    await new Promise((r) => setTimeout(r, 20));
    cancelTty.write('bru\u0003');
    expect(await cancelling).toEqual({
      code: 130,
      out: '',
      err: `Password for bruno at ${node.url}: \ncancelled at the password prompt\n`,
    });
    expect(existsSync(join(node.dir, 'pw-cancel.json'))).toBe(false);

    // neither a terminal nor a pipe nor a variable: the command says how to give it (nothing sent)
    const none = await run(login, { session: 'pw-none.json' });
    expect([none.code, none.err]).toEqual([
      2,
      expect.stringMatching(/--password-stdin, or set TALLYSTICK_PASSWORD/),
    ]);
    expect(existsSync(join(node.dir, 'pw-none.json'))).toBe(false);
  });

  it('given as an argument still works, with a warning; the password is never printed', async () => {
    const r = await run([...login, '--secret', 'bruno-pw'], { session: 'pw-arg.json' });
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: a password on the command line can be seen by other users \(ps\)/);
    expect(r.err + r.out).not.toMatch(/bruno-pw/);
    const json = await run([...login, '--secret', 'bruno-pw', '--json'], { session: 'pw-arg.json' });
    expect(JSON.parse(json.err)).toMatchObject({ warning: { code: 'SECRET_ON_COMMAND_LINE' } });
    expect(json.err).toMatch(/"message":".*--password-stdin/);
  });
});

describe('exit codes and "not logged in"', () => {
  it('says "not logged in" without a session and after logout (exit 1), and logout twice is fine', async () => {
    const none = await run(['breaks'], { session: 'nobody.json' });
    expect(none).toEqual({
      code: 1,
      out: '',
      err: 'not logged in: run `tallystick login --node URL --user ID` first\n',
    });
    await loginAs('bruno', 'out.json', true); // logs out below
    expect((await run(['logout'], { session: 'out.json' })).out).toBe('logged out');
    expect(existsSync(join(node.dir, 'out.json'))).toBe(false);
    for (const command of [
      ['breaks'],
      ['verify'],
      ['break', 'show', 'brk-1'],
      ['post', join(node.dir, 'legs.json')],
    ]) {
      const r = await run(command, { session: 'out.json' });
      expect([r.code, r.err]).toEqual([1, expect.stringMatching(/^not logged in: /)]);
      expect(r.err).not.toMatch(/undefined/);
    }
    const json = await run(['breaks', '--json'], { session: 'out.json' });
    expect(json.out).toBe('');
    expect(JSON.parse(json.err)).toMatchObject({
      error: { code: 'NOT_LOGGED_IN', kind: 'refused', exitCode: 1 },
    });
    expect(await run(['logout'], { session: 'out.json' })).toEqual({
      code: 0,
      out: 'not logged in',
      err: '',
    });
  });

  it('a refusal by the node or the ledger exits 1 with its code', async () => {
    const { breakId } = await duplicateBreak('refused.json');
    const cases: [string[], RegExp][] = [
      [['break', 'show', 'brk-0000'], /^BREAK_NOT_FOUND: /],
      [['verify'], /^FORBIDDEN: /],
      [['break', breakId, 'approve'], /^(ROLE_REQUIRED|INVALID_TRANSITION): /],
      [['break', 'open', 'not-a-reference-of-mine'], /^[A-Z_]+: /],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv, { session: 'refused.json' });
      expect([argv, r.code, r.out]).toEqual([argv, 1, '']);
      expect(r.err).toMatch(message);
    }
  });

  it('no answer exits 3: connection refused, and a node silent past --timeout', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const refused = await run(
      ['login', '--node', `http://127.0.0.1:${String(port)}`, '--user', 'bruno', '--password-stdin'],
      {
        stdin: 'x\n',
        session: 'gone.json',
      },
    );
    expect([refused.code, refused.err]).toEqual([
      3,
      expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/),
    ]);

    const silent = createServer(() => undefined); // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${String((silent.address() as AddressInfo).port)}`;
      const started = Date.now();
      const r = await run(
        ['login', '--node', url, '--user', 'bruno', '--password-stdin', '--timeout', '1', '--json'],
        {
          stdin: 'x\n',
          session: 'gone.json',
        },
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.err)).toMatchObject({
        error: {
          code: 'TIMEOUT',
          kind: 'unavailable',
          exitCode: 3,
          message: `no answer from ${url} within 1 s (--timeout)`,
        },
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('posting a file of legs', () => {
  it('a refused batch names each leg by its position in the file and says what was committed, on its own line', async () => {
    await loginAs('bankb-system', 'batch.json');
    const legs: Record<string, unknown>[] = Array.from(
      { length: 10 },
      () => paymentLegs({ valueDate: '2031-06-06' }).credit,
    );
    const good = legs.map((l) => ({ ...l }) as ReturnType<typeof paymentLegs>['credit']);
    legs[7] = { ...legs[7], currency: 'XYZ' };
    legs[8] = { ...legs[8], currency: 'ABC' };
    const file = join(node.dir, 'batch-legs.json');
    writeFileSync(file, JSON.stringify(legs));

    // on a terminal: the progress bar is redrawn in place; the failure starts a line of its own
    const r = await run(['post', file, '--batch', '3'], { session: 'batch.json', isTty: true });
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/\rposting \[#+\.+\]  60% 6\/10\nUNKNOWN_CURRENCY: legs\[7\]\.currency /);
    expect(r.err).not.toMatch(/legs\[[12]\]/);
    expect(r.err).toMatch(
      /^ {2}legs\[7\]\.currency XYZ is not an active ISO 4217 currency\n {2}legs\[8\]\.currency ABC is not /m,
    );
    expect(r.err).toMatch(
      /\n6 of 10 legs were committed before it \(6 posted, 0 unchanged\); the batch legs\[6\]-legs\[8\] was refused as a whole, and nothing after it was sent\. Posting .*batch-legs\.json again is safe/,
    );
    // what it said: the first six are on the ledger, the rest are not
    const system = await node.consortium.identity('bankb-system');
    for (const [i, leg] of good.entries()) {
      const c = await node.consortium.gateway
        .getCase(system, caseIdOf(leg.reference, leg.route))
        .catch(() => undefined);
      expect([i, c !== undefined]).toEqual([i, i < 6]);
    }

    const json = await run(['post', file, '--batch', '3', '--json'], { session: 'batch.json' });
    expect([json.code, json.out]).toEqual([1, '']);
    const e = (JSON.parse(json.err) as { error: Record<string, unknown> }).error;
    expect(e).toMatchObject({
      code: 'UNKNOWN_CURRENCY',
      exitCode: 1,
      total: 10,
      committed: 6,
      posted: 0,
      unchanged: 6,
      batch: { from: 6, to: 8 },
    });
    expect((e.problems as { field: string }[]).map((p) => p.field)).toEqual([
      'legs[7].currency',
      'legs[8].currency',
    ]);

    writeFileSync(file, JSON.stringify(good));
    expect((await run(['post', file, '--batch', '3'], { session: 'batch.json' })).out).toBe(
      '4 legs posted, 6 already on the ledger unchanged',
    );
  });
});

describe('breaks from the command line', () => {
  it('break show, open and provenance: the break, its case with amounts in major units, its history', async () => {
    const { payment, breakId } = await duplicateBreak('show.json');
    const s = { session: 'show.json' };
    const comment = await run(
      ['break', breakId, 'comment', '--comment', 'looking into it', '--reference', payment.reference],
      s,
    );
    expect(comment.out).toMatch(new RegExp(`^${breakId} is OPEN \\(tx \\w+\\)$`));

    const shown = await run(['break', 'show', breakId], s);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`^break +${breakId}$`, 'm'));
    expect(shown.out).toMatch(/^reason +DUPLICATE$/m);
    expect(shown.out).toMatch(/^status +OPEN$/m);
    expect(shown.out).toMatch(/^parties +.*BankBMSP/m);
    expect(shown.out).toMatch(
      /^legs +BankBMSP:\S+ \(CREDITOR_AGENT\), BankBMSP:\S+-dup \(CREDITOR_AGENT\)$/m,
    );
    // matching opened the break (the ledger's own step: no person named)
    expect(shown.out).toMatch(/^timeline:\n {2}0 +\S+ +OPEN +- -> OPEN +\(matching\)$/m);
    expect(shown.out).toMatch(
      /^ {2}1 +\S+ +COMMENT +OPEN -> OPEN +bruno \(BankBMSP\) +\(comment sealed: --reference opens it\)$/m,
    );
    expect(shown.out).not.toMatch(/looking into it/);
    const opened = await run(['break', 'show', breakId, '--reference', payment.reference], s);
    expect(opened.out).toMatch(/^ {2}1 +\S+ +COMMENT +OPEN -> OPEN +bruno \(BankBMSP\) +looking into it$/m);

    const c = await run(['break', 'open', payment.reference], s);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(new RegExp(`^case ${payment.caseId} `));
    expect(c.out).toMatch(/^legs \(2\):$/m);
    expect(c.out).toMatch(
      new RegExp(
        `^ {2}BankBMSP:${payment.credit.legId} +CREDITOR_AGENT +CNY 1\\.19 +2031-05-05 +6222020200112233445 -> 6217000011112222333 +SETTLED$`,
        'm',
      ),
    );
    expect(c.out).not.toMatch(/\b119\b/);
    expect(c.out).toMatch(new RegExp(`^break +${breakId}$`, 'm'));
    expect(c.out).toMatch(/looking into it/);
    const byCase = await run(['break', 'open', payment.reference, '--case', payment.caseId], s);
    expect(byCase.out).toBe(c.out);
    const byBreak = await run(['break', 'open', payment.reference, '--break', breakId], s);
    expect(byBreak.out).toBe(c.out);

    // the queue line: my leg's amount in major units, its value date, the counterparties
    const queue = await run(
      ['breaks', '--reason', 'DUPLICATE', '--currency', 'CNY', '--from', '2031-05-05', '--to', '2031-05-05'],
      s,
    );
    expect(queue.out).toMatch(
      new RegExp(
        `^${breakId} +DUPLICATE +OPEN +\\d+ min +CNY 1\\.19 +2031-05-05 +BankAMSP,ClearingHouseMSP +-$`,
        'm',
      ),
    );
    expect(queue.out).not.toMatch(/\b119\b/);
    const badSort = await run(['breaks', '--sort', 'colour'], s);
    expect([badSort.code, badSort.err]).toEqual([1, expect.stringMatching(/^VALIDATION_FAILED: sort /)]);

    const history = await run(['break', 'provenance', breakId], s);
    expect(history.code).toBe(0);
    expect(history.out).toMatch(new RegExp(`^break ${breakId}: 2 versions, newest first$`, 'm'));
    // the signer as the index read it from the block (the test node's index may not have it)
    expect(history.out).toMatch(
      /^ {2}v2 +\S+ +tx \w{64} +block \d+ +(BankBMSP \S*CN=bruno\S*|signer not in the index) +OPEN$/m,
    );
    expect(history.out).toMatch(/^ {2}v1 +\S+ +tx \w{64} +block \d+ +\S.* +OPEN$/m);
    const caseHistory = await run(['break', 'provenance', payment.caseId, '--of', 'case'], s);
    expect(caseHistory.out).toMatch(new RegExp(`^case ${payment.caseId}: \\d+ versions`));
  });
});

describe('opening a case without the reference', () => {
  it('by its case id or a break of it: the node supplies the reference of a case with its own leg', async () => {
    const { payment, breakId } = await duplicateBreak('by-id.json');
    const s = { session: 'by-id.json' };
    const withReference = await run(['break', 'open', payment.reference], s);
    expect(withReference.code).toBe(0);
    for (const argv of [
      ['break', 'open', payment.caseId],
      ['break', 'open', '--case', payment.caseId],
      ['break', 'open', '--break', breakId],
    ]) {
      const r = await run(argv, s);
      expect([argv, r.code, r.err]).toEqual([argv, 0, '']);
      expect(r.out).toBe(withReference.out);
      expect(r.out).toMatch(/CNY 1\.19/);
    }
    // a case this node holds no reference for: the node says so (exit 1), and the reference opens it
    const r = await run(['break', 'open', 'f'.repeat(64)], s);
    expect([r.code, r.out, r.err]).toEqual([1, '', expect.stringMatching(/^REFERENCE_NEEDED: /)]);
  });
});

describe('--json', () => {
  it('every command answers one JSON document on standard output and nothing on standard error', async () => {
    const s = { session: 'json.json' };
    const parsed = async (argv: string[], o: Parameters<typeof run>[1] = {}) => {
      const r = await run([...argv, '--json'], { ...s, ...o });
      expect([argv, r.code, r.err]).toEqual([argv, 0, '']);
      return JSON.parse(r.out) as Record<string, unknown>;
    };
    expect(
      await parsed(['login', '--node', node.url, '--user', 'bankb-system', '--password-stdin'], {
        stdin: 'bankb-system-pw\n',
      }),
    ).toMatchObject({
      node: node.url,
      authentication: 'password',
      user: { enrollmentId: 'bankb-system', mspId: 'BankBMSP' },
    });
    const p = paymentLegs({ valueDate: '2031-07-07' });
    const legsFile = join(node.dir, 'json-legs.json');
    writeFileSync(legsFile, JSON.stringify([p.credit]));
    expect(await parsed(['post', legsFile])).toEqual({ file: legsFile, total: 1, posted: 1, unchanged: 0 });
    const books = join(node.dir, 'json-books.csv');
    writeFileSync(
      books,
      `reference,amount,currency,valueDate,side,payerRef,payeeRef,legId\n${p.reference},12345.67,CNY,2031-07-07,CREDIT,${p.credit.payerRef},${p.credit.payeeRef},${p.credit.legId}\n`,
    );
    expect(await parsed(['upload', books, '--format', 'csv'])).toMatchObject({
      report: { counts: { lines: 1, matched: 1 } },
    });

    const { payment, breakId } = await duplicateBreak('json.json');
    expect((await parsed(['breaks'])).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ breakId, reason: 'DUPLICATE' })]),
    );
    expect(await parsed(['break', 'show', breakId])).toMatchObject({
      breakId,
      reason: 'DUPLICATE',
      status: 'OPEN',
    });
    const opened = (await parsed(['break', 'open', payment.reference])) as unknown as OpenCase;
    expect(opened.case.caseId).toBe(payment.caseId);
    expect(opened.legs.map((l) => [l.detail.amountMinor, l.detail.currency])).toEqual([
      ['119', 'CNY'],
      ['119', 'CNY'],
    ]);
    expect(
      await parsed(['break', breakId, 'assign', '--assignee', 'bruno', '--idempotency-key', 'json-1']),
    ).toMatchObject({
      idempotencyKey: 'json-1',
      result: { breakId, status: 'ASSIGNED' },
    });
    expect((await parsed(['break', 'provenance', breakId])).history).toHaveLength(2);
    await loginAs('bankb-admin', 'json.json');
    expect(await parsed(['verify'])).toMatchObject({ differences: [] });
    expect(await parsed(['logout'])).toEqual({ loggedOut: true, user: 'bankb-admin', node: node.url });
  });
});

describe('a file posted while the node goes away', () => {
  it('exits 3 and says what was committed before the batch whose outcome is unknown', async () => {
    let batches = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/sessions') {
          res.end(
            JSON.stringify({ token: 't', user: { enrollmentId: 'sys', mspId: 'BankBMSP', roles: [] } }),
          );
          return;
        }
        batches++;
        if (batches === 1) {
          res.statusCode = 201;
          res.end(
            JSON.stringify({
              txId: 'tx1',
              blockNumber: '7',
              result: [1, 2].map((i) => ({
                legId: `l${String(i)}`,
                caseId: 'c',
                outcome: 'POSTED',
                caseStatus: 'PENDING',
              })),
            }),
          );
          return;
        }
        res.statusCode = 503;
        res.end(
          JSON.stringify({
            code: 'LEDGER_UNAVAILABLE',
            detail: 'no answer',
            requestId: 'r-2',
            details: { outcome: 'UNKNOWN' },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
      const login = await run(['login', '--node', url, '--user', 'sys'], {
        env: { TALLYSTICK_PASSWORD: 'x' },
        session: 'away.json',
      });
      expect(login.code).toBe(0);
      const file = join(node.dir, 'away-legs.json');
      writeFileSync(file, JSON.stringify(Array.from({ length: 5 }, () => paymentLegs().credit)));
      const r = await run(['post', file, '--batch', '2'], { session: 'away.json' });
      expect([r.code, r.out]).toEqual([3, '']);
      expect(r.err).toMatch(
        /\nLEDGER_UNAVAILABLE: no answer \[request r-2\]\n2 of 5 legs were committed before it \(2 posted, 0 unchanged\); the outcome of the batch legs\[2\]-legs\[3\] is unknown, and nothing after it was sent\. Posting .*away-legs\.json again is safe/,
      );
      expect(batches).toBe(2);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
