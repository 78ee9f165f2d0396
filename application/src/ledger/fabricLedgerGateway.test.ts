import { describe, expect, it } from 'vitest';

import { FabricTransport, mapFabricError } from './fabricLedgerGateway';
import { LedgerRejected, LedgerUnavailable } from './ledgerGateway';

// What fabric-network 2.2 throws, shaped as it shapes it (transaction.js, singlequeryhandler.js).
const endorsementError = (message: string, status = 500) =>
  Object.assign(
    new Error(
      `No valid responses from any peers. Errors:\n    peer=peer0-banka, status=${status}, message=${message}`,
    ),
    {
      responses: [{ response: { status, message } }],
      errors: [],
    },
  );

describe('fabric transport error mapping (same codes as the embedded transport)', () => {
  it('a chaincode CODE: message from an endorser becomes LedgerRejected(code)', () => {
    const e = mapFabricError(endorsementError('UNKNOWN_CURRENCY: legs[0].currency XYZ is not active'), 'tx1');
    expect(e).toBeInstanceOf(LedgerRejected);
    expect(e).toMatchObject({
      code: 'UNKNOWN_CURRENCY',
      detail: 'legs[0].currency XYZ is not active',
      txId: 'tx1',
    });
  });

  it('an evaluate answered with an error status becomes LedgerRejected(code)', () => {
    const err = Object.assign(new Error('peer error response: CASE_NOT_FOUND: no case abc'), {
      status: 500,
      message: 'peer error response: CASE_NOT_FOUND: no case abc',
    });
    expect(mapFabricError(err)).toMatchObject({ code: 'CASE_NOT_FOUND', detail: 'no case abc' });
  });

  it('a peer error without a code is INVALID_INPUT, as on the embedded network', () => {
    expect(mapFabricError(endorsementError('transaction returned with failure: bad args'))).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('no peer reached, or a connection failure, is LedgerUnavailable', () => {
    const e = Object.assign(
      new Error(
        'No valid responses from any peers. Errors:\n    peer=x, status=grpc, message=14 UNAVAILABLE',
      ),
      {
        responses: [],
        errors: [new Error('14 UNAVAILABLE')],
      },
    );
    expect(mapFabricError(e)).toBeInstanceOf(LedgerUnavailable);
    expect(mapFabricError(new Error('DiscoveryService has failed to return results'))).toBeInstanceOf(
      LedgerUnavailable,
    );
  });

  it('errors already mapped pass through', () => {
    const r = new LedgerRejected('MVCC_READ_CONFLICT', 'x');
    expect(mapFabricError(r)).toBe(r);
  });
});

describe('injected time', () => {
  it('is refused, never ignored: fabric-network takes the proposal timestamp from the clock', async () => {
    const t = new FabricTransport({
      channel: 'c',
      chaincode: 'cc',
      profiles: new Map(),
      listener: { mspId: 'X', certificatePem: '', privateKeyPem: '' },
    });
    expect(t.supportsInjectedTime).toBe(false);
    await expect(
      t.submit(
        { mspId: 'X', certificatePem: '', privateKeyPem: '' },
        { fcn: 'f', args: [], transient: {} },
        { timestamp: new Date() },
      ),
    ).rejects.toThrow(/cannot set the proposal timestamp/);
  });
});
