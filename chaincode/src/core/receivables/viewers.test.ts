import { describe, expect, it } from 'vitest';

import { usccCheckCharacter } from '../subject';
import { mayReadForIndex } from './access';
import type { PartRecord } from './part';
import { partyLabel, type EnterpriseParty, type Party, type ReceivablesActor } from './parties';
import { partViewers, tokenViewers } from './viewers';
import type { TokenRecord } from './token';

const uscc = (first17: string): string => first17 + usccCheckCharacter(first17);
const ent = (first17: string, mspId: string): EnterpriseParty => ({
  enterpriseId: uscc(first17),
  kind: 'ENTERPRISE',
  mspId,
});
const CORE = ent('91310000MA1K00000', 'BankAMSP');
const T1 = ent('91440300MA5F00000', 'BankBMSP');
const T2A = ent('91110000100000000', 'BankAMSP');
const T2B = ent('91350100M000100Y4', 'BankAMSP');

const part = (partId: string, parentId: string | null, holder: Party, over: Partial<PartRecord> = {}) =>
  ({
    amountMinor: 1n,
    createdAt: '2030-01-01T00:00:00Z',
    createdTxId: 'tx',
    currency: 'CNY',
    financing: null,
    holder,
    issuer: CORE,
    maturityDate: '2030-04-01',
    offer: null,
    overdueSince: null,
    paidMinor: 0n,
    parentId,
    partId,
    spentBy: null,
    status: 'HELD',
    tokenId: 'K',
    tradeId: 'T',
    ...over,
  }) as PartRecord;

/** Root held by tier 1, spent into one part for tier 2 (A) and one kept; tier 2 (A) split into one for tier 2 (B). */
const TREE = new Map(
  [
    part('K/root', null, T1, { status: 'SPENT' }),
    part('K/m1/0', 'K/root', T2A, { status: 'SPENT' }),
    part('K/m1/1', 'K/root', T1, {
      offer: { at: '', bank: 'BankBMSP', by: { id: '', mspId: '', name: '' }, offerId: 'O', txId: '' },
      status: 'OFFERED',
    }),
    part('K/m2/0', 'K/m1/0', T2B),
  ].map((p) => [p.partId, p] as const),
);
const labels = (ps: readonly Party[]) => ps.map(partyLabel).sort();

describe('who sees a record, for the node index', () => {
  it('a part: its branch up to the root and every party below it; an offered part also its bank', () => {
    expect(labels(partViewers('K/m2/0', TREE))).toEqual(labels([CORE, T1, T2A, T2B]));
    expect(labels(partViewers('K/m1/0', TREE))).toEqual(labels([CORE, T1, T2A, T2B]));
    // The bank a part below is offered to does not see the parts above it.
    expect(labels(partViewers('K/root', TREE))).toEqual(labels([CORE, T1, T2A, T2B]));
    // Tier 2 does not see tier 1's kept part; the bank it is offered to does.
    expect(labels(partViewers('K/m1/1', TREE))).toEqual(
      labels([CORE, T1, { kind: 'BANK', mspId: 'BankBMSP' }]),
    );
  });

  it('a token: its issuer and payee and everyone who sees one of its parts', () => {
    const token = { issuer: CORE, payee: T1 } as TokenRecord;
    expect(labels(tokenViewers(token, TREE))).toEqual(
      labels([CORE, T1, T2A, T2B, { kind: 'BANK', mspId: 'BankBMSP' }]),
    );
  });

  it("reads for a node's index: an auditor all; a bank's system or admin what names it or its clients", () => {
    const actor = (mspId: string, enterpriseId: string | null, roles: ReceivablesActor['roles'] = []) => ({
      enterpriseId,
      id: 'x',
      mspId,
      name: 'n',
      roles,
    });
    expect(mayReadForIndex(actor('AuditorMSP', null, ['auditor']), ['auditor'], [CORE])).toBe(true);
    expect(mayReadForIndex(actor('BankAMSP', null), ['submitter'], [T1, CORE])).toBe(true);
    expect(mayReadForIndex(actor('BankAMSP', null), ['admin'], [T2A])).toBe(true);
    expect(mayReadForIndex(actor('BankBMSP', null), ['submitter'], [CORE, T2A])).toBe(false);
    // A person with another member role, or an enterprise's person with the system's role, does not read for it.
    expect(mayReadForIndex(actor('BankAMSP', null), ['reconciler'], [CORE])).toBe(false);
    expect(
      mayReadForIndex(actor('BankAMSP', CORE.enterpriseId, ['enterprise-finance']), ['submitter'], [CORE]),
    ).toBe(false);
  });
});
