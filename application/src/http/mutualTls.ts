// @peculiar/x509 needs the reflect polyfill loaded before it: whoever imports this module gets both.
import 'reflect-metadata';

import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Socket } from 'node:net';
import { TLSSocket, type Server as TlsServer, type TlsOptions } from 'node:tls';

import * as x509 from '@peculiar/x509';

import type { Role } from '../../../chaincode/src/core/actor';
import { readCertificate, type CertificateFacts } from '../identity/certificate';
import type { Identity } from '../ledger/ledgerGateway';

/**
 * Mutual TLS for an institution's node: member systems authenticate with the X.509 certificate their
 * institution's CA issued them, on every request, without a password or a session.
 *
 * One CA identity (say `bankb-system`, role `submitter`) holds two credentials, each private key in one place:
 *
 * - its **TLS client credential**, enrolled by the system itself (on Fabric `fabric-ca-client enroll`, the key
 *   made on the system's host from a CSR) and presented in every TLS handshake;
 * - its **ledger signing credential**, a second enrolment of the same identity made by the node once
 *   (provisioning: a login with the enrolment secret sent over a connection presenting that identity's client
 *   certificate) and kept in the node's wallet, sealed with the wallet key, as people's are.
 *
 * A request is the identity's when its certificate chains to the institution's CA (checked by the TLS
 * handshake against the node's client CA bundle), is within its validity, carries a role, and the wallet holds
 * a signing credential of the same identity with the same roles (so the API and the chaincode judge the same
 * roles). No private key ever crosses the wire; see docs/API.md, "Member systems: mutual TLS", for the
 * trade-off against one shared key or client-side signing.
 */

/** What a node serves HTTPS with: PEM text, read once at start-up. */
export interface NodeTls {
  /** The node's server certificate (chain, leaf first) and its private key. */
  readonly cert: string;
  readonly key: string;
  /** The CA certificates a client certificate must chain to: the institution's CA (root and intermediates). */
  readonly clientCa: string;
  /**
   * The CA's certificate revocation list (PEM; fabric-ca `gencrl`), when given: a revoked client certificate is
   * refused, and so is every one once the list is past its next update (fail closed: publish a new one).
   */
  readonly clientCrl?: string;
  /** The file the list was read from: watched, and read again when it changes (`watchRevocationList`). */
  readonly clientCrlFile?: string;
  /** How often the list's file is checked for a change; default `CRL_CHECK_MS`. */
  readonly clientCrlCheckMs?: number;
  /** Whether systems (identities with the submitter role) may still log in with a password for a bearer token. */
  readonly systemPasswordLogins: boolean;
}

export const TLS_ENV = {
  cert: 'TALLYSTICK_TLS_CERT_FILE',
  key: 'TALLYSTICK_TLS_KEY_FILE',
  clientCa: 'TALLYSTICK_TLS_CLIENT_CA_FILE',
  clientCrl: 'TALLYSTICK_TLS_CLIENT_CRL_FILE',
  systemPasswordLogins: 'TALLYSTICK_SYSTEM_PASSWORD_LOGIN',
} as const;

/** The placeholder a path may hold when one process runs several institutions' nodes (npm start). */
export const MSP_PLACEHOLDER = '{mspId}';

/**
 * Reads a node's TLS configuration from the environment, once at start-up. None of the three files set: plain
 * HTTP (the local demo). Some but not all, a relative path, an unreadable file, a file that is not what its
 * variable names, or password logins of systems switched off without TLS: an error naming the variable (never a
 * file's content).
 */
