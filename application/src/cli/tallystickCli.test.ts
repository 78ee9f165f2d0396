import { statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import { paymentLegs } from '../../../test/support/legs';
import { startTestNode } from '../../../test/support/node';
import { runCli } from './tallystickCli';

let node: Awaited<ReturnType<typeof startTestNode>>;
beforeAll(async () => {
  node = await startTestNode('BankBMSP');
});
afterAll(async () => {
  await node.stop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  let err = '';
  const code = await runCli([...argv, '--session', join(node.dir, 'session.json')], {
    out: (l) => out.push(l),
    err: (t) => {
      err += t;
    },
    isTty: false,
    env: {},
  });
  return { code, out: out.join('\n'), err };
}

describe('the tallystick command line', () => {
  it('logs in, posts legs with progress, uploads books, works a break and verifies the index', async () => {
    expect((await cli('breaks')).err).toMatch(/not logged in/);
    expect(
      (await cli('login', '--node', node.url, '--user', 'bankb-system', '--secret', 'wrong')).err,
    ).toMatch(/LOGIN_FAILED/);
    const login = await cli(
      'login',
      '--node',
      node.url,
      '--user',
      'bankb-system',
      '--secret',
      'bankb-system-pw',
    );
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
    expect((await cli('login', '--node', node.url, '--user', 'bruno', '--secret', 'bruno-pw')).code).toBe(0);
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
    expect((await cli('break', breakId, 'approve')).err).toMatch(/ROLE_REQUIRED|INVALID_TRANSITION/);
    expect((await cli('verify')).err).toMatch(/FORBIDDEN/);
    expect(
      (await cli('login', '--node', node.url, '--user', 'bankb-admin', '--secret', 'bankb-admin-pw')).code,
    ).toBe(0);
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
        expect((await cli('login', '--node', n.url, '--user', 'bruno', '--secret', 'x')).code).toBe(0);
        const r = await cli('break', 'brk-1', 'comment', '--comment', 'hi', '--idempotency-key', 'step-7');
        expect(r.code).not.toBe(0);
        expect(r.err).toMatch(advice);
        expect(n.tries).toEqual(['step-7', 'step-7', 'step-7']);
      } finally {
        await n.close();
      }
    });
  }
});
