import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestDatabase } from '../../../test/support/testDatabase';
import type { NoticeKeyRecord } from '../../../chaincode/src/api/notices';
import type { RouteStop } from '../../../chaincode/src/core/leg';
import type { CaseChange } from '../../../chaincode/src/ledger/events';
import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import { migrate } from '../db/migrate';
import type { Database } from '../db/pool';
import { BlockIndexer, type FaultHook } from '../indexer/blockIndexer';
import type { ChangeNotice } from '../ledger/ledgerGateway';
import { referenceOfCase } from '../readModel/caseReferences';
import { NodeNotices, type NoticeDirectory } from './nodeNotices';
import { pairSecret, sealNotice, type Notice } from './noticeCrypto';
import { deriveNoticeKey } from './noticeKey';

/**
 * Discovery through the block indexer, on a real index (PGlite, or PostgreSQL with DATABASE_URL): Bank B's
 * indexer meets synthetic changes whose new cases carry notices, and keeps the reference of each case a notice
 * addresses to it, in the batch's SQL transaction.
 */
const WALLET = Buffer.alloc(32, 5);
const A = deriveNoticeKey(WALLET, 'BankAMSP');
const B = deriveNoticeKey(WALLET, 'BankBMSP');
const P = deriveNoticeKey(WALLET, 'PayCoMSP');
const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

const directory: NoticeDirectory = {
  list: () =>
    Promise.resolve(
      [A, B, P].map((k): NoticeKeyRecord => ({
        mspId: k.mspId,
        publicKey: k.publicKey,
        registeredAt: '2026-12-07T00:00:00Z',
      })),
    ),
  register: () => Promise.reject(new Error('not in this test')),
};

function change(blockNumber: bigint, caseId: string, notices: readonly Notice[]): ChangeNotice {
  const c: CaseChange = {
    caseId,
    dueAtMs: Date.parse('2026-12-07T10:01:00.000Z'),
    expected: ROUTE,
    legCount: 1,
    notices,
    openedAt: '2026-12-07T10:00:00.000Z',
    parties: ['BankAMSP', 'BankBMSP'],
    status: 'PENDING',
    updatedAt: '2026-12-07T10:00:00.000Z',
  };
  return {
    at: '2026-12-07T10:00:00.000Z',
    blockNumber,
    breaks: [],
    cases: [c],
    legs: [
      {
        caseId,
        legId: `L${blockNumber}`,
        mspId: 'BankAMSP',
        postedAt: '2026-12-07T10:00:00.000Z',
        role: 'DEBTOR_AGENT',
      },
    ],
    txId: `tx-${blockNumber}`,
    txIndex: 0,
  };
}

const stream = (changes: readonly ChangeNotice[]) => ({
  onChanges(listener: (n: ChangeNotice) => void, options?: { startBlock?: bigint }) {
    for (const n of changes) if (n.blockNumber >= (options?.startBlock ?? 0n)) listener(n);
    return () => undefined;
  },
});

describe('the indexer keeps the references its notices open', () => {
  let db: Database;
  const honest = 'E2E-FOUND-BY-NOTICE';
  const honestCase = caseIdOf(honest, ROUTE);
  const forPayCo = 'E2E-FOR-PAYCO-ONLY';
  const forPayCoCase = caseIdOf(forPayCo, ROUTE);
  const lied = 'E2E-LIED-ABOUT';
  const liedCase = caseIdOf(lied, ROUTE);
  const toB = pairSecret(A.privateKey, B.publicKey);
  const changes = [
    change(1n, honestCase, [sealNotice(toB, honestCase, honest)]),
    change(2n, forPayCoCase, [sealNotice(pairSecret(A.privateKey, P.publicKey), forPayCoCase, forPayCo)]),
    // Bank B's tag, but the box holds another case's reference: nothing is kept.
    change(3n, liedCase, [sealNotice(toB, liedCase, honest)]),
  ];

  beforeAll(async () => {
    db = await openTestDatabase('notices');
    await migrate(db.pool);
  });
  afterAll(async () => {
    await db.close();
  });

  it('a crash before COMMIT keeps nothing; the retry from the checkpoint keeps exactly the case addressed to the node', async () => {
    let crashes = 1;
    const faults: FaultHook = (step) => {
      if (step === 'checkpoint' && crashes > 0) {
        crashes--;
        throw new Error('crash before COMMIT');
      }
    };
    const indexer = await BlockIndexer.start({
      caseNotices: new NodeNotices(B, directory),
      faults,
      gateway: stream(changes),
      institution: 'BankBMSP',
      pool: db.pool,
      retryDelayMs: 5,
    });
    await indexer.waitFor({ blockNumber: 3n, txId: 'tx-3' }, 10_000);
    await indexer.stop();
    expect(indexer.health.failures).toBe(1);
    expect(await referenceOfCase(db.pool, 'BankBMSP', honestCase)).toBe(honest);
    expect(await referenceOfCase(db.pool, 'BankBMSP', forPayCoCase)).toBeUndefined();
    expect(await referenceOfCase(db.pool, 'BankBMSP', liedCase)).toBeUndefined();
    const rows = await db.pool.query<{ case_id: string }>('SELECT case_id FROM case_references');
    expect(rows.rows.map((r) => r.case_id)).toEqual([honestCase]);
  });
});
