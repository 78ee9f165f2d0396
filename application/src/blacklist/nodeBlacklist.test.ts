import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { TransportGateway } from '../ledger/transportGateway';
import { DEMO_KEY_FILE, openNodeBlacklist, saltFileName } from './nodeBlacklist';
import { createSubjectKeyFile, SubjectKeyError } from './subjectKeys';

// The gateway is only wrapped here, never called.
const gateway = Object.create(TransportGateway.prototype) as TransportGateway;
const root = mkdtempSync(join(tmpdir(), 'tallystick-node-blacklist-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('openNodeBlacklist', () => {
  it('offers no blacklist without a key file or a demo folder (a node on live Fabric without keys)', async () => {
    expect(await openNodeBlacklist(gateway, { mspId: 'BankAMSP', env: {}, dataDir: root })).toBeUndefined();
  });

  it('uses the configured key files, with the node’s salt secret made 0600 beside the first', async () => {
    const keys = join(root, 'keys');
    const check = await createSubjectKeyFile(join(keys, 'v3.json'), 3);
    const bl = await openNodeBlacklist(gateway, {
      mspId: 'BankAMSP',
      env: { TALLYSTICK_BLACKLIST_KEY_FILES: join(keys, 'v3.json') },
      dataDir: join(root, 'data'),
      // Configured keys win over the demo's.
      demoKeyDir: join(root, 'unused'),
    });
    expect(bl?.keyring.keyChecks()).toEqual([check]);
    expect(statSync(join(keys, saltFileName('BankAMSP'))).mode & 0o777).toBe(0o600);
    expect(() => statSync(join(root, 'unused'))).toThrow();
  });

  it('refuses a salt secret others may read, naming the file and never its content', async () => {
    const keys = join(root, 'loose');
    await createSubjectKeyFile(join(keys, 'v1.json'), 1);
    const options = {
      mspId: 'BankBMSP',
      env: { TALLYSTICK_BLACKLIST_KEY_FILES: join(keys, 'v1.json') },
      dataDir: join(root, 'data'),
    };
    await openNodeBlacklist(gateway, options);
    const salt = join(keys, saltFileName('BankBMSP'));
    chmodSync(salt, 0o644);
    const e = await openNodeBlacklist(gateway, options).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SubjectKeyError);
    expect((e as Error).message).toContain('chmod 600');
    expect((e as Error).message).not.toContain(readFileSync(salt, 'utf8').trim());
  });

  it('gives every institution of the demo a copy of one key; refuses the demo folder inside a node’s folder', async () => {
    const demo = join(root, 'demo', 'blacklist-keys');
    const a = await openNodeBlacklist(gateway, {
      mspId: 'BankAMSP',
      env: {},
      dataDir: join(root, 'demo'),
      nodeDir: join(root, 'demo', 'nodes', 'BankAMSP'),
      demoKeyDir: demo,
    });
    const b = await openNodeBlacklist(gateway, {
      mspId: 'BankBMSP',
      env: {},
      dataDir: join(root, 'demo'),
      nodeDir: join(root, 'demo', 'nodes', 'BankBMSP'),
      demoKeyDir: demo,
    });
    expect(a?.keyring.keyChecks()).toEqual(b?.keyring.keyChecks());
    expect(statSync(join(demo, 'BankBMSP', DEMO_KEY_FILE)).mode & 0o777).toBe(0o600);
    const inside = await openNodeBlacklist(gateway, {
      mspId: 'PayCoMSP',
      env: {},
      dataDir: join(root, 'demo'),
      nodeDir: join(root, 'demo', 'nodes', 'PayCoMSP'),
      demoKeyDir: join(root, 'demo', 'nodes', 'PayCoMSP', 'keys'),
    }).catch((x: unknown) => x);
    expect(inside).toBeInstanceOf(SubjectKeyError);
  });
});
