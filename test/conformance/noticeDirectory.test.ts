import { generateKeyPairSync } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LedgerRejected, type ChangeNotice, type Identity } from '../../application/src/ledger/ledgerGateway';
import type { TransportGateway } from '../../application/src/ledger/transportGateway';
import { ledgerNoticeDirectory } from '../../application/src/notices/nodeNotices';
import { noticePublicKeyText } from '../../application/src/notices/noticeCrypto';
import type { NoticeKeyRecord, NoticeKeyRegistration } from '../../chaincode/src/api/notices';
import { startBackend, type Backend } from '../support/backend';

/**
 * The notice-key directory (registerNoticeKey, listNoticeKeys) through a real ledger backend: the embedded
 * network by default, the live network with TALLYSTICK_LEDGER=fabric (which keeps its directory between runs,
 * so every key here is fresh and the checks compare with what was there).
 */
describe(`notice-key directory (${process.env.TALLYSTICK_LEDGER ?? 'embedded'})`, () => {
  let backend: Backend;
  let gateway: TransportGateway;
  const who: Record<string, Identity> = {};
  const freshKey = () => noticePublicKeyText(generateKeyPairSync('x25519').privateKey);

  beforeAll(async () => {
    backend = await startBackend();
    const connection = backend.embedded ?? backend.fabric;
    if (!connection) throw new Error('the backend has no connection');
    gateway = connection.gateway;
    for (const id of ['banka-system', 'banka-admin', 'alice', 'bankb-system', 'audrey'])
      who[id] = await backend.identity(id);
  }, 120_000);
  afterAll(async () => {
    await backend.stop();
  });

  const id = (name: string): Identity => {
    const i = who[name];
    if (!i) throw new Error(name);
    return i;
  };
  const register = (name: string, publicKey: string, at?: Date) =>
    gateway.submitCall<NoticeKeyRegistration>(
      id(name),
      { args: [publicKey], fcn: 'reconciliation:registerNoticeKey', transient: {} },
      at ? { timestamp: at } : undefined,
    );
  const list = (name: string) => ledgerNoticeDirectory(gateway, () => Promise.resolve(id(name))).list();
  async function refused(p: Promise<unknown>, code: string): Promise<string> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LedgerRejected);
    expect((e as LedgerRejected).code).toBe(code);
    return (e as LedgerRejected).detail;
  }

  it("an institution's system registers its key; the directory lists it with the transaction's time; the same key again changes nothing", async () => {
    const key = freshKey();
    const at = backend.name === 'embedded' ? new Date('2031-02-03T04:05:06.000Z') : undefined;
    const first = await register('banka-system', key, at);
    expect(first.result).toMatchObject({ mspId: 'BankAMSP', outcome: 'REGISTERED', publicKey: key });
    if (at) expect(first.result.registeredAt).toBe(at.toISOString());
    const listed = await list('alice');
    expect(listed.filter((r) => r.mspId === 'BankAMSP')).toEqual([
      { mspId: 'BankAMSP', publicKey: key, registeredAt: first.result.registeredAt },
    ] satisfies NoticeKeyRecord[]);
    const height = backend.height();
    const again = await register('banka-system', key);
    expect(again.result).toEqual({ ...first.result, outcome: 'UNCHANGED' });
    // Nothing written: the directory is as it was (the height moves by the empty transaction's block at most).
    expect(backend.height() - height).toBeLessThanOrEqual(1n);
    expect((await list('audrey')).find((r) => r.mspId === 'BankAMSP')).toEqual(
      listed.find((r) => r.mspId === 'BankAMSP'),
    );
  });

  it('a registration shows on the change stream with the key it registered (nodes read the directory again only then); the same key again does not', async () => {
    const seen: ChangeNotice[] = [];
    const stop = gateway.onChanges((c) => seen.push(c));
    try {
      const key = freshKey();
      const first = await register('bankb-system', key);
      const again = await register('bankb-system', key);
      const marker = await register('banka-system', freshKey()); // a later registration: the stream has passed both
      const deadline = Date.now() + 30_000;
      while (!seen.some((c) => c.txId === marker.txId) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const shown = seen.find((c) => c.txId === first.txId);
      expect(shown).toMatchObject({
        blockNumber: first.blockNumber,
        breaks: [],
        cases: [],
        legs: [],
        noticeKey: { mspId: 'BankBMSP', publicKey: key, registeredAt: first.result.registeredAt },
      });
      expect(seen.some((c) => c.txId === again.txId)).toBe(false);
    } finally {
      stop();
    }
  });

  it('its admin rotates the key: the new one replaces the old in the directory, other institutions keep theirs', async () => {
    const b = freshKey();
    await register('bankb-system', b);
    const rotated = freshKey();
    const r = await register('banka-admin', rotated);
    expect(r.result).toMatchObject({ mspId: 'BankAMSP', outcome: 'REGISTERED', publicKey: rotated });
    const listed = await list('bankb-system');
    expect(listed.filter((x) => x.mspId === 'BankAMSP').map((x) => x.publicKey)).toEqual([rotated]);
    expect(listed.find((x) => x.mspId === 'BankBMSP')?.publicKey).toBe(b);
    expect(listed.map((x) => x.mspId)).toEqual([...listed.map((x) => x.mspId)].sort());
  });

  it('a reconciler may not register its institution’s key (ROLE_REQUIRED), and the directory is unchanged', async () => {
    const before = await list('alice');
    const detail = await refused(register('alice', freshKey()), 'ROLE_REQUIRED');
    expect(detail).toMatch(/registering a notice key needs the role admin or submitter/);
    expect(await list('alice')).toEqual(before);
  });

  it('refuses what is not a 32-byte X25519 public key in base64, saying what is wrong', async () => {
    const raw = Buffer.from(freshKey(), 'base64');
    const cases: [string, RegExp][] = [
      ['', /publicKey is required/],
      [raw.subarray(0, 31).toString('base64'), /32-byte X25519 public key in standard base64.*31 bytes/],
      [Buffer.concat([raw, Buffer.from([1])]).toString('base64'), /33 bytes/],
      [raw.toString('base64url'), /standard base64/],
      ['not a key at all!', /32-byte X25519 public key/],
      // The all-zero point is of small order: every pair secret with it would be known.
      [Buffer.alloc(32).toString('base64'), /small order/],
    ];
    for (const [value, message] of cases) {
      const detail = await refused(register('banka-system', value), 'INVALID_INPUT');
      expect(detail).toMatch(message);
    }
  });
});
