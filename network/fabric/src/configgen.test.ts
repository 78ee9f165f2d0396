import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_PROFILE,
  caServerArgs,
  configtx,
  nodeOuConfig,
  ordererEnv,
  patchCoreYaml,
  peerEnv,
} from './configgen.js';
import { layoutFor } from './layout.js';
import { blockHeights } from './metrics.js';
import type { Consortium, Topology } from './topology.js';
import { readJson, selectOrderers } from './topology.js';
import { toYaml } from './yaml.js';

const root = join(__dirname, '..', '..', '..');
const layout = layoutFor('/repo');
const consortium = readJson(join(root, 'network', 'consortium.json')) as Consortium;
const topology = readJson(join(root, 'network', 'fabric', 'topology.json')) as Topology;

interface Profile {
  Capabilities: Record<string, boolean>;
  Orderer: {
    BatchTimeout: string;
    Capabilities: Record<string, boolean>;
    EtcdRaft: {
      Consenters: { Host: string; Port: number; ClientTLSCert: string }[];
      Options: Record<string, unknown>;
    };
    Organizations: { ID: string; OrdererEndpoints: string[] }[];
  };
  Application: {
    Capabilities: Record<string, boolean>;
    Organizations: { ID: string; AnchorPeers: { Host: string; Port: number }[] }[];
  };
}

function profile(count: number): Profile {
  const doc = configtx(consortium, topology, selectOrderers(topology, count), layout) as unknown as {
    Profiles: Record<string, Profile>;
  };
  const result = doc.Profiles[CHANNEL_PROFILE];
  if (result === undefined) throw new Error('profile missing');
  return result;
}

describe('configtx', () => {
  it('sets the capabilities private-data purge needs and a short batch timeout', () => {
    const p = profile(3);
    expect(p.Capabilities).toEqual({ V2_0: true });
    expect(p.Orderer.Capabilities).toEqual({ V2_0: true });
    expect(p.Application.Capabilities).toEqual({ V2_5: true });
    expect(p.Orderer.BatchTimeout).toBe('150ms');
    expect(p.Orderer.EtcdRaft.Options).toMatchObject({
      TickInterval: '100ms',
      ElectionTick: 10,
      HeartbeatTick: 1,
    });
  });

  it('lists every selected Raft node as consenter and orderer endpoint', () => {
    expect(profile(3).Orderer.EtcdRaft.Consenters.map((c) => `${c.Host}:${c.Port}`)).toEqual([
      '127.0.0.1:17050',
      '127.0.0.1:17060',
      '127.0.0.1:17070',
    ]);
    const single = profile(1);
    expect(single.Orderer.EtcdRaft.Consenters).toHaveLength(1);
    expect(single.Orderer.EtcdRaft.Consenters[0]?.ClientTLSCert).toBe(
      '/repo/network/fabric/.run/orgs/OrdererMSP/nodes/orderer0/tls/server.crt',
    );
    expect(single.Orderer.Organizations).toEqual([
      expect.objectContaining({ ID: 'OrdererMSP', OrdererEndpoints: ['127.0.0.1:17050'] }),
    ]);
  });

  it('makes every member an application organisation with its peer as anchor', () => {
    expect(profile(3).Application.Organizations.map((o) => [o.ID, o.AnchorPeers])).toEqual([
      ['BankAMSP', [{ Host: '127.0.0.1', Port: 17200 }]],
      ['BankBMSP', [{ Host: '127.0.0.1', Port: 17210 }]],
      ['ClearingHouseMSP', [{ Host: '127.0.0.1', Port: 17220 }]],
      ['PayCoMSP', [{ Host: '127.0.0.1', Port: 17230 }]],
      ['AuditorMSP', [{ Host: '127.0.0.1', Port: 17240 }]],
    ]);
  });

  it('renders as YAML that quotes every policy rule', () => {
    const text = toYaml(configtx(consortium, topology, selectOrderers(topology, 1), layout));
    expect(text).toContain(`Rule: "OR('BankAMSP.admin')"`);
    expect(text).toContain('OrdererType: "etcdraft"');
  });
});

