import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { httpsCall, issue, testCa, type TestCa } from '../../../test/support/tls';
import { loadConsortium } from '../ledger/consortium';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import { startInstitutionNodes, type RunningNode } from './institutionNodes';

/**
 * The composition root with the configuration a bank would give it: TALLYSTICK_TLS_* in the environment, one
 * path per institution through {mspId}, the client CA being the institution's own CA (here the embedded
 * network's files, as `npm start` keeps them under .tallystick/embedded/ca/<mspId>/ca-cert.pem).
 */
const dir = mkdtempSync(join(tmpdir(), 'tallystick-nodes-tls-'));
let consortium: EmbeddedConsortium;
let nodes: RunningNode[] = [];
let tlsCa: TestCa;

beforeAll(async () => {
  const ledgerDir = join(dir, 'ledger');
  // Two institutions are enough to show each node trusts only its own CA (and start five times fewer indexes).
  const all = loadConsortium();
  consortium = await startEmbeddedConsortium({
    dataDir: ledgerDir,
    durability: 'none',
    consortium: {
      ...all,
      organisations: all.organisations.filter((o) => o.mspId === 'BankBMSP' || o.mspId === 'PayCoMSP'),
    },
  });
  tlsCa = await testCa('CN=Tallystick test TLS CA');
  for (const org of consortium.consortium.organisations) {
    const server = await issue(tlsCa, { subject: `CN=api.${org.mspId}`, ip: '127.0.0.1' });
    mkdirSync(join(dir, 'tls', org.mspId), { recursive: true });
    writeFileSync(join(dir, 'tls', org.mspId, 'server.crt'), server.certificatePem);
    writeFileSync(join(dir, 'tls', org.mspId, 'server.key'), server.privateKeyPem, { mode: 0o600 });
  }
  nodes = await startInstitutionNodes(consortium, {
    dataDir: join(dir, 'nodes'),
    // Away from the documented ports (a demo may be running), from other suites, and below the kernel's
    // ephemeral range (32768 and up), where an outgoing connection may hold a port at any moment.
    portOffset: 10_000 + (process.pid % 1_500) * 10,
    log: () => undefined,
    env: {
      TALLYSTICK_WALLET_KEY: randomBytes(32).toString('base64'),
      TALLYSTICK_TLS_CERT_FILE: join(dir, 'tls', '{mspId}', 'server.crt'),
      TALLYSTICK_TLS_KEY_FILE: join(dir, 'tls', '{mspId}', 'server.key'),
      TALLYSTICK_TLS_CLIENT_CA_FILE: join(ledgerDir, 'ca', '{mspId}', 'ca-cert.pem'),
      TALLYSTICK_SYSTEM_PASSWORD_LOGIN: 'off',
    },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await consortium.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startInstitutionNodes with TALLYSTICK_TLS_*', () => {
  it('serves every node over HTTPS, each trusting only its own institution’s CA for client certificates', async () => {
    expect(nodes.map((n) => n.url.slice(0, 8))).toEqual(nodes.map(() => 'https://'));
    const bankB = nodes.find((n) => n.mspId === 'BankBMSP');
    const payCo = nodes.find((n) => n.mspId === 'PayCoMSP');
    if (!bankB || !payCo) throw new Error('nodes missing');
    const system = await consortium.network.ca('BankBMSP').enroll('bankb-system', 'bankb-system-pw');
    const call = (url: string, method: string, path: string, body?: unknown) =>
      httpsCall(url, method, path, {
        serverCa: tlsCa.certificatePem,
        client: system,
        ...(body === undefined ? {} : { body }),
      });
    // Whose node this is, for the console's title and login page: the institution's name from the consortium.
    const health = await call(bankB.url, 'GET', '/healthz');
    expect(health.body).toMatchObject({ mspId: 'BankBMSP', institution: 'Bank B' });
    const provision = await call(bankB.url, 'POST', '/v1/sessions', {
      enrollmentId: 'bankb-system',
      secret: 'bankb-system-pw',
    });
    expect([provision.status, provision.body?.authentication]).toEqual([201, 'mutualTLS']);
    const me = await call(bankB.url, 'GET', '/v1/me');
    expect([me.status, me.body?.enrollmentId, me.body?.roles]).toEqual([200, 'bankb-system', ['submitter']]);
    // Bank B's certificate at PayCo's node: not PayCo's CA.
    const elsewhere = await call(payCo.url, 'GET', '/v1/me');
    expect([elsewhere.status, elsewhere.body?.error?.details?.reason]).toEqual([
      401,
      'CERTIFICATE_NOT_TRUSTED',
    ]);
    // A person still logs in with a password, without a certificate.
    const bruno = await httpsCall(bankB.url, 'POST', '/v1/sessions', {
      serverCa: tlsCa.certificatePem,
      body: { enrollmentId: 'bruno', secret: 'bruno-pw' },
    });
    expect([bruno.status, typeof bruno.body?.token]).toEqual([201, 'string']);
  });
});
