import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../../test/support/legs';
import type { Database } from '../../db/pool';
import { startTestIndex, stopTestApp, testAppDeps } from '../../../../test/support/testApp';
import { openNodeBlacklist } from '../../blacklist/nodeBlacklist';
import { insertAlerts } from '../../readModel/blacklistAlerts';
import { BlockIndexer } from '../../indexer/blockIndexer';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../../ledger/embeddedLedger';
import { createApp } from '../createApp';
import { listen } from '../listen';
import { openApiDocument } from '../openapi';
import { ROUTES } from '.';
import { Health, IndexedEvent } from './shapes';
import { callEveryReceivablesRoute } from '../../../../test/support/receivablesRoutes';
import { signFetch } from '../../attachments/partyFetch';
import { sha256Of } from '../../readModel/attachments';

// Every operation of the OpenAPI document is called through a running node, and every answer it gives (success
// or problem) is checked against the document's schema for that operation, status and media type: the document
// is what the server does, not what someone wrote about it.

const doc = openApiDocument;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
ajv.addSchema(doc, 'api.json');
const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
function validatorAt(path: string, method: string, status: string, media: string): ValidateFunction {
  const ref = `api.json#/${pointer('paths', path, method, 'responses', status, 'content', media, 'schema')}`;
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
}

/** The document's operation for a request: its path template and method. */
function operationOf(method: string, url: string): { path: string; operationId: string } {
  const path = url.replace(/^\/v1/, '').split('?')[0] ?? '';
  for (const [template, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    const op = ops[method] as { operationId?: string } | undefined;
    if (re.test(path) && op?.operationId) return { path: template, operationId: op.operationId };
  }
  throw new Error(`no operation ${method.toUpperCase()} ${path} in the document`);
}

const answered = new Map<string, Set<number>>();

interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** Calls the node and checks the answer against the document (throws naming the operation if it does not fit). */
async function api(
  base: string,
  method: string,
  url: string,
  options: {
    token?: string;
    body?: unknown;
    raw?: string;
    type?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.type ? { 'content-type': options.type } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.raw !== undefined ? { body: options.raw } : {}),
  });
  const text = await res.text();
  const m = method.toLowerCase();
  const { path, operationId } = operationOf(m, url);
  const media = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
  const what = `${operationId} ${String(res.status)} ${media}: ${text.slice(0, 400)}`;
  const ops = doc.paths[path] as Record<
    string,
    { responses: Record<string, { content?: Record<string, unknown> }> }
  >;
  const declared = ops[m]?.responses[String(res.status)];
  expect(declared, `${what}: status not in the document`).toBeDefined();
  if (res.status === 204) expect(text, what).toBe('');
  else {
    expect(Object.keys(declared?.content ?? {}), `${what}: media type not in the document`).toContain(media);
    const body: unknown = media.endsWith('json') ? JSON.parse(text) : text;
    const v = validatorAt(path, m, String(res.status), media);
    expect(v(body) ? [] : v.errors, what).toEqual([]);
  }
  const seen = answered.get(operationId) ?? new Set<number>();
  seen.add(res.status);
  answered.set(operationId, seen);
  return {
    status: res.status,
    body: media.endsWith('json') ? JSON.parse(text) : text,
    text,
    headers: res.headers,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'tallystick-every-route-'));
let consortium: EmbeddedConsortium;
let db: Database;
let indexer: BlockIndexer;
const servers: Server[] = [];
const urls = new Map<string, string>();
/** How far the nodes' receivables submissions run ahead of now (to reach a maturity date). */
let receivablesOffsetMs = 0;

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  ({ db, indexer } = await startTestIndex(consortium, 'BankBMSP', 'everyroute'));
  for (const mspId of ['BankBMSP', 'BankAMSP', 'ClearingHouseMSP', 'AuditorMSP']) {
    const blacklist = await openNodeBlacklist(consortium.gateway, {
      mspId,
      env: {},
      dataDir: join(dir, 'ledger'),
      demoKeyDir: join(dir, 'blacklist-keys'),
    });
    const app = createApp(
      await testAppDeps(consortium, mspId, dir, {
        ...(blacklist ? { blacklist } : {}),
        receivablesClock: () => new Date(Date.now() + receivablesOffsetMs),
        ...(mspId === 'BankBMSP' ? { index: { pool: db.pool, indexer } } : {}),
        partyNodes: new Map(
          ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP'].map((m) => [
            m,
            { url: 'http://127.0.0.1:9', caCertificatePem: consortium.network.ca(m).certificatePem },
          ]),
        ),
      }),
    );
    const { server, url } = await listen(app, 0, '127.0.0.1');
    servers.push(server);
    urls.set(mspId, url);
  }
});
afterAll(() => stopTestApp({ servers, index: { indexer, db }, consortium, dir }));

