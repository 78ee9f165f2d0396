import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import type { Actor, Role } from '../actor';
import { BLACKLIST_ACCESS, BLACKLIST_OPERATIONS, mayReadEntry, requireBlacklistRole } from './access';
import { GENESIS_POLICY, GENESIS_VERSION, type BlacklistPolicy, type PolicyVersion } from './policy';
import {
  decideApproval,
  decideProposal,
  majorityOf,
  proposalStatus,
  type MemberRecord,
  type ProposalRecord,
} from './proposal';

const person = (mspId: string, name: string, roles: Role[]): Actor => ({
  id: `x509::CN=${name}::${mspId}`,
  mspId,
  name,
  roles,
});
const member = (mspId: string): MemberRecord => ({
  by: 'admin',
  joinedAt: '2030-01-01T00:00:00.000Z',
  mspId,
  txId: `join-${mspId}`,
});
const MEMBERS = ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP'].map(member);
const changed: BlacklistPolicy = { ...GENESIS_POLICY, disputes: { answerDays: 7, voteDays: 10 } };
const at = (n: number) => `2030-01-0${n}T00:00:00.000Z`;
const approver = (mspId: string) => person(mspId, `approver-${mspId}`, ['approver']);

function propose(current: PolicyVersion = GENESIS_VERSION, policy = changed): ProposalRecord {
  return decideProposal(undefined, 'p-1', policy, current, {
    actor: person('BankAMSP', 'banka-admin', ['admin', 'approver']),
    at: at(1),
    inputHash: 'h1',
    txId: 'tx-p',
  }).proposal;
}

