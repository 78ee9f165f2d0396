import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../test/support/legs';
import { issue, testCa } from '../../../test/support/tls';
import { createApp } from '../http/createApp';
import { closeServer, listen } from '../http/listen';
import { SessionStore } from '../identity/sessions';
import { FileWallet } from '../identity/wallet';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import { CLI_TLS_ENV } from './cliHttp';
import { runCli } from './tallystickCli';

/**
 * The command line against Bank B's node serving HTTPS with client certificates checked against Bank B's CA,
 * password logins of systems off (as application/src/http/mutualTls.test.ts sets it up).
 */
const dir = mkdtempSync(join(tmpdir(), 'tallystick-cli-tls-'));
const file = (name: string) => join(dir, name);
let consortium: EmbeddedConsortium;
let server: Server;
let url = '';

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: file('ledger'), durability: 'none' });
  const tlsCa = await testCa('CN=Tallystick CLI test TLS CA');
  const serverCredential = await issue(tlsCa, { subject: 'CN=api.bankb.test', ip: '127.0.0.1' });
  writeFileSync(file('tls-ca.pem'), tlsCa.certificatePem);
  writeFileSync(file('other-ca.pem'), (await testCa('CN=Someone else')).certificatePem);
  // The system's own enrolment at its CA: its TLS client credential, in files as fabric-ca-client leaves it.
  const own = await consortium.network.ca('BankBMSP').enroll('bankb-system', 'bankb-system-pw');
  writeFileSync(file('system.crt'), own.certificatePem);
  writeFileSync(file('system.key'), own.privateKeyPem, { mode: 0o600 });
  const other = await consortium.network.ca('BankAMSP').enroll('banka-system', 'banka-system-pw');
  writeFileSync(file('banka.crt'), other.certificatePem);
  writeFileSync(file('banka.key'), other.privateKeyPem, { mode: 0o600 });
  const app = createApp({
    mspId: 'BankBMSP',
    gateway: consortium.gateway,
    enroller: consortium.enroller('BankBMSP'),
    wallet: await FileWallet.open(file('wallet'), randomBytes(32)),
    sessions: new SessionStore(() => Date.now()),
    log: () => undefined,
    mutualTls: { systemPasswordLogins: false },
  });
  ({ server, url } = await listen(app, 0, '127.0.0.1', 'BankBMSP', {
    cert: serverCredential.certificatePem,
    key: serverCredential.privateKeyPem,
    clientCa: consortium.network.ca('BankBMSP').certificatePem,
    systemPasswordLogins: false,
  }));
}, 120_000);

