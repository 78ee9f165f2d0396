import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { subjectText, normaliseSubject } from '../../chaincode/src/core/subject';
import type { LogEntry } from '../../application/src/http/createApp';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import { startInstitutionNodes } from '../../application/src/node/institutionNodes';

/**
 * Issue 19, "no raw identifier anywhere": a run over a corpus of identifiers of every type, through the nodes as
 * `npm start` composes them (embedded ledger on disk, each node's PGlite index on disk, demo keys, the alert
 * follower), every blacklist route that takes an identifier: single and bulk uploads, queries, the subject's
 * report, the watchlist, refusals. Then every file of the run (block files, state and private stores, the indexes,
 * wallets, keys) and every log line are scanned for each identifier as written, normalised, as its digits, and as
 * the text that is hashed: 0 hits. Positive controls show the scan reads each store in clear (an evidence summary
 * in the private store, a watch label in Bank B's index, a transaction id in the blocks, a route in the logs).
 */

const CORPUS: readonly { type: string; raw: string }[] = [
  { type: 'CN_RESIDENT_ID', raw: '11010519491231002x' },
  { type: 'CN_RESIDENT_ID', raw: '310104800229456' },
  { type: 'MOBILE', raw: '138-0013-8000' },
  { type: 'MOBILE', raw: '+44 7700 900123' },
  { type: 'BANK_ACCOUNT', raw: '6222 0202 0011 2233' },
  { type: 'BANK_CARD', raw: '4111 1111 1111 1111' },
  { type: 'CN_USCC', raw: '91110108ma01abcd0b' },
  { type: 'PASSPORT', raw: 'chn e12345678' },
];
/** Refused identifiers: a wrong check character, a bad card, a short mobile. */
const REFUSED: readonly { type: string; raw: string }[] = [
  { type: 'CN_RESIDENT_ID', raw: '110105194912310021' },
  { type: 'BANK_CARD', raw: '4111111111111112' },
  { type: 'MOBILE', raw: '1380013' },
];
const EVIDENCE_MARKER = 'evidence-marker-7f3a';
const LABEL_MARKER = 'label-marker-9c1e';