export function readNodeTlsConfig(
  env: Readonly<Record<string, string | undefined>>,
  mspId: string,
): NodeTls | undefined {
  const path = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!isAbsolute(v)) throw new Error(`${name} must be an absolute path, got ${v}`);
    return v.split(MSP_PLACEHOLDER).join(mspId);
  };
  const files = { cert: path(TLS_ENV.cert), key: path(TLS_ENV.key), clientCa: path(TLS_ENV.clientCa) };
  const crlFile = path(TLS_ENV.clientCrl);
  const passwords = env[TLS_ENV.systemPasswordLogins];
  if (passwords !== undefined && passwords !== '' && passwords !== 'on' && passwords !== 'off')
    throw new Error(`${TLS_ENV.systemPasswordLogins} must be on or off, got ${passwords}`);
  const set = Object.entries(files).filter(([, v]) => v !== undefined);
  if (set.length === 0) {
    if (crlFile !== undefined)
      throw new Error(
        `${TLS_ENV.clientCrl} needs mutual TLS (${TLS_ENV.cert}, ${TLS_ENV.key} and ${TLS_ENV.clientCa})`,
      );
    if (passwords === 'off')
      throw new Error(
        `${TLS_ENV.systemPasswordLogins}=off needs mutual TLS (${TLS_ENV.cert}, ${TLS_ENV.key} and ${TLS_ENV.clientCa}): without it no system could authenticate`,
      );
    return undefined;
  }
  const missing = (Object.keys(files) as (keyof typeof files)[]).filter((k) => files[k] === undefined);
  if (missing.length > 0)
    throw new Error(
      `mutual TLS needs ${TLS_ENV.cert}, ${TLS_ENV.key} and ${TLS_ENV.clientCa} together; ${missing.map((k) => TLS_ENV[k]).join(' and ')} not set`,
    );
  const read = (name: string, file: string, what: RegExp, described: string): string => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!what.test(text)) throw new Error(`${name}: ${file} does not hold ${described} in PEM`);
    return text;
  };
  const certificate = /-----BEGIN CERTIFICATE-----/;
  const tls: NodeTls = {
    cert: read(TLS_ENV.cert, files.cert as string, certificate, 'a certificate'),
    key: read(TLS_ENV.key, files.key as string, /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----/, 'a private key'),
    clientCa: read(TLS_ENV.clientCa, files.clientCa as string, certificate, 'CA certificates'),
    ...(crlFile === undefined
      ? {}
      : {
          clientCrl: read(TLS_ENV.clientCrl, crlFile, /-----BEGIN X509 CRL-----/, 'a revocation list'),
          clientCrlFile: crlFile,
        }),
    systemPasswordLogins: passwords !== 'off',
  };
  try {
    new X509Certificate(tls.cert);
    new X509Certificate(tls.clientCa);
  } catch {
    throw new Error(`${TLS_ENV.cert} or ${TLS_ENV.clientCa} holds a certificate that does not parse`);
  }
  return tls;
}

/** The TLS options of a node's HTTPS server, with the revocation list `crl` (default: the one read at start-up). */
export function serverTlsOptions(tls: NodeTls, crl = tls.clientCrl): TlsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.clientCa,
    ...(crl === undefined ? {} : { crl }),
    // a refused certificate still gets through the handshake, so that the answer can say why (a 401)
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  };
}

/** How often a node looks at its revocation list's file for a change. */
export const CRL_CHECK_MS = 5_000;

/** The serial numbers a revocation list revokes, of its issuer: what a request is checked against. */
interface Revocations {
  readonly issuer: string;
  readonly serials: ReadonlySet<string>;
  /** Past it the list vouches for nothing (as OpenSSL's CRL_HAS_EXPIRED at a handshake). */
  readonly nextUpdateMs?: number;
}

/** The revocations in force at each HTTPS server (the server a TLS socket belongs to). */
const revocationsAt = new WeakMap<object, Revocations>();

const serialKey = (hex: string) => hex.toLowerCase().replace(/^0+(?=.)/, '');

function revocationsOf(crl: x509.X509Crl): Revocations {
  return {
    issuer: crl.issuer,
    serials: new Set(crl.entries.map((e) => serialKey(e.serialNumber))),
    ...(crl.nextUpdate === undefined ? {} : { nextUpdateMs: crl.nextUpdate.getTime() }),
  };
}

/** Whether `crl` is signed by one of the CA certificates in `bundle` named as its issuer. */
async function signedByBundle(crl: x509.X509Crl, bundle: string): Promise<boolean> {
  const cas = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  for (const pem of cas) {
    const ca = new x509.X509Certificate(pem);
    if (ca.subject === crl.issuer && (await crl.verify({ publicKey: ca })).valueOf()) return true;
  }
  return false;
}

/**
 * Keeps a node's revocation list current without a restart. The list read at start-up is in force at once;
 * with `tls.clientCrlFile` the file is checked every `clientCrlCheckMs` and, when it holds a new list signed by
 * the client CA, that list replaces the old one for new TLS handshakes (`setSecureContext`) and for every
 * request from then on, on connections opened before too (a kept-alive connection is not handshaken again):
 * a certificate revoked in the new list is refused at its next request. A file that cannot be read, is not a
 * list or is not signed by the client CA leaves the list in force (it still refuses every certificate once
 * past its next update) and is reported through `log`. Returns a function that stops watching.
 */
