import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../test/support/legs';
import { SessionStore } from '../identity/sessions';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import { callJson } from '../../../test/support/sessions';
import { startTestIndex, stopTestApp, testAppDeps } from '../../../test/support/testApp';

import { createApp, type AppDeps, type LogEntry } from './createApp';
import { listen } from './listen';
import { openApiDocument } from './openapi';

const dir = mkdtempSync(join(tmpdir(), 'tallystick-api-'));
let consortium: EmbeddedConsortium;
const nodes = new Map<
  string,
  { url: string; server: Server; app: express.Express; logs: LogEntry[]; clock: { now: number } }
>();

async function startNode(
  mspId: string,
  options: { rateLimit?: { perSec: number; burst: number }; index?: AppDeps['index']; name?: string } = {},
) {
  const clock = { now: Date.now() };
  const logs: LogEntry[] = [];
  const app = createApp(
    await testAppDeps(consortium, mspId, dir, {
      sessions: new SessionStore(() => clock.now, { absoluteMs: 3_600_000, idleMs: 600_000 }),
      log: (e) => logs.push(e),
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.index ? { index: options.index } : {}),
    }),
  );
  const { server, url } = await listen(app, 0, '127.0.0.1');
  const node = {
    url,
    server,
    app,
    logs,
    clock,
  };
  nodes.set(options.name ?? mspId, node);
  return node;
}

const call = callJson;

async function login(mspId: string, enrollmentId: string, secret = `${enrollmentId}-pw`): Promise<string> {
  const node = nodes.get(mspId);
  if (!node) throw new Error(`no node ${mspId}`);
  const r = await call(node.url, 'POST', '/v1/sessions', undefined, { enrollmentId, secret });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.token as string;
}

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  for (const msp of ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP']) await startNode(msp);
});
afterAll(() => stopTestApp({ servers: [...nodes.values()].map((n) => n.server), consortium, dir }));