afterAll(async () => {
  await closeServer(server);
  await consortium.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(
  argv: string[],
  env: Record<string, string> = {},
  session = file('session.json'),
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  let err = '';
  const code = await runCli([...argv, '--session', session], {
    out: (l) => out.push(l),
    err: (t) => {
      err += t;
    },
    isTty: false,
    env,
    stdin: Readable.from([stdin]),
  });
  return { code, out: out.join('\n'), err };
}

const systemTls = ['--cert', file('system.crt'), '--key', file('system.key'), '--ca', file('tls-ca.pem')];
/** `login` at the node with these files of the run's folder as --cert and --key, and any more arguments. */
const certLogin = (cert: string, key: string, ...more: string[]) => [
  'login',
  '--node',
  url,
  '--cert',
  file(cert),
  '--key',
  file(key),
  ...more,
];

describe('the tallystick command line on a node with mutual TLS', () => {
  it('provisions with the secret over its certificate, then posts with the certificate alone', async () => {
    // Passwords of systems are off at this node: the secret alone does not log in.
    const password = await cli(
      ['login', '--node', url, '--ca', file('tls-ca.pem'), '--user', 'bankb-system', '--password-stdin'],
      {},
      file('session.json'),
      'bankb-system-pw\n',
    );
    expect([password.code, password.err]).toEqual([1, expect.stringMatching(/SYSTEM_PASSWORD_LOGIN_OFF/)]);

    // The certificate alone before provisioning: the node says what is missing.
    const early = await cli(['login', '--node', url, ...systemTls]);
    expect([early.code, early.err]).toEqual([
      1,
      expect.stringMatching(/UNAUTHENTICATED \(NO_SIGNING_CREDENTIAL\): .*POST \/v1\/sessions/),
    ]);

    // The password from the environment (never on the command line)
    const login = await cli(['login', '--node', url, ...systemTls, '--user', 'bankb-system'], {
      TALLYSTICK_PASSWORD: 'bankb-system-pw',
    });
    expect(login.err).toBe('');
    expect(login.out).toBe(
      `logged in as bankb-system of BankBMSP (submitter) at ${url} by its client certificate`,
    );
    // The session keeps where the files are, no token, no key.
    const saved = JSON.parse(readFileSync(file('session.json'), 'utf8')) as Record<string, unknown>;
    expect(saved).toEqual({
      node: url,
      user: 'bankb-system',
      mspId: 'BankBMSP',
      tls: { ca: file('tls-ca.pem'), cert: file('system.crt'), key: file('system.key') },
    });
    expect(readFileSync(file('session.json'), 'utf8')).not.toContain('PRIVATE KEY');

    const legs = [paymentLegs().credit, paymentLegs().credit];
    writeFileSync(file('legs.json'), JSON.stringify(legs));
    const posted = await cli(['post', file('legs.json')]);
    expect([posted.code, posted.out]).toEqual([0, '2 legs posted, 0 already on the ledger unchanged']);
    expect((await cli(['post', file('legs.json')])).out).toBe(
      '0 legs posted, 2 already on the ledger unchanged',
    );
  });

  it('reads the files from the environment as well', async () => {
    const env = {
      [CLI_TLS_ENV.cert]: file('system.crt'),
      [CLI_TLS_ENV.key]: file('system.key'),
      [CLI_TLS_ENV.ca]: file('tls-ca.pem'),
    };
    const login = await cli(['login', '--node', url], env, file('env-session.json'));
    expect(login.err).toBe('');
    expect(login.out).toMatch(
      /^logged in as bankb-system of BankBMSP \(submitter\) .* by its client certificate$/,
    );
    expect((await cli(['verify'], env, file('env-session.json'))).err).toMatch(/FORBIDDEN|ROLE_REQUIRED/);
    // A real node's 503 (this node keeps no index): unavailable, exit 3, with the node's code
    const queue = await cli(['breaks'], env, file('env-session.json'));
    expect([queue.code, queue.out, queue.err]).toEqual([
      3,
      '',
      expect.stringMatching(/^INDEX_UNAVAILABLE: /),
    ]);
  });

  it('refuses a node whose certificate the given CA did not issue, and says how to trust it', async () => {
    const untrusted = await cli(certLogin('system.crt', 'system.key'));
    // the node's certificate is not one --ca vouches for: the command's configuration to fix (2), not retried
    expect(untrusted.code).toBe(2);
    expect(untrusted.err).toMatch(
      /the certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(\w+\): give the CA that issued it with --ca FILE/,
    );
    const wrongCa = await cli(certLogin('system.crt', 'system.key', '--ca', file('other-ca.pem')));
    expect([wrongCa.code, wrongCa.err]).toEqual([2, expect.stringMatching(/is not trusted/)]);
  });

  it('shows the node’s refusal of a certificate of another institution’s CA', async () => {
    const r = await cli(
      certLogin('banka.crt', 'banka.key', '--ca', file('tls-ca.pem')),
      {},
      file('banka-session.json'),
    );
    expect([r.code, r.err]).toEqual([
      1,
      expect.stringMatching(/UNAUTHENTICATED \(CERTIFICATE_NOT_TRUSTED\): .*not issued by BankBMSP's CA/),
    ]);
  });

  it('stops before sending anything on files that do not fit, naming the option and never a key', async () => {
    const only = await cli(['login', '--node', url, '--cert', file('system.crt')]);
    expect(only.err).toMatch(/needs both --cert and --key/);
    const swapped = await cli(certLogin('system.key', 'system.crt'));
    expect(swapped.err).toMatch(/--cert: .*system\.key does not hold a certificate/);
    expect(swapped.err).not.toMatch(/BEGIN/);
    const missing = await cli(['login', '--node', url, ...systemTls.slice(0, 4), '--ca', file('nope.pem')]);
    expect(missing.err).toMatch(/--ca: cannot read .*nope\.pem \(ENOENT\)/);
    const plain = await cli(['login', '--node', 'http://127.0.0.1:1', ...systemTls]);
    expect(plain.err).toMatch(/--ca, --cert, --key need an https:\/\/ node/);
  });
});
