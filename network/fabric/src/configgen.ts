import { join } from 'node:path';
import type { Layout } from './layout.js';
import type { Consortium, OrdererNode, OrderingSettings, PeerNode, Topology } from './topology.js';
import { caFor } from './topology.js';
import type { YamlValue } from './yaml.js';

/** Pure builders of every generated configuration: same inputs, same files, so they are unit-tested. */

export const CA_CERT_IN_MSP = 'cacerts/ca.pem';
export const CA_BOOTSTRAP = { id: 'admin', secret: 'adminpw' } as const;
export const ORG_ADMIN_ID = 'org-admin';
export const CHANNEL_PROFILE = 'TallystickChannel';

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export function tlsFiles(layout: Layout, mspId: string, node: string): TlsFiles {
  const dir = join(layout.nodeCrypto(mspId, node), 'tls');
  return { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.crt') };
}

export function userTlsFiles(layout: Layout, mspId: string, id: string): TlsFiles {
  const dir = join(layout.userDir(mspId, id), 'tls');
  return { cert: join(dir, 'client.crt'), key: join(dir, 'client.key'), ca: join(dir, 'ca.crt') };
}

/** Org CA root, which also signs TLS certificates (profile "tls"): one trust root per organisation. */
export function orgCaCert(layout: Layout, mspId: string): string {
  return join(layout.orgMsp(mspId), CA_CERT_IN_MSP);
}

/**
 * NodeOUs: fabric-ca writes the identity type (client, peer, admin, orderer) as an OU of every
 * certificate it issues, so roles in the channel policies follow from registration alone, with no
 * admincerts folders to keep in step.
 */
export function nodeOuConfig(): YamlValue {
  const ou = (name: string): YamlValue => ({
    Certificate: CA_CERT_IN_MSP,
    OrganizationalUnitIdentifier: name,
  });
  return {
    NodeOUs: {
      Enable: true,
      ClientOUIdentifier: ou('client'),
      PeerOUIdentifier: ou('peer'),
      AdminOUIdentifier: ou('admin'),
      OrdererOUIdentifier: ou('orderer'),
    },
  };
}

const signature = (rule: string): YamlValue => ({ Type: 'Signature', Rule: rule });
const implicit = (rule: string): YamlValue => ({ Type: 'ImplicitMeta', Rule: rule });

function hostPort(node: { host: string; port: number }): string {
  return `${node.host}:${node.port}`;
}

/**
 * configtx.yaml for the one application channel, created without a system channel: the profile holds
 * both the Orderer and the Application sections and is turned into a genesis block by configtxgen.
 */
export function configtx(
  consortium: Consortium,
  topology: Topology,
  orderers: OrdererNode[],
  layout: Layout,
): YamlValue {
  const memberOrgs = consortium.organisations.map((org) => memberOrganisation(org.mspId, topology, layout));
  const ordererOrgIds = [...new Set(orderers.map((o) => o.mspId))];
  const ordererOrgs = ordererOrgIds.map((id) => ordererOrganisation(id, orderers, layout));
  return {
    Organizations: [...memberOrgs, ...ordererOrgs],
    Profiles: {
      [CHANNEL_PROFILE]: {
        Policies: standardPolicies(),
        Capabilities: { V2_0: true },
        Orderer: ordererSection(topology.ordering, orderers, ordererOrgs, layout),
        Application: {
          Organizations: memberOrgs,
          Policies: {
            ...standardPolicies(),
            LifecycleEndorsement: implicit('MAJORITY Endorsement'),
            Endorsement: implicit('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
}

/** The channel's, the orderer section's and the application section's own policies. */
function standardPolicies(): Record<string, YamlValue> {
  return {
    Readers: implicit('ANY Readers'),
    Writers: implicit('ANY Writers'),
    Admins: implicit('MAJORITY Admins'),
  };
}

/** A member organisation: its MSP, its roles' policies and its peers as anchor peers. */
function memberOrganisation(id: string, topology: Topology, layout: Layout): YamlValue {
  const anchors = topology.peers.filter((peer) => peer.mspId === id);
  return {
    Name: id,
    ID: id,
    MSPDir: layout.orgMsp(id),
    Policies: {
      Readers: signature(`OR('${id}.admin', '${id}.peer', '${id}.client')`),
      Writers: signature(`OR('${id}.admin', '${id}.client')`),
      Admins: signature(`OR('${id}.admin')`),
      Endorsement: signature(`OR('${id}.peer')`),
    },
    AnchorPeers: anchors.map((peer): YamlValue => ({ Host: peer.host, Port: peer.port })),
  };
}

/** An ordering organisation: its MSP, its policies and its orderers' endpoints. */
function ordererOrganisation(id: string, orderers: OrdererNode[], layout: Layout): YamlValue {
  return {
    Name: id,
    ID: id,
    MSPDir: layout.orgMsp(id),
    Policies: {
      Readers: signature(`OR('${id}.member')`),
      Writers: signature(`OR('${id}.member')`),
      Admins: signature(`OR('${id}.admin')`),
    },
    OrdererEndpoints: orderers.filter((o) => o.mspId === id).map(hostPort),
  };
}

/** The Raft ordering service: block cutting, the consenters with their TLS certificates, Raft's timing. */
function ordererSection(
  ordering: OrderingSettings,
  orderers: OrdererNode[],
  ordererOrgs: YamlValue[],
  layout: Layout,
): YamlValue {
  return {
    OrdererType: 'etcdraft',
    BatchTimeout: `${ordering.batchTimeoutMs}ms`,
    BatchSize: {
      MaxMessageCount: ordering.batchMaxMessages,
      AbsoluteMaxBytes: 10 * 1024 * 1024,
      PreferredMaxBytes: ordering.batchPreferredMaxBytes,
    },
    EtcdRaft: {
      Consenters: orderers.map((o): YamlValue => {
        const tls = tlsFiles(layout, o.mspId, o.name);
        return { Host: o.host, Port: o.port, ClientTLSCert: tls.cert, ServerTLSCert: tls.cert };
      }),
      Options: {
        TickInterval: `${ordering.raft.tickIntervalMs}ms`,
        ElectionTick: ordering.raft.electionTick,
        HeartbeatTick: ordering.raft.heartbeatTick,
        MaxInflightBlocks: 5,
        SnapshotIntervalSize: ordering.raft.snapshotIntervalBytes,
      },
    },
    Organizations: ordererOrgs,
    Policies: { ...standardPolicies(), BlockValidation: implicit('ANY Writers') },
    Capabilities: { V2_0: true },
  };
}

export type Env = Record<string, string>;

const list = (items: string[]): string => `[${items.join(',')}]`;

/**
 * The node's `goMaxProcs` (topology.json) as GOMAXPROCS: how many threads run its Go code at once. Go takes
 * every CPU of the machine by default, which is right for a node that has its machine to itself; with the whole
 * consortium on one small machine (5 peers and 3 orderers on 2 cores), each node's idle threads kept looking
 * for work and waking each other (perf: about a sixth of a peer's CPU in the scheduler and its futex and sleep
 * calls), and one thread per node did the same work with less CPU (docs/PERFORMANCE-NOTES.md).
 */
function goRuntimeEnv(node: { goMaxProcs?: number }): Env {
  return node.goMaxProcs === undefined ? {} : { GOMAXPROCS: String(node.goMaxProcs) };
}

export function ordererEnv(layout: Layout, orderer: OrdererNode, clusterRootCas: string[]): Env {
  const tls = tlsFiles(layout, orderer.mspId, orderer.name);
  const listen = orderer.listenHost ?? orderer.host;
  const data = layout.nodeData(orderer.name);
  return {
    FABRIC_CFG_PATH: layout.sampleConfigDir,
    FABRIC_LOGGING_SPEC: 'info',
    ...goRuntimeEnv(orderer),
    ORDERER_GENERAL_LISTENADDRESS: listen,
    ORDERER_GENERAL_LISTENPORT: String(orderer.port),
    ORDERER_GENERAL_LOCALMSPID: orderer.mspId,
    ORDERER_GENERAL_LOCALMSPDIR: join(layout.nodeCrypto(orderer.mspId, orderer.name), 'msp'),
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_CERTIFICATE: tls.cert,
    ORDERER_GENERAL_TLS_PRIVATEKEY: tls.key,
    ORDERER_GENERAL_TLS_ROOTCAS: list([tls.ca]),
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls.cert,
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls.key,
    ORDERER_GENERAL_CLUSTER_ROOTCAS: list(clusterRootCas),
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: `${listen}:${orderer.adminPort}`,
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: tls.cert,
    ORDERER_ADMIN_TLS_PRIVATEKEY: tls.key,
    ORDERER_ADMIN_TLS_ROOTCAS: list([tls.ca]),
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: list([tls.ca]),
    ORDERER_OPERATIONS_LISTENADDRESS: `${listen}:${orderer.operationsPort}`,
    ORDERER_OPERATIONS_TLS_ENABLED: 'true',
    ORDERER_OPERATIONS_TLS_CERTIFICATE: tls.cert,
    ORDERER_OPERATIONS_TLS_PRIVATEKEY: tls.key,
    // /metrics needs a client certificate once TLS is on; the organisation's admin presents one.
    ORDERER_OPERATIONS_TLS_CLIENTROOTCAS: list([tls.ca]),
    ORDERER_METRICS_PROVIDER: 'prometheus',
    ORDERER_FILELEDGER_LOCATION: join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: join(data, 'etcdraft', 'snapshot'),
  };
}

export function peerEnv(layout: Layout, peer: PeerNode): Env {
  const tls = tlsFiles(layout, peer.mspId, peer.name);
  const listen = peer.listenHost ?? peer.host;
  const data = layout.nodeData(peer.name);
  const builders = `[{name: tallystick-ccaas, path: ${layout.builderDir}, propagateEnvironment: [HOME]}]`;
  return {
    FABRIC_CFG_PATH: layout.peerConfigDir(peer.name),
    FABRIC_LOGGING_SPEC: 'info',
    ...goRuntimeEnv(peer),
    CORE_PEER_ID: peer.name,
    CORE_PEER_ADDRESS: hostPort(peer),
    CORE_PEER_LISTENADDRESS: `${listen}:${peer.port}`,
    CORE_PEER_CHAINCODEADDRESS: `${peer.host}:${peer.chaincodePort}`,
    CORE_PEER_CHAINCODELISTENADDRESS: `${listen}:${peer.chaincodePort}`,
    CORE_PEER_GOSSIP_BOOTSTRAP: hostPort(peer),
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: hostPort(peer),
    CORE_PEER_LOCALMSPID: peer.mspId,
    CORE_PEER_MSPCONFIGPATH: join(layout.nodeCrypto(peer.mspId, peer.name), 'msp'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: tls.cert,
    CORE_PEER_TLS_KEY_FILE: tls.key,
    CORE_PEER_TLS_ROOTCERT_FILE: tls.ca,
    CORE_PEER_FILESYSTEMPATH: join(data, 'production'),
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: join(data, 'snapshots'),
    CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
    CORE_OPERATIONS_LISTENADDRESS: `${listen}:${peer.operationsPort}`,
    CORE_OPERATIONS_TLS_ENABLED: 'true',
    CORE_OPERATIONS_TLS_CERT_FILE: tls.cert,
    CORE_OPERATIONS_TLS_KEY_FILE: tls.key,
    // A plain path: viper splits no brackets for this key, unlike the orderer's list variables.
    CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES: tls.ca,
    CORE_METRICS_PROVIDER: 'prometheus',
    CORE_CHAINCODE_EXTERNALBUILDERS: builders,
    // A transaction that writes to an organisation's implicit collection but was endorsed by another one is
    // invalid, and its private data exists only at the wrong endorser. By default the member peer would try to
    // pull it for pullRetryThreshold (60 s) before committing the block, stalling its whole channel: any
    // client could hold a member's peer back that way. Invalid transactions' private data is not needed.
    CORE_PEER_GOSSIP_PVTDATA_SKIPPULLINGINVALIDTRANSACTIONSDURINGCOMMIT: 'true',
    // Valid transactions write only the endorser's own implicit collection, so the data is local; a short
    // threshold bounds the stall should a pull ever be needed (the reconciler fetches it later).
    CORE_PEER_GOSSIP_PVTDATA_PULLRETRYTHRESHOLD: '5s',
  };
}

/** Environment for the `peer` CLI acting as an organisation's admin against one of its peers. */
export function peerAdminEnv(layout: Layout, peer: PeerNode): Env {
  return {
    FABRIC_CFG_PATH: layout.peerConfigDir(peer.name),
    FABRIC_LOGGING_SPEC: 'warning',
    CORE_PEER_LOCALMSPID: peer.mspId,
    CORE_PEER_MSPCONFIGPATH: join(layout.userDir(peer.mspId, ORG_ADMIN_ID), 'msp'),
    CORE_PEER_ADDRESS: hostPort(peer),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: orgCaCert(layout, peer.mspId),
  };
}

export function caServerArgs(
  layout: Layout,
  topology: Topology,
  mspId: string,
): { args: string[]; env: Env } {
  const ca = caFor(topology, mspId);
  const listen = ca.listenHost ?? ca.host;
  const hosts = [...new Set([ca.host, listen, 'localhost'])].join(',');
  return {
    args: [
      'start',
      '--home',
      layout.caHome(mspId),
      '--boot',
      `${CA_BOOTSTRAP.id}:${CA_BOOTSTRAP.secret}`,
      '--address',
      listen,
      '--port',
      String(ca.port),
      '--tls.enabled',
      '--csr.cn',
      `ca.${mspId.toLowerCase()}`,
      '--csr.hosts',
      hosts,
    ],
    env: { FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: `${listen}:${ca.operationsPort}` },
  };
}

/**
 * The peer's core.yaml with the Docker endpoint removed. It must be emptied in the file itself: viper
 * ignores an empty CORE_VM_ENDPOINT, and a configured endpoint registers a Docker health check that fails.
 */
export function patchCoreYaml(coreYaml: string): string {
  const pattern = /^([ \t]*)endpoint: unix:\/\/\/var\/run\/docker\.sock[ \t]*$/m;
  if (!pattern.test(coreYaml))
    throw new Error('core.yaml: vm.endpoint line not found; sampleconfig changed?');
  return coreYaml.replace(pattern, '$1endpoint: ""');
}

/**
 * Our external builder for chaincode-as-a-service: detect accepts packages whose metadata.json says
 * type "ccaas"; build copies connection.json (and META-INF, for CouchDB indexes) out of the package;
 * release hands connection.json to the peer, which then dials the running chaincode server.
 */
export const builderScripts: Record<'detect' | 'build' | 'release', string> = {
  detect: `#!/bin/sh
# detect CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR
grep -Eq '"type"[[:space:]]*:[[:space:]]*"ccaas"' "$2/metadata.json"
`,
  build: `#!/bin/sh
# build CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR BUILD_OUTPUT_DIR
set -e
[ -f "$1/connection.json" ] || { echo "connection.json missing from the package" >&2; exit 1; }
cp "$1/connection.json" "$3/connection.json"
if [ -d "$1/META-INF" ]; then cp -R "$1/META-INF" "$3/"; fi
`,
  release: `#!/bin/sh
# release BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR
set -e
if [ -d "$1/META-INF" ]; then mkdir -p "$2/statedb"; cp -R "$1/META-INF/statedb/"* "$2/statedb/" 2>/dev/null || true; fi
mkdir -p "$2/chaincode/server"
cp "$1/connection.json" "$2/chaincode/server/connection.json"
`,
};