const at = (mspId: string) => urls.get(mspId) ?? '';
async function login(mspId: string, enrollmentId: string): Promise<string> {
  const r = await api(at(mspId), 'POST', '/v1/sessions', {
    body: { enrollmentId, secret: `${enrollmentId}-pw` },
  });
  expect(r.status, r.text).toBe(201);
  return (r.body as { token: string }).token;
}

describe('every route, through a running node, answers as its OpenAPI document says', () => {
  it('posts through every operation and checks each answer, success and problem, against the schema', async () => {
    const B = at('BankBMSP');
    expect((await api(B, 'GET', '/v1/openapi.json')).status).toBe(200);
    const system = await login('BankBMSP', 'bankb-system');
    const bruno = await login('BankBMSP', 'bruno');
    const bella = await login('BankBMSP', 'bella');
    const admin = await login('BankBMSP', 'bankb-admin');
    expect((await api(B, 'GET', '/v1/me', { token: bruno })).status).toBe(200);

    // A break: Bank B's credit names another amount than Bank A's debit.
    const p = paymentLegs();
    const posted = await api(B, 'POST', '/v1/legs', {
      token: system,
      body: { ...p.credit, amountMinor: '99' },
    });
    expect(posted.status, posted.text).toBe(201);
    const other = paymentLegs();
    expect(
      (await api(B, 'POST', '/v1/legs/batch', { token: system, body: { legs: [other.credit] } })).status,
    ).toBe(201);
    const a = await consortium.gateway.postLegs(await consortium.identity('banka-system'), [p.debit]);
    const c = await consortium.gateway.postLegs(await consortium.identity('clearing-system'), [p.entry]);
    await indexer.waitFor({ txId: a.txId, blockNumber: a.blockNumber });
    await indexer.waitFor({ txId: c.txId, blockNumber: c.blockNumber });
    expect((await api(B, 'POST', '/v1/sweep', { token: system, body: { limit: 10 } })).status).toBe(200);

    const caseId = p.caseId;
    expect((await api(B, 'GET', `/v1/cases/${caseId}`, { token: bruno })).status).toBe(200);
    const opened = await api(B, 'POST', '/v1/cases/open', { token: bruno, body: { reference: p.reference } });
    expect(opened.status, opened.text).toBe(200);
    const listed = await api(B, 'GET', '/v1/breaks?limit=500', { token: bruno });
    const breakId =
      (listed.body as { items: { breakId: string; caseId: string }[] }).items.find((b) => b.caseId === caseId)
        ?.breakId ?? '';
    expect(breakId).not.toBe('');
    expect((await api(B, 'GET', `/v1/breaks/${breakId}`, { token: bruno })).status).toBe(200);

    // Attachments: a SWIFT message as evidence, listed, downloaded, and fetched node to node by a party.
    const mt = '{1:F01BANKBXXXX}{4:\n:20:REF\n-}';
    const attached = await api(B, 'POST', `/v1/breaks/${breakId}/attachments`, {
      token: bruno,
      type: 'text/plain',
      raw: mt,
      headers: { 'Attachment-Name': 'mt103.txt' },
    });
    expect(attached.status, attached.text).toBe(200);
    const sha = sha256Of(Buffer.from(mt));
    expect((await api(B, 'GET', `/v1/breaks/${breakId}/attachments`, { token: bruno })).status).toBe(200);
    expect((await api(B, 'GET', `/v1/breaks/${breakId}/attachments/${sha}`, { token: bruno })).text).toBe(mt);
    const party = `/v1/party/breaks/${breakId}/attachments/${sha}`;
    const chen = await consortium.identity('chen');
    expect(
      (await api(B, 'GET', party, { headers: signFetch(chen, 'BankBMSP', breakId, sha, new Date()) })).text,
    ).toBe(mt);
    expect((await api(B, 'GET', party)).status).toBe(401);

    // The index's reads.
    expect((await api(B, 'GET', '/v1/queue?limit=200&count=true', { token: bruno })).status).toBe(200);
    // An empty parameter, as a form sends an unset filter, is as if absent.
    expect((await api(B, 'GET', '/v1/queue?reason=&assignee=&limit=5', { token: bruno })).status).toBe(200);
    const found = await api(B, 'POST', '/v1/queue/search', { token: bruno, body: { search: p.reference } });
    expect((found.body as { items: unknown[] }).items).toHaveLength(1);
    const exported = await api(B, 'POST', '/v1/queue/export', {
      token: bruno,
      body: { currency: 'CNY', sort: 'amount', order: 'desc' },
    });
    expect([exported.status, exported.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    expect(
      (
        await api(B, 'PUT', '/v1/views/mine', {
          token: bruno,
          body: { query: { sort: 'updated', limit: 20 } },
        })
      ).status,
    ).toBe(200);
    expect((await api(B, 'GET', '/v1/views', { token: bruno })).status).toBe(200);
    expect((await api(B, 'DELETE', '/v1/views/mine', { token: bruno })).status).toBe(204);
    expect((await api(B, 'GET', '/v1/people', { token: bruno })).status).toBe(200);
    expect((await api(B, 'GET', '/v1/dashboard', { token: bruno })).status).toBe(200);
    expect((await api(B, 'GET', '/v1/audit/breaks?limit=10', { token: admin })).status).toBe(200);
    const verified = await api(B, 'GET', '/v1/index/verify', { token: admin });
    expect([verified.status, (verified.body as { differences: unknown[] }).differences]).toEqual([200, []]);
    const extract = await api(B, 'GET', `/v1/statements/ledger?from=${p.credit.valueDate}`, { token: bruno });
    expect(extract.status).toBe(200);
    const report = await api(B, 'POST', '/v1/statements?format=csv&counterparty=BankAMSP', {
      token: bruno,
      type: 'text/csv',
      raw: extract.text,
    });
    expect(report.status, report.text).toBe(200);

    // The change stream: its first event; the `indexed` event of a step, in the document's IndexedEvent shape.
    const stream = await fetch(`${B}/v1/events`, { headers: { authorization: `Bearer ${bruno}` } });
    expect([stream.status, stream.headers.get('content-type')]).toEqual([
      200,
      'text/event-stream; charset=utf-8',
    ]);
    const reader = (stream.body as ReadableStream<Uint8Array> | null)?.getReader();
    const decoder = new TextDecoder();
    let streamed = '';
    const readUntil = async (pattern: RegExp): Promise<string> => {
      while (!pattern.test(streamed)) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) throw new Error(`the stream ended before ${String(pattern)}`);
        streamed += decoder.decode(chunk.value, { stream: true });
      }
      return streamed;
    };
    expect(await readUntil(/event: hello\n/)).toMatch(/^retry: 1000\nevent: hello\ndata: \{"block":"\d+"\}/);
    answered.set('streamEvents', new Set([stream.status]));

    // The break's workflow, every step, each signed by the person at their own node.
    const step = async (mspId: string, token: string, action: string, body: Record<string, unknown> = {}) => {
      const r = await api(at(mspId), 'POST', `/v1/breaks/${breakId}/${action}`, {
        token,
        body: { reference: p.reference, ...body },
        headers: { 'idempotency-key': `${action}-${String(Math.random()).slice(2)}` },
      });
      expect(r.status, r.text).toBe(200);
    };
    const bulk = await api(B, 'POST', '/v1/breaks/assign', {
      token: bruno,
      body: { breakIds: [breakId, 'brk-0000000000000000000000000000'], assignee: 'bruno' },
    });
    expect((bulk.body as { assigned: number }).assigned).toBe(1);
    await step('BankBMSP', bruno, 'assign', { assignee: 'bruno' });
    await step('BankBMSP', bruno, 'comment', { comment: 'looking' });
    const indexed = /event: indexed\ndata: (.*)\n\n/.exec(
      await readUntil(/event: indexed\ndata: .*\n\n/),
    )?.[1];
    const event: unknown = JSON.parse(indexed ?? 'null');
    const indexedEvent = ajv.compile(IndexedEvent);
    expect(indexedEvent(event) ? [] : indexedEvent.errors).toEqual([]);
    expect(JSON.stringify(event)).toContain(breakId);
    await reader?.cancel();
    // Assigned only to the institution's reconcilers and approvers; a proposal names every field it lacks.
    const nobody = await api(B, 'POST', `/v1/breaks/${breakId}/assign`, {
      token: bruno,
      body: { assignee: 'zoe' },
    });
    expect([nobody.status, (nobody.body as { code: string }).code]).toEqual([422, 'UNKNOWN_PERSON']);
    expect((nobody.body as { detail: string }).detail).toContain('"zoe"');
    const incomplete = await api(B, 'POST', `/v1/breaks/${breakId}/propose`, {
      token: bruno,
      body: { kind: 'REVERSE', comment: ' ' },
    });
    expect(incomplete.status).toBe(422);
    expect((incomplete.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      'rootCause',
      'comment',
    ]);
    await step('BankBMSP', bella, 'due', {
      dueAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      comment: 'the FX desk answers on Monday',
    });
    const proposal = { kind: 'REVERSE', rootCause: 'DATA_ENTRY', comment: 'our amount was wrong' };
    await step('BankBMSP', bruno, 'propose', proposal);
    await step('BankBMSP', bruno, 'reject', { comment: 'not yet' });
    await step('BankBMSP', bruno, 'assign', { assignee: 'bruno' });
    await step('BankBMSP', bruno, 'propose', proposal);
    await step('BankBMSP', bella, 'approve');
    await step('BankAMSP', await login('BankAMSP', 'alice'), 'accept');
    await step('ClearingHouseMSP', await login('ClearingHouseMSP', 'chen'), 'accept');
    await step('BankBMSP', bruno, 'resolve', { comment: 'booked adjustment 12' });
    const openedBreak = await api(B, 'POST', `/v1/breaks/${breakId}/open`, {
      token: bruno,
      body: { reference: p.reference },
    });
    expect(openedBreak.status).toBe(200);
    expect((await api(B, 'GET', `/v1/provenance/break/${breakId}`, { token: bruno })).status).toBe(200);
    const csv = await api(B, 'GET', `/v1/provenance/break/${breakId}?format=csv`, { token: bruno });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    // The resolved break among the closed ones, with its resolution, once the node has indexed the resolution
    // (the action answers when the ledger committed it; the index follows the block a moment later).
    const closedIds = async () =>
      (
        (await api(B, 'GET', '/v1/queue?status=RESOLVED&sort=updated&order=desc', { token: bruno })).body as {
          items: { breakId: string }[];
        }
      ).items.map((b) => b.breakId);
    await expect.poll(closedIds, { timeout: 30_000 }).toContain(breakId);

    // The blacklist: identifiers in bodies only, hashed on the node; every refusal the chaincode's.
    const A = at('BankAMSP');
    expect((await api(B, 'POST', '/v1/blacklist/join', { token: admin })).status).toBe(200);
    expect((await api(B, 'GET', '/v1/blacklist/members', { token: bruno })).status).toBe(200);
    const listedOne = await api(B, 'POST', '/v1/blacklist/entries', {
      token: bruno,
      body: {
        type: 'MOBILE',
        identifier: '138 0013 8000',
        category: 'MONEY_MULE',
        severity: 'HIGH',
        indicators: ['MULE_PATTERN', 'POLICE_REPORT'],
        summary: 'three victims reported transfers to it',
      },
    });
    expect(listedOne.status, listedOne.text).toBe(201);
    const subjectKey = (listedOne.body as { result: { subjectKey: string }[] }).result[0]?.subjectKey ?? '';
    const file = await api(B, 'POST', '/v1/blacklist/entries/bulk', {
      token: system,
      type: 'text/csv',
      headers: { 'upload-id': 'every-route-upload' },
      raw: 'type,identifier,category,severity,indicators,summary\nBANK_CARD,4111 1111 1111 1111,SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,unpaid\nMOBILE,123,MONEY_MULE,HIGH,MULE_PATTERN;POLICE_REPORT,x\n',
    });
    expect(file.status, file.text).toBe(200);
    expect((file.body as { refused: { line: number }[] }).refused.map((r) => r.line)).toEqual([3]);
    const progress = await api(B, 'GET', '/v1/blacklist/bulk-uploads/every-route-upload', { token: system });
    expect(progress.body).toMatchObject({ status: 'DONE', lines: 2, linesDone: 2, refused: 1 });
    expect((await api(B, 'GET', '/v1/blacklist/bulk-uploads/no-such-upload', { token: bruno })).status).toBe(
      404,
    );
    const queried = await api(B, 'POST', '/v1/blacklist/queries', {
      token: bruno,
      body: { type: 'MOBILE', identifier: '+8613800138000', purpose: 'FRAUD_INVESTIGATION' },
    });
    expect(queried.status, queried.text).toBe(200);
    const consent = { hash: 'c'.repeat(64), expiresOn: '2099-12-31' };
    const reported = await api(B, 'POST', '/v1/blacklist/subject-reports', {
      token: bruno,
      body: { type: 'MOBILE', identifier: '13800138000', consent },
    });
    expect(reported.status, reported.text).toBe(200);
    const entryPath = `/v1/blacklist/entries/${subjectKey}/BankBMSP/MONEY_MULE`;
    expect((await api(B, 'GET', entryPath, { token: bruno })).status).toBe(200);
    expect((await api(B, 'GET', `${entryPath}/history`, { token: bruno })).status).toBe(200);
    const audrey = await login('AuditorMSP', 'audrey');
    const log = await api(at('AuditorMSP'), 'GET', `/v1/blacklist/query-log/${subjectKey}`, {
      token: audrey,
    });
    expect([log.status, (log.body as unknown[]).length]).toEqual([200, 2]);
    const inForce = await api(B, 'GET', '/v1/blacklist/policy', { token: bruno });
    expect(inForce.status).toBe(200);
    const { policy } = inForce.body as { policy: { categories: Record<string, unknown> } };
    const proposed = await api(B, 'POST', '/v1/blacklist/policy/proposals', {
      token: admin,
      body: {
        proposalId: 'every-route-1',
        policy: {
          ...policy,
          categories: { ...policy.categories, ACCOUNT_TAKEOVER: { indicatorsMin: 1, listingDaysMax: 365 } },
        },
      },
    });
    expect(proposed.status, proposed.text).toBe(201);
    expect(
      (await api(B, 'GET', '/v1/blacklist/policy/proposals/every-route-1', { token: bruno })).status,
    ).toBe(200);
    const adopted = await api(B, 'POST', '/v1/blacklist/policy/proposals/every-route-1/approve', {
      token: bella,
    });
    expect([adopted.status, (adopted.body as { result: { outcome: string } }).result.outcome]).toEqual([
      200,
      'ADOPTED',
    ]);
    // The watchlist and its alerts (node-local, blacklistWatch.ts). An alert as the follower writes it, for the
    // acknowledgement (no follower runs in this test).
    const watched = await api(B, 'POST', '/v1/blacklist/watchlist', {
      token: bruno,
      body: { items: [{ type: 'MOBILE', identifier: '13700137000', label: 'customer 7' }] },
    });
    expect(watched.status, watched.text).toBe(200);
    const watchId = (watched.body as { items: { watchId: string }[] }).items[0]?.watchId ?? '';
    expect((await api(B, 'GET', '/v1/blacklist/watchlist', { token: bruno })).status).toBe(200);
    expect((await api(B, 'GET', '/v1/blacklist/contributions', { token: bruno })).status).toBe(200);
    expect((await api(B, 'GET', '/v1/blacklist/disputes?box=against-us', { token: bruno })).status).toBe(200);
    const client = await db.pool.connect();
    const [alert] = await insertAlerts(client, 'BankBMSP', [
      {
        watchId,
        blockNumber: 1n,
        txIndex: 0,
        txId: 'every-route-alert',
        at: '2026-12-07T10:00:00.000Z',
        entry: {
          subjectKey: subjectKey,
          keyVersion: 1,
          uploader: 'BankAMSP',
          category: 'MONEY_MULE',
          status: 'ACTIVE',
          expiresOn: '2028-12-07',
        },
      },
    ]).finally(() => {
      client.release();
    });
    expect((await api(B, 'GET', '/v1/blacklist/alerts?open=true', { token: bruno })).status).toBe(200);
    const acknowledged = await api(B, 'POST', `/v1/blacklist/alerts/${alert?.alertId ?? ''}/acknowledge`, {
      token: bruno,
    });
    expect(acknowledged.status, acknowledged.text).toBe(200);
    expect((await api(B, 'DELETE', `/v1/blacklist/watchlist/${watchId}`, { token: bruno })).status).toBe(204);
    const blacklistProblems = [
      // Bank A has not joined: the chaincode refuses its query.
      await api(A, 'POST', '/v1/blacklist/queries', {
        token: await login('BankAMSP', 'alice'),
        body: { type: 'MOBILE', identifier: '13800138000', purpose: 'FRAUD_INVESTIGATION' },
      }),
      await api(B, 'POST', '/v1/blacklist/queries', {
        token: bruno,
        body: { type: 'CN_RESIDENT_ID', identifier: '110105194912310021', purpose: 'FRAUD_INVESTIGATION' },
      }),
      await api(B, 'POST', '/v1/blacklist/join', { token: bruno }),
      await api(B, 'GET', `/v1/blacklist/entries/${'0'.repeat(64)}/BankBMSP/MONEY_MULE`, { token: bruno }),
    ];
    expect(blacklistProblems.map((r) => [r.status, (r.body as { code: string }).code])).toEqual([
      [403, 'NOT_A_MEMBER'],
      [400, 'INVALID_INPUT'],
      [403, 'ROLE_REQUIRED'],
      [404, 'ENTRY_NOT_FOUND'],
    ]);
    // After a hit (blacklistDisputes.ts): Bank A joins and lists; Bank B finds it, confirms it, asks for and
    // receives its evidence (hash checked on Bank B's node), disputes it; Bank A retracts it and purges.
    expect(
      (await api(A, 'POST', '/v1/blacklist/join', { token: await login('BankAMSP', 'banka-admin') })).status,
    ).toBe(200);
    const alice = await login('BankAMSP', 'alice');
    const listedA = await api(A, 'POST', '/v1/blacklist/entries', {
      token: alice,
      body: {
        type: 'MOBILE',
        identifier: '13900139000',
        category: 'MONEY_MULE',
        severity: 'HIGH',
        indicators: ['MULE_PATTERN', 'POLICE_REPORT'],
        summary: 'received and forwarded three victims’ transfers',
      },
    });
    expect(listedA.status, listedA.text).toBe(201);
    const hitKey = (listedA.body as { result: { subjectKey: string }[] }).result[0]?.subjectKey ?? '';
    const hit = await api(B, 'POST', '/v1/blacklist/queries', {
      token: bruno,
      body: { type: 'MOBILE', identifier: '13900139000', purpose: 'FRAUD_INVESTIGATION' },
    });
    expect(hit.status, hit.text).toBe(200);
    const hitRef = {
      queryId: (hit.body as { txId: string }).txId,
      subjectKey: hitKey,
      uploader: 'BankAMSP',
      category: 'MONEY_MULE',
    };
    expect((await api(B, 'GET', '/v1/blacklist/allowance', { token: bruno })).status).toBe(200);
    const confirmedHit = await api(B, 'POST', '/v1/blacklist/confirmations', { token: bruno, body: hitRef });
    expect(confirmedHit.status, confirmedHit.text).toBe(200);
    const asked = await api(B, 'POST', '/v1/blacklist/evidence-requests', {
      token: bruno,
      body: { ...hitRef, requestId: 'every-route-ev' },
    });
    expect(asked.status, asked.text).toBe(201);
    expect(
      (await api(B, 'GET', '/v1/blacklist/evidence-requests/every-route-ev', { token: bruno })).status,
    ).toBe(200);
    const decided = await api(A, 'POST', '/v1/blacklist/evidence-requests/every-route-ev/decision', {
      token: await login('BankAMSP', 'anna'),
      body: { decision: 'APPROVE' },
    });
    expect(decided.status, decided.text).toBe(200);
    const received = await api(B, 'GET', '/v1/blacklist/evidence-requests/every-route-ev/evidence', {
      token: bruno,
    });
    expect([received.status, (received.body as { verified: boolean }).verified]).toEqual([200, true]);
    const disputed = await api(B, 'POST', '/v1/blacklist/disputes', {
      token: bruno,
      body: {
        disputeId: 'every-route-d',
        subjectKey: hitKey,
        uploader: 'BankAMSP',
        category: 'MONEY_MULE',
        requestHash: 'd'.repeat(64),
      },
    });
    expect(disputed.status, disputed.text).toBe(201);
    expect((await api(B, 'GET', '/v1/blacklist/disputes/every-route-d', { token: bruno })).status).toBe(200);
    const retracted = await api(A, 'POST', '/v1/blacklist/disputes/every-route-d/steps', {
      token: alice,
      body: { action: 'RETRACT' },
    });
    expect([
      retracted.status,
      (retracted.body as { result: { dispute: { status: string } } }).result.dispute.status,
    ]).toEqual([200, 'RETRACTED']);
    const purged = await api(A, 'POST', '/v1/blacklist/evidence-purges', { token: alice });
    expect(purged.status, purged.text).toBe(200);
    const afterProblems = [
      await api(B, 'POST', '/v1/blacklist/disputes/every-route-d/steps', {
        token: bruno,
        body: { action: 'VOTE' },
      }),
      await api(B, 'POST', '/v1/blacklist/disputes/every-route-d/steps', {
        token: bruno,
        body: { action: 'WITHDRAW' },
      }),
      await api(B, 'GET', '/v1/blacklist/evidence-requests/every-route-ev/evidence', { token: bruno }),
    ];
    expect(afterProblems.map((r) => [r.status, (r.body as { code: string }).code])).toEqual([
      [400, 'VALIDATION_FAILED'],
      [409, 'ALREADY_DECIDED'],
      [409, 'EVIDENCE_UNAVAILABLE'],
    ]);

    // Receivables: every operation through the nodes of Bank A and Bank B (test/support/receivablesRoutes.ts).
    await callEveryReceivablesRoute(api, { bankA: at('BankAMSP'), bankB: B }, login, {
      today: new Date().toISOString().slice(0, 10),
      advance: (ms) => {
        receivablesOffsetMs += ms;
      },
    });

    // Problems: each is problem details, with its code, in the document's Problem shape.
    const problems = [
      await api(B, 'GET', '/v1/me'),
      await api(B, 'GET', '/v1/statements/ledger?from=2026-01-01', { token: bella }),
      await api(B, 'GET', `/v1/breaks/brk-${'0'.repeat(28)}`, { token: bruno }),
      await api(B, 'POST', '/v1/legs', { token: system, type: 'text/plain', raw: '{}' }),
      await api(B, 'POST', '/v1/breaks/assign', { token: bruno, body: { breakIds: [], assignee: '' } }),
      await api(B, 'GET', '/v1/queue?sort=sideways&limit=0', { token: bruno }),
    ];
    expect(problems.map((r) => [r.status, (r.body as { code: string }).code])).toEqual([
      [401, 'UNAUTHENTICATED'],
      [403, 'FORBIDDEN'],
      [404, 'BREAK_NOT_FOUND'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
    ]);
    for (const r of problems) {
      expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(r.body).toMatchObject({
        type: `urn:tallystick:problem:${(r.body as { code: string }).code}`,
        status: r.status,
      });
    }
    expect((problems[5]?.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      'sort',
      'limit',
    ]);

    expect((await api(B, 'DELETE', '/v1/sessions/current', { token: bruno })).status).toBe(204);

    // Every operation of the document was answered with a success at least once.
    const operations = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((op) => (op as { operationId: string }).operationId),
    );
    const unanswered = operations.filter((id) => ![...(answered.get(id) ?? [])].some((s) => s < 300));
    expect(unanswered).toEqual([]);
  });

  it('answers health beside the API in its declared shape', async () => {
    const health: unknown = await (await fetch(`${at('BankBMSP')}/healthz`)).json();
    const v = ajv.compile(Health);
    expect(v(health) ? [] : v.errors).toEqual([]);
    expect(ROUTES.filter((r) => r.mount === 'root').map((r) => r.path)).toEqual(['/healthz', '/metrics']);
  });
});
