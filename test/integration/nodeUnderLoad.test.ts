import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testDatabaseKinds } from '../support/testDatabase';
import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import { paymentLegs } from '../support/legs';
import { startTestNode } from '../support/node';
import { callApi, login } from '../support/sessions';

// Bank B's node as its member system and its staff use it at once: several batches of legs posted
// concurrently while many reads run against the index, round after round, on the embedded PGlite and on a
// real PostgreSQL. Every acknowledged leg must be in the node's own-leg records (the ledger extract), no read
// may fail, and verify must find the index equal to the ledger, own legs included. The same load once lost 40-80
// of 240 acknowledged legs per run on the embedded path, silently.

const ROUNDS = 3;
const BATCHES = 6;
const LEGS_PER_BATCH = 40;
const READS = 96;
const VALUE_DATE = '2026-11-27';

describe.each(testDatabaseKinds())('a node under concurrent posts and reads (%s index)', (database) => {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let system: string;
  let admin: string;

  const call = (method: string, path: string, token: string, payload?: unknown) =>
    callApi(node.url, token, method, path, { json: payload });

  beforeAll(async () => {
    node = await startTestNode('BankBMSP', { database });
    system = await login(node.url, 'bankb-system');
    admin = await login(node.url, 'bankb-admin');
  }, 120_000);
  afterAll(async () => {
    await node.stop();
  });

  it('keeps every acknowledged leg, answers every read, and verifies clean', async () => {
    const acknowledged: string[] = [];
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const batches: LegInput[][] = Array.from({ length: BATCHES }, () =>
        Array.from({ length: LEGS_PER_BATCH }, () => paymentLegs({ valueDate: VALUE_DATE }).credit),
      );
      const posts = batches.map(async (legs) => {
        const r = await call('POST', '/v1/legs/batch', system, { legs });
        if (r.status !== 201) failures.push(`post ${r.status}: ${r.text.slice(0, 200)}`);
        else acknowledged.push(...legs.map((l) => l.legId));
      });
      const reads = Array.from({ length: READS }, async (_, i) => {
        const r =
          i % 3 === 0
            ? await call('GET', '/v1/views', system)
            : i % 3 === 1
              ? await call('POST', '/v1/queue/search', system, { search: `B-${i}`, count: true })
              : await call('GET', `/v1/statements/ledger?from=${VALUE_DATE}&to=${VALUE_DATE}`, system);
        if (r.status >= 500) failures.push(`read ${i % 3} ${r.status}: ${r.text.slice(0, 200)}`);
      });
      await Promise.all([...posts, ...reads]);
      expect(failures, `round ${round}`).toEqual([]);
    }
    expect(acknowledged).toHaveLength(ROUNDS * BATCHES * LEGS_PER_BATCH);

    // Each 201 was answered once the index held the legs: the extract has every one, right away.
    const extract = await call('GET', `/v1/statements/ledger?from=${VALUE_DATE}&to=${VALUE_DATE}`, system);
    expect(extract.status).toBe(200);
    const missing = acknowledged.filter((id) => !extract.text.includes(id));
    expect(missing).toEqual([]);

    const verify = await call('GET', '/v1/index/verify', admin);
    expect(verify.status).toBe(200);
    const report = JSON.parse(verify.text) as { differences: unknown[]; ownLegsChecked: number };
    expect(report.differences).toEqual([]);
    expect(report.ownLegsChecked).toBe(acknowledged.length);
  }, 300_000);
});
