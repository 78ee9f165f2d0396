import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../../application/src/db/migrate';
import type { Database } from '../../application/src/db/pool';
import { openTestDatabase, resetTestDatabase } from '../support/testDatabase';
import { BlockIndexer, type IndexerStep } from '../../application/src/indexer/blockIndexer';
import { listOpenBreaks } from '../../application/src/readModel/read/queue';
import { ownLegReader, type OwnLegReader } from '../../application/src/indexer/ownLegs';
import { project } from '../../application/src/indexer/projection';
import { applyProjection } from '../../application/src/readModel/applyProjection';
import { ContinuityError } from '../../application/src/readModel/checkpoint';
import { verifyIndex } from '../../application/src/indexer/verify';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import type { ChangeNotice, Committed, Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import { paymentLegs } from '../support/legs';

const ME = 'BankAMSP';

/** Every indexed row, in key order, without the columns that record wall-clock time. */
async function dump(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    index_checkpoint: 'SELECT institution, block_number, tx_index, tx_id FROM index_checkpoint',
    indexed_transactions: 'SELECT * FROM indexed_transactions ORDER BY block_number, tx_index',
    cases: 'SELECT * FROM cases ORDER BY case_id',
    legs: 'SELECT * FROM legs ORDER BY msp_id, leg_id',
    breaks: 'SELECT * FROM breaks ORDER BY break_id',
    break_transitions: 'SELECT * FROM break_transitions ORDER BY break_id, seq',
    open_breaks: 'SELECT * FROM open_breaks ORDER BY break_id',
    daily_stats: 'SELECT * FROM daily_stats ORDER BY day',
    daily_breaks_by_reason: 'SELECT * FROM daily_breaks_by_reason ORDER BY day, reason',
    own_legs: `SELECT msp_id, leg_id, case_id, reference, role, branch, route, amount_minor, currency,
                      value_date::text AS value_date, payer_ref, payee_ref, outcome, tx_id, block_number
                 FROM own_legs ORDER BY msp_id, leg_id`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables)) out[name] = (await pool.query(sql)).rows;
  return out;
}

