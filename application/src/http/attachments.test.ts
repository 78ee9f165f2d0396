import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../test/support/legs';
import { startTestIndex, stopTestApp, testAppDeps } from '../../../test/support/testApp';
import { signFetch, type PartyNode } from '../attachments/partyFetch';
import { sha256Of } from '../readModel/attachments';
import type { Database } from '../db/pool';
import type { BlockIndexer } from '../indexer/blockIndexer';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import { createApp } from './createApp';
import { listen } from './listen';

// Attachments end to end on the embedded network (issue 21 item 3): Bank B attaches a statement to a break; Bank
// A's node, which does not hold the file, fetches it from Bank B's node (a request signed by the person asking,
// checked against Bank B's directory of CAs) and checks it against the hash on the ledger before it keeps or serves
// it. Each bank's node has its own index and its own files.

const dir = mkdtempSync(join(tmpdir(), 'tallystick-attachments-'));
let consortium: EmbeddedConsortium;
const indexes: { db: Database; indexer: BlockIndexer }[] = [];
const servers: Server[] = [];
const urls = new Map<string, string>();
/** The nodes' directory, filled once they listen (the nodes read it per request). */
const directory = new Map<string, PartyNode>();
const dbOf = new Map<string, Database>();
let fake: Server;

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  for (const mspId of ['BankAMSP', 'BankBMSP']) {
    const index = await startTestIndex(consortium, mspId, `attachments-${mspId}`);
    indexes.push(index);
    dbOf.set(mspId, index.db);
    const app = createApp(
      await testAppDeps(consortium, mspId, dir, {
        index: { pool: index.db.pool, indexer: index.indexer },
        partyNodes: directory,
      }),
    );
    const { server, url } = await listen(app, 0, '127.0.0.1');
    servers.push(server);
    urls.set(mspId, url);
  }
  // A node of Pay Co, not a party to the payment below (its index is Bank B's: it never holds a reference here).
  const payco = createApp(
    await testAppDeps(consortium, 'PayCoMSP', dir, {
      index: { pool: (dbOf.get('BankBMSP') as Database).pool },
      partyNodes: directory,
    }),
  );
  const listening = await listen(payco, 0, '127.0.0.1');
  servers.push(listening.server);
  urls.set('PayCoMSP', listening.url);
  for (const mspId of ['BankAMSP', 'BankBMSP', 'PayCoMSP', 'ClearingHouseMSP'])
    directory.set(mspId, {
      url: urls.get(mspId) ?? 'http://127.0.0.1:9',
      caCertificatePem: consortium.network.ca(mspId).certificatePem,
    });
  // A node that answers every fetch with other bytes than asked for.
  fake = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(Buffer.from('%PDF-1.7 not the statement you attached'));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
}, 120_000);
afterAll(async () => {
  await new Promise<void>((resolve) => {
    fake.close(() => {
      resolve();
    });
  });
  for (const i of indexes.slice(1)) {
    await i.indexer.stop();
    await i.db.close();
  }
  await stopTestApp({ servers, index: indexes[0], consortium, dir });
});

async function login(mspId: string, enrollmentId: string): Promise<string> {
  const res = await fetch(`${urls.get(mspId) ?? ''}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentId, secret: `${enrollmentId}-pw` }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

const call = (mspId: string, path: string, token: string, init: RequestInit = {}) =>
  fetch(`${urls.get(mspId) ?? ''}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });

/** A bank statement, as a PDF would begin. */
const STATEMENT = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(40_000, 7), Buffer.from('%%EOF\n')]);
const SHA = sha256Of(STATEMENT);
const NAME = '对账单 statement 2026-11-27.pdf';

async function openBreak(): Promise<string> {
  const p = paymentLegs();
  const posted = [
    await consortium.gateway.postLegs(await consortium.identity('banka-system'), [p.debit]),
    await consortium.gateway.postLegs(await consortium.identity('bankb-system'), [
      { ...p.credit, amountMinor: '1234000' },
    ]),
    await consortium.gateway.postLegs(await consortium.identity('clearing-system'), [p.entry]),
  ];
  for (const i of indexes) for (const t of posted) await i.indexer.waitFor(t);
  const c = await consortium.gateway.getCase(await consortium.identity('alice'), p.caseId);
  const breakId = c.breaks[0]?.breakId;
  expect(breakId).toBeDefined();
  return breakId ?? '';
}

