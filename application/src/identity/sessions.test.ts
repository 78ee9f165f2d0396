import { describe, expect, it } from 'vitest';

import { SessionStore, tokenIssuer, type SessionRecord, type SessionRecords } from './sessions';

/** Records in memory whose writes wait until released, to order a write against a logout. */
function slowRecords() {
  const stored = new Map<string, SessionRecord>();
  const pending: (() => void)[] = [];
  let slow = false;
  const records: SessionRecords = {
    async saveSession(key, record) {
      if (slow) await new Promise<void>((r) => pending.push(r));
      stored.set(key, record);
    },
    loadSession: (key) => Promise.resolve(stored.get(key)),
    removeSession: (key) => {
      stored.delete(key);
      return Promise.resolve();
    },
    sessionKeys: () => Promise.resolve([...stored.keys()]),
    get: () => Promise.resolve(undefined),
  };
  return {
    records,
    stored,
    slowDown: () => (slow = true),
    release: () => {
      for (const r of pending.splice(0)) r();
    },
  };
}

const identity = { mspId: 'BankAMSP', certificatePem: '', privateKeyPem: '' };

describe('sessions', () => {
  it('names the issuing node in the token, and reads nothing else as one of ours', () => {
    const store = new SessionStore(() => 0);
    const { token } = store.create({ enrollmentId: 'alice', mspId: 'BankAMSP', roles: [], identity });
    expect(token).toMatch(/^tsk1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(tokenIssuer(token)).toBe('BankAMSP');
    for (const other of [
      'abc',
      'tsk1..x',
      `tsk1.${Buffer.from('<x>').toString('base64url')}.y`,
      `${token}.z`,
    ])
      expect(tokenIssuer(other)).toBeUndefined();
  });

  it('does not leave a record behind when a logout lands while its last request is being written', async () => {
    const clock = { now: 1_000_000 };
    const store = new SessionStore(() => clock.now);
    const r = slowRecords();
    store.keepIn(r.records);
    const { token } = await store.open({ enrollmentId: 'alice', mspId: 'BankAMSP', roles: [], identity });
    expect(r.stored.size).toBe(1);
    clock.now += 120_000; // due for a lastSeenAt write
    r.slowDown();
    const using = store.resume(token);
    await store.close(token);
    expect(r.stored.size).toBe(0);
    r.release();
    expect(await using).toBeDefined();
    expect(r.stored.size).toBe(0);
    expect(await store.resume(token)).toBeUndefined();
  });

  it('forgets a record that outlived its session, on disk too', async () => {
    const clock = { now: 1_000_000 };
    const r = slowRecords();
    const first = new SessionStore(() => clock.now, { absoluteMs: 10_000, idleMs: 5_000 });
    first.keepIn(r.records);
    const { token } = await first.open({ enrollmentId: 'alice', mspId: 'BankAMSP', roles: [], identity });
    clock.now += 6_000;
    const restarted = new SessionStore(() => clock.now, { absoluteMs: 10_000, idleMs: 5_000 });
    restarted.keepIn(r.records);
    expect(await restarted.resume(token)).toBeUndefined();
    expect(r.stored.size).toBe(0);
  });
});