/** Every form of an identifier that must not be found: as written, normalised, its digits, the hashed text. */
function formsOf(type: string, raw: string): string[] {
  const forms = new Set([raw, raw.replace(/[\s-]/g, '')]);
  try {
    const s = normaliseSubject(type, raw, 'identifier', { today: '2026-12-07' });
    forms.add(s.value);
    forms.add(subjectText(s));
    const digits = s.value.replace(/\D/g, '');
    if (digits.length >= 7) forms.add(digits);
    if (s.value.startsWith('+86')) forms.add(s.value.slice(3));
    const passport = /^[A-Z]{3}:(.*)$/.exec(s.value)?.[1];
    if (passport) forms.add(passport);
  } catch {
    // a refused identifier: its raw forms only
  }
  return [...forms].filter((f) => f.length >= 7);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('no raw identifier anywhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-no-raw-identifier-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no identifier of any type, in any form, in the block files, state and private stores, the indexes or the logs', async () => {
    const logs: LogEntry[] = [];
    const ledger = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'fsync' });
    const nodes = await startInstitutionNodes(ledger, {
      dataDir: dir,
      portOffset: 5600,
      env: {},
      log: (e) => logs.push(e),
    });
    let lastTx = '';
    try {
      for (const n of nodes) await n.startIndexer();
      const url = (msp: string) => nodes.find((n) => n.mspId === msp)?.url ?? '';
      const tokens = new Map<string, string>();
      const login = async (msp: string, user: string) => {
        const r = await fetch(`${url(msp)}/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ enrollmentId: user, secret: `${user}-pw` }),
        });
        expect(r.status).toBe(201);
        tokens.set(user, ((await r.json()) as { token: string }).token);
      };
      const call = async (
        msp: string,
        user: string,
        method: string,
        path: string,
        body?: unknown,
        csv?: string,
      ) => {
        const r = await fetch(`${url(msp)}/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${tokens.get(user) ?? ''}`,
            'content-type': csv === undefined ? 'application/json' : 'text/csv',
          },
          ...(csv !== undefined ? { body: csv } : body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await r.text();
        return { status: r.status, text, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
      };
      for (const [msp, user] of [
        ['BankAMSP', 'banka-admin'],
        ['BankAMSP', 'alice'],
        ['BankBMSP', 'bankb-admin'],
        ['BankBMSP', 'bruno'],
      ] as const)
        await login(msp, user);
      expect((await call('BankAMSP', 'banka-admin', 'POST', '/blacklist/join')).status).toBe(200);
      expect((await call('BankBMSP', 'bankb-admin', 'POST', '/blacklist/join')).status).toBe(200);

      // Bank B watches every subject of the corpus before anyone lists them.
      const watched = await call('BankBMSP', 'bruno', 'POST', '/blacklist/watchlist', {
        items: CORPUS.map((c, i) => ({
          type: c.type,
          identifier: c.raw,
          label: `${LABEL_MARKER}-${String(i)}`,
        })),
      });
      expect(watched.status, watched.text).toBe(200);

      // Bank A lists half one by one, half from a file.
      const half = Math.ceil(CORPUS.length / 2);
      for (const c of CORPUS.slice(0, half)) {
        const r = await call('BankAMSP', 'alice', 'POST', '/blacklist/entries', {
          type: c.type,
          identifier: c.raw,
          category: 'CONFIRMED_FRAUD',
          severity: 'HIGH',
          indicators: ['POLICE_REPORT', 'VICTIM_COMPLAINT'],
          summary: `${EVIDENCE_MARKER} reported by a victim`,
        });
        expect(r.status, r.text).toBe(201);
      }
      const csv = [
        'type,identifier,category,severity,indicators,summary',
        ...CORPUS.slice(half).map(
          (c) => `${c.type},${c.raw},SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,${EVIDENCE_MARKER}`,
        ),
        ...REFUSED.map((c) => `${c.type},${c.raw},SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,refused`),
      ].join('\n');
      const bulk = await call('BankAMSP', 'alice', 'POST', '/blacklist/entries/bulk', undefined, csv);
      expect(bulk.status, bulk.text).toBe(200);
      expect(bulk.body).toMatchObject({ listed: CORPUS.length - half });
      expect((bulk.body.refused as unknown[]).length).toBe(REFUSED.length);

      // Bank B asks about each, makes one subject's report, and is refused for the bad ones.
      for (const c of CORPUS) {
        const r = await call('BankBMSP', 'bruno', 'POST', '/blacklist/queries', {
          type: c.type,
          identifier: c.raw,
          purpose: 'FRAUD_INVESTIGATION',
        });
        expect(r.status, r.text).toBe(200);
        expect((r.body.result as { entries: unknown[] }).entries.length).toBe(1);
        lastTx = r.body.txId as string;
      }
      const first = CORPUS[0] ?? { type: '', raw: '' };
      const report = await call('BankBMSP', 'bruno', 'POST', '/blacklist/subject-reports', {
        type: first.type,
        identifier: first.raw,
        consent: { hash: 'd'.repeat(64), expiresOn: '2099-12-31' },
      });
      expect(report.status, report.text).toBe(200);
      for (const c of REFUSED) {
        const r = await call('BankBMSP', 'bruno', 'POST', '/blacklist/queries', {
          type: c.type,
          identifier: c.raw,
          purpose: 'FRAUD_INVESTIGATION',
        });
        expect(r.status).toBe(400);
        const w = await call('BankBMSP', 'bruno', 'POST', '/blacklist/watchlist', {
          items: [{ type: c.type, identifier: c.raw }],
        });
        expect(w.status).toBe(400);
      }
      // Bank B's node has raised an alert for every subject Bank A listed.
      await expect
        .poll(async () => (await call('BankBMSP', 'bruno', 'GET', '/blacklist/alerts')).body.items, {
          timeout: 30_000,
        })
        .toHaveLength(CORPUS.length);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await ledger.close();
    }

    const files = filesUnder(dir);
    const contents = files.map((f) => ({ file: relative(dir, f), bytes: readFileSync(f) }));
    const logText = logs.map((e) => JSON.stringify(e)).join('\n');
    const stores = (part: string) => contents.filter((c) => c.file.includes(part));
    const holds = (cs: readonly { bytes: Buffer }[], text: string) =>
      cs.some((c) => c.bytes.includes(Buffer.from(text, 'utf8')));
    // Positive controls: the scan reads each store in clear.
    expect(contents.length, 'files of the run').toBeGreaterThan(10);
    expect(stores('ledger').length).toBeGreaterThan(0);
    expect(
      holds(stores('ledger'), EVIDENCE_MARKER),
      'the evidence summary in the ledger’s private store',
    ).toBe(true);
    expect(holds(stores('ledger'), lastTx), 'a transaction id in the ledger’s files').toBe(true);
    expect(holds(stores(join('nodes', 'BankBMSP')), LABEL_MARKER), 'a watch label in Bank B’s index').toBe(
      true,
    );
    expect(logText).toContain('/v1/blacklist/watchlist');

    const hits: string[] = [];
    for (const c of [...CORPUS, ...REFUSED])
      for (const form of formsOf(c.type, c.raw)) {
        const needle = Buffer.from(form, 'utf8');
        for (const f of contents)
          if (f.bytes.includes(needle)) hits.push(`${c.type} form ${form.length} chars in ${f.file}`);
        if (logText.includes(form)) hits.push(`${c.type} form ${form.length} chars in the logs`);
      }
    expect(hits).toEqual([]);
    const scanned = contents.reduce((n, c) => n + c.bytes.length, 0);
    console.log(
      `no raw identifier: scanned ${String(contents.length)} files (${String(Math.round(scanned / 1024))} KiB) and ${String(logs.length)} log lines for ${String(CORPUS.length + REFUSED.length)} identifiers in every form: 0 hits`,
    );
    expect(statSync(dir).isDirectory()).toBe(true);
  }, 300_000);
});
