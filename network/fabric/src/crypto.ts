import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import {
  CA_BOOTSTRAP,
  CA_CERT_IN_MSP,
  ORG_ADMIN_ID,
  nodeOuConfig,
  tlsFiles,
  userTlsFiles,
} from './configgen.js';
import type { Layout } from './layout.js';
import type { Consortium, OrdererNode, Topology } from './topology.js';
import { caFor } from './topology.js';
import { toYaml } from './yaml.js';

// fabric-ca-client reuses one keep-alive TLS socket and adds a timeout listener per request; enrolling
// a whole organisation trips Node's default leak warning of 10 without any leak.
EventEmitter.defaultMaxListeners = 100;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
  ski: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${body.trimEnd()}\n-----END ${label}-----\n`;
}

/**
 * We make our own P-256 key and CSR rather than let fabric-ca-client do it, so the CSR can carry the
 * subject alternative names a TLS server certificate needs, and so the key file can be named by its
 * subject key identifier (SHA-256 of the public point), as Fabric's keystore looks keys up.
 */
async function keyAndCsr(commonName: string, hosts: string[]): Promise<KeyAndCsr> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const names = hosts.map((host): x509.JsonGeneralName => ({
    type: /^[0-9.]+$/.test(host) ? 'ip' : 'dns',
    value: host,
  }));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    // @peculiar/x509 types keys with the DOM's CryptoKeyPair, absent from our Node-only lib; the value is one.
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const raw = await webcrypto.subtle.exportKey('raw', keys.publicKey);
  return {
    keyPem: pem('PRIVATE KEY', pkcs8),
    csrPem: csr.toString('pem'),
    ski: createHash('sha256').update(Buffer.from(raw)).digest('hex'),
  };
}

function write(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content, { mode: 0o600 });
}

function writeMsp(dir: string, caPem: string, certPem: string, keyPem: string, ski: string): void {
  write(join(dir, CA_CERT_IN_MSP), caPem);
  write(join(dir, 'tlscacerts', 'ca.pem'), caPem);
  write(join(dir, 'signcerts', 'cert.pem'), certPem);
  write(join(dir, 'keystore', `${ski}_sk`), keyPem);
  write(join(dir, 'config.yaml'), toYaml(nodeOuConfig()));
}

export function caUrl(topology: Topology, mspId: string): string {
  const ca = caFor(topology, mspId);
  return `https://${ca.host}:${ca.port}`;
}

