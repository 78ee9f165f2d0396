import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Database } from '../../db/pool';
import { migrate } from '../../db/migrate';
import { openTestDatabase } from '../../../../test/support/testDatabase';
import { rememberCaseReference, referencesOfCases } from '../caseReferences';
import { rememberCaseReferences } from './caseReferences';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase('casereferences');
  await migrate(db.pool);
  await db.pool.query(
    `INSERT INTO own_legs (msp_id, leg_id, case_id, reference, role, route, amount_minor, currency, value_date,
                           payer_ref, payee_ref, outcome, tx_id, block_number)
     VALUES ('BankAMSP', 'L1', 'c-own', 'REF-OWN', 'DEBTOR_AGENT', '[]', 100, 'CNY', '2026-12-07', 'p', 'q',
             'SETTLED', 'tx1', 1)`,
  );
}, 60_000);
afterAll(async () => {
  await db.close();
});

describe('a batch of learned references, in one statement', () => {
  it('keeps what rememberCaseReference keeps row by row: the first reference, none where an own leg holds it', async () => {
    await rememberCaseReference(db.pool, 'BankAMSP', 'c-1', 'REF-1');
    await rememberCaseReferences(db.pool, 'BankAMSP', [
      { caseId: 'c-1', reference: 'REF-1-AGAIN' },
      { caseId: 'c-2', reference: 'REF-2' },
      { caseId: 'c-2', reference: 'REF-2-TWICE' },
      { caseId: 'c-own', reference: 'REF-OTHER' },
    ]);
    await rememberCaseReferences(db.pool, 'BankAMSP', []);
    const stored = await db.pool.query<{ case_id: string; reference: string }>(
      `SELECT case_id, reference FROM case_references WHERE msp_id = 'BankAMSP' ORDER BY case_id`,
    );
    expect(stored.rows).toEqual([
      { case_id: 'c-1', reference: 'REF-1' },
      { case_id: 'c-2', reference: 'REF-2' },
    ]);
    const known = await referencesOfCases(db.pool, 'BankAMSP', ['c-1', 'c-2', 'c-own', 'c-none']);
    expect(Object.fromEntries(known)).toEqual({ 'c-1': 'REF-1', 'c-2': 'REF-2', 'c-own': 'REF-OWN' });
  });
});
