import { describe, expect, it } from 'vitest';

import type { NoticeKeyRecord } from '../../../chaincode/src/api/notices';
import type { RouteStop } from '../../../chaincode/src/core/leg';
import type { CaseChange } from '../../../chaincode/src/ledger/events';
import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import type { ChangeNotice, Identity, LedgerGateway, LegInput } from '../ledger/ledgerGateway';
import { NodeNotices, type NoticeDirectory, type NoticesByCase } from './nodeNotices';
import { openMine, pairSecret, sealNotice, type Notice } from './noticeCrypto';
import { deriveNoticeKey } from './noticeKey';
import { postingWithNotices } from './nodeNoticesStart';

const WALLET = Buffer.alloc(32, 9);
const key = (mspId: string) => deriveNoticeKey(WALLET, mspId);
const A = key('BankAMSP');
const B = key('BankBMSP');
const C = key('ClearingHouseMSP');
const P = key('PayCoMSP');

/** The directory as the ledger would hold it, in memory, counting reads and registrations. */
class MemoryDirectory implements NoticeDirectory {
  readonly records = new Map<string, NoticeKeyRecord>();
  lists = 0;
  registrations = 0;
  constructor(private readonly mspId?: string) {}
  put(mspId: string, publicKey: string): void {
    this.records.set(mspId, { mspId, publicKey, registeredAt: '2026-12-07T00:00:00.000Z' });
  }
  list() {
    this.lists++;
    return Promise.resolve([...this.records.values()]);
  }
  /** As the signer's institution (this directory's view is one institution's). */
  register(publicKey: string) {
    this.registrations++;
    const mspId = this.mspId ?? 'unknown';
    this.put(mspId, publicKey);
    return Promise.resolve({
      ...(this.records.get(mspId) as NoticeKeyRecord),
      outcome: 'REGISTERED' as const,
    });
  }
}

const AB: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];
const ACB: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

const leg = (legId: string, reference: string, route: RouteStop[]): LegInput => ({
  amountMinor: '100',
  currency: 'CNY',
  legId,
  outcome: 'SETTLED',
  payeeRef: 'P',
  payerRef: 'Q',
  reference,
  role: 'DEBTOR_AGENT',
  route,
  valueDate: '2026-12-07',
});

function caseChange(caseId: string, route: RouteStop[], notices?: readonly Notice[]): CaseChange {
  const change: CaseChange = {
    caseId,
    dueAtMs: 0,
    expected: route,
    legCount: 1,
    openedAt: '2026-12-07T10:00:00.000Z',
    parties: [...new Set(route.map((s) => s.mspId))].sort(),
    status: 'PENDING' as const,
    updatedAt: '2026-12-07T10:00:00.000Z',
  };
  return notices === undefined ? change : { ...change, notices };
}

const changeAt = (blockNumber: bigint, cases: CaseChange[]): ChangeNotice => ({
  at: '2026-12-07T10:00:00.000Z',
  blockNumber,
  breaks: [],
  cases,
  legs: [],
  txId: `tx-${blockNumber}`,
  txIndex: 0,
});

/** A registerNoticeKey transaction as the change stream shows it: no changes, the key registered. */
const registeredAt = (blockNumber: bigint, mspId: string, publicKey: string): ChangeNotice => ({
  ...changeAt(blockNumber, []),
  noticeKey: { mspId, publicKey, registeredAt: '2026-12-07T10:00:00.000Z' },
});

function fullDirectory(): MemoryDirectory {
  const d = new MemoryDirectory();
  for (const k of [A, B, C, P]) d.put(k.mspId, k.publicKey);
  return d;
}