describe('policy proposals', () => {
  it('a majority is more than half', () => {
    expect([1, 2, 3, 4, 5].map(majorityOf)).toEqual([1, 2, 2, 3, 3]);
  });

  it('take effect when a majority of member institutions approved, each once, as the next version', () => {
    let p = propose();
    expect(proposalStatus(p, GENESIS_VERSION)).toBe('OPEN');
    const steps: string[] = [];
    for (const [i, msp] of ['BankBMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP'].entries()) {
      const d = decideApproval(p, GENESIS_VERSION, MEMBERS, {
        actor: approver(msp),
        at: at(i + 2),
        txId: `tx-a${i}`,
      });
      steps.push(d.outcome);
      p = d.proposal;
      if (d.outcome === 'ADOPTED') {
        expect(d.version).toEqual({
          adoptedAt: at(i + 2),
          approvedBy: ['BankBMSP', 'ClearingHouseMSP', 'PayCoMSP'],
          membersAtAdoption: 4,
          policy: changed,
          proposalId: 'p-1',
          txId: `tx-a${i}`,
          version: 2,
        } satisfies PolicyVersion);
        break;
      }
    }
    expect(steps).toEqual(['APPROVED', 'UNCHANGED', 'APPROVED', 'ADOPTED']);
    expect(p.status).toBe('ADOPTED');
    expect(
      refusal(() =>
        decideApproval(p, GENESIS_VERSION, MEMBERS, { actor: approver('BankAMSP'), at: at(9), txId: 'x' }),
      ).code,
    ).toBe('ALREADY_DECIDED');
  });

  it('count only institutions that are members, against the members of the moment', () => {
    const p = propose();
    expect(
      refusal(() =>
        decideApproval(p, GENESIS_VERSION, MEMBERS, { actor: approver('AuditorMSP'), at: at(2), txId: 't' }),
      ).code,
    ).toBe('NOT_A_MEMBER');
    // With two members, one approval is not a majority; with one member it is.
    const two = MEMBERS.slice(0, 2);
    expect(
      decideApproval(p, GENESIS_VERSION, two, { actor: approver('BankAMSP'), at: at(2), txId: 't' }).outcome,
    ).toBe('APPROVED');
    expect(
      decideApproval(p, GENESIS_VERSION, two.slice(0, 1), {
        actor: approver('BankAMSP'),
        at: at(2),
        txId: 't',
      }).outcome,
    ).toBe('ADOPTED');
  });

  it('the proposer cannot approve their own proposal, even holding the approver role', () => {
    const p = propose();
    expect(
      refusal(() =>
        decideApproval(p, GENESIS_VERSION, MEMBERS, {
          actor: person('BankAMSP', 'banka-admin', ['admin', 'approver']),
          at: at(2),
          txId: 't',
        }),
      ).code,
    ).toBe('SELF_APPROVAL');
    // Even once another approver of the proposer's institution approved: refused, not UNCHANGED.
    const approvedByA = decideApproval(p, GENESIS_VERSION, MEMBERS, {
      actor: approver('BankAMSP'),
      at: at(2),
      txId: 't',
    }).proposal;
    expect(
      refusal(() =>
        decideApproval(approvedByA, GENESIS_VERSION, MEMBERS, {
          actor: person('BankAMSP', 'banka-admin', ['admin', 'approver']),
          at: at(3),
          txId: 't2',
        }),
      ),
    ).toEqual({ code: 'SELF_APPROVAL', detail: 'banka-admin proposed p-1 and cannot also approve it' });
  });

  it('a proposal made against an older version is superseded and cannot be approved', () => {
    const p = propose();
    const v2: PolicyVersion = { ...GENESIS_VERSION, version: 2, policy: changed };
    expect(proposalStatus(p, v2)).toBe('SUPERSEDED');
    const r = refusal(() =>
      decideApproval(p, v2, MEMBERS, { actor: approver('BankBMSP'), at: at(2), txId: 't' }),
    );
    expect(r.code).toBe('ALREADY_DECIDED');
    expect(r.detail).toContain('propose it again');
  });

  it('refuses a proposal that changes nothing; the same id again is UNCHANGED or a conflict', () => {
    expect(refusal(() => propose(GENESIS_VERSION, GENESIS_POLICY)).code).toBe('INVALID_INPUT');
    const p = propose();
    const actor = person('BankAMSP', 'banka-admin', ['admin']);
    expect(
      decideProposal(p, 'p-1', changed, GENESIS_VERSION, { actor, at: at(3), inputHash: 'h1', txId: 'x' })
        .outcome,
    ).toBe('UNCHANGED');
    expect(
      refusal(() =>
        decideProposal(p, 'p-1', changed, GENESIS_VERSION, { actor, at: at(3), inputHash: 'h2', txId: 'x' }),
      ).code,
    ).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('blacklist access table', () => {
  const everyone: Actor[] = (['submitter', 'reconciler', 'approver', 'auditor', 'admin'] as Role[]).map((r) =>
    person('BankAMSP', r, [r]),
  );
  it('refuses every operation to a signer without a role, with ROLE_REQUIRED', () => {
    for (const op of BLACKLIST_OPERATIONS)
      expect(
        refusal(() => {
          requireBlacklistRole(person('BankAMSP', 'nobody', []), op);
        }).code,
      ).toBe('ROLE_REQUIRED');
  });
  it('lets each role do exactly what the table says', () => {
    for (const op of BLACKLIST_OPERATIONS)
      for (const a of everyone) {
        const allowed = (BLACKLIST_ACCESS[op].roles as readonly Role[]).includes(a.roles[0] as Role);
        if (allowed)
          expect(() => {
            requireBlacklistRole(a, op);
          }).not.toThrow();
        else
          expect(
            refusal(() => {
              requireBlacklistRole(a, op);
            }).code,
          ).toBe('ROLE_REQUIRED');
      }
  });
  it('an entry read by key: its uploader or an auditor', () => {
    expect(mayReadEntry(person('BankAMSP', 'alice', ['reconciler']), 'BankAMSP')).toBe(true);
    expect(mayReadEntry(person('BankBMSP', 'bruno', ['reconciler']), 'BankAMSP')).toBe(false);
    expect(mayReadEntry(person('AuditorMSP', 'audrey', ['auditor']), 'BankAMSP')).toBe(true);
  });
});
