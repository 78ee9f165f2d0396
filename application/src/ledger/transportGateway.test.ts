import { describe, expect, it } from 'vitest';

import { toErrorResponse } from '../http/errors';
import { LedgerUnavailable, type Identity, type TransactionStatus } from './ledgerGateway';
import { TransportGateway, type ContractCall, type LedgerTransport } from './transportGateway';

const who: Identity = { mspId: 'ClearingHouseMSP', certificatePem: 'cert', privateKeyPem: 'key' };
const swept = { flagged: 2, examined: 5, more: false };

/** A transport whose submits fail as scripted, then succeed; it records every call and lookup. */
function scripted(failures: Error[], status?: TransactionStatus | Error) {
  const submits: ContractCall[] = [];
  const lookups: string[] = [];
  const transport: LedgerTransport = {
    backend: 'fabric',
    submit(_who, call) {
      submits.push(call);
      const failure = failures.shift();
      if (failure) return Promise.reject(failure);
      return Promise.resolve({
        txId: `tx${submits.length}`,
        blockNumber: 7n,
        payload: Buffer.from(JSON.stringify(swept)),
      });
    },
    evaluate: () => Promise.reject(new Error('not used')),
    onChanges: () => () => undefined,
    close: () => Promise.resolve(),
    ...(status === undefined
      ? {}
      : {
          transactionStatus(_who: Identity, txId: string) {
            lookups.push(txId);
            return status instanceof Error ? Promise.reject(status) : Promise.resolve(status);
          },
        }),
  };
  return { gateway: new TransportGateway(transport), submits, lookups };
}

const lostAnswer = (txId: string) =>
  new LedgerUnavailable('submit reconciliation:sweep: no answer within 45000 ms', {
    outcome: 'UNKNOWN',
    txId,
  });

describe('a write whose answer was lost after it was sent', () => {
  it('is looked up by its id before it is retried, and the retry returns the result', async () => {
    const { gateway, submits, lookups } = scripted([lostAnswer('tx-lost')], {
      status: 'VALID',
      blockNumber: 6n,
    });
    const r = await gateway.sweep(who, 10);
    expect(r.result).toEqual(swept);
    expect(lookups).toEqual(['tx-lost']);
    expect(submits).toHaveLength(2);
    expect(gateway.lostAnswers).toEqual([{ txId: 'tx-lost', known: 'VALID' }]);
  });

  it('is retried when the ledger has no such transaction (it was never ordered, or not yet)', async () => {
    const { gateway, lookups } = scripted([lostAnswer('tx-gone')], { status: 'NOT_FOUND' });
    await expect(gateway.sweep(who, 10)).resolves.toMatchObject({ result: swept });
    expect(lookups).toEqual(['tx-gone']);
  });

  it('is left to the caller, outcome unknown, when the lookup cannot be answered', async () => {
    const { gateway, submits } = scripted([lostAnswer('tx-x')], new LedgerUnavailable('peer down'));
    const e = await gateway.sweep(who, 10).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LedgerUnavailable);
    expect(e).toMatchObject({ outcome: 'UNKNOWN', txId: 'tx-x' });
    expect(submits).toHaveLength(1);
    // HTTP tells the caller what may have happened and under which id.
    expect(toErrorResponse(e, 'r1')).toMatchObject({
      status: 503,
      body: { error: { code: 'LEDGER_UNAVAILABLE', details: { outcome: 'UNKNOWN', txId: 'tx-x' } } },
    });
  });

  it('a write that was never sent is not looked up nor retried here, and says nothing was written', async () => {
    const notSent = new LedgerUnavailable('No valid responses from any peers', { outcome: 'NOT_SENT' });
    const { gateway, submits, lookups } = scripted([notSent], { status: 'NOT_FOUND' });
    const e = await gateway.sweep(who, 10).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBe(notSent);
    expect(lookups).toEqual([]);
    expect(submits).toHaveLength(1);
    const answer = toErrorResponse(e, 'r2');
    expect(answer.body.error).toMatchObject({ details: { outcome: 'NOT_SENT' } });
    expect(answer.body.error.message).toMatch(/nothing was written/);
  });
});
