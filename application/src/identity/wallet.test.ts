import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { FileWallet } from './wallet';

describe('the wallet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-wallet-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one person’s identity written several times at once (two logins together), whole', async () => {
    const wallet = await FileWallet.open(join(dir, 'w'), randomBytes(32));
    const identities = Array.from({ length: 8 }, (_, i) => ({
      mspId: 'BankBMSP',
      certificatePem: `cert-${i}`,
      privateKeyPem: `key-${i}`,
    }));
    await Promise.all(identities.map((id) => wallet.put('bankb-system', id)));
    const kept = await wallet.get('bankb-system');
    expect(identities).toContainEqual(kept);
    expect(readdirSync(join(dir, 'w')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