describe('attachments: the file on the node, its hash on the ledger, shared with the parties', () => {
  let breakId = '';
  let bruno = '';
  let alice = '';

  it('attaches a file at Bank B: its hash on the ledger, a retry under the same key adds nothing', async () => {
    breakId = await openBreak();
    bruno = await login('BankBMSP', 'bruno');
    const upload = (key: string) =>
      call('BankBMSP', `/v1/breaks/${breakId}/attachments`, bruno, {
        method: 'POST',
        headers: {
          'content-type': 'application/pdf',
          'attachment-name': encodeURIComponent(NAME),
          'idempotency-key': key,
        },
        body: STATEMENT,
      });
    const first = await upload(`attach-${breakId}`);
    expect(first.status, await first.clone().text()).toBe(200);
    const committed = (await first.json()) as {
      txId: string;
      result: {
        status: string;
        timeline: { action: string; attachment?: { sha256: string; size: number } }[];
      };
    };
    expect(committed.result.status).toBe('OPEN');
    expect(committed.result.timeline.at(-1)).toMatchObject({
      action: 'ATTACH',
      attachment: { sha256: SHA, size: STATEMENT.length, mediaType: 'application/pdf' },
    });
    const again = await upload(`attach-${breakId}`);
    expect(again.status).toBe(200);
    const retried = (await again.json()) as typeof committed;
    expect(retried.result.timeline).toHaveLength(committed.result.timeline.length);
    // The ledger holds the name sealed: whoever reads the break without the reference sees no name.
    const sealed = await consortium.gateway.getBreak(await consortium.identity('audrey'), breakId);
    expect(sealed.timeline.at(-1)?.attachment?.sha256).toBe(SHA);
    expect(sealed.timeline.at(-1)?.attachment?.name).not.toContain('statement');

    const listed = await call('BankBMSP', `/v1/breaks/${breakId}/attachments`, bruno);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({
      items: [
        {
          sha256: SHA,
          size: STATEMENT.length,
          mediaType: 'application/pdf',
          name: NAME,
          attachedBy: { mspId: 'BankBMSP', name: 'bruno' },
          held: true,
        },
      ],
    });
  });

  it('Bank A’s node fetches the file from Bank B’s node, checks it against the ledger, then holds it', async () => {
    alice = await login('BankAMSP', 'alice');
    const before = (await (await call('BankAMSP', `/v1/breaks/${breakId}/attachments`, alice)).json()) as {
      items: { name: string | null; held: boolean }[];
    };
    expect(before.items).toEqual([expect.objectContaining({ name: NAME, held: false })]);
    const got = await call('BankAMSP', `/v1/breaks/${breakId}/attachments/${SHA}`, alice);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('x-attachment-media-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(NAME)}`);
    expect(Buffer.from(await got.arrayBuffer()).equals(STATEMENT)).toBe(true);
    const after = (await (await call('BankAMSP', `/v1/breaks/${breakId}/attachments`, alice)).json()) as {
      items: { held: boolean }[];
    };
    expect(after.items[0]?.held).toBe(true);
  });

  it('answers a non-party 404, on its own node and node to node', async () => {
    const pavel = await login('PayCoMSP', 'pavel');
    for (const path of [`/v1/breaks/${breakId}/attachments`, `/v1/breaks/${breakId}/attachments/${SHA}`]) {
      const r = await call('PayCoMSP', path, pavel);
      expect(r.status, path).toBe(404);
      expect(((await r.json()) as { code: string }).code).toBe('BREAK_NOT_FOUND');
    }
    // Pavel signs a fetch to Bank B's node himself: his CA is Pay Co's, and Pay Co is not a party.
    const signed = signFetch(await consortium.identity('pavel'), 'BankBMSP', breakId, SHA, new Date());
    const direct = await fetch(
      `${urls.get('BankBMSP') ?? ''}/v1/party/breaks/${breakId}/attachments/${SHA}`,
      {
        headers: signed,
      },
    );
    expect(direct.status).toBe(404);
    expect(((await direct.json()) as { code: string }).code).toBe('ATTACHMENT_NOT_FOUND');
  });

  it('refuses a node-to-node fetch that is not signed for this node, not fresh, or not by staff', async () => {
    const B = `${urls.get('BankBMSP') ?? ''}/v1/party/breaks/${breakId}/attachments/${SHA}`;
    const chen = await consortium.identity('chen');
    const codeOf = async (headers: Record<string, string>) => {
      const r = await fetch(B, { headers });
      return [r.status, ((await r.json()) as { code: string }).code];
    };
    expect(await codeOf({})).toEqual([401, 'UNAUTHENTICATED']);
    // Signed for Bank A's node, replayed at Bank B's.
    expect(await codeOf(signFetch(chen, 'BankAMSP', breakId, SHA, new Date()))).toEqual([
      401,
      'UNAUTHENTICATED',
    ]);
    expect(
      await codeOf(signFetch(chen, 'BankBMSP', breakId, SHA, new Date(Date.now() - 10 * 60_000))),
    ).toEqual([401, 'UNAUTHENTICATED']);
    // The clearing house's system is of a party but is no reconciler or approver.
    const system = await consortium.identity('clearing-system');
    expect(await codeOf(signFetch(system, 'BankBMSP', breakId, SHA, new Date()))).toEqual([
      401,
      'UNAUTHENTICATED',
    ]);
    // Chen, a reconciler of a party, signing for Bank B's node: served, and the bytes are the file.
    const ok = await fetch(B, { headers: signFetch(chen, 'BankBMSP', breakId, SHA, new Date()) });
    expect(ok.status).toBe(200);
    expect(sha256Of(Buffer.from(await ok.arrayBuffer()))).toBe(SHA);
  });

  it('refuses a file over the limit (413) and a media type off the allow-list (415), before the ledger', async () => {
    const big = await call('BankBMSP', `/v1/breaks/${breakId}/attachments`, bruno, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'attachment-name': 'huge.png' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 1),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('ATTACHMENT_TOO_LARGE');
    const html = await call('BankBMSP', `/v1/breaks/${breakId}/attachments`, bruno, {
      method: 'POST',
      headers: { 'content-type': 'text/html', 'attachment-name': 'page.html' },
      body: '<script>alert(1)</script>',
    });
    expect(html.status).toBe(415);
    const pathName = await call('BankBMSP', `/v1/breaks/${breakId}/attachments`, bruno, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'attachment-name': '..%2Fetc%2Fpasswd' },
      body: 'x',
    });
    expect(pathName.status).toBe(400);
    const timeline = (await consortium.gateway.getBreak(await consortium.identity('audrey'), breakId))
      .timeline;
    expect(timeline.filter((e) => e.action === 'ATTACH')).toHaveLength(1);
  });

  it('says whether the break is escalated by the ledger’s time (the index’s newest transaction), not a clock', async () => {
    const read = async () =>
      ((await (await call('BankBMSP', `/v1/breaks/${breakId}`, bruno)).json()) as { escalated?: boolean })
        .escalated;
    expect(await read()).toBe(false);
    // An approver moves the due date to the opening: once a later transaction is indexed, the break is past due.
    const bella = await consortium.identity('bella');
    const opened = (await consortium.gateway.getBreak(bella, breakId)).openedAt;
    const moved = await call('BankBMSP', `/v1/breaks/${breakId}/due`, await login('BankBMSP', 'bella'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dueAt: opened, comment: 'overdue on purpose' }),
    });
    expect(moved.status, await moved.clone().text()).toBe(200);
    const { txId, blockNumber } = (await moved.json()) as { txId: string; blockNumber: string };
    for (const i of indexes) await i.indexer.waitFor({ txId, blockNumber: BigInt(blockNumber) });
    expect(await read()).toBe(true);
  });

  it('does not keep or serve bytes that do not hash to the ledger: a lying node, a tampered copy', async () => {
    // Bank A forgets its copy, and its directory sends it to a node that serves other bytes.
    await (dbOf.get('BankAMSP') as Database).pool.query('DELETE FROM attachment_files WHERE sha256 = $1', [
      SHA,
    ]);
    const real = directory.get('BankBMSP') as PartyNode;
    directory.set('BankBMSP', {
      ...real,
      url: `http://127.0.0.1:${String((fake.address() as AddressInfo).port)}`,
    });
    try {
      const lied = await call('BankAMSP', `/v1/breaks/${breakId}/attachments/${SHA}`, alice);
      expect(lied.status).toBe(502);
      const body = (await lied.json()) as { code: string; detail: string };
      expect(body.code).toBe('ATTACHMENT_UNAVAILABLE');
      expect(body.detail).toContain('does not hash');
      const kept = await (dbOf.get('BankAMSP') as Database).pool.query(
        'SELECT 1 FROM attachment_files WHERE sha256 = $1',
        [SHA],
      );
      expect(kept.rowCount).toBe(0);
    } finally {
      directory.set('BankBMSP', real);
    }
    // Bank B's stored copy altered: neither its own people nor another party's node get it.
    await (dbOf.get('BankBMSP') as Database).pool.query(
      "UPDATE attachment_files SET bytes = decode('2550444620666f726765640a', 'hex') WHERE sha256 = $1",
      [SHA],
    );
    const own = await call('BankBMSP', `/v1/breaks/${breakId}/attachments/${SHA}`, bruno);
    expect(own.status).toBe(500);
    expect(((await own.json()) as { code: string }).code).toBe('ATTACHMENT_CORRUPT');
    const fetched = await call('BankAMSP', `/v1/breaks/${breakId}/attachments/${SHA}`, alice);
    expect(fetched.status).toBe(502);
    expect(((await fetched.json()) as { detail: string }).detail).toContain('BankBMSP: answered 500');
  });
});