describe('NodeNotices: posting', () => {
  it('one entry per case of the batch, one notice per other route party with a key; none for the poster', async () => {
    const directory = fullDirectory();
    directory.records.delete('ClearingHouseMSP');
    const a = new NodeNotices(A, directory);
    const r1 = 'E2E-NOTICE-1';
    const r2 = '6f9c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f';
    const byCase = await a.noticesForLegs([
      leg('L1', r1, AB),
      leg('L2', r1, AB), // the same case again
      leg('L3', r2, ACB), // the clearing house has no key: Bank B only
      leg('L4', 'NOTPROVIDED', AB), // no reference the ledger accepts: no notices (the ledger refuses the batch)
      leg('L5', 'E2E-ONE-STOP', [{ mspId: 'BankAMSP', role: 'DEBTOR_AGENT' }]), // no route the ledger accepts
    ]);
    expect(Object.keys(byCase ?? {}).sort()).toEqual([caseIdOf(r1, AB), caseIdOf(r2, ACB)].sort());
    const s = pairSecret(B.privateKey, A.publicKey);
    for (const [caseId, reference] of [
      [caseIdOf(r1, AB), r1],
      [caseIdOf(r2, ACB), r2],
    ] as const) {
      const notices = byCase?.[caseId] ?? [];
      expect(notices).toHaveLength(1);
      expect(openMine(caseId, notices, [s])).toBe(reference);
      // The poster's own pair with itself opens nothing: no notice is addressed to the poster.
      expect(openMine(caseId, notices, [pairSecret(A.privateKey, A.publicKey)])).toBeUndefined();
    }
  });

  it('sends nothing when no other party has a key, and reads a directory missing a party again only after a while', async () => {
    let now = 0;
    const directory = new MemoryDirectory();
    directory.put(A.mspId, A.publicKey);
    const a = new NodeNotices(A, directory, { now: () => now, missingRetryMs: 5_000 });
    expect(await a.noticesForLegs([leg('L1', 'E2E-NONE', AB)])).toBeUndefined();
    expect(directory.lists).toBe(1);
    directory.put(B.mspId, B.publicKey);
    now = 1_000;
    expect(await a.noticesForLegs([leg('L2', 'E2E-NONE-2', AB)])).toBeUndefined();
    expect(directory.lists).toBe(1);
    now = 6_001;
    expect(Object.keys((await a.noticesForLegs([leg('L3', 'E2E-LATER', AB)])) ?? {})).toEqual([
      caseIdOf('E2E-LATER', AB),
    ]);
    expect(directory.lists).toBe(2);
  });

  it('postingWithNotices passes the notices to postLegs for the institution’s own identities only', async () => {
    const seen: { who: string; notices: NoticesByCase | undefined }[] = [];
    const inner = {
      backend: 'embedded',
      postLegs(who: Identity, _legs: readonly LegInput[], options?: { notices?: NoticesByCase }) {
        seen.push({ who: who.mspId, notices: options?.notices });
        return Promise.resolve({ blockNumber: 1n, result: [], txId: 't' });
      },
    } as unknown as LedgerGateway;
    const a = new NodeNotices(A, fullDirectory());
    const gateway = postingWithNotices(inner, a);
    expect(gateway.backend).toBe('embedded');
    const me = { certificatePem: '', mspId: 'BankAMSP', privateKeyPem: '' };
    await gateway.postLegs(me, [leg('L1', 'E2E-WRAP', AB)]);
    await gateway.postLegs({ ...me, mspId: 'BankBMSP' }, [leg('L1', 'E2E-WRAP', AB)]);
    expect(seen[0]?.who).toBe('BankAMSP');
    expect(Object.keys(seen[0]?.notices ?? {})).toEqual([caseIdOf('E2E-WRAP', AB)]);
    expect(seen[1]).toEqual({ notices: undefined, who: 'BankBMSP' });
  });
});