export function watchRevocationList(
  server: TlsServer,
  tls: NodeTls,
  log: (line: string) => void = (line) => {
    console.error(line);
  },
): () => void {
  if (tls.clientCrl !== undefined) revocationsAt.set(server, revocationsOf(new x509.X509Crl(tls.clientCrl)));
  const file = tls.clientCrlFile;
  if (file === undefined) return () => undefined;
  let installed = tls.clientCrl;
  let reloading = Promise.resolve();
  const reload = async () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      log(
        `tallystick: ${TLS_ENV.clientCrl}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); the revocation list read before stays in force`,
      );
      return;
    }
    if (text === installed) return;
    let crl: x509.X509Crl;
    try {
      if (!/-----BEGIN X509 CRL-----/.test(text)) throw new Error('not a revocation list in PEM');
      crl = new x509.X509Crl(text);
      if (!(await signedByBundle(crl, tls.clientCa))) throw new Error('not signed by the client CA');
      server.setSecureContext(serverTlsOptions(tls, text));
    } catch (e) {
      log(
        `tallystick: ${TLS_ENV.clientCrl}: ${file} was not loaded (${e instanceof Error ? e.message : String(e)}); the revocation list read before stays in force`,
      );
      return;
    }
    installed = text;
    revocationsAt.set(server, revocationsOf(crl));
    log(
      `tallystick: revocation list reloaded from ${file}: ${crl.entries.length} certificates revoked, next update ${crl.nextUpdate?.toISOString() ?? 'none'}`,
    );
  };
  const check = () => {
    reloading = reloading.then(reload, reload);
  };
  watchFile(file, { interval: tls.clientCrlCheckMs ?? CRL_CHECK_MS, persistent: false }, check);
  return () => {
    unwatchFile(file, check);
  };
}

/**
 * What the revocation list now in force at the socket's server says of a certificate its handshake accepted
 * (perhaps under an older list): OpenSSL's code if it is revoked (issuer and serial) or the list is past its
 * next update, else undefined.
 */
function revocationNow(socket: TLSSocket, raw: Buffer, serialNumber: string): string | undefined {
  const server = (socket as TLSSocket & { server?: object }).server;
  const revocations = server === undefined ? undefined : revocationsAt.get(server);
  if (!revocations) return undefined;
  if (revocations.nextUpdateMs !== undefined && revocations.nextUpdateMs < Date.now())
    return 'CRL_HAS_EXPIRED';
  if (!revocations.serials.has(serialKey(serialNumber))) return undefined;
  return new x509.X509Certificate(raw).issuer === revocations.issuer ? 'CERT_REVOKED' : undefined;
}

/** Why a client certificate was not accepted: stable, in `details.reason` of the 401. */
export type CertificateRefusal =
  | 'CERTIFICATE_NOT_TRUSTED'
  | 'CERTIFICATE_EXPIRED'
  | 'CERTIFICATE_REVOKED'
  | 'CERTIFICATE_NOT_YET_VALID'
  | 'CERTIFICATE_WITHOUT_ROLE'
  | 'CERTIFICATE_UNREADABLE'
  | 'NO_SIGNING_CREDENTIAL'
  | 'SIGNING_CREDENTIAL_MISMATCH'
  | 'SYSTEM_PASSWORD_LOGIN_OFF';

export const CERTIFICATE_REFUSALS: ReadonlySet<string> = new Set<CertificateRefusal>([
  'CERTIFICATE_NOT_TRUSTED',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_REVOKED',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_WITHOUT_ROLE',
  'CERTIFICATE_UNREADABLE',
  'NO_SIGNING_CREDENTIAL',
  'SIGNING_CREDENTIAL_MISMATCH',
  'SYSTEM_PASSWORD_LOGIN_OFF',
]);

export type PresentedCertificate =
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly reason: CertificateRefusal; readonly message: string }
  | { readonly kind: 'verified'; readonly facts: CertificateFacts };

