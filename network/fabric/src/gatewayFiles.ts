import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORG_ADMIN_ID, orgCaCert } from './configgen.js';
import { caUrl } from './crypto.js';
import type { Layout } from './layout.js';
import type { Consortium, PeerNode, Topology } from './topology.js';

/**
 * A common connection profile for fabric-network 2.2, for the applications of one member organisation.
 * It names only that organisation's peers: discovery finds the other peers and the orderers from the
 * channel configuration, so the profile does not go stale when another member moves a node. It also names the
 * organisation's fabric-ca (`certificateAuthorities`, with the CA's TLS certificate), where the application
 * enrols its people at login.
 */
export function connectionProfile(
  consortium: Consortium,
  topology: Topology,
  mspId: string,
  caPem: (mspId: string) => string,
  caTlsPem: string,
): Record<string, unknown> {
  const caName = `ca-${mspId}`;
  const own = topology.peers.filter((p) => p.mspId === mspId);
  if (own.length === 0) throw new Error(`topology has no peer of ${mspId}`);
  const peerEntry = (p: PeerNode) => ({
    url: `grpcs://${p.host}:${p.port}`,
    tlsCACerts: { pem: caPem(p.mspId) },
    grpcOptions: { 'ssl-target-name-override': p.host, hostnameOverride: p.host },
  });
  return {
    name: `tallystick-${mspId}`,
    version: '1.0.0',
    client: { organization: mspId },
    organizations: {
      [mspId]: { mspid: mspId, peers: own.map((p) => p.name), certificateAuthorities: [caName] },
    },
    peers: Object.fromEntries(own.map((p) => [p.name, peerEntry(p)])),
    certificateAuthorities: {
      [caName]: { url: caUrl(topology, mspId), tlsCACerts: { pem: [caTlsPem] } },
    },
    channels: {
      [consortium.channel]: { peers: Object.fromEntries(own.map((p) => [p.name, {}])) },
    },
  };
}

/** The file-system wallet entry fabric-network reads (`Wallets.newFileSystemWallet`). */
export function walletEntry(mspId: string, certificate: string, privateKey: string): string {
  return `${JSON.stringify({ credentials: { certificate, privateKey }, mspId, type: 'X.509', version: 1 })}\n`;
}

/**
 * Writes `.run/gateway/<mspId>.json` for every member and a wallet per member holding its consortium users
 * and its organisation admin, from the MSP folders enrolment wrote. Wallet files hold private keys: 0600.
 */
export function writeGatewayFiles(layout: Layout, consortium: Consortium, topology: Topology): number {
  return consortium.organisations
    .map((org) => writeOrganisationGatewayFiles(layout, consortium, topology, org.mspId))
    .reduce((a, b) => a + b, 0);
}

/** One member's connection profile and wallet (what `up --org` writes for that member alone). */
export function writeOrganisationGatewayFiles(
  layout: Layout,
  consortium: Consortium,
  topology: Topology,
  mspId: string,
): number {
  const org = consortium.organisations.find((o) => o.mspId === mspId);
  if (org === undefined) throw new Error(`${mspId} is not a member of the consortium`);
  mkdirSync(layout.gatewayDir, { recursive: true });
  let identities = 0;
  const profile = connectionProfile(
    consortium,
    topology,
    org.mspId,
    (id) => readFileSync(orgCaCert(layout, id), 'utf8'),
    readFileSync(join(layout.caHome(org.mspId), 'ca-cert.pem'), 'utf8'),
  );
  writeFileSync(join(layout.gatewayDir, `${org.mspId}.json`), `${JSON.stringify(profile, null, 2)}\n`);
  const wallet = layout.walletDir(org.mspId);
  mkdirSync(wallet, { recursive: true, mode: 0o700 });
  chmodSync(wallet, 0o700);
  for (const id of [...org.users.map((u) => u.id), ORG_ADMIN_ID]) {
    const msp = join(layout.userDir(org.mspId, id), 'msp');
    const certificate = readFileSync(join(msp, 'signcerts', 'cert.pem'), 'utf8');
    const [key] = readdirSync(join(msp, 'keystore')).filter((f) => f.endsWith('_sk'));
    if (key === undefined) throw new Error(`${msp}/keystore has no private key`);
    const file = join(wallet, `${id}.id`);
    const entry = walletEntry(org.mspId, certificate, readFileSync(join(msp, 'keystore', key), 'utf8'));
    writeFileSync(file, entry, { mode: 0o600 });
    chmodSync(file, 0o600);
    identities++;
  }
  return identities;
}
