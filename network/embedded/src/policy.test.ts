import { KeyEndorsementPolicy } from 'fabric-shim';
import { describe, expect, it } from 'vitest';
import {
  allOf,
  anyOf,
  describePolicy,
  outOf,
  parsePolicy,
  policyFromEnvelope,
  satisfies,
  signedBy,
} from './policy';

describe('policies', () => {
  it('parses Fabric policy syntax', () => {
    expect(parsePolicy("OR('A.member', AND('B.peer', 'C.admin'))")).toEqual(
      anyOf(signedBy('A'), allOf(signedBy('B'), signedBy('C'))),
    );
    expect(parsePolicy("OutOf(2, 'A.member', 'B.member', 'C.member')")).toEqual(
      outOf(2, signedBy('A'), signedBy('B'), signedBy('C')),
    );
    expect(() => parsePolicy("AND('A.member'")).toThrow(/Invalid policy/);
    expect(() => parsePolicy("'A.wizard'")).toThrow(/unknown role/);
    expect(describePolicy(parsePolicy("AND('A.member','B.member')"))).toBe("AND('A.member','B.member')");
  });

  it('evaluates as Fabric does: each endorsement used once, sub-policies taken greedily', () => {
    const p = parsePolicy("OutOf(2, 'A.member', 'B.member', 'C.member')");
    expect(satisfies(p, ['A'])).toBe(false);
    expect(satisfies(p, ['A', 'C'])).toBe(true);
    expect(satisfies(allOf(signedBy('A'), signedBy('A')), ['A'])).toBe(false);
    expect(satisfies(allOf(signedBy('A'), signedBy('A')), ['A', 'A'])).toBe(true);
    // Fabric is greedy: the OR takes A, and nothing is left for the second A.
    const greedy = allOf(anyOf(signedBy('A'), signedBy('B')), signedBy('A'));
    expect(satisfies(greedy, ['A', 'B'])).toBe(false);
    expect(satisfies(allOf(signedBy('A'), anyOf(signedBy('A'), signedBy('B'))), ['A', 'B'])).toBe(true);
  });

  it('reads the validation parameters fabric-shim’s KeyEndorsementPolicy writes', () => {
    const kep = new KeyEndorsementPolicy();
    kep.addOrgs('MEMBER', 'BankAMSP');
    kep.addOrgs('PEER', 'BankBMSP');
    const p = policyFromEnvelope(kep.getPolicy());
    expect(satisfies(p, ['BankAMSP'])).toBe(false);
    expect(satisfies(p, ['BankAMSP', 'BankBMSP'])).toBe(true);
  });
});
