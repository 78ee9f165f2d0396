import { describe, expect, it } from 'vitest';

import { refusal } from '../../../test/support/refusal';

import type { Actor } from './actor';
import {
  decideVote,
  decideVotedProposal,
  majorityOf,
  votedProposalStatus,
  type VersionInForce,
  type VoteRules,
  type VotedProposal,
} from './proposalVote';

interface Ballot {
  readonly mspId: string;
  readonly txId: string;
}
type Proposal = VotedProposal<number, Ballot>;

const person = (mspId: string, name: string): Actor => ({
  id: `x509::CN=${name}::${mspId}`,
  mspId,
  name,
  roles: ['admin', 'approver'],
});
const V1: VersionInForce<number> = { policy: 10, version: 1 };
const proposer = person('AMSP', 'ada');

const proposalRules = {
  changesNothing: (v: number) => `same as ${v}`,
  conflict: (id: string, tx: string) => `${id} differs from ${tx}`,
  same: (a: number, b: number) => a === b,
};

const voteRules = (voters: string[], repeatBeforeSelf: boolean): VoteRules<number, Ballot> => ({
  adopted: (p) => `adopted ${String(p.adoptedVersion)}`,
  approval: (m) => ({ mspId: m.actor.mspId, txId: m.txId }),
  notAVoter: { code: 'NOT_A_PARTY', message: (mspId) => `${mspId} votes not` },
  repeatBeforeSelf,
  selfApproval: (_p, actor) => `${actor.name} proposed it`,
  superseded: (p, v) => `${p.proposalId} against ${p.baseVersion}, now ${v}`,
  voters,
});

const proposeAs = (existing: Proposal | undefined, policy: number, inputHash: string, n = 0) =>
  decideVotedProposal<number, Ballot>(
    existing,
    'p',
    policy,
    V1,
    { actor: proposer, at: `t${n}`, inputHash, txId: `tx${n}` },
    proposalRules,
  );
const propose = (): Proposal => proposeAs(undefined, 20, 'h').proposal;

const vote = (p: Proposal, actor: Actor, rules: VoteRules<number, Ballot>, n = 1) =>
  decideVote(p, V1, { actor, at: `t${n}`, txId: `tx${n}` }, rules);

describe('the proposal and vote core', () => {
  it('refuses with the caller’s words: a proposal that changes nothing, the same id with other content', () => {
    expect(refusal(() => proposeAs(undefined, 10, 'h'))).toMatchObject({
      code: 'INVALID_INPUT',
      detail: 'same as 1',
    });
    const p = propose();
    expect(proposeAs(p, 20, 'h', 1)).toEqual({ outcome: 'UNCHANGED', proposal: p });
    expect(refusal(() => proposeAs(p, 20, 'h2', 1))).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      detail: 'p differs from tx0',
    });
  });

  it('adopts with the approval that makes more than half of the voters now; outsiders are refused; the record is the next version', () => {
    const rules = voteRules(['AMSP', 'BMSP', 'CMSP', 'DMSP'], false);
    expect(majorityOf(4)).toBe(3);
    let p = propose();
    expect(refusal(() => vote(p, person('XMSP', 'xavier'), rules))).toMatchObject({
      code: 'NOT_A_PARTY',
      detail: 'XMSP votes not',
    });
    const outcomes: string[] = [];
    for (const [i, msp] of ['BMSP', 'BMSP', 'CMSP', 'AMSP'].entries()) {
      const d = vote(p, person(msp, `approver-${msp}`), rules, i + 1);
      outcomes.push(d.outcome);
      p = d.proposal;
      if (d.outcome === 'ADOPTED')
        expect(d.version).toEqual({
          adoptedAt: 't4',
          approvedBy: ['AMSP', 'BMSP', 'CMSP'],
          policy: 20,
          proposalId: 'p',
          txId: 'tx4',
          version: 2,
        });
    }
    expect(outcomes).toEqual(['APPROVED', 'UNCHANGED', 'APPROVED', 'ADOPTED']);
    expect(votedProposalStatus(p, 2)).toBe('ADOPTED');
    expect(refusal(() => vote(p, person('DMSP', 'dora'), rules))).toMatchObject({
      code: 'ALREADY_DECIDED',
      detail: 'adopted 2',
    });
    const late = propose();
    expect(votedProposalStatus(late, 2)).toBe('SUPERSEDED');
    expect(
      refusal(() =>
        decideVote(
          late,
          { policy: 20, version: 2 },
          { actor: person('BMSP', 'b'), at: 't', txId: 'x' },
          rules,
        ),
      ),
    ).toMatchObject({
      code: 'ALREADY_DECIDED',
      detail: 'p against 1, now 2',
    });
  });

  it('the proposer never approves; once their institution approved, the caller chooses which answer comes first', () => {
    const other = person('AMSP', 'anna');
    for (const repeatBeforeSelf of [false, true]) {
      const rules = voteRules(['AMSP', 'BMSP', 'CMSP'], repeatBeforeSelf);
      const p = propose();
      expect(refusal(() => vote(p, proposer, rules))).toMatchObject({
        code: 'SELF_APPROVAL',
        detail: 'ada proposed it',
      });
      const approved = vote(p, other, rules).proposal;
      if (repeatBeforeSelf) expect(vote(approved, proposer, rules).outcome).toBe('UNCHANGED');
      else expect(refusal(() => vote(approved, proposer, rules)).code).toBe('SELF_APPROVAL');
    }
  });
});
