import 'reflect-metadata';
import * as crypto from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { request } from 'node:https';

import * as x509 from '@peculiar/x509';

import { FABRIC_ATTRIBUTE_OID, fabricAttributeJson } from '../../network/embedded/src/ca';

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600_000;

/** A CA the tests hold: its certificate and signing key. */
export interface TestCa {
  readonly certificatePem: string;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly name: string;
}

const serial = () =>
  crypto
    .randomBytes(8)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A self-signed CA of the tests' own (a TLS CA for the node's server certificate, or an untrusted client CA). */
export async function testCa(name: string): Promise<TestCa> {
  const keys = await crypto.webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certificatePem: cert.toString('pem'), keys, name };
}

/** A CA whose key the tests read from its files (the embedded network's CA: ca-cert.pem and ca-key.pem). */
export async function caFromPem(certificatePem: string, privateKeyPem: string): Promise<TestCa> {
  const cert = new x509.X509Certificate(certificatePem);
  const der = crypto.createPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' });
  const privateKey = await crypto.webcrypto.subtle.importKey('pkcs8', der, ECDSA_P256, true, ['sign']);
  const publicKey = (await cert.publicKey.export(ECDSA_P256, ['verify'])) as unknown as webcrypto.CryptoKey;
  return { certificatePem, keys: { privateKey, publicKey }, name: cert.subject };
}

/**
 * A certificate issued by `ca`: a server's (with the IP it answers on) or, with `attrs`, a client's carrying
 * fabric-ca's attribute extension, as the institution's CA issues them. Validity from `notBefore` to `notAfter`
 * (default: from yesterday for 30 days), so tests can mint expired ones.
 */
export async function issue(
  ca: TestCa,
  options: {
    subject: string;
    ip?: string;
    attrs?: Record<string, string>;
    notBefore?: Date;
    notAfter?: Date;
  },
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const keys = await crypto.webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.subject,
    issuer: new x509.X509Certificate(ca.certificatePem).subject,
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 30 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(options.ip
        ? [
            new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: options.ip }]),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          ]
        : []),
      ...(options.attrs
        ? [new x509.Extension(FABRIC_ATTRIBUTE_OID, false, Buffer.from(fabricAttributeJson(options.attrs)))]
        : []),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: await keyPem(keys.privateKey) };
}

/** An answer's JSON body, as far as the tests read it. */
export interface AnswerBody {
  readonly [key: string]: unknown;
  readonly token?: string;
  readonly authentication?: string;
  readonly user?: { enrollmentId: string; mspId: string; roles: string[] };
  readonly enrollmentId?: string;
  readonly roles?: string[];
  readonly error?: { code: string; message: string; details?: { reason?: string } };
  readonly errors?: { code: string; message: string }[];
}

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: AnswerBody | null;
}

/**
 * One HTTPS request with node's client, trusting `serverCa` only and presenting `client`'s certificate when
 * given; the answer with its JSON body (or null).
 */
export function httpsCall(
  url: string,
  method: string,
  path: string,
  options: {
    serverCa: string;
    client?: { certificatePem: string; privateKeyPem: string };
    token?: string;
    body?: unknown;
  },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      `${url}${path}`,
      {
        method,
        ca: options.serverCa,
        ...(options.client ? { cert: options.client.certificatePem, key: options.client.privateKeyPem } : {}),
        // A fresh connection per call: each presents its own certificate.
        agent: false,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === '' ? null : (JSON.parse(text) as AnswerBody),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A certificate revocation list of `ca` (as fabric-ca's `gencrl` publishes one), revoking the given
 * certificates, valid from yesterday until `nextUpdate` (default: a week on).
 */
export async function revocationList(
  ca: TestCa,
  revoked: readonly string[],
  nextUpdate = new Date(Date.now() + 7 * DAY_MS),
): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.X509Certificate(ca.certificatePem).subject,
    thisUpdate: new Date(Date.now() - DAY_MS),
    nextUpdate,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey)],
    entries: revoked.map((pem) => ({
      serialNumber: new x509.X509Certificate(pem).serialNumber,
      revocationDate: new Date(Date.now() - 3600_000),
      reason: x509.X509CrlReason.keyCompromise,
    })),
  });
  // OpenSSL (and fabric-ca's gencrl) label it X509 CRL.
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
}