describe('block indexer on the embedded ledger', () => {
  let dataDir: string;
  let c: EmbeddedConsortium;
  let db: Database;
  let last: Committed<unknown>;
  let notices: ChangeNotice[];
  let reference: Record<string, unknown[]>;
  let resolvedBreak: string;
  let openBreak: string;
  let alice: Identity;
  let ownLeg: {
    legs: LegInput[];
    committed: Committed<readonly import('../../chaincode/src/api/reconciliation').PostedLeg[]>;
  };
  /** Bank A's own legs, read back from its private collection as its node's indexer reads them. */
  let ownLegs: OwnLegReader;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tallystick-index-'));
    [c, db] = await Promise.all([
      startEmbeddedConsortium({ dataDir, durability: 'none' }),
      openTestDatabase('indexer'),
    ]);
    await migrate(db.pool);
    const g = c.gateway;
    const [sysA, sysB, sysC, bruno, bella, chen] = await Promise.all(
      ['banka-system', 'bankb-system', 'clearing-system', 'bruno', 'bella', 'chen'].map((u) => c.identity(u)),
    );
    alice = await c.identity('alice');
    if (!sysA || !sysB || !sysC || !bruno || !bella || !chen) throw new Error('identities');
    ownLegs = ownLegReader(g, sysA);
    // Matched payments, posted in batches as member systems do.
    const matched = Array.from({ length: 6 }, () => paymentLegs());
    const postedA = await g.postLegs(
      sysA,
      matched.map((p) => p.debit),
    );
    ownLeg = { legs: matched.map((p) => p.debit), committed: postedA };
    await g.postLegs(
      sysC,
      matched.map((p) => p.entry),
    );
    await g.postLegs(
      sysB,
      matched.map((p) => p.credit),
    );
    // Two broken payments: one resolved through the whole four-eyes workflow, one left open.
    const bad = [paymentLegs(), paymentLegs()];
    for (const p of bad) {
      await g.postLegs(sysA, [p.debit]);
      await g.postLegs(sysC, [p.entry]);
      const r = await g.postLegs(sysB, [{ ...p.credit, outcome: 'TIMED_OUT' }]);
      const caseId = r.result[0]?.caseId ?? '';
      const id = (await g.getCase(sysA, caseId)).breaks[0]?.breakId ?? '';
      if (p === bad[0]) resolvedBreak = id;
      else openBreak = id;
    }
    const ref = { reference: bad[0]?.reference ?? '' };
    await g.assignBreak(bruno, resolvedBreak, 'bruno', { ...ref, comment: 'ours' });
    await g.proposeResolution(
      bruno,
      resolvedBreak,
      { kind: 'REFUND', rootCause: 'COUNTERPARTY' },
      { ...ref, comment: 'settled at 10:02' },
    );
    await g.decideBreak(bella, resolvedBreak, 'APPROVE', { ...ref, comment: 'checked' });
    await g.decideBreak(alice, resolvedBreak, 'ACCEPT', ref);
    await g.decideBreak(chen, resolvedBreak, 'ACCEPT', ref);
    await g.decideBreak(bruno, resolvedBreak, 'RESOLVE', { ...ref, comment: 'booked' });
    last = await g.assignBreak(alice, openBreak, 'alice', {
      reference: bad[1]?.reference ?? '',
      comment: 'mine',
    });

    notices = [];
    const off = g.onChanges((n) => notices.push(n), { startBlock: 0n });
    await new Promise((r) => setTimeout(r, 50));
    off();

    const indexer = await BlockIndexer.start({ gateway: g, pool: db.pool, institution: ME, ownLegs });
    await indexer.waitFor(last);
    await indexer.stop();
    reference = await dump(db.pool);
  });

  afterAll(async () => {
    await db.close();
    await c.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('projects cases, legs, breaks, transitions, the open-breaks queue and daily aggregates', () => {
    expect(reference.indexed_transactions).toHaveLength(notices.length);
    expect(reference.cases).toHaveLength(8);
    expect(reference.legs).toHaveLength(24);
    expect(reference.legs?.filter((l) => (l as { is_own: boolean }).is_own)).toHaveLength(8);
    expect(reference.own_legs).toHaveLength(8);
    expect(reference.own_legs).toEqual(
      expect.arrayContaining(
        ownLeg.legs.map((l, i): unknown =>
          expect.objectContaining({
            leg_id: l.legId,
            reference: l.reference,
            amount_minor: String(l.amountMinor),
            currency: l.currency,
            value_date: l.valueDate,
            payer_ref: l.payerRef,
            tx_id: ownLeg.committed.txId,
            block_number: ownLeg.committed.blockNumber.toString(),
            case_id: ownLeg.committed.result[i]?.caseId,
          }),
        ),
      ),
    );
    expect(reference.breaks).toHaveLength(2);
    // OPEN, ASSIGN, PROPOSE, APPROVE, ACCEPT, ACCEPT, RESOLVE + OPEN, ASSIGN
    expect(reference.break_transitions).toHaveLength(9);
    expect(reference.open_breaks).toEqual([
      expect.objectContaining({ break_id: openBreak, status: 'ASSIGNED', reason: 'STATUS_CONFLICT' }),
    ]);
    expect(reference.daily_stats).toEqual([
      expect.objectContaining({
        legs_posted: '24',
        own_legs_posted: '8',
        cases_opened: '8',
        cases_matched: '6',
        breaks_opened: '2',
        breaks_resolved: '1',
      }),
    ]);
    expect(reference.daily_breaks_by_reason).toEqual([
      expect.objectContaining({ reason: 'STATUS_CONFLICT', opened: '2', resolved: '1' }),
    ]);
    const last = notices.at(-1);
    expect(reference.index_checkpoint).toEqual([
      {
        institution: ME,
        block_number: last?.blockNumber.toString(),
        tx_index: last?.txIndex,
        tx_id: last?.txId,
      },
    ]);
  });

  it('serves the open-breaks queue with age, keyset-paginated', async () => {
    const page = await listOpenBreaks(db.pool, { pageSize: 10, now: new Date(Date.now() + 60_000) });
    expect(page.items.map((i) => i.breakId)).toEqual([openBreak]);
    expect(page.items[0]?.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(page.items[0]?.assignee).toEqual({ mspId: ME, name: 'alice' });
    expect(page.next).toBeUndefined();
  });

  it('verify finds no difference, then reports each tampered row', async () => {
    const clean = await verifyIndex({ pool: db.pool, gateway: c.gateway, who: alice, institution: ME });
    expect(clean.differences).toEqual([]);
    expect(clean.casesChecked).toBe(8);
    expect(clean.breaksChecked).toBe(2);
    expect(clean.openBreaksOnLedger).toBe(1);
    expect(clean.ownLegsChecked).toBe(8);

    const victim = (reference.legs?.[0] ?? {}) as { msp_id: string; leg_id: string };
    await db.pool.query(`UPDATE breaks SET status = 'OPEN' WHERE break_id = $1`, [resolvedBreak]);
    await db.pool.query(`DELETE FROM open_breaks WHERE break_id = $1`, [openBreak]);
    await db.pool.query(
      `UPDATE break_transitions SET actor_name = 'mallory' WHERE break_id = $1 AND seq = 3`,
      [resolvedBreak],
    );
    await db.pool.query(`UPDATE legs SET role = 'CLEARING' WHERE msp_id = $1 AND leg_id = $2`, [
      victim.msp_id,
      victim.leg_id,
    ]);
    const [changed, lost] = ownLeg.legs;
    await db.pool.query(`UPDATE own_legs SET amount_minor = amount_minor + 1 WHERE leg_id = $1`, [
      changed?.legId,
    ]);
    await db.pool.query(`DELETE FROM own_legs WHERE leg_id = $1`, [lost?.legId]);
    try {
      const tampered = await verifyIndex({ pool: db.pool, gateway: c.gateway, who: alice, institution: ME });
      expect(tampered.differences).toEqual(
        expect.arrayContaining([
          { kind: 'break', id: resolvedBreak, field: 'status', index: 'OPEN', ledger: 'RESOLVED' },
          { kind: 'open-break', id: openBreak, field: 'exists', index: undefined, ledger: 'ASSIGNED' },
          expect.objectContaining({ kind: 'transition', id: `${resolvedBreak}#3`, field: 'actor' }),
          expect.objectContaining({ kind: 'leg', id: `${victim.msp_id}/${victim.leg_id}`, field: 'role' }),
          expect.objectContaining({ kind: 'own-leg', id: `${ME}/${changed?.legId}`, field: 'amount_minor' }),
          { kind: 'own-leg', id: `${ME}/${lost?.legId}`, field: 'exists', index: undefined, ledger: true },
        ]),
      );
      expect(tampered.differences).toHaveLength(6);
    } finally {
      await resetTestDatabase(db);
      await migrate(db.pool);
    }
  });

  const STEPS: IndexerStep[] = ['begin', 'rows', 'checkpoint', 'commit'];
  it.each(STEPS)(
    'a crash at "%s" followed by a restart from the checkpoint neither duplicates nor skips',
    async (step) => {
      await resetTestDatabase(db);
      await migrate(db.pool);
      let applies = 0;
      const crashed = new Promise<void>((resolve) => {
        void BlockIndexer.start({
          gateway: c.gateway,
          pool: db.pool,
          institution: ME,
          ownLegs,
          batchTransactionsMax: 2,
          retryDelayMs: 60_000,
          faults: (at, { client }) => {
            if (at !== step) return;
            if (++applies !== 3) return;
            // The process dies here: its connection goes away mid-transaction (the server rolls back).
            if (step !== 'commit')
              (
                client as unknown as { connection: { stream: { destroy(): void } } }
              ).connection.stream.destroy();
            resolve();
            throw new Error(`crash at ${step}`);
          },
        }).then(async (first) => {
          await crashed;
          await first.stop();
        });
      });
      await crashed;
      await new Promise((r) => setTimeout(r, 20));
      const before = await dump(db.pool);
      // Part of the stream is in, up to the checkpoint exactly: the batch that crashed is in only if it committed.
      const indexed = (before.indexed_transactions ?? []) as { tx_id: string }[];
      expect(indexed.length).toBeGreaterThan(0);
      expect(indexed.length).toBeLessThan(notices.length);
      expect(indexed.map((t) => t.tx_id)).toEqual(notices.slice(0, indexed.length).map((n) => n.txId));
      expect((before.index_checkpoint?.[0] as { tx_id: string }).tx_id).toBe(indexed.at(-1)?.tx_id);
      const second = await BlockIndexer.start({
        gateway: c.gateway,
        pool: db.pool,
        institution: ME,
        ownLegs,
      });
      await second.waitFor(last);
      await second.stop();
      expect(await dump(db.pool)).toEqual(reference);
    },
  );

  it('recovers by itself from a failed apply; a throwing listener makes it skip nothing', async () => {
    await resetTestDatabase(db);
    await migrate(db.pool);
    let failed = false;
    const seen: string[] = [];
    const indexer = await BlockIndexer.start({
      gateway: c.gateway,
      pool: db.pool,
      institution: ME,
      ownLegs,
      batchTransactionsMax: 1,
      retryDelayMs: 5,
      faults: (at) => {
        if (at === 'rows' && !failed && seen.length === 2) {
          failed = true;
          throw new Error('transient');
        }
      },
    });
    indexer.onIndexed(() => {
      throw new Error('a broken subscriber');
    });
    indexer.onIndexed((_cp, ns) => seen.push(...ns.map((n) => n.txId)));
    await indexer.waitFor(last);
    await indexer.stop();
    expect(indexer.health.failures).toBe(1);
    expect(seen).toEqual(notices.map((n) => n.txId));
    expect(await dump(db.pool)).toEqual(reference);
  });

  it('a replay changes nothing: the same transactions again are refused whole', async () => {
    const first = notices[0];
    if (!first) throw new Error('no notices');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(applyProjection(client, project(first, ME), ME)).rejects.toThrow(ContinuityError);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    // A second indexer on a caught-up index receives the stream again from the checkpoint block and skips it.
    const again = await BlockIndexer.start({ gateway: c.gateway, pool: db.pool, institution: ME, ownLegs });
    await again.waitFor(last);
    await new Promise((r) => setTimeout(r, 50));
    await again.stop();
    expect(await dump(db.pool)).toEqual(reference);
  });

  it('refuses a break timeline with a gap (a skipped change) and writes nothing', async () => {
    const assign = notices.find((n) =>
      n.breaks.some((b) => b.entry?.seq === 1 && b.breakId === resolvedBreak),
    );
    if (!assign) throw new Error('no ASSIGN notice');
    const gap: ChangeNotice = {
      ...assign,
      blockNumber: (notices.at(-1)?.blockNumber ?? 0n) + 1n,
      txIndex: 0,
      txId: 'f'.repeat(64),
      breaks: assign.breaks.map((b) => (b.entry ? { ...b, entry: { ...b.entry, seq: 42 } } : b)),
    };
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(applyProjection(client, project(gap, ME), ME)).rejects.toThrow(
        /timeline entry 42.*expected 7/,
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await dump(db.pool)).toEqual(reference);
  });

  it('fetches at start the own legs an index lacks (an index written before, or a lost write) until none is missing', async () => {
    await resetTestDatabase(db);
    await migrate(db.pool);
    const publicOnly = await BlockIndexer.start({ gateway: c.gateway, pool: db.pool, institution: ME });
    await publicOnly.waitFor(last);
    await publicOnly.stop();
    expect((await dump(db.pool)).own_legs).toEqual([]);
    let reads = 0;
    let failedOnce = false;
    const flaky: OwnLegReader = async (legs) => {
      reads++;
      if (!failedOnce) {
        failedOnce = true;
        throw new Error('ledger unavailable');
      }
      return ownLegs(legs);
    };
    const repairing = await BlockIndexer.start({
      gateway: c.gateway,
      pool: db.pool,
      institution: ME,
      ownLegs: flaky,
      retryDelayMs: 5,
    });
    for (let i = 0; i < 200 && (await dump(db.pool)).own_legs?.length !== 8; i++)
      await new Promise((r) => setTimeout(r, 10));
    await repairing.stop();
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(await dump(db.pool)).toEqual(reference);
    const report = await verifyIndex({ pool: db.pool, gateway: c.gateway, who: alice, institution: ME });
    expect(report.differences).toEqual([]);
  });

  it("reads only the signer institution's own legs: another institution asking for them gets LEG_NOT_FOUND", async () => {
    const bruno = await c.identity('bruno');
    const [first] = ownLeg.committed.result;
    await expect(
      c.gateway.readOwnLegs(bruno, [{ caseId: first?.caseId ?? '', legId: first?.legId ?? '' }]),
    ).rejects.toMatchObject({ code: 'LEG_NOT_FOUND' });
    const mine = await c.gateway.readOwnLegs(alice, [
      { caseId: first?.caseId ?? '', legId: first?.legId ?? '' },
    ]);
    expect(mine[0]).toMatchObject({ legId: first?.legId, reference: ownLeg.legs[0]?.reference });
  });
});