/** OpenSSL's verification results, in words a caller can act on. */
function handshakeRefusal(code: string, mspId: string, facts: CertificateFacts | undefined) {
  // The subject of a certificate nobody vouched for: shown (it helps the caller see which one it sent), bounded.
  const whose = facts ? ` (${facts.subject.replace(/\n/g, ', ').slice(0, 200)})` : '';
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return {
        reason: 'CERTIFICATE_EXPIRED' as const,
        message: `the client certificate${whose} expired${facts ? ` on ${facts.notAfter.toISOString()}` : ''}; enrol again at ${mspId}'s CA`,
      };
    case 'CERT_REVOKED':
      return {
        reason: 'CERTIFICATE_REVOKED' as const,
        message: `the client certificate${whose} was revoked by ${mspId}'s CA`,
      };
    case 'UNABLE_TO_GET_CRL':
    case 'CRL_HAS_EXPIRED':
    case 'CRL_NOT_YET_VALID':
      return {
        reason: 'CERTIFICATE_NOT_TRUSTED' as const,
        message: `this node cannot tell whether the client certificate${whose} was revoked (${code}): its revocation list of ${mspId}'s CA is missing or out of date; tell the node's operator`,
      };
    case 'CERT_NOT_YET_VALID':
      return {
        reason: 'CERTIFICATE_NOT_YET_VALID' as const,
        message: `the client certificate${whose} is not valid yet`,
      };
    default:
      return {
        reason: 'CERTIFICATE_NOT_TRUSTED' as const,
        message: `the client certificate${whose} was not issued by ${mspId}'s CA (${code}); this node serves ${mspId} and trusts only its CA`,
      };
  }
}

/**
 * The client certificate of the connection a request came on: none (plain HTTP, or TLS without one), refused
 * (with why), or verified with what it says. The handshake already checked the chain and validity against the
 * node's client CA bundle (`requestCert` without `rejectUnauthorized`, so that a refusal is a 401 with a reason
 * rather than a dropped connection); this reads the result and the role attributes.
 */
export function presentedCertificate(socket: Socket, mspId: string): PresentedCertificate {
  if (!(socket instanceof TLSSocket)) return { kind: 'none' };
  const peer = socket.getPeerCertificate();
  // An empty object when the client sent none.
  if (!Object.hasOwn(peer, 'raw')) return { kind: 'none' };
  let facts: CertificateFacts | undefined;
  try {
    facts = readCertificate(new X509Certificate(peer.raw).toString());
  } catch {
    facts = undefined;
  }
  if (!socket.authorized) {
    const code =
      typeof socket.authorizationError === 'string'
        ? socket.authorizationError
        : String(socket.authorizationError);
    return { kind: 'refused', ...handshakeRefusal(code, mspId, facts) };
  }
  // A connection handshaken before the revocation list was reloaded is checked against the list now in force.
  const revocation = revocationNow(socket, peer.raw, peer.serialNumber);
  if (revocation !== undefined) return { kind: 'refused', ...handshakeRefusal(revocation, mspId, facts) };
  if (!facts)
    return {
      kind: 'refused',
      reason: 'CERTIFICATE_UNREADABLE',
      message: 'the client certificate has no common name to identify its holder',
    };
  if (facts.roles.length === 0)
    return {
      kind: 'refused',
      reason: 'CERTIFICATE_WITHOUT_ROLE',
      message: `the client certificate of ${facts.enrollmentId} carries no role attribute; ask ${mspId}'s CA administrator to register its roles and enrol again`,
    };
  return { kind: 'verified', facts };
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

/**
 * Pairs a verified client certificate with the signing credential the node keeps for the same identity, or
 * says why it cannot: none provisioned, or one of another identity, CA, roles, or out of date (then the system
 * provisions again).
 */
export function signingCredentialFor(
  presented: CertificateFacts,
  stored: Identity | undefined,
  mspId: string,
  now: number,
):
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: CertificateRefusal; readonly message: string } {
  const provision = `provision it once: POST /v1/sessions with ${presented.enrollmentId}'s enrolment id and secret, over a connection presenting this certificate`;
  if (!stored)
    return {
      ok: false,
      reason: 'NO_SIGNING_CREDENTIAL',
      message: `this node holds no ledger signing credential for ${presented.enrollmentId}; ${provision}`,
    };
  let held: CertificateFacts;
  try {
    held = readCertificate(stored.certificatePem);
  } catch {
    held = { ...presented, enrollmentId: '' };
  }
  const why =
    stored.mspId !== mspId || held.enrollmentId !== presented.enrollmentId
      ? 'is of another identity'
      : held.issuer !== presented.issuer
        ? 'was issued by another CA'
        : !sameRoles(held.roles, presented.roles)
          ? `carries other roles (${held.roles.join(',') || 'none'}) than this certificate (${presented.roles.join(',')})`
          : held.notAfter.getTime() <= now
            ? 'has expired'
            : undefined;
  if (why !== undefined)
    return {
      ok: false,
      reason: 'SIGNING_CREDENTIAL_MISMATCH',
      message: `the ledger signing credential this node holds for ${presented.enrollmentId} ${why}; ${provision}`,
    };
  return { ok: true, identity: stored };
}

/** An identity the node treats as a system: one that may post legs. */
export const isSystem = (roles: readonly Role[]): boolean => roles.includes('submitter');