describe('node environments', () => {
  const [orderer] = topology.orderers;
  const [peer] = topology.peers;
  if (orderer === undefined || peer === undefined) throw new Error('fixture');

  it('gives the orderer explicit addresses, no system channel and run-folder storage', () => {
    const env = ordererEnv(layout, orderer, ['/ca.pem']);
    expect(env).toMatchObject({
      ORDERER_GENERAL_LISTENADDRESS: '127.0.0.1',
      ORDERER_GENERAL_LISTENPORT: '17050',
      ORDERER_ADMIN_LISTENADDRESS: '127.0.0.1:17051',
      ORDERER_OPERATIONS_LISTENADDRESS: '127.0.0.1:17052',
      ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
      ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
      ORDERER_GENERAL_CLUSTER_ROOTCAS: '[/ca.pem]',
    });
    for (const key of [
      'ORDERER_FILELEDGER_LOCATION',
      'ORDERER_CONSENSUS_WALDIR',
      'ORDERER_CONSENSUS_SNAPDIR',
    ]) {
      expect(env[key]).toMatch(/^\/repo\/network\/fabric\/\.run\/data\/orderer0\//);
    }
  });

  it("sets GOMAXPROCS from the node's goMaxProcs, and leaves Go's default when it is unset", () => {
    expect(peerEnv(layout, { ...peer, goMaxProcs: 1 }).GOMAXPROCS).toBe('1');
    expect(ordererEnv(layout, { ...orderer, goMaxProcs: 2 }, ['/ca.pem']).GOMAXPROCS).toBe('2');
    const { goMaxProcs: _unset, ...withoutIt } = peer;
    expect(peerEnv(layout, withoutIt)).not.toHaveProperty('GOMAXPROCS');
  });

  it('gives the peer explicit addresses, LevelDB, TLS, gossip endpoints and an absolute builder path', () => {
    const env = peerEnv(layout, peer);
    expect(env).toMatchObject({
      CORE_PEER_LISTENADDRESS: '127.0.0.1:17200',
      CORE_PEER_CHAINCODELISTENADDRESS: '127.0.0.1:17201',
      CORE_OPERATIONS_LISTENADDRESS: '127.0.0.1:17202',
      CORE_PEER_GOSSIP_EXTERNALENDPOINT: '127.0.0.1:17200',
      CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_FILESYSTEMPATH: '/repo/network/fabric/.run/data/peer0-banka/production',
      CORE_LEDGER_SNAPSHOTS_ROOTDIR: '/repo/network/fabric/.run/data/peer0-banka/snapshots',
    });
    expect(env.CORE_CHAINCODE_EXTERNALBUILDERS).toBe(
      '[{name: tallystick-ccaas, path: /repo/network/fabric/.run/builders/ccaas, propagateEnvironment: [HOME]}]',
    );
  });

  it('binds the CA and its operations endpoint to the topology address', () => {
    const { args, env } = caServerArgs(layout, topology, 'BankAMSP');
    expect(args).toEqual(
      expect.arrayContaining(['--address', '127.0.0.1', '--port', '17110', '--tls.enabled']),
    );
    expect(env).toEqual({ FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: '127.0.0.1:17111' });
  });
});

describe('patchCoreYaml', () => {
  it('empties vm.endpoint and nothing else', () => {
    const input =
      'vm:\n    # comment\n    endpoint: unix:///var/run/docker.sock\n\n    docker:\n        tls:\n';
    expect(patchCoreYaml(input)).toBe('vm:\n    # comment\n    endpoint: ""\n\n    docker:\n        tls:\n');
  });

  it('refuses a core.yaml it does not recognise', () => {
    expect(() => patchCoreYaml('vm:\n  endpoint: tcp://x\n')).toThrow(/vm.endpoint/);
  });

  it('applies to the real sampleconfig when it has been downloaded', () => {
    const file = join(root, 'network', 'fabric', '.bin', 'sampleconfig', 'core.yaml');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // binaries not built on this machine yet
    }
    expect(patchCoreYaml(text)).toMatch(/^ {4}endpoint: ""$/m);
  });
});

describe('nodeOuConfig', () => {
  it('maps the four fabric-ca identity types to NodeOUs of the org CA', () => {
    expect(toYaml(nodeOuConfig())).toContain('AdminOUIdentifier:\n    Certificate: "cacerts/ca.pem"');
  });
});

describe('blockHeights', () => {
  it('reads the ledger height gauge per channel', () => {
    const metrics = [
      '# HELP ledger_blockchain_height Height of the chain in blocks.',
      'ledger_blockchain_height{channel="reconciliation"} 12',
      'ledger_blockchain_height{channel="other"} 3',
    ].join('\n');
    expect(blockHeights(metrics)).toEqual({ reconciliation: 12, other: 3 });
  });
});
