import { describe, expect, it } from 'vitest';

import { codeOf } from '../../../../test/support/refusal';
import type { Actor } from '../actor';
import {
  approvalsNeeded,
  decidePolicyApproval,
  decidePolicyProposal,
  GENESIS_RECEIVABLES_VERSION,
  parseGovernedPolicy,
  policyProposalStatus,
  policyWire,
  type GovernanceMeta,
  type GovernedPolicy,
  type PolicyProposal,
  type ReceivablesPolicyVersion,
} from './governance';

const person = (mspId: string, name: string, roles: Actor['roles']): Actor => ({
  id: `x509::CN=${name}::${mspId}`,
  mspId,
  name,
  roles,
});
const meta = (actor: Actor, n: number, enterpriseId: string | null = null): GovernanceMeta => ({
  actor,
  at: `2026-12-0${String(n)}T09:00:00.000Z`,
  enterpriseId,
  txId: `tx${String(n)}`,
});

const THREE: ReceivablesPolicyVersion = {
  ...GENESIS_RECEIVABLES_VERSION,
  policy: { ...GENESIS_RECEIVABLES_VERSION.policy, governors: ['BankAMSP', 'BankBMSP', 'BankCMSP'] },
};
const stricter: GovernedPolicy = { ...THREE.policy, outputsMax: 5 };
const adminA = person('BankAMSP', 'banka-admin', ['admin']);

function proposed(current = THREE): PolicyProposal {
  return decidePolicyProposal(undefined, 'P1', stricter, current, { ...meta(adminA, 1), inputHash: 'h1' })
    .proposal;
}

describe('receivables policy governance', () => {
  it('a majority is more than half of the governing banks', () => {
    expect([1, 2, 3, 4, 5].map(approvalsNeeded)).toEqual([1, 2, 2, 3, 3]);
  });

  it('reads a whole policy from JSON and back, refusing numbers for amounts, unknown fields and repeated governors', () => {
    const wire = policyWire(stricter);
    expect(policyWire(parseGovernedPolicy(JSON.parse(JSON.stringify(wire))))).toEqual(wire);
    expect(codeOf(() => parseGovernedPolicy({ ...wire, minPartMinorDefault: 100 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseGovernedPolicy({ ...wire, extra: 1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseGovernedPolicy({ ...wire, governors: ['BankAMSP', 'BankAMSP'] }))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(() => parseGovernedPolicy({ ...wire, outputsMax: 51 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseGovernedPolicy({ ...wire, screeningOnHit: 'IGNORE' }))).toBe('INVALID_INPUT');
  });

  it('only a governing bank’s admin proposes; the same id again is UNCHANGED, other content a conflict; the policy in force is refused', () => {
    const p =
      (actor: Actor, enterpriseId: string | null = null) =>
      () =>
        decidePolicyProposal(undefined, 'P1', stricter, THREE, {
          ...meta(actor, 1, enterpriseId),
          inputHash: 'h1',
        });
    expect(codeOf(p(person('BankAMSP', 'anna', ['approver'])))).toBe('ROLE_REQUIRED');
    expect(codeOf(p(adminA, '91310000MA1K000006'))).toBe('ROLE_REQUIRED');
    expect(codeOf(p(person('PayCoMSP', 'payco-admin', ['admin'])))).toBe('NOT_A_PARTY');
    const first = proposed();
    expect(first).toMatchObject({ approvals: [], baseVersion: 1, status: 'OPEN' });
    const again = decidePolicyProposal(first, 'P1', stricter, THREE, { ...meta(adminA, 2), inputHash: 'h1' });
    expect(again.outcome).toBe('UNCHANGED');
    expect(
      codeOf(() =>
        decidePolicyProposal(first, 'P1', stricter, THREE, { ...meta(adminA, 2), inputHash: 'h2' }),
      ),
    ).toBe('IDEMPOTENCY_CONFLICT');
    expect(
      codeOf(() =>
        decidePolicyProposal(undefined, 'P2', THREE.policy, THREE, { ...meta(adminA, 2), inputHash: 'h3' }),
      ),
    ).toBe('INVALID_INPUT');
  });

  it('approvals: one per bank, never the proposer, adopted by the approval that makes the majority; then later proposals are superseded', () => {
    const anna = person('BankAMSP', 'anna', ['approver']);
    const bella = person('BankBMSP', 'bella', ['approver']);
    const petra = person('PayCoMSP', 'petra', ['approver']);
    const p = proposed();
    expect(codeOf(() => decidePolicyApproval(p, THREE, meta(petra, 2)))).toBe('NOT_A_PARTY');
    expect(codeOf(() => decidePolicyApproval(p, THREE, meta(adminA, 2)))).toBe('ROLE_REQUIRED');
    const selfish = person('BankAMSP', 'banka-admin', ['admin', 'approver']);
    expect(codeOf(() => decidePolicyApproval(p, THREE, meta(selfish, 2)))).toBe('SELF_APPROVAL');
    const one = decidePolicyApproval(p, THREE, meta(anna, 2));
    expect(one.outcome).toBe('APPROVED');
    expect(decidePolicyApproval(one.proposal, THREE, meta(anna, 3)).outcome).toBe('UNCHANGED');
    // The proposer's bank approved already: the proposer asking again changes nothing (not SELF_APPROVAL).
    expect(decidePolicyApproval(one.proposal, THREE, meta(selfish, 3)).outcome).toBe('UNCHANGED');
    const two = decidePolicyApproval(one.proposal, THREE, meta(bella, 3));
    if (two.outcome !== 'ADOPTED') throw new Error('expected the majority to adopt');
    expect(two.version).toMatchObject({ approvedBy: ['BankAMSP', 'BankBMSP'], txId: 'tx3', version: 2 });
    expect(two.version.policy.outputsMax).toBe(5);
    expect(policyProposalStatus(two.proposal, two.version)).toBe('ADOPTED');
    expect(codeOf(() => decidePolicyApproval(two.proposal, two.version, meta(bella, 4)))).toBe(
      'ALREADY_DECIDED',
    );
    // A proposal against version 1 is superseded once version 2 is in force.
    const late = proposed();
    expect(policyProposalStatus(late, two.version)).toBe('SUPERSEDED');
    expect(codeOf(() => decidePolicyApproval(late, two.version, meta(anna, 5)))).toBe('ALREADY_DECIDED');
  });
});