describe('NodeNotices: discovery from synthetic changes', () => {
  const reference = 'E2E-DISCOVER-1';
  const caseId = caseIdOf(reference, ACB);

  it('the addressees find the case and its reference; an institution not on the route finds nothing', async () => {
    const byCase = await new NodeNotices(A, fullDirectory()).noticesForLegs([leg('L1', reference, ACB)]);
    const notices = byCase?.[caseId] ?? [];
    expect(notices).toHaveLength(2);
    const changes = [changeAt(7n, [caseChange(caseId, ACB, notices), caseChange('c-none', AB)])];
    expect(await new NodeNotices(B, fullDirectory()).discover(changes)).toEqual([{ caseId, reference }]);
    expect(await new NodeNotices(C, fullDirectory()).discover(changes)).toEqual([{ caseId, reference }]);
    expect(await new NodeNotices(P, fullDirectory()).discover(changes)).toEqual([]);
  });

  it('a notice whose box holds a reference not of the case is ignored', async () => {
    const s = pairSecret(A.privateKey, B.publicKey);
    const lying = sealNotice(s, caseId, 'E2E-ANOTHER-CASE');
    const b = new NodeNotices(B, fullDirectory());
    expect(await b.discover([changeAt(8n, [caseChange(caseId, ACB, [lying])])])).toEqual([]);
  });

  it('reads the directory again once when a notice does not open and an indexed block registered a key it has not seen', async () => {
    const directory = new MemoryDirectory();
    directory.put(B.mspId, B.publicKey);
    const b = new NodeNotices(B, directory);
    // Bank B's node read the directory (at start) before Bank A's node registered its key.
    await b.ensureRegistered();
    expect(directory.lists).toBe(1);
    // A notice that does not open, and no registration indexed: no read.
    expect(await b.discover([changeAt(3n, [caseChange('c-x', AB, [{ b: 'AA', t: 'AA' }])])])).toEqual([]);
    expect(directory.lists).toBe(1);
    // Bank A registers its key in block 5 (a batch of its own), and posts in block 9.
    directory.put(A.mspId, A.publicKey);
    expect(await b.discover([registeredAt(5n, A.mspId, A.publicKey)])).toEqual([]);
    expect(directory.lists).toBe(1);
    const notices = sealNotice(pairSecret(A.privateKey, B.publicKey), caseId, reference);
    const found = await b.discover([changeAt(9n, [caseChange(caseId, ACB, [notices])])]);
    expect(found).toEqual([{ caseId, reference }]);
    expect(directory.lists).toBe(2);
    // The read covers block 9: a notice for another institution costs no read.
    const foreign = sealNotice(pairSecret(A.privateKey, P.publicKey), caseId, reference);
    expect(await b.discover([changeAt(10n, [caseChange(caseId, ACB, [foreign])])])).toEqual([]);
    expect(directory.lists).toBe(2);
    // A registration of a key the node knows already (read since) costs none either.
    expect(
      await b.discover([
        registeredAt(11n, A.mspId, A.publicKey),
        changeAt(12n, [caseChange('c', AB, [foreign])]),
      ]),
    ).toEqual([]);
    expect(directory.lists).toBe(2);
    // Changes without notices cost nothing.
    expect(await b.discover([changeAt(20n, [caseChange('c-y', AB)])])).toEqual([]);
    expect(directory.lists).toBe(2);
  });

  it('a node that is no party to the cases reads the directory once in many batches, not once a batch; a new key in them, once more', async () => {
    const directory = fullDirectory();
    const p = new NodeNotices(P, directory);
    await p.ensureRegistered();
    const a = new NodeNotices(A, fullDirectory());
    let block = 10n;
    const foreignBatch = async () => {
      const reference = `E2E-FOREIGN-${block}`;
      const byCase = await a.noticesForLegs([leg('L', reference, ACB)]);
      const id = caseIdOf(reference, ACB);
      block += 1n;
      return [changeAt(block, [caseChange(id, ACB, byCase?.[id] ?? [])])];
    };
    for (let i = 0; i < 200; i++) expect(await p.discover(await foreignBatch())).toEqual([]);
    expect(directory.lists).toBe(1); // the read at start; before, one a batch: 201
    // The clearing house rotates its key (block 300) and tells PayCo of a case with the new one (block 301).
    const rotated = deriveNoticeKey(Buffer.alloc(32, 11), 'ClearingHouseMSP');
    directory.put(rotated.mspId, rotated.publicKey);
    const r = 'E2E-AFTER-ROTATION';
    const route: RouteStop[] = [
      { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
      { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' },
    ];
    const id = caseIdOf(r, route);
    const toPayCo = sealNotice(pairSecret(rotated.privateKey, P.publicKey), id, r);
    expect(
      await p.discover([
        registeredAt(300n, rotated.mspId, rotated.publicKey),
        changeAt(301n, [caseChange(id, route, [toPayCo])]),
      ]),
    ).toEqual([{ caseId: id, reference: r }]);
    expect(directory.lists).toBe(2);
    block = 400n;
    for (let i = 0; i < 50; i++) expect(await p.discover(await foreignBatch())).toEqual([]);
    expect(directory.lists).toBe(2);
  });
});

describe('NodeNotices: registration at start', () => {
  it('registers when the directory lacks the key or holds another; not when it holds this one', async () => {
    const directory = new MemoryDirectory('BankAMSP');
    const a = new NodeNotices(A, directory);
    expect(await a.ensureRegistered()).toBe('REGISTERED');
    expect(directory.records.get('BankAMSP')?.publicKey).toBe(A.publicKey);
    expect(await a.ensureRegistered()).toBe('UNCHANGED');
    expect(directory.registrations).toBe(1);
    // A rotated wallet key: the node's key differs from the directory's, and replaces it.
    const rotated = new NodeNotices(deriveNoticeKey(Buffer.alloc(32, 10), 'BankAMSP'), directory);
    expect(await rotated.ensureRegistered()).toBe('REGISTERED');
    expect(directory.registrations).toBe(2);
    expect(directory.records.get('BankAMSP')?.publicKey).toBe(rotated.key.publicKey);
  });
});
