import { describe, expect, it } from 'vitest';

import { TallyError } from '../errors';
import { usccCheckCharacter } from '../subject';
import {
  decideAccess,
  RECEIVABLES_ACCESS,
  RECEIVABLES_OPERATIONS,
  type ReceivablesOperation,
} from './access';
import {
  actsFor,
  receivablesActorOf,
  RECEIVABLES_ROLES,
  type Party,
  type ReceivablesActor,
  type ReceivablesRole,
} from './parties';

const uscc = (first17: string): string => first17 + usccCheckCharacter(first17);
const E = uscc('91350100M000100Y4');
const F = uscc('91110000100000000');

/**
 * Who acts, relative to the party an operation names: enterprise E, a client of BankA (or, for the bank's answer
 * to an offer, BankB itself).
 */
const IDENTITIES = {
  'E@BankA': { enterpriseId: E, mspId: 'BankAMSP' },
  'F@BankA': { enterpriseId: F, mspId: 'BankAMSP' },
  // The same code written into a certificate by another bank's CA: not E.
  'E@BankB': { enterpriseId: E, mspId: 'BankBMSP' },
  'staff@BankA': { enterpriseId: null, mspId: 'BankAMSP' },
  'staff@BankB': { enterpriseId: null, mspId: 'BankBMSP' },
  'staff@BankC': { enterpriseId: null, mspId: 'BankCMSP' },
} as const;
type Identity = keyof typeof IDENTITIES;

const ENTERPRISE_E: Party = { enterpriseId: E, kind: 'ENTERPRISE', mspId: 'BankAMSP' };
const BANK_B: Party = { kind: 'BANK', mspId: 'BankBMSP' };

/** The party each operation is asked about in the matrix. */
const PARTY_OF: Record<ReceivablesOperation, Party> = {
  ANSWER_FINANCING: BANK_B,
  ANSWER_ISSUE: ENTERPRISE_E,
  CONFIRM_TRADE: ENTERPRISE_E,
  OFFER_FINANCING: ENTERPRISE_E,
  PROPOSE_ISSUE: ENTERPRISE_E,
  PROPOSE_MOVE: ENTERPRISE_E,
  READ: ENTERPRISE_E,
  RECORD_PAYMENT: ENTERPRISE_E,
  REGISTER_TRADE: ENTERPRISE_E,
  SIGN_ISSUE: ENTERPRISE_E,
  SIGN_MOVE: ENTERPRISE_E,
  SWEEP_OVERDUE: ENTERPRISE_E,
  WITHDRAW_OFFER: ENTERPRISE_E,
};

/**
 * The expected matrix, written out by hand (not derived from RECEIVABLES_ACCESS): for each operation, every
 * (role, identity) pair that is allowed. Everything else is refused.
 */
const ALLOWED: Record<ReceivablesOperation, readonly string[]> = {
  REGISTER_TRADE: ['enterprise-finance E@BankA'],
  CONFIRM_TRADE: ['enterprise-finance E@BankA', 'enterprise-approver E@BankA'],
  PROPOSE_ISSUE: ['enterprise-finance E@BankA'],
  SIGN_ISSUE: ['enterprise-approver E@BankA'],
  ANSWER_ISSUE: ['enterprise-finance E@BankA', 'enterprise-approver E@BankA'],
  PROPOSE_MOVE: ['enterprise-finance E@BankA'],
  SIGN_MOVE: ['enterprise-approver E@BankA'],
  OFFER_FINANCING: ['enterprise-finance E@BankA'],
  WITHDRAW_OFFER: ['enterprise-finance E@BankA', 'enterprise-approver E@BankA'],
  ANSWER_FINANCING: ['financier staff@BankB'],
  RECORD_PAYMENT: ['enterprise-finance E@BankA'],
  SWEEP_OVERDUE: [
    'enterprise-finance E@BankA',
    'enterprise-finance F@BankA',
    'enterprise-finance E@BankB',
    'enterprise-approver E@BankA',
    'enterprise-approver F@BankA',
    'enterprise-approver E@BankB',
    'financier staff@BankA',
    'financier staff@BankB',
    'financier staff@BankC',
    ...Object.keys(IDENTITIES).map((i) => `auditor ${i}`),
  ],
  READ: [
    'enterprise-finance E@BankA',
    'enterprise-approver E@BankA',
    ...Object.keys(IDENTITIES).map((i) => `auditor ${i}`),
  ],
};

