import { describe, expect, it } from 'vitest';

import { layoutFor } from './layout.js';
import { loadContext, organisationOf, ownerOf } from './network.js';

// The repository's own consortium and topology; no process is started.
const ctx = loadContext(layoutFor(process.cwd(), {}), () => undefined);

describe('the organisation a launcher process belongs to (down --org, status --org)', () => {
  it('names the owner of every kind of process in the PID table', () => {
    expect(ownerOf(ctx, 'ca-BankBMSP')).toBe('BankBMSP');
    expect(ownerOf(ctx, 'orderer0')).toBe('OrdererMSP');
    expect(ownerOf(ctx, 'peer0-bankb')).toBe('BankBMSP');
    expect(ownerOf(ctx, 'chaincode-tallystick_0.1.0_s3-peer0-bankb')).toBe('BankBMSP');
    expect(ownerOf(ctx, 'chaincode-tallystick_0.1.0_s1-peer0-banka')).toBe('BankAMSP');
    expect(ownerOf(ctx, 'something-else')).toBeUndefined();
  });

  it('knows members from ordering organisations, and refuses an unknown --org by name', () => {
    expect(organisationOf(ctx, 'PayCoMSP')).toEqual({ member: true });
    expect(organisationOf(ctx, 'OrdererMSP')).toEqual({ member: false });
    expect(() => organisationOf(ctx, 'BankZMSP')).toThrow(/--org BankZMSP: not an organisation .*BankAMSP/);
  });
});
