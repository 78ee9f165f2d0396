import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../../../test/support/legs';
import {
  caFromPem,
  httpsCall,
  issue,
  revocationList,
  testCa,
  type HttpsAnswer,
  type TestCa,
} from '../../../test/support/tls';
import { SessionStore } from '../identity/sessions';
import { FileWallet } from '../identity/wallet';
import type { Identity } from '../ledger/ledgerGateway';
import { startEmbeddedConsortium, type EmbeddedConsortium } from '../ledger/embeddedLedger';
import { createApp } from './createApp';
import { closeServer, listen } from './listen';
import { readNodeTlsConfig, TLS_ENV, type NodeTls } from './mutualTls';

/**
 * Bank B's node on the embedded network serving HTTPS with client certificates checked against Bank B's CA
 * (the same CA that enrols its identities, as fabric-ca does on the live network), password logins of systems
 * off. Each client certificate here is a separate enrolment at that CA, as a system makes for itself.
 */
const dir = mkdtempSync(join(tmpdir(), 'tallystick-mtls-'));
let consortium: EmbeddedConsortium;
let tlsCa: TestCa;
let wallet: FileWallet;
let sessions: SessionStore;
let baseTls: NodeTls;
const servers: Server[] = [];
let url = '';
/** A second node of Bank B on the same wallet and sessions, with password logins of systems still on. */
let passwordsOnUrl = '';

type Credential = { certificatePem: string; privateKeyPem: string };
const call = (
  at: string,
  method: string,
  path: string,
  options: { client?: Credential; token?: string; body?: unknown } = {},
): Promise<HttpsAnswer> => httpsCall(at, method, path, { serverCa: tlsCa.certificatePem, ...options });

const bankBCa = () => consortium.network.ca('BankBMSP');
/** The system's own enrolment: its TLS client credential (on Fabric its key would never leave its host). */
const enrolOwn = (id: string, mspId = 'BankBMSP'): Promise<Identity> =>
  consortium.network.ca(mspId).enroll(id, `${id}-pw`);

function expectRefused(r: HttpsAnswer, reason?: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(401);
  expect(r.body?.error?.code).toBe('UNAUTHENTICATED');
  expect(r.body?.errors?.[0]?.code).toBe('UNAUTHENTICATED');
  const challenge = ([] as string[]).concat(r.headers['www-authenticate'] ?? []).join(', ');
  expect(challenge).toContain('Bearer realm="tallystick"');
  expect(challenge).toContain('MutualTLS realm="tallystick"');
  if (reason !== undefined) {
    expect(r.body?.error?.details?.reason).toBe(reason);
    expect(challenge).toContain('error="invalid_certificate"');
  }
}

beforeAll(async () => {
  consortium = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'none' });
  tlsCa = await testCa('CN=Tallystick test TLS CA');
  const server = await issue(tlsCa, { subject: 'CN=api.bankb.test', ip: '127.0.0.1' });
  baseTls = {
    cert: server.certificatePem,
    key: server.privateKeyPem,
    clientCa: bankBCa().certificatePem,
    systemPasswordLogins: false,
  };
  wallet = await FileWallet.open(join(dir, 'wallet'), randomBytes(32));
  sessions = new SessionStore(() => Date.now());
  url = await startNode(baseTls);
  passwordsOnUrl = await startNode({ ...baseTls, systemPasswordLogins: true });
}, 120_000);

