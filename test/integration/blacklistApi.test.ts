import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { DEMO_KEY_FILE, saltFileName } from '../../application/src/blacklist/nodeBlacklist';
import { paymentLegs } from '../support/legs';
import { blacklistNodes, type BlacklistNode } from '../support/blacklistNodes';

type Node = BlacklistNode;

/**
 * The blacklist's member API through two institutions' nodes on one embedded ledger: an entry uploaded through
 * Bank A's node is found by a query through Bank B's, with its provenance and the cross-validation count; an
 * identifier goes no further than the node that hashed it (not in an answer, a log line or the index).
 */
describe('/v1/blacklist through two institutions’ nodes', () => {
  const nodes = blacklistNodes({
    people: { BankAMSP: ['banka-admin', 'alice', 'banka-system'], BankBMSP: ['bankb-admin', 'bruno'] },
  });
  const { call, keyDir, logs } = nodes;
  let bankA: Node;
  let bankB: Node;
  beforeAll(() => {
    bankA = nodes.bankA();
    bankB = nodes.bankB();
  });
  // One person's mobile number as two members write it, and an identifier whose check character is wrong.
  const MOBILE_A = '139 1234 5678';
  const MOBILE_B = '+86 139-1234-5678';
  const MOBILE_DIGITS = '13912345678';
  const CARD = '4111111111111111';
  const BAD_RESIDENT_ID = '110105194912310021';
  const RAW = [MOBILE_A, MOBILE_B, MOBILE_DIGITS, CARD, '4111 1111 1111 1111', BAD_RESIDENT_ID];

  let uploadTxId = '';

  it('keeps each institution’s copy of the demo consortium key outside its data, 0600, the same key in both', () => {
    const a = join(keyDir, 'BankAMSP', DEMO_KEY_FILE);
    const b = join(keyDir, 'BankBMSP', DEMO_KEY_FILE);
    for (const f of [a, b, join(keyDir, 'BankAMSP', saltFileName('BankAMSP'))]) {
      expect((statSync(f).mode & 0o777).toString(8)).toBe('600');
      expect(relative(bankA.dir, f).startsWith('..')).toBe(true);
    }
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // The evidence-salt secrets are each node's own.
    expect(
      readFileSync(join(keyDir, 'BankAMSP', saltFileName('BankAMSP'))).equals(
        readFileSync(join(keyDir, 'BankBMSP', saltFileName('BankBMSP'))),
      ),
    ).toBe(false);
  });

  it('lists through Bank A’s node and finds through Bank B’s, with provenance and the cross-validation count', async () => {
    const entry = {
      type: 'MOBILE',
      identifier: MOBILE_A,
      category: 'MONEY_MULE',
      severity: 'HIGH',
      indicators: ['POLICE_REPORT', 'MULE_PATTERN'],
      summary: 'three victims reported transfers to it',
    };
    const listed = await call(bankA, 'alice', 'POST', '/blacklist/entries', entry);
    expect(listed.status, listed.text).toBe(201);
    const [result] = listed.body.result as { subjectKey: string; uploader: string; outcome: string }[];
    expect(result).toMatchObject({ uploader: 'BankAMSP', outcome: 'LISTED' });
    expect(result?.subjectKey).toMatch(/^[0-9a-f]{64}$/);
    uploadTxId = listed.body.txId as string;
    // The same entry again: the node derives the same evidence salt, so the ledger holds it as given.
    const again = await call(bankA, 'alice', 'POST', '/blacklist/entries', entry);
    expect((again.body.result as { outcome: string; txId: string }[])[0]).toMatchObject({
      outcome: 'UNCHANGED',
      txId: uploadTxId,
    });
    // Bank B lists the same person, written its own way, in another category, from a file.
    const file = await call(
      bankB,
      'bruno',
      'POST',
      '/blacklist/entries/bulk',
      undefined,
      `type,identifier,category,severity,indicators,summary\nMOBILE,${MOBILE_B},SCAM_RECEIVING_ACCOUNT,MEDIUM,VICTIM_COMPLAINT;RAPID_PASS_THROUGH,received scam proceeds\nBANK_CARD,4111 1111 1111 1112,SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,unpaid\n`,
    );
    expect(file.status, file.text).toBe(200);
    expect(file.body).toMatchObject({ lines: 2, listed: 1, unchanged: 0 });
    const refused = file.body.refused as { line: number; code: string; message: string }[];
    expect(refused.map((r) => [r.line, r.code])).toEqual([[3, 'INVALID_INPUT']]);
    expect(refused[0]?.message).not.toContain('4111');

    const found = await call(bankB, 'bruno', 'POST', '/blacklist/queries', {
      type: 'MOBILE',
      identifier: MOBILE_DIGITS,
      purpose: 'PAYMENT_SCREENING',
      consent: { hash: 'a'.repeat(64), expiresOn: '2099-12-31' },
    });
    expect(found.status, found.text).toBe(200);
    const q = found.body.result as {
      queryId: string;
      entries: { uploader: string; txId: string; category: string; listedAt: string; subjectKey: string }[];
      crossValidation: { institutions: number; categories: string[]; institutionsByCategory: object };
    };
    expect(q.queryId).toBe(found.body.txId);
    expect(q.entries.map((e) => [e.uploader, e.category])).toEqual([
      ['BankAMSP', 'MONEY_MULE'],
      ['BankBMSP', 'SCAM_RECEIVING_ACCOUNT'],
    ]);
    expect(q.entries[0]).toMatchObject({ txId: uploadTxId, subjectKey: result?.subjectKey });
    expect(q.entries[0]?.listedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(q.crossValidation).toEqual({
      institutions: 2,
      categories: ['MONEY_MULE', 'SCAM_RECEIVING_ACCOUNT'],
      institutionsByCategory: { MONEY_MULE: 1, SCAM_RECEIVING_ACCOUNT: 1 },
    });
    // The listing's block names its signer: the index's provenance of the entry's transaction is Bank A's.
    const own = await call(
      bankA,
      'alice',
      'GET',
      `/blacklist/entries/${result?.subjectKey ?? ''}/BankAMSP/MONEY_MULE/history`,
    );
    expect(own.status).toBe(200);
    expect((own.body as unknown as { txId: string }[]).map((v) => v.txId)).toEqual([uploadTxId]);
    // Another institution's entry is not readable by its key: the chaincode answers as for none.
    const theirs = await call(
      bankB,
      'bruno',
      'GET',
      `/blacklist/entries/${result?.subjectKey ?? ''}/BankAMSP/MONEY_MULE`,
    );
    expect([theirs.status, theirs.body.code]).toEqual([404, 'ENTRY_NOT_FOUND']);
    // Who may query is the chaincode's: without consent for a purpose that needs one.
    const noConsent = await call(bankB, 'bruno', 'POST', '/blacklist/queries', {
      type: 'MOBILE',
      identifier: MOBILE_DIGITS,
      purpose: 'PAYMENT_SCREENING',
    });
    expect([noConsent.status, noConsent.body.code]).toEqual([403, 'CONSENT_REQUIRED']);
  });

  it('answers a bad identifier 400 naming the field, without repeating it', async () => {
    const bad = await call(bankB, 'bruno', 'POST', '/blacklist/queries', {
      type: 'CN_RESIDENT_ID',
      identifier: BAD_RESIDENT_ID,
      purpose: 'FRAUD_INVESTIGATION',
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'INVALID_INPUT']);
    expect((bad.body.errors as { field: string }[])[0]?.field).toBe('identifier');
    expect(bad.text).not.toContain(BAD_RESIDENT_ID);
    expect(bad.text).not.toContain(BAD_RESIDENT_ID.slice(0, 17));
    const badUpload = await call(bankA, 'alice', 'POST', '/blacklist/entries', {
      type: 'BANK_CARD',
      identifier: '4111 1111 1111 1112',
      category: 'SERIOUS_DEFAULT',
      severity: 'LOW',
      indicators: ['DEFAULT_OVER_90_DAYS'],
      summary: 'unpaid',
    });
    expect([badUpload.status, badUpload.body.code]).toEqual([400, 'INVALID_INPUT']);
    expect(badUpload.text).not.toContain('4111');
  });

  it('leaves no identifier in the nodes’ logs or indexes', async () => {
    const last = await call(bankA, 'alice', 'POST', '/blacklist/queries', {
      type: 'MOBILE',
      identifier: MOBILE_A,
      purpose: 'FRAUD_INVESTIGATION',
    });
    expect(last.status).toBe(200);
    // The reconciliation index ignores the blacklist's transactions; a leg committed after them, once indexed,
    // shows that both indexes have followed the ledger past every block this test wrote.
    const p = paymentLegs();
    const leg = await bankA.consortium.gateway.postLegs(await bankA.consortium.identity('banka-system'), [
      p.debit,
    ]);
    expect(leg.blockNumber).toBeGreaterThan(BigInt(last.body.blockNumber as string));
    await bankA.indexer.waitFor(leg);
    await bankB.indexer.waitFor(leg);
    expect(logs.length).toBeGreaterThan(10);
    const logText = logs.map((e) => JSON.stringify(e)).join('\n');
    expect(logText).toContain('/v1/blacklist/queries');
    for (const node of [bankA, bankB]) {
      const tables = await node.db.pool.query<{ s: string; t: string }>(
        `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      expect(tables.rows.length).toBeGreaterThan(3);
      let rows = '';
      for (const { s, t } of tables.rows) {
        const r = await node.db.pool.query(`SELECT * FROM "${s}"."${t}"`);
        rows += JSON.stringify(r.rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      }
      // The scan reads what the index holds (the leg's transaction is there).
      expect(rows).toContain(leg.txId);
      for (const raw of RAW) {
        expect(rows.includes(raw), `the index holds ${raw}`).toBe(false);
        expect(logText.includes(raw), `a log line holds ${raw}`).toBe(false);
      }
    }
  });
});