/** GET /cainfo over TLS, trusting the CA's own certificate: true once the CA serves requests. */
export function caReady(layout: Layout, topology: Topology, mspId: string): Promise<boolean> {
  const caCert = join(layout.caHome(mspId), 'ca-cert.pem');
  if (!existsSync(caCert)) return Promise.resolve(false);
  const ca = caFor(topology, mspId);
  return new Promise((resolve) => {
    const req = request(
      {
        host: ca.host,
        port: ca.port,
        path: '/cainfo',
        method: 'GET',
        ca: readFileSync(caCert),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

interface Identity {
  id: string;
  secret: string;
  type: 'peer' | 'orderer' | 'admin' | 'client';
  roles?: string[];
  /** Further certificate attributes of a user (an enterprise's person: `enterpriseId`). */
  attributes?: Readonly<Record<string, string>>;
  /** Host names for a TLS certificate; undefined = no TLS certificate. */
  tlsHosts?: string[];
  tlsDir?: { cert: string; key: string; ca: string };
  mspDir: string;
}

function identitiesOf(
  layout: Layout,
  consortium: Consortium,
  topology: Topology,
  orderers: OrdererNode[],
  mspId: string,
): Identity[] {
  const nodeSecret = (name: string): string => `${name}-pw`;
  /** A peer's or orderer's identity: its certificates' hosts, where its TLS and MSP files go. */
  const nodeIdentity = (
    node: { readonly name: string; readonly host: string; readonly listenHost?: string },
    type: 'peer' | 'orderer',
  ): Identity => ({
    id: node.name,
    secret: nodeSecret(node.name),
    type,
    tlsHosts: [...new Set([node.host, node.listenHost ?? node.host, 'localhost'])],
    tlsDir: tlsFiles(layout, mspId, node.name),
    mspDir: join(layout.nodeCrypto(mspId, node.name), 'msp'),
  });
  const result: Identity[] = [
    ...topology.peers.filter((p) => p.mspId === mspId).map((p) => nodeIdentity(p, 'peer')),
    ...orderers.filter((o) => o.mspId === mspId).map((o) => nodeIdentity(o, 'orderer')),
  ];
  result.push({
    id: ORG_ADMIN_ID,
    secret: `${ORG_ADMIN_ID}-${mspId}-pw`,
    type: 'admin',
    tlsHosts: [],
    tlsDir: userTlsFiles(layout, mspId, ORG_ADMIN_ID),
    mspDir: join(layout.userDir(mspId, ORG_ADMIN_ID), 'msp'),
  });
  const org = consortium.organisations.find((o) => o.mspId === mspId);
  for (const user of org?.users ?? []) {
    result.push({
      id: user.id,
      secret: user.secret,
      type: 'client',
      roles: user.roles,
      ...(user.attributes ? { attributes: user.attributes } : {}),
      mspDir: join(layout.userDir(mspId, user.id), 'msp'),
    });
  }
  return result;
}

/**
 * Registers and enrols every identity of one organisation at its CA: node identities (with TLS
 * certificates), the organisation's admin, and the consortium's users with their `roles` attribute in
 * the enrolment certificate, which is what the chaincode checks.
 */
export async function enrollOrganisation(
  layout: Layout,
  consortium: Consortium,
  topology: Topology,
  orderers: OrdererNode[],
  mspId: string,
): Promise<number> {
  const caPem = readFileSync(join(layout.caHome(mspId), 'ca-cert.pem'), 'utf8');
  const ca = new FabricCAServices(caUrl(topology, mspId), { trustedRoots: [caPem], verify: true });
  const registrar = await enrollRegistrar(ca, mspId);

  const orgMsp = layout.orgMsp(mspId);
  write(join(orgMsp, CA_CERT_IN_MSP), caPem);
  write(join(orgMsp, 'tlscacerts', 'ca.pem'), caPem);
  write(join(orgMsp, 'config.yaml'), toYaml(nodeOuConfig()));

  const identities = identitiesOf(layout, consortium, topology, orderers, mspId);
  for (const identity of identities) {
    await register(ca, identity, registrar);
    await enrollIdentity(ca, identity, caPem);
  }
  return identities.length;
}

/** The CA's bootstrap identity, enrolled: the registrar of every other identity. */
async function enrollRegistrar(ca: FabricCAServices, mspId: string): Promise<User> {
  const boot = await keyAndCsr(CA_BOOTSTRAP.id, []);
  const bootCert = await ca.enroll({
    enrollmentID: CA_BOOTSTRAP.id,
    enrollmentSecret: CA_BOOTSTRAP.secret,
    csr: boot.csrPem,
  });
  return User.createUser(CA_BOOTSTRAP.id, CA_BOOTSTRAP.secret, mspId, bootCert.certificate, boot.keyPem);
}

/** Registers the identity with its type and, for a user, its `roles` attribute in the enrolment certificate. */
async function register(ca: FabricCAServices, identity: Identity, registrar: User): Promise<void> {
  try {
    await ca.register(
      {
        enrollmentID: identity.id,
        enrollmentSecret: identity.secret,
        role: identity.type,
        affiliation: '',
        maxEnrollments: -1,
        attrs:
          identity.roles === undefined
            ? []
            : [
                { name: 'roles', value: identity.roles.join(','), ecert: true },
                ...Object.entries(identity.attributes ?? {}).map(([name, value]) => ({
                  name,
                  value,
                  ecert: true,
                })),
              ],
      },
      registrar,
    );
  } catch (error) {
    // A CA that survived a previous `up` already knows the identity; enrolling again is fine.
    if (!String(error).includes('already registered')) throw error;
  }
}

/** Enrols the identity: its MSP folder, and for a node its TLS key and certificate as well. */
async function enrollIdentity(ca: FabricCAServices, identity: Identity, caPem: string): Promise<void> {
  const ecert = await keyAndCsr(identity.id, []);
  const enrolled = await ca.enroll({
    enrollmentID: identity.id,
    enrollmentSecret: identity.secret,
    csr: ecert.csrPem,
  });
  writeMsp(identity.mspDir, caPem, enrolled.certificate, ecert.keyPem, ecert.ski);
  if (identity.tlsDir === undefined) return;
  const tls = await keyAndCsr(identity.id, identity.tlsHosts ?? []);
  const tlsCert = await ca.enroll({
    enrollmentID: identity.id,
    enrollmentSecret: identity.secret,
    csr: tls.csrPem,
    profile: 'tls',
  });
  write(identity.tlsDir.cert, tlsCert.certificate);
  write(identity.tlsDir.key, tls.keyPem);
  write(identity.tlsDir.ca, caPem);
}
