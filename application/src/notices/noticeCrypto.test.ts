import { generateKeyPairSync } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import {
  noticePublicKeyText,
  noticesFor,
  noticeTag,
  openMine,
  pairSecret,
  PairSecrets,
  sealNotice,
} from './noticeCrypto';
import { deriveNoticeKey } from './noticeKey';

const ROUTE = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
] as const;
const REFERENCE = '3b0f2a7e-5c1d-4e8f-9a6b-0c2d4e6f8a1b';
const CASE = caseIdOf(REFERENCE, ROUTE);

function pair() {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: noticePublicKeyText(privateKey) };
}

describe('notice crypto', () => {
  const a = pair();
  const b = pair();
  const c = pair();
  const outsider = pair();
  const others = new Map([
    ['BankBMSP', b.publicKey],
    ['ClearingHouseMSP', c.publicKey],
  ]);

  it('the pair secret is the same from both sides, and differs between pairs', () => {
    expect(pairSecret(a.privateKey, b.publicKey)).toEqual(pairSecret(b.privateKey, a.publicKey));
    expect(pairSecret(a.privateKey, b.publicKey)).not.toEqual(pairSecret(a.privateKey, c.publicKey));
  });

  it('round trip: each addressee opens its notice and gets the reference; the tags are 16 bytes', () => {
    const notices = noticesFor(REFERENCE, CASE, a.privateKey, others);
    expect(notices).toHaveLength(2);
    for (const n of notices) {
      expect(Buffer.from(n.t, 'base64url')).toHaveLength(16);
      expect(n.t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(n.b).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(n.b.length).toBeLessThanOrEqual(512);
    }
    expect(openMine(CASE, notices, [pairSecret(b.privateKey, a.publicKey)])).toBe(REFERENCE);
    expect(openMine(CASE, notices, [pairSecret(c.privateKey, a.publicKey)])).toBe(REFERENCE);
  });

  it('a wrong key cannot open: an outsider, and the addressee paired with the wrong poster key', () => {
    const notices = noticesFor(REFERENCE, CASE, a.privateKey, others);
    expect(openMine(CASE, notices, [pairSecret(outsider.privateKey, a.publicKey)])).toBeUndefined();
    expect(openMine(CASE, notices, [pairSecret(b.privateKey, outsider.publicKey)])).toBeUndefined();
    // The right pair, another case: the tag does not match.
    const otherCase = caseIdOf('E2E-OTHER', ROUTE);
    expect(openMine(otherCase, notices, [pairSecret(b.privateKey, a.publicKey)])).toBeUndefined();
  });

  it('a notice whose box holds a reference not of the case is ignored, and a later honest one still opens', () => {
    const s = pairSecret(a.privateKey, b.publicKey);
    const lying = sealNotice(s, CASE, 'E2E-NOT-THIS-CASE');
    expect(lying.t).toBe(noticeTag(s, CASE));
    expect(openMine(CASE, [lying], [s])).toBeUndefined();
    // Not a reference at all (the chaincode would never accept it): ignored too.
    expect(openMine(CASE, [sealNotice(s, CASE, 'bad\u0001ref')], [s])).toBeUndefined();
    // A box tampered with does not open; the honest notice beside a lying one with the same tag does.
    const honest = sealNotice(s, CASE, REFERENCE);
    const tampered = { ...honest, b: honest.b.slice(0, -2) + (honest.b.endsWith('A') ? 'BA' : 'AA') };
    expect(openMine(CASE, [tampered], [s])).toBeUndefined();
    expect(openMine(CASE, [lying, honest], [s])).toBe(REFERENCE);
  });

  it('boxes are the same length whatever the reference, fresh each time, and notices are ordered by tag', () => {
    const s = pairSecret(a.privateKey, b.publicKey);
    const short = sealNotice(s, CASE, 'X');
    const long = sealNotice(s, CASE, REFERENCE);
    expect(short.b.length).toBe(long.b.length);
    expect(sealNotice(s, CASE, REFERENCE).b).not.toBe(long.b);
    const notices = noticesFor(REFERENCE, CASE, a.privateKey, others);
    expect(notices.map((n) => n.t)).toEqual(notices.map((n) => n.t).sort());
  });

  it('PairSecrets computes each pair once and gives the same secret as pairSecret', () => {
    const secrets = new PairSecrets(a.privateKey);
    const first = secrets.of(b.publicKey);
    expect(secrets.of(b.publicKey)).toBe(first);
    expect(first).toEqual(pairSecret(a.privateKey, b.publicKey));
  });
});

describe('notice key derived from the wallet key', () => {
  it('is stable per wallet key and institution, and differs between institutions and wallet keys', () => {
    const wallet = Buffer.alloc(32, 3);
    const a1 = deriveNoticeKey(wallet, 'BankAMSP');
    expect(deriveNoticeKey(wallet, 'BankAMSP').publicKey).toBe(a1.publicKey);
    expect(deriveNoticeKey(wallet, 'BankBMSP').publicKey).not.toBe(a1.publicKey);
    expect(deriveNoticeKey(Buffer.alloc(32, 4), 'BankAMSP').publicKey).not.toBe(a1.publicKey);
    expect(Buffer.from(a1.publicKey, 'base64')).toHaveLength(32);
    // The derived pair works as any X25519 pair.
    const b = deriveNoticeKey(wallet, 'BankBMSP');
    const notices = noticesFor(REFERENCE, CASE, a1.privateKey, new Map([['BankBMSP', b.publicKey]]));
    expect(openMine(CASE, notices, [pairSecret(b.privateKey, a1.publicKey)])).toBe(REFERENCE);
  });
});
