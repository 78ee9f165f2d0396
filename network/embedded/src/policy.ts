import { common, msp } from '@hyperledger/fabric-protos';

/**
 * Endorsement policies, as Fabric's signature policies: a tree of "signed by a member of org X" leaves
 * combined by "n out of these". Fabric's `OR('A.member','B.member')` syntax is accepted by parsePolicy.
 */
export type Policy = { signedBy: string } | { outOf: number; policies: Policy[] };

export const signedBy = (mspId: string): Policy => ({ signedBy: mspId });
export const anyOf = (...policies: Policy[]): Policy => ({ outOf: 1, policies });
export const allOf = (...policies: Policy[]): Policy => ({ outOf: policies.length, policies });
export const outOf = (n: number, ...policies: Policy[]): Policy => ({ outOf: n, policies });

/** Any one member organisation: the default chaincode endorsement policy of the embedded network. */
export function anyMember(mspIds: readonly string[]): Policy {
  return anyOf(...mspIds.map(signedBy));
}

/**
 * True when the organisations that endorsed satisfy the policy, evaluated as Fabric's cauthdsl does:
 * each endorsement is used at most once, and sub-policies are tried in order, each keeping the
 * endorsements it used when it succeeds (greedy, without backtracking: with endorsements A and B,
 * `AND(OR('A.member','B.member'), 'A.member')` fails in Fabric, and here).
 */
export function satisfies(policy: Policy, endorsers: readonly string[]): boolean {
  return evaluate(
    policy,
    endorsers.map(() => false),
    endorsers,
  );
}

function evaluate(policy: Policy, used: boolean[], endorsers: readonly string[]): boolean {
  if ('signedBy' in policy) {
    for (let i = 0; i < endorsers.length; i++) {
      if (!used[i] && endorsers[i] === policy.signedBy) {
        used[i] = true;
        return true;
      }
    }
    return false;
  }
  let verified = 0;
  for (const sub of policy.policies) {
    const tentative = [...used];
    if (evaluate(sub, tentative, endorsers)) {
      verified++;
      for (let i = 0; i < used.length; i++) used[i] = tentative[i] ?? false;
    }
  }
  return verified >= policy.outOf;
}

export function describePolicy(policy: Policy): string {
  if ('signedBy' in policy) return `'${policy.signedBy}.member'`;
  const inner = policy.policies.map(describePolicy).join(',');
  if (policy.outOf === 1) return `OR(${inner})`;
  if (policy.outOf === policy.policies.length) return `AND(${inner})`;
  return `OutOf(${policy.outOf},${inner})`;
}

/** Parses Fabric's policy language: `AND(...)`, `OR(...)`, `OutOf(n, ...)`, `'MSP.role'` leaves. */
export function parsePolicy(text: string): Policy {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`Invalid policy ${JSON.stringify(text)} at ${pos}: ${what}`);
  };
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text.charAt(pos))) pos++;
  };
  const expect = (ch: string): void => {
    skip();
    if (text.charAt(pos) !== ch) fail(`expected '${ch}'`);
    pos++;
  };
  const parse = (): Policy => {
    skip();
    const quote = text.charAt(pos);
    if (quote === "'" || quote === '"') {
      const end = text.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated principal');
      const principal = text.slice(pos + 1, end);
      pos = end + 1;
      const dot = principal.lastIndexOf('.');
      if (dot <= 0) fail(`principal '${principal}' is not MSPID.role`);
      const role = principal.slice(dot + 1);
      if (!['member', 'peer', 'client', 'admin', 'orderer'].includes(role)) fail(`unknown role '${role}'`);
      return signedBy(principal.slice(0, dot));
    }
    const m = /^(AND|OR|OutOf)\s*\(/i.exec(text.slice(pos));
    if (m === null) return fail('expected AND, OR, OutOf or a quoted principal');
    pos += m[0].length;
    const op = (m[1] ?? '').toUpperCase();
    let n = -1;
    if (op === 'OUTOF') {
      skip();
      const num = /^\d+/.exec(text.slice(pos));
      if (num === null) return fail('expected a number');
      n = Number(num[0]);
      pos += num[0].length;
      expect(',');
    }
    const policies: Policy[] = [parse()];
    skip();
    while (text.charAt(pos) === ',') {
      pos++;
      policies.push(parse());
      skip();
    }
    expect(')');
    if (op === 'AND') return allOf(...policies);
    if (op === 'OR') return anyOf(...policies);
    return outOf(n, ...policies);
  };
  const policy = parse();
  skip();
  if (pos !== text.length) fail('trailing text');
  return policy;
}

const envelopeCache = new Map<string, Policy>();

/**
 * Reads a key-level endorsement policy: the SignaturePolicyEnvelope bytes that fabric-shim's
 * KeyEndorsementPolicy writes with setStateValidationParameter. Principals are MSP roles; the
 * endorsers here are peers, which satisfy both the `member` and the `peer` role.
 */
export function policyFromEnvelope(bytes: Uint8Array): Policy {
  const cacheKey = Buffer.from(bytes).toString('base64');
  const cached = envelopeCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const envelope = common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  const principals = envelope.getIdentitiesList().map((p) => {
    if (p.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) {
      throw new Error('validation parameter: only MSP role principals are supported');
    }
    return msp.MSPRole.deserializeBinary(p.getPrincipal_asU8()).getMspIdentifier();
  });
  const convert = (rule: common.SignaturePolicy | undefined): Policy => {
    if (rule === undefined) throw new Error('validation parameter: empty rule');
    if (rule.hasSignedBy()) {
      const mspId = principals[rule.getSignedBy()];
      if (mspId === undefined) throw new Error('validation parameter: principal index out of range');
      return signedBy(mspId);
    }
    const n = rule.getNOutOf();
    if (n === undefined) throw new Error('validation parameter: rule is neither signed_by nor n_out_of');
    return outOf(n.getN(), ...n.getRulesList().map(convert));
  };
  const policy = convert(envelope.getRule());
  envelopeCache.set(cacheKey, policy);
  return policy;
}