describe('institution node REST API', () => {
  it('describes every route it serves in its OpenAPI document, and nothing else', () => {
    const served = new Set<string>();
    const app = nodes.get('BankAMSP')?.app as unknown as {
      router: {
        stack: {
          name: string;
          handle: { stack?: { route?: { path: string; methods: Record<string, boolean> } }[] };
        }[];
      };
    };
    for (const layer of app.router.stack) {
      for (const inner of layer.handle.stack ?? []) {
        if (!inner.route) continue;
        const path = inner.route.path.replace(/:(\w+)/g, '{$1}');
        for (const m of Object.keys(inner.route.methods)) served.add(`${m.toUpperCase()} ${path}`);
      }
    }
    const described = new Set(
      Object.entries(openApiDocument.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      ),
    );
    expect(served.size).toBeGreaterThan(15);
    expect([...served].sort()).toEqual([...described].sort());
  });

  it('logs people in with their enrolment credentials and refuses others, without saying which part was wrong', async () => {
    const a = nodes.get('BankAMSP');
    if (!a) throw new Error('no node');
    const ok = await call(a.url, 'POST', '/v1/sessions', undefined, {
      enrollmentId: 'alice',
      secret: 'alice-pw',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.user).toEqual({ enrollmentId: 'alice', mspId: 'BankAMSP', roles: ['reconciler'] });
    const me = await call(a.url, 'GET', '/v1/me', ok.body.token as string);
    expect(me.body).toEqual({ enrollmentId: 'alice', mspId: 'BankAMSP', roles: ['reconciler'] });
    const wrongSecret = await call(a.url, 'POST', '/v1/sessions', undefined, {
      enrollmentId: 'amir',
      secret: 'nope',
    });
    const unknown = await call(a.url, 'POST', '/v1/sessions', undefined, {
      enrollmentId: 'nobody',
      secret: 'nope',
    });
    expect([wrongSecret.status, wrongSecret.body.error?.code]).toEqual([401, 'LOGIN_FAILED']);
    expect(unknown.body.error?.message).toBe(wrongSecret.body.error?.message);
    const other = await call(a.url, 'POST', '/v1/sessions', undefined, {
      enrollmentId: 'bruno',
      secret: 'bruno-pw',
    });
    expect(other.body.error?.code).toBe('LOGIN_FAILED');
    expect((await call(a.url, 'GET', '/v1/me')).body.error?.code).toBe('UNAUTHENTICATED');
    // secrets and keys never reach the logs
    expect(JSON.stringify(a.logs)).not.toMatch(/alice-pw|PRIVATE KEY/);
  });

  it('keeps identities in a wallet readable by the node only, with the private key encrypted', () => {
    const walletDir = join(dir, 'wallets', 'BankAMSP');
    expect(statSync(walletDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(walletDir);
    expect(files).toContain('alice.id.json');
    for (const f of files) expect(statSync(join(walletDir, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(walletDir, 'alice.id.json'), 'utf8')).not.toContain('PRIVATE KEY');
  });

  it('ends sessions on logout and after the idle time', async () => {
    const a = nodes.get('BankAMSP');
    if (!a) throw new Error('no node');
    const t1 = await login('BankAMSP', 'amir');
    expect((await call(a.url, 'DELETE', '/v1/sessions/current', t1)).status).toBe(204);
    expect((await call(a.url, 'GET', '/v1/me', t1)).body.error?.code).toBe('UNAUTHENTICATED');
    const t2 = await login('BankAMSP', 'amir');
    a.clock.now += 599_000;
    expect((await call(a.url, 'GET', '/v1/me', t2)).status).toBe(200);
    a.clock.now += 600_001;
    const expired = await call(a.url, 'GET', '/v1/me', t2);
    expect([expired.status, expired.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('posts legs signed by the logged-in system and maps ledger refusals to stable codes', async () => {
    const [a, c, b] = ['BankAMSP', 'ClearingHouseMSP', 'BankBMSP'].map((m) => nodes.get(m)?.url ?? '');
    const [ta, tc, tb] = await Promise.all([
      login('BankAMSP', 'banka-system'),
      login('ClearingHouseMSP', 'clearing-system'),
      login('BankBMSP', 'bankb-system'),
    ]);
    const p = paymentLegs();
    const posted = await call(a ?? '', 'POST', '/v1/legs', ta, p.debit);
    expect(posted.status).toBe(201);
    expect(posted.body.result).toEqual([
      { legId: p.debit.legId, caseId: p.caseId, outcome: 'POSTED', caseStatus: 'PENDING' },
    ]);
    expect(typeof posted.body.blockNumber).toBe('string');
    const batch = await call(c ?? '', 'POST', '/v1/legs/batch', tc, { legs: [p.entry] });
    expect(batch.status).toBe(201);
    const bad = await call(b ?? '', 'POST', '/v1/legs', tb, { ...p.credit, currency: 'XYZ' });
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'UNKNOWN_CURRENCY']);
    expect(bad.body.error?.message).toMatch(/legs\[0\]\.currency XYZ/);
    const conflict = await call(a ?? '', 'POST', '/v1/legs', ta, { ...p.debit, amountMinor: '5' });
    expect([conflict.status, conflict.body.error?.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    const notJson = await fetch(`${a ?? ''}/v1/legs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ta}` },
      body: '{"legId":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    const reconcilerPosting = await call(
      a ?? '',
      'POST',
      '/v1/legs',
      await login('BankAMSP', 'alice'),
      paymentLegs().debit,
    );
    expect([reconcilerPosting.status, reconcilerPosting.body.error?.code]).toEqual([403, 'ROLE_REQUIRED']);
  });

  it('resolves a break end to end across three institutions’ nodes, each step signed by the person', async () => {
    const url = (m: string) => nodes.get(m)?.url ?? '';
    const p = paymentLegs();
    await call(url('BankAMSP'), 'POST', '/v1/legs', await login('BankAMSP', 'banka-system'), p.debit);
    await call(
      url('ClearingHouseMSP'),
      'POST',
      '/v1/legs',
      await login('ClearingHouseMSP', 'clearing-system'),
      p.entry,
    );
    await call(url('BankBMSP'), 'POST', '/v1/legs', await login('BankBMSP', 'bankb-system'), {
      ...p.credit,
      outcome: 'TIMED_OUT',
    });
    const bruno = await login('BankBMSP', 'bruno');
    const queue = await call(url('BankBMSP'), 'GET', '/v1/breaks?limit=500', bruno);
    const mine = (queue.body.items as { breakId: string; caseId: string; reason: string }[]).find(
      (x) => x.caseId === p.caseId,
    );
    expect(mine?.reason).toBe('STATUS_CONFLICT');
    const breakId = mine?.breakId ?? '';
    // Cursors are sealed to the person and the listing: page by page with them, never by forging one.
    const seen: string[] = [];
    let cursor: string | null = '';
    let cursorUsed = '';
    while (cursor !== null && seen.length < 500) {
      const page: Awaited<ReturnType<typeof call>> = await call(
        url('BankBMSP'),
        'GET',
        `/v1/breaks?limit=1&cursor=${encodeURIComponent(cursor)}`,
        bruno,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as { breakId: string }[]).map((b) => b.breakId));
      cursorUsed = cursor || cursorUsed;
      cursor = page.body.nextCursor as string | null;
    }
    expect(seen).toContain(breakId);
    expect(new Set(seen).size).toBe(seen.length);
    const payco = await login('PayCoMSP', 'pavel');
    for (const forged of ['open:BankBMSP:', 'brk:', cursorUsed, `${cursorUsed.slice(0, -2)}AA`]) {
      if (forged === '') continue;
      const node = forged === cursorUsed ? url('BankBMSP') : url('PayCoMSP');
      const token = forged === cursorUsed ? await login('BankBMSP', 'bella') : payco;
      const r = await call(node, 'GET', `/v1/breaks?limit=1&cursor=${encodeURIComponent(forged)}`, token);
      expect([r.status, r.body.error?.code], forged).toEqual([400, 'VALIDATION_FAILED']);
    }
    const reference = p.reference;
    const step = async (m: string, user: string, action: string, extra: Record<string, unknown> = {}) => {
      const r = await call(url(m), 'POST', `/v1/breaks/${breakId}/${action}`, await login(m, user), {
        reference,
        ...extra,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r;
    };
    await step('BankBMSP', 'bruno', 'assign', { assignee: 'bruno' });
    await step('BankBMSP', 'bruno', 'propose', {
      kind: 'REFUND',
      rootCause: 'TIMING',
      comment: 'core banking shows it settled',
    });
    const self = await call(url('BankBMSP'), 'POST', `/v1/breaks/${breakId}/approve`, bruno, {});
    expect([self.status, self.body.error?.code]).toEqual([403, 'ROLE_REQUIRED']);
    await step('BankBMSP', 'bella', 'approve');
    await step('BankAMSP', 'alice', 'accept', { comment: 'ok for us' });
    await step('ClearingHouseMSP', 'chen', 'accept');
    const done = await step('BankBMSP', 'bruno', 'resolve', { comment: 'corrected: adjustment 881' });
    expect((done.body.result as { status: string }).status).toBe('RESOLVED');
    const opened = await call(
      url('BankAMSP'),
      'POST',
      `/v1/breaks/${breakId}/open`,
      await login('BankAMSP', 'alice'),
      { reference },
    );
    expect(
      (opened.body.timeline as { action: string; actor: { name: string }; comment: string }[]).map((e) => [
        e.action,
        e.actor.name,
      ]),
    ).toEqual([
      ['OPEN', ''], // matching opened it: the ledger's own step names no person
      ['ASSIGN', 'bruno'],
      ['PROPOSE', 'bruno'],
      ['APPROVE', 'bella'],
      ['ACCEPT', 'alice'],
      ['ACCEPT', 'chen'],
      ['RESOLVE', 'bruno'],
    ]);
    // PayCo is no party: to it the break does not exist, the same 404 as for an id never used.
    const pavel = await login('PayCoMSP', 'pavel');
    const outsider = await call(url('PayCoMSP'), 'GET', `/v1/provenance/break/${breakId}`, pavel);
    const never = await call(url('PayCoMSP'), 'GET', `/v1/provenance/break/brk-${'0'.repeat(28)}`, pavel);
    expect([outsider.status, outsider.body.error?.code]).toEqual([404, 'BREAK_NOT_FOUND']);
    expect([never.status, never.body.error?.code]).toEqual([404, 'BREAK_NOT_FOUND']);
    const read = await call(url('PayCoMSP'), 'GET', `/v1/breaks/${breakId}`, pavel);
    expect([read.status, read.body.error?.code]).toEqual([404, 'BREAK_NOT_FOUND']);
    // A party's staff read every version.
    const audit = await call(
      url('ClearingHouseMSP'),
      'GET',
      `/v1/provenance/break/${breakId}`,
      await login('ClearingHouseMSP', 'chen'),
    );
    expect((audit.body.history as unknown[]).length, JSON.stringify(audit.body)).toBe(7);
  });

  it('rate limits, echoes request ids, and serves health and Prometheus metrics', async () => {
    const limited = await startNode('AuditorMSP', { rateLimit: { perSec: 1, burst: 3 } });
    const token = await login('AuditorMSP', 'audrey');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await call(limited.url, 'GET', '/v1/me', token)).status);
    expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
    expect(codes.slice(3)).toContain(429);
    const r = await fetch(`${limited.url}/healthz`, { headers: { 'x-request-id': 'trace-42' } });
    expect(r.headers.get('x-request-id')).toBe('trace-42');
    expect(await r.json()).toEqual({
      status: 'ok',
      mspId: 'AuditorMSP',
      institution: 'AuditorMSP',
      ledger: 'embedded',
    });
    const metrics = await (await fetch(`${limited.url}/metrics`)).text();
    expect(metrics).toMatch(
      /tallystick_http_requests_total\{method="GET",route="\/v1\/me",status="200"\} 3\b/,
    );
    expect(metrics).toMatch(
      /tallystick_http_requests_total\{method="GET",route="unmatched",status="429"\} [1-9]/,
    );
    expect(limited.logs.find((l) => l.requestId === 'trace-42')).toMatchObject({
      route: '/healthz',
      status: 200,
    });
    expect((await call(limited.url, 'GET', '/nothing-here')).body.error?.code).toBe('NOT_FOUND');
  });

  it('serves the work queue, the dashboard and an index check from its off-chain index', async () => {
    const { db, indexer } = await startTestIndex(consortium, 'BankBMSP', 'api');
    try {
      const node = await startNode('BankBMSP', { index: { pool: db.pool, indexer }, name: 'BankB-indexed' });
      const sys = await call(node.url, 'POST', '/v1/sessions', undefined, {
        enrollmentId: 'bankb-system',
        secret: 'bankb-system-pw',
      });
      const p = paymentLegs();
      const posted = await call(node.url, 'POST', '/v1/legs', sys.body.token as string, {
        ...p.credit,
        amountMinor: '99',
      });
      expect(posted.status).toBe(201);
      const committed = await consortium.gateway.postLegs(await consortium.identity('banka-system'), [
        p.debit,
      ]);
      await indexer.waitFor({ txId: committed.txId, blockNumber: committed.blockNumber });
      const bruno = (
        await call(node.url, 'POST', '/v1/sessions', undefined, { enrollmentId: 'bruno', secret: 'bruno-pw' })
      ).body.token as string;
      const queue = await call(node.url, 'GET', '/v1/queue?reason=AMOUNT_MISMATCH&limit=200', bruno);
      expect(queue.status).toBe(200);
      const item = (
        queue.body.items as { caseId: string; reason: string; status: string; ageMs: number }[]
      ).find((i) => i.caseId === p.caseId);
      expect(item).toMatchObject({ reason: 'AMOUNT_MISMATCH', status: 'OPEN' });
      expect((await call(node.url, 'GET', '/v1/queue?reason=NOPE', bruno)).body.error?.code).toBe(
        'VALIDATION_FAILED',
      );
      const own = await db.pool.query<{ amount_minor: string }>(
        'SELECT amount_minor::text FROM own_legs WHERE leg_id = $1',
        [p.credit.legId],
      );
      expect(own.rows).toEqual([{ amount_minor: '99' }]);
      const dash = await call(node.url, 'GET', '/v1/dashboard', bruno);
      const ownDays = (dash.body.own as { days: { legsPosted: string }[] }).days;
      const networkDays = (dash.body.network as { days: { legsPosted: string }[] }).days;
      expect(ownDays.length).toBeGreaterThan(0);
      expect(networkDays.map((d) => d.legsPosted)).not.toEqual(ownDays.map((d) => d.legsPosted));
      expect(
        (dash.body.openBreaksByReason as { reason: string }[]).some((r) => r.reason === 'AMOUNT_MISMATCH'),
      ).toBe(true);
      expect((await call(node.url, 'GET', '/v1/index/verify', bruno)).body.error?.code).toBe('FORBIDDEN');
      const admin = (
        await call(node.url, 'POST', '/v1/sessions', undefined, {
          enrollmentId: 'bankb-admin',
          secret: 'bankb-admin-pw',
        })
      ).body.token as string;
      const verify = await call(node.url, 'GET', '/v1/index/verify', admin);
      expect(verify.status).toBe(200);
      expect(verify.body.differences).toEqual([]);
      // My books vs the ledger: five credits posted, the day's CSV with three planted differences.
      const five = Array.from({ length: 5 }, () => paymentLegs({ valueDate: '2031-03-03' }).credit);
      expect(
        (await call(node.url, 'POST', '/v1/legs/batch', sys.body.token as string, { legs: five })).status,
      ).toBe(201);
      const row = (l: (typeof five)[number], amount = l.amountMinor) =>
        `${l.reference},${(Number(amount) / 100).toFixed(2)},CNY,2031-03-03,CREDIT,${l.payerRef},${l.payeeRef},${l.legId}`;
      const extra = paymentLegs({ valueDate: '2031-03-03' }).credit;
      const csv = [
        'reference,amount,currency,valueDate,side,payerRef,payeeRef,legId',
        ...five.slice(0, 3).map((l) => row(l)),
        row(five[3] as (typeof five)[number], '1234000'), // amount differs
        row(extra), // in my books only
        // five[4] is on the ledger only
      ].join('\n');
      const upload = await fetch(
        `${node.url}/v1/statements?format=csv&counterparty=BankAMSP&clearing=ClearingHouseMSP`,
        {
          method: 'POST',
          headers: { 'content-type': 'text/csv', authorization: `Bearer ${bruno}` },
          body: csv,
        },
      );
      const report = (await upload.json()) as {
        counts: Record<string, number>;
        proposedLegs: { legId: string; route: unknown[] }[];
        fieldDifferences: { differences: { field: string }[] }[];
      };
      expect(upload.status).toBe(200);
      expect(report.counts).toMatchObject({
        lines: 5,
        matched: 3,
        onlyInMyBooks: 1,
        onlyOnLedger: 1,
        fieldDifferences: 1,
      });
      expect(report.fieldDifferences[0]?.differences.map((d) => d.field)).toEqual(['amountMinor']);
      expect(report.proposedLegs.map((l) => l.legId)).toEqual([extra.legId]);
      expect(report.proposedLegs[0]?.route).toHaveLength(3);
      const broken = await fetch(`${node.url}/v1/statements?format=camt`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', authorization: `Bearer ${bruno}` },
        body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Document/>',
      });
      expect(broken.status).toBe(400);
      expect(((await broken.json()) as { error: { message: string } }).error.message).toMatch(/DOCTYPE/i);
      const health = await call(node.url, 'GET', '/healthz');
      expect(health.body.index).toMatchObject({ block: expect.any(String) as unknown });
      // A node given no institution name names its institution by its MSP ID.
      expect(health.body.institution).toBe(health.body.mspId);
    } finally {
      await indexer.stop();
      await db.close();
    }
  });
});