/** Another node of Bank B on the same ledger, wallet and sessions, with this TLS configuration. */
async function startNode(tls: NodeTls): Promise<string> {
  const app = createApp({
    mspId: 'BankBMSP',
    gateway: consortium.gateway,
    enroller: consortium.enroller('BankBMSP'),
    wallet,
    sessions,
    log: () => undefined,
    mutualTls: { systemPasswordLogins: tls.systemPasswordLogins },
  });
  const listening = await listen(app, 0, '127.0.0.1', 'BankBMSP', tls);
  servers.push(listening.server);
  return listening.url;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => closeServer(s)));
  await consortium.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mutual TLS at an institution node (embedded network)', () => {
  it('serves HTTPS on the URL it prints', () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers 401 without a certificate or a session, and refuses a system password login when they are off', async () => {
    expectRefused(await call(url, 'GET', '/v1/me'));
    const login = await call(url, 'POST', '/v1/sessions', {
      body: { enrollmentId: 'bankb-system', secret: 'bankb-system-pw' },
    });
    expectRefused(login, 'SYSTEM_PASSWORD_LOGIN_OFF');
    expect(login.body?.token).toBeUndefined();
    expect(login.body?.error?.message).toMatch(/client certificate/);
  });

  it('keeps a person’s password login, with a session, over HTTPS without a certificate', async () => {
    const login = await call(url, 'POST', '/v1/sessions', {
      body: { enrollmentId: 'bruno', secret: 'bruno-pw' },
    });
    expect(login.status, JSON.stringify(login.body)).toBe(201);
    const token = login.body?.token;
    expect(typeof token).toBe('string');
    const me = await call(url, 'GET', '/v1/me', { token: token ?? '' });
    expect([me.status, me.body?.enrollmentId, me.body?.roles]).toEqual([200, 'bruno', ['reconciler']]);
  });

  it('posts a system’s legs with its client certificate alone, once the node holds its signing credential', async () => {
    const own = await enrolOwn('bankb-system');
    // Before provisioning: the certificate is good, the node has nothing to sign with, and says how to fix it.
    const early = await call(url, 'GET', '/v1/me', { client: own });
    expectRefused(early, 'NO_SIGNING_CREDENTIAL');
    expect(early.body?.error?.message).toMatch(/POST \/v1\/sessions/);

    // Provisioning: the secret over a connection presenting the same identity's certificate; no token.
    const provision = await call(url, 'POST', '/v1/sessions', {
      client: own,
      body: { enrollmentId: 'bankb-system', secret: 'bankb-system-pw' },
    });
    expect(provision.status, JSON.stringify(provision.body)).toBe(201);
    expect(provision.body?.authentication).toBe('mutualTLS');
    expect(provision.body?.token).toBeUndefined();
    // Two enrolments of one identity: the node's signing key is its own, the system's TLS key never sent.
    const held = await wallet.get('bankb-system');
    expect(held?.certificatePem).toBeDefined();
    expect(held?.certificatePem).not.toBe(own.certificatePem);
    expect(held?.privateKeyPem).not.toBe(own.privateKeyPem);

    const me = await call(url, 'GET', '/v1/me', { client: own });
    expect([me.status, me.body?.enrollmentId, me.body?.mspId, me.body?.roles]).toEqual([
      200,
      'bankb-system',
      'BankBMSP',
      ['submitter'],
    ]);
    const p = paymentLegs();
    const posted = await call(url, 'POST', '/v1/legs/batch', { client: own, body: { legs: [p.credit] } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(posted.body?.result).toEqual([
      expect.objectContaining({ legId: p.credit.legId, outcome: 'POSTED' }),
    ]);
    // The same leg again: the ledger knows it (signed by the same identity), UNCHANGED.
    const again = await call(url, 'POST', '/v1/legs', { client: own, body: p.credit });
    expect(again.body?.result).toEqual([expect.objectContaining({ outcome: 'UNCHANGED' })]);
  });

  it('takes the roles from the certificate: a reconciler’s certificate cannot post legs, one without a role is refused', async () => {
    // bruno's signing credential is in the wallet from his password login above; his own certificate now.
    const bruno = await enrolOwn('bruno');
    const me = await call(url, 'GET', '/v1/me', { client: bruno });
    expect([me.status, me.body?.enrollmentId, me.body?.roles]).toEqual([200, 'bruno', ['reconciler']]);
    const p = paymentLegs();
    const refused = await call(url, 'POST', '/v1/legs', { client: bruno, body: p.credit });
    expect([refused.status, refused.body?.error?.code]).toEqual([403, 'ROLE_REQUIRED']);

    const ca = bankBCa();
    if (!ca.isRegistered('bankb-monitor'))
      await ca.register('bankb-monitor', 'bankb-monitor-pw', {}, 'client');
    const roleless = await ca.enroll('bankb-monitor', 'bankb-monitor-pw');
    const r = await call(url, 'GET', '/v1/me', { client: roleless });
    expectRefused(r, 'CERTIFICATE_WITHOUT_ROLE');
    expect(r.body?.error?.message).toMatch(/no role/);

    // A certificate of the right CA naming more roles than the identity's signing credential carries: the API
    // and the chaincode would judge different roles, so it is refused.
    const issuer = await caFromPem(
      ca.certificatePem,
      readFileSync(join(dir, 'ledger', 'ca', 'BankBMSP', 'ca-key.pem'), 'utf8'),
    );
    const wider = await issue(issuer, {
      subject: 'O=BankBMSP, OU=client, CN=bankb-system',
      attrs: { roles: 'submitter,admin', 'hf.EnrollmentID': 'bankb-system', 'hf.Type': 'client' },
    });
    const mismatch = await call(url, 'GET', '/v1/me', { client: wider });
    expectRefused(mismatch, 'SIGNING_CREDENTIAL_MISMATCH');
    expect(mismatch.body?.error?.message).toMatch(/other roles/);
  });

  it('refuses a certificate of another institution’s CA, one from a look-alike CA, and an expired one', async () => {
    const bankA = await enrolOwn('banka-system', 'BankAMSP');
    const other = await call(url, 'POST', '/v1/legs', { client: bankA, body: paymentLegs().debit });
    expectRefused(other, 'CERTIFICATE_NOT_TRUSTED');
    expect(other.body?.error?.message).toMatch(/not issued by BankBMSP's CA/);

    const lookalike = await testCa('CN=ca.BankBMSP, O=BankBMSP');
    const forged = await issue(lookalike, {
      // Its subject is echoed in the answer: non-ASCII must not break the WWW-Authenticate header.
      subject: 'O=BankBMSP, OU=client, CN=系统 bankb-system',
      attrs: { roles: 'submitter', 'hf.EnrollmentID': 'bankb-system', 'hf.Type': 'client' },
    });
    const lookalikeAnswer = await call(url, 'GET', '/v1/me', { client: forged });
    expectRefused(lookalikeAnswer, 'CERTIFICATE_NOT_TRUSTED');
    expect(lookalikeAnswer.body?.error?.message).toContain('CN=系统 bankb-system');

    // As Bank B's CA would have issued it last month: its key, its attributes, validity over.
    const issuer = await caFromPem(
      bankBCa().certificatePem,
      readFileSync(join(dir, 'ledger', 'ca', 'BankBMSP', 'ca-key.pem'), 'utf8'),
    );
    const day = 24 * 3600_000;
    const expired = await issue(issuer, {
      subject: 'O=BankBMSP, OU=client, CN=bankb-system',
      attrs: { roles: 'submitter', 'hf.EnrollmentID': 'bankb-system', 'hf.Type': 'client' },
      notBefore: new Date(Date.now() - 40 * day),
      notAfter: new Date(Date.now() - day),
    });
    const r = await call(url, 'GET', '/v1/me', { client: expired });
    expectRefused(r, 'CERTIFICATE_EXPIRED');
    expect(r.body?.error?.message).toMatch(/expired on \d{4}-\d\d-\d\dT/);
    // A refused certificate is not rescued by the password either.
    const login = await call(url, 'POST', '/v1/sessions', {
      client: expired,
      body: { enrollmentId: 'bankb-system', secret: 'bankb-system-pw' },
    });
    expectRefused(login, 'SYSTEM_PASSWORD_LOGIN_OFF');
  });

  it('refuses a revoked certificate when the CA’s revocation list is configured, and every one when the list is stale', async () => {
    const issuer = await caFromPem(
      bankBCa().certificatePem,
      readFileSync(join(dir, 'ledger', 'ca', 'BankBMSP', 'ca-key.pem'), 'utf8'),
    );
    const [revoked, kept] = [await enrolOwn('bankb-system'), await enrolOwn('bankb-system')];
    const withCrl = await startNode({
      ...baseTls,
      clientCrl: await revocationList(issuer, [revoked.certificatePem]),
    });
    const ok = await call(withCrl, 'GET', '/v1/me', { client: kept });
    expect([ok.status, ok.body?.enrollmentId]).toEqual([200, 'bankb-system']);
    const r = await call(withCrl, 'GET', '/v1/me', { client: revoked });
    expectRefused(r, 'CERTIFICATE_REVOKED');
    expect(r.body?.error?.message).toMatch(/revoked by BankBMSP's CA/);
    // Without the list the same certificate is still good: revocation is known only from it.
    expect((await call(url, 'GET', '/v1/me', { client: revoked })).status).toBe(200);

    const stale = await startNode({
      ...baseTls,
      clientCrl: await revocationList(issuer, [], new Date(Date.now() - 3600_000)),
    });
    const closed = await call(stale, 'GET', '/v1/me', { client: kept });
    expectRefused(closed, 'CERTIFICATE_NOT_TRUSTED');
    expect(closed.body?.error?.message).toMatch(/CRL_HAS_EXPIRED/);
  });

  it('reloads the revocation list when its file changes: the next request of a revoked certificate is refused, on a kept-alive connection too', async () => {
    const issuer = await caFromPem(
      bankBCa().certificatePem,
      readFileSync(join(dir, 'ledger', 'ca', 'BankBMSP', 'ca-key.pem'), 'utf8'),
    );
    const [revoked, kept] = [await enrolOwn('bankb-system'), await enrolOwn('bankb-system')];
    const provisioned = await call(url, 'POST', '/v1/sessions', {
      client: kept,
      body: { enrollmentId: 'bankb-system', secret: 'bankb-system-pw' },
    });
    expect(provisioned.status, JSON.stringify(provisioned.body)).toBe(201);
    const crlFile = join(dir, 'reloaded.crl');
    /** As an operator publishes a list: written beside it, then renamed over it. */
    const publish = (text: string) => {
      writeFileSync(`${crlFile}.new`, text);
      renameSync(`${crlFile}.new`, crlFile);
    };
    publish(await revocationList(issuer, []));
    const node = await startNode({
      ...baseTls,
      clientCrl: readFileSync(crlFile, 'utf8'),
      clientCrlFile: crlFile,
      clientCrlCheckMs: 50,
    });
    // One kept-alive connection per certificate, as a system's HTTP client holds it.
    const agents = [revoked, kept].map(
      (c) =>
        new Agent({
          keepAlive: true,
          maxSockets: 1,
          ca: tlsCa.certificatePem,
          cert: c.certificatePem,
          key: c.privateKeyPem,
        }),
    );
    const [revokedAgent, keptAgent] = agents as [Agent, Agent];
    const me = (agent: Agent) =>
      new Promise<{ status: number; reason?: string; reused: boolean }>((resolve, reject) => {
        const req = request(`${node}/v1/me`, { agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              error?: { details?: { reason?: string } };
            };
            resolve({
              status: res.statusCode ?? 0,
              ...(body.error?.details?.reason === undefined ? {} : { reason: body.error.details.reason }),
              reused: req.reusedSocket,
            });
          });
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await me(revokedAgent)).toEqual({ status: 200, reused: false });
      expect(await me(keptAgent)).toEqual({ status: 200, reused: false });

      publish(await revocationList(issuer, [revoked.certificatePem]));
      // The node looks every 50 ms; until it has reloaded, the connection still answers 200.
      let answer = await me(revokedAgent);
      for (let i = 0; i < 100 && answer.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        answer = await me(revokedAgent);
      }
      expect(answer).toEqual({ status: 401, reason: 'CERTIFICATE_REVOKED', reused: true });
      // A new connection is refused in its handshake's verdict, the other certificate still served.
      expectRefused(await call(node, 'GET', '/v1/me', { client: revoked }), 'CERTIFICATE_REVOKED');
      expect(await me(keptAgent)).toEqual({ status: 200, reused: true });
      expect((await call(node, 'GET', '/v1/me', { client: kept })).status).toBe(200);

      // A file that is not a list, or a list another CA signed, is not loaded: the list in force stays.
      const lookalike = await testCa(issuer.name); // the same name as Bank B’s CA, another key
      publish('not a revocation list');
      await new Promise((r) => setTimeout(r, 300));
      publish(await revocationList(lookalike, []));
      await new Promise((r) => setTimeout(r, 300));
      expect(await me(revokedAgent)).toMatchObject({ status: 401, reason: 'CERTIFICATE_REVOKED' });
      expectRefused(await call(node, 'GET', '/v1/me', { client: revoked }), 'CERTIFICATE_REVOKED');
      expect(await me(keptAgent)).toMatchObject({ status: 200 });

      // A list past its next update refuses every certificate, on the open connections too (fail closed).
      publish(await revocationList(issuer, [], new Date(Date.now() - 60_000)));
      let closed = await me(keptAgent);
      for (let i = 0; i < 100 && closed.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        closed = await me(keptAgent);
      }
      expect(closed).toEqual({ status: 401, reason: 'CERTIFICATE_NOT_TRUSTED', reused: true });
    } finally {
      for (const a of agents) a.destroy();
    }
  });

  it('ends a system’s password session at a node where password logins of systems are off', async () => {
    // Where they are on, a system may still log in with its password (the migration path)...
    const login = await call(passwordsOnUrl, 'POST', '/v1/sessions', {
      body: { enrollmentId: 'bankb-system', secret: 'bankb-system-pw' },
    });
    expect(login.status, JSON.stringify(login.body)).toBe(201);
    const token = login.body?.token ?? '';
    expect((await call(passwordsOnUrl, 'GET', '/v1/me', { token })).status).toBe(200);
    // ...and the same session is refused, and ended, where they are off.
    expectRefused(await call(url, 'GET', '/v1/me', { token }), 'SYSTEM_PASSWORD_LOGIN_OFF');
    const after = await call(passwordsOnUrl, 'GET', '/v1/me', { token });
    expect(after.status).toBe(401);
  });
});

describe('readNodeTlsConfig', () => {
  const files = join(dir, 'config');
  const at = (name: string) => join(files, name);
  beforeAll(async () => {
    const ca = await testCa('CN=config test CA');
    const server = await issue(ca, { subject: 'CN=node', ip: '127.0.0.1' });
    for (const msp of ['BankAMSP', 'BankBMSP']) {
      mkdirSync(at(msp), { recursive: true });
      writeFileSync(at(`${msp}/server.crt`), server.certificatePem);
      writeFileSync(at(`${msp}/server.key`), server.privateKeyPem);
      writeFileSync(at(`${msp}/clients-ca.crt`), ca.certificatePem);
    }
    writeFileSync(at('clients.crl'), await revocationList(ca, []));
  });
  const env = (over: Record<string, string> = {}) => ({
    [TLS_ENV.cert]: at('{mspId}/server.crt'),
    [TLS_ENV.key]: at('{mspId}/server.key'),
    [TLS_ENV.clientCa]: at('{mspId}/clients-ca.crt'),
    ...over,
  });

  it('is plain HTTP when nothing is set, and HTTPS per institution with {mspId} in the paths', () => {
    expect(readNodeTlsConfig({}, 'BankBMSP')).toBeUndefined();
    const tls = readNodeTlsConfig(env(), 'BankBMSP');
    expect(tls?.systemPasswordLogins).toBe(true);
    expect(tls?.key).toContain('PRIVATE KEY');
    expect(
      readNodeTlsConfig(env({ [TLS_ENV.systemPasswordLogins]: 'off' }), 'BankAMSP')?.systemPasswordLogins,
    ).toBe(false);
    expect(tls?.clientCrl).toBeUndefined();
    const withCrl = readNodeTlsConfig(env({ [TLS_ENV.clientCrl]: at('clients.crl') }), 'BankBMSP');
    expect(withCrl?.clientCrl).toMatch(/BEGIN X509 CRL/);
    expect(withCrl?.clientCrlFile).toBe(at('clients.crl')); // watched for a new list
  });

  it('stops with a message naming what is wrong, never a file’s content', () => {
    expect(() => readNodeTlsConfig({ [TLS_ENV.systemPasswordLogins]: 'off' }, 'BankBMSP')).toThrow(
      /TALLYSTICK_SYSTEM_PASSWORD_LOGIN=off needs mutual TLS/,
    );
    expect(() => readNodeTlsConfig(env({ [TLS_ENV.systemPasswordLogins]: 'no' }), 'BankBMSP')).toThrow(
      /must be on or off/,
    );
    expect(() => readNodeTlsConfig({ [TLS_ENV.clientCrl]: at('clients.crl') }, 'BankBMSP')).toThrow(
      /TALLYSTICK_TLS_CLIENT_CRL_FILE needs mutual TLS/,
    );
    expect(() =>
      readNodeTlsConfig(env({ [TLS_ENV.clientCrl]: at('BankBMSP/clients-ca.crt') }), 'BankBMSP'),
    ).toThrow(/TALLYSTICK_TLS_CLIENT_CRL_FILE: .* does not hold a revocation list/);
    const { [TLS_ENV.clientCa]: _ca, ...withoutCa } = env();
    expect(() => readNodeTlsConfig(withoutCa, 'BankBMSP')).toThrow(/TALLYSTICK_TLS_CLIENT_CA_FILE not set/);
    expect(() => readNodeTlsConfig(env({ [TLS_ENV.key]: 'server.key' }), 'BankBMSP')).toThrow(
      /TALLYSTICK_TLS_KEY_FILE must be an absolute path/,
    );
    expect(() => readNodeTlsConfig(env(), 'PayCoMSP')).toThrow(
      /TALLYSTICK_TLS_CERT_FILE: cannot read .*PayCoMSP/,
    );
    const swapped = () => readNodeTlsConfig(env({ [TLS_ENV.key]: at('BankBMSP/server.crt') }), 'BankBMSP');
    expect(swapped).toThrow(/TALLYSTICK_TLS_KEY_FILE: .* does not hold a private key/);
    expect(swapped).not.toThrow(/BEGIN/);
  });
});
