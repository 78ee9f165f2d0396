import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Consortium, Topology } from './topology.js';
import { readJson, selectOrderers, validateTopology, withPortOffset } from './topology.js';

const root = join(__dirname, '..', '..', '..');
const consortium = readJson(join(root, 'network', 'consortium.json')) as Consortium;
const topology = readJson(join(root, 'network', 'fabric', 'topology.json')) as Topology;
const copy = (): Topology => structuredClone(topology);

describe('validateTopology', () => {
  it('accepts the checked-in topology for the checked-in consortium', () => {
    expect(validateTopology(consortium, topology)).toEqual([]);
  });

  it('gives every member a CA and a peer, the Auditor included', () => {
    for (const org of consortium.organisations) {
      expect(topology.cas.some((ca) => ca.mspId === org.mspId)).toBe(true);
      expect(topology.peers.some((peer) => peer.mspId === org.mspId)).toBe(true);
    }
  });

  it('reports a port used twice, naming both users', () => {
    const t = copy();
    const [first, second] = t.peers;
    if (first === undefined || second === undefined) throw new Error('fixture');
    second.operationsPort = first.operationsPort;
    expect(validateTopology(consortium, t)).toEqual([
      `peer0-bankb operations: 127.0.0.1:${first.operationsPort} is already used by peer0-banka operations`,
    ]);
  });

  it('reports a member without a peer and a node of an unknown organisation', () => {
    const t = copy();
    t.peers = t.peers.filter((p) => p.mspId !== 'AuditorMSP');
    const [orderer] = t.orderers;
    if (orderer === undefined) throw new Error('fixture');
    orderer.mspId = 'NobodyMSP';
    expect(validateTopology(consortium, t)).toEqual([
      'peers: organisation AuditorMSP has no peer',
      'orderers: orderer0 belongs to unknown organisation NobodyMSP',
    ]);
  });

  it('reports an organisation without a CA and a Raft election tick not above the heartbeat', () => {
    const t = copy();
    t.cas = t.cas.filter((ca) => ca.mspId !== 'PayCoMSP');
    t.ordering.raft.electionTick = 1;
    expect(validateTopology(consortium, t)).toEqual([
      'cas: organisation PayCoMSP has no CA',
      'ordering.raft.electionTick must be greater than heartbeatTick',
    ]);
  });

  it('rejects node names that cannot be directory or identity names', () => {
    const t = copy();
    const [peer] = t.peers;
    if (peer === undefined) throw new Error('fixture');
    peer.name = 'Peer A';
    expect(validateTopology(consortium, t)).toEqual(['node name "Peer A" must be [a-z0-9-]']);
  });
});

describe('selectOrderers', () => {
  it('runs three Raft nodes, or the first one on a small machine', () => {
    expect(selectOrderers(topology, 3).map((o) => o.name)).toEqual(['orderer0', 'orderer1', 'orderer2']);
    expect(selectOrderers(topology, 1).map((o) => o.name)).toEqual(['orderer0']);
    expect(() => selectOrderers(topology, 4)).toThrow(/has 3 orderer/);
  });
});

describe('withPortOffset', () => {
  it('moves every port of every node, and nothing else', () => {
    const t = readJson(join(__dirname, '..', 'topology.json')) as Topology;
    const moved = withPortOffset(t, 1000);
    const ports = (x: Topology) => [
      ...x.cas.flatMap((c) => [c.port, c.operationsPort]),
      ...x.orderers.flatMap((o) => [o.port, o.adminPort, o.operationsPort]),
      ...x.peers.flatMap((p) => [p.port, p.chaincodePort, p.operationsPort]),
      x.chaincodeServer.port,
    ];
    expect(ports(moved)).toEqual(ports(t).map((p) => p + 1000));
    expect(moved.peers.map((p) => p.host)).toEqual(t.peers.map((p) => p.host));
    expect(moved.ordering).toEqual(t.ordering);
    expect(withPortOffset(t, 0)).toBe(t);
  });
});