/** The roles each operation takes, by hand: a refusal for a role outside these is ROLE_REQUIRED. */
const ROLES_OF: Record<ReceivablesOperation, readonly ReceivablesRole[]> = {
  REGISTER_TRADE: ['enterprise-finance'],
  CONFIRM_TRADE: ['enterprise-finance', 'enterprise-approver'],
  PROPOSE_ISSUE: ['enterprise-finance'],
  SIGN_ISSUE: ['enterprise-approver'],
  ANSWER_ISSUE: ['enterprise-finance', 'enterprise-approver'],
  PROPOSE_MOVE: ['enterprise-finance'],
  SIGN_MOVE: ['enterprise-approver'],
  OFFER_FINANCING: ['enterprise-finance'],
  WITHDRAW_OFFER: ['enterprise-finance', 'enterprise-approver'],
  ANSWER_FINANCING: ['financier'],
  RECORD_PAYMENT: ['enterprise-finance'],
  SWEEP_OVERDUE: [...RECEIVABLES_ROLES],
  READ: ['enterprise-finance', 'enterprise-approver', 'financier', 'auditor'],
};
const HOLDER_OPERATIONS: readonly ReceivablesOperation[] = [
  'PROPOSE_MOVE',
  'SIGN_MOVE',
  'OFFER_FINANCING',
  'WITHDRAW_OFFER',
];

/** Only the combinations a certificate can carry: enterprise roles with an enterprise, financier without. */
function actorOf(role: ReceivablesRole, identity: Identity): ReceivablesActor | undefined {
  const { enterpriseId, mspId } = IDENTITIES[identity];
  if (role.startsWith('enterprise-') && enterpriseId === null) return undefined;
  if (role === 'financier' && enterpriseId !== null) return undefined;
  return {
    enterpriseId,
    id: `x509::CN=${role}-${identity}`,
    mspId,
    name: `${role}-${identity}`,
    roles: [role],
  };
}

describe('the receivables access matrix', () => {
  const cells = RECEIVABLES_OPERATIONS.flatMap((operation) =>
    RECEIVABLES_ROLES.flatMap((role) =>
      (Object.keys(IDENTITIES) as Identity[]).flatMap((identity) => {
        const actor = actorOf(role, identity);
        return actor === undefined ? [] : [{ actor, identity, operation, role }];
      }),
    ),
  );

  it('covers every operation, role and identity a certificate can carry', () => {
    // 13 operations × (2 enterprise roles × 3 enterprise identities + financier × 3 banks + auditor × 6).
    expect(cells).toHaveLength(13 * (2 * 3 + 3 + 6));
    expect(Object.keys(RECEIVABLES_ACCESS).sort()).toEqual([...RECEIVABLES_OPERATIONS].sort());
  });

  it.each(cells.map((c) => [c.operation, c.role, c.identity, c] as const))(
    '%s by %s of %s',
    (_o, _r, _i, c) => {
      const d = decideAccess(c.actor, c.operation, [PARTY_OF[c.operation]]);
      const allowed = ALLOWED[c.operation].includes(`${c.role} ${c.identity}`);
      if (allowed) {
        expect(d).toEqual({ allowed: true });
        return;
      }
      expect(d.allowed).toBe(false);
      if (d.allowed) return;
      const expected = !ROLES_OF[c.operation].includes(c.role)
        ? 'ROLE_REQUIRED'
        : HOLDER_OPERATIONS.includes(c.operation)
          ? 'NOT_HOLDER'
          : 'NOT_A_PARTY';
      expect(d.code).toBe(expected);
      expect(d.message).toContain(c.actor.name);
    },
  );

  it('a bank on the branch reads it (its financier), a bank off it does not', () => {
    const financierB = actorOf('financier', 'staff@BankB');
    const financierC = actorOf('financier', 'staff@BankC');
    if (financierB === undefined || financierC === undefined) throw new Error('actors');
    expect(decideAccess(financierB, 'READ', [ENTERPRISE_E, BANK_B]).allowed).toBe(true);
    expect(decideAccess(financierC, 'READ', [ENTERPRISE_E, BANK_B]).allowed).toBe(false);
  });
});

describe('actors from certificates', () => {
  const identity = { id: 'x509::CN=ann', mspId: 'BankAMSP', name: 'ann' };

  it('read the enterprise code and the roles the attributes carry', () => {
    const a = receivablesActorOf(
      identity,
      ` ${E.toLowerCase()} `,
      'enterprise-finance, unknown,enterprise-approver',
    );
    expect(a).toEqual({ ...identity, enterpriseId: E, roles: ['enterprise-finance', 'enterprise-approver'] });
    expect(actsFor(a, ENTERPRISE_E)).toBe(true);
    expect(actsFor(a, { ...ENTERPRISE_E, mspId: 'BankBMSP' })).toBe(false);
    expect(receivablesActorOf(identity, null, 'financier,auditor').roles).toEqual(['financier', 'auditor']);
  });

  it.each([
    [null, 'enterprise-finance', 'without an enterpriseId'],
    [E, 'financier', 'a bank role to a person of an enterprise'],
    [
      E.slice(0, 17) + (E.endsWith('0') ? '1' : '0'),
      'enterprise-finance',
      'check character (the 18th) does not match',
    ],
  ])('refuse enterprise %s with roles %s', (enterprise, roles, message) => {
    try {
      receivablesActorOf(identity, enterprise, roles);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(TallyError);
      expect((e as TallyError).code).toBe('INVALID_INPUT');
      expect((e as TallyError).detail).toContain(message);
    }
  });
});
