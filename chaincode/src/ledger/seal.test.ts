import { describe, expect, it } from 'vitest';

import { caseIdOf } from './keys';
import { SealNonces, seal, unseal } from './seal';

const reference = 'e2e-20261127-000042';
const route = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' as const },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' as const },
];
const caseId = caseIdOf(reference, route);
const txId = 'a'.repeat(64);

describe('seal', () => {
  it('opens with the reference only, and gives back the text', () => {
    const sealed = seal(reference, caseId, new SealNonces(txId).next(), '{"amountMinor":"125000"}');
    expect(sealed).toMatch(/^s1\.[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('125000');
    expect(unseal(reference, caseId, sealed)).toBe('{"amountMinor":"125000"}');
    expect(() => unseal('e2e-20261127-000043', caseId, sealed)).toThrow();
    // The case id is authenticated: the sealed value cannot be moved to another case.
    expect(() => unseal(reference, caseIdOf('e2e-20261127-000043', route), sealed)).toThrow();
  });

  it('refuses a sealed value whose body was changed', () => {
    const sealed = seal(reference, caseId, new SealNonces(txId).next(), 'four eyes');
    const [v, nonce, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64');
    bytes[0] = (bytes[0] as number) ^ 1;
    expect(() => unseal(reference, caseId, `${v}.${nonce}.${bytes.toString('base64')}`)).toThrow();
  });

  it('is deterministic: the same transaction seals the same bytes on every endorser', () => {
    const a = new SealNonces(txId);
    const b = new SealNonces(txId);
    expect(seal(reference, caseId, a.next(), 'x')).toBe(seal(reference, caseId, b.next(), 'x'));
    expect(seal(reference, caseId, a.next(), 'y')).toBe(seal(reference, caseId, b.next(), 'y'));
  });

  it('never repeats a nonce within a transaction or across transactions', () => {
    const seen = new Set<string>();
    for (const id of [txId, 'b'.repeat(64), 'not-hex-at-all']) {
      const nonces = new SealNonces(id);
      for (let i = 0; i < 1000; i++) seen.add(nonces.next().toString('hex'));
    }
    expect(seen.size).toBe(3000);
    // Two seals of the same text under one key in one transaction differ.
    const nonces = new SealNonces(txId);
    expect(seal(reference, caseId, nonces.next(), 'same')).not.toBe(
      seal(reference, caseId, nonces.next(), 'same'),
    );
  });

  it('refuses a nonce of the wrong length', () => {
    expect(() => seal(reference, caseId, Buffer.alloc(8), 'x')).toThrow(/12 bytes/);
  });
});
