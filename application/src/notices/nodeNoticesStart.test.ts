import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { NoticeKeyRecord } from '../../../chaincode/src/api/notices';
import { loadConsortium } from '../ledger/consortium';
import type { LedgerConnection } from '../ledger/connection';
import type { ContractCall } from '../ledger/transportGateway';
import { deriveNoticeKey } from './noticeKey';
import { noticeRegistrarOf, startNodeNotices } from './nodeNoticesStart';

/**
 * Node start's part of notices against a ledger that fails, then answers: the node starts anyway, and registers
 * its key once the ledger is back. (A working ledger: test/notices.test.ts, through the composition root.)
 */
const dir = mkdtempSync(join(tmpdir(), 'tallystick-notice-start-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function flakyLedger(failures: number) {
  const directory: NoticeKeyRecord[] = [];
  const calls: { fcn: string; who: string }[] = [];
  let left = failures;
  const answer = <T>(who: { mspId: string; certificatePem: string }, c: ContractCall, result: () => T) => {
    calls.push({ fcn: c.fcn, who: who.certificatePem });
    if (left > 0) {
      left--;
      return Promise.reject(new Error('ledger unreachable'));
    }
    return Promise.resolve(result());
  };
  const connection = {
    consortium: loadConsortium(),
    gateway: {
      evaluateCall: (who: { mspId: string; certificatePem: string }, c: ContractCall) =>
        answer(who, c, () => [...directory]),
      submitCall: (who: { mspId: string; certificatePem: string }, c: ContractCall) =>
        answer(who, c, () => {
          const record = { mspId: who.mspId, publicKey: c.args[0] ?? '', registeredAt: 'now' };
          directory.push(record);
          return { blockNumber: 1n, result: { ...record, outcome: 'REGISTERED' }, txId: 't' };
        }),
    },
    // The user id stands in for the certificate: the test sees who signed.
    identity: (userId: string) =>
      Promise.resolve({
        certificatePem: userId,
        mspId: userId.startsWith('bankb') ? 'BankBMSP' : 'AuditorMSP',
        privateKeyPem: '',
      }),
  } as unknown as LedgerConnection;
  return { calls, connection, directory };
}

describe('startNodeNotices', () => {
  it('registers with the system identity; an institution with none registers with its admin', () => {
    const c = { consortium: loadConsortium() };
    expect(noticeRegistrarOf(c, 'BankBMSP')).toBe('bankb-system');
    expect(noticeRegistrarOf(c, 'AuditorMSP')).toBe('auditor-admin');
    expect(noticeRegistrarOf(c, 'NoSuchMSP')).toBeUndefined();
  });

  it('a ledger that fails at start does not stop the node; the key is registered once it answers', async () => {
    const walletKey = randomBytes(32);
    const { calls, connection, directory } = flakyLedger(2);
    const logged: string[] = [];
    const started = await startNodeNotices(connection, 'BankBMSP', {
      env: { TALLYSTICK_WALLET_KEY: walletKey.toString('base64') },
      log: (m) => logged.push(m),
      nodeDir: join(dir, 'BankBMSP'),
      retryMs: 10,
    });
    if (!started) throw new Error('Bank B has a reader');
    try {
      expect(logged[0]).toMatch(/registration failed \(retrying\): Error: ledger unreachable/);
      await started.registered;
      expect(directory).toEqual([
        {
          mspId: 'BankBMSP',
          publicKey: deriveNoticeKey(walletKey, 'BankBMSP').publicKey,
          registeredAt: 'now',
        },
      ]);
      expect(calls.filter((c) => c.fcn === 'reconciliation:registerNoticeKey')).toEqual([
        { fcn: 'reconciliation:registerNoticeKey', who: 'bankb-system' },
      ]);
      // The wallet key is never in a log line.
      expect(logged.join('\n')).not.toContain(walletKey.toString('base64'));
    } finally {
      started.close();
    }
  });
});
