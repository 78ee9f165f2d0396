import { readFileSync } from 'node:fs';

/** The consortium both backends run (network/consortium.json): who the members are and who they enrol. */
export interface ConsortiumUser {
  id: string;
  secret: string;
  roles: string[];
  /** Further certificate attributes (an enterprise's person: `enterpriseId`). */
  attributes?: Record<string, string>;
}
export interface ConsortiumOrganisation {
  mspId: string;
  name: string;
  kind: string;
  users: ConsortiumUser[];
}
export interface Consortium {
  channel: string;
  chaincode: { name: string; version: string };
  organisations: ConsortiumOrganisation[];
}

/** Where each node runs (network/fabric/topology.json). `listenHost` defaults to `host`. */
export interface CaNode {
  mspId: string;
  host: string;
  listenHost?: string;
  port: number;
  operationsPort: number;
}
export interface OrdererNode {
  name: string;
  mspId: string;
  host: string;
  listenHost?: string;
  port: number;
  adminPort: number;
  operationsPort: number;
  /** GOMAXPROCS of the node's process; unset: Go's default, every CPU of the machine (see configgen.ts). */
  goMaxProcs?: number;
}
export interface PeerNode {
  name: string;
  mspId: string;
  host: string;
  listenHost?: string;
  port: number;
  chaincodePort: number;
  operationsPort: number;
  /** GOMAXPROCS of the node's process; unset: Go's default, every CPU of the machine (see configgen.ts). */
  goMaxProcs?: number;
}
export interface OrderingSettings {
  batchTimeoutMs: number;
  batchMaxMessages: number;
  batchPreferredMaxBytes: number;
  raft: {
    tickIntervalMs: number;
    electionTick: number;
    heartbeatTick: number;
    snapshotIntervalBytes: number;
  };
}
export interface Topology {
  ordererOrganisations: { mspId: string; name: string }[];
  cas: CaNode[];
  orderers: OrdererNode[];
  peers: PeerNode[];
  /** The first port of the chaincode servers' range (serverPort); each runs on its organisation's peer's host. */
  chaincodeServer: { port: number };
  ordering: OrderingSettings;
}

/** The topology with `offset` added to every port it names (a second network on the same machine). */
export function withPortOffset(t: Topology, offset: number): Topology {
  if (offset === 0) return t;
  return {
    ...t,
    cas: t.cas.map((c) => ({ ...c, port: c.port + offset, operationsPort: c.operationsPort + offset })),
    orderers: t.orderers.map((o) => ({
      ...o,
      port: o.port + offset,
      adminPort: o.adminPort + offset,
      operationsPort: o.operationsPort + offset,
    })),
    peers: t.peers.map((p) => ({
      ...p,
      port: p.port + offset,
      chaincodePort: p.chaincodePort + offset,
      operationsPort: p.operationsPort + offset,
    })),
    chaincodeServer: { ...t.chaincodeServer, port: t.chaincodeServer.port + offset },
  };
}

/** Ports base + 10 × i … + 9 are the i-th peer's organisation's chaincode servers (README port plan). */
export const CHAINCODE_PORT_SLOTS = 10;

/**
 * Port ranges of chaincode servers, one per chaincode name: range 0 is the consortium's chaincode, range 1 a
 * second chaincode deployed beside it on the same channel (the floor benchmark's, bench/src/floor). Each range
 * is peers × CHAINCODE_PORT_SLOTS ports, the second right after the first.
 */
export const CHAINCODE_PORT_RANGES = 2;

/**
 * Each organisation runs its own chaincode server, beside its peer (on its host, in its namespace), as a
 * member operating its own node would: its peer dials only it, and no member's endorsement runs on code another
 * member hosts. The i-th peer's server for a sequence listens on base + 10 × i + (sequence − 1) mod 10, where
 * base is the chaincode's range's first port (`range` × peers × 10 after chaincodeServer.port).
 */
export function serverPort(topology: Topology, peer: PeerNode, sequence: number, range = 0): number {
  const index = topology.peers.findIndex((p) => p.name === peer.name);
  if (index < 0) throw new Error(`${peer.name} is not a peer of the topology`);
  if (!Number.isInteger(range) || range < 0 || range >= CHAINCODE_PORT_RANGES)
    throw new Error(`chaincode port range ${range} is not one of 0..${CHAINCODE_PORT_RANGES - 1}`);
  const base = topology.chaincodeServer.port + range * topology.peers.length * CHAINCODE_PORT_SLOTS;
  return base + index * CHAINCODE_PORT_SLOTS + ((sequence - 1) % CHAINCODE_PORT_SLOTS);
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/**
 * Checks a topology against the consortium and returns every problem found (empty when valid), so a
 * config mistake is reported all at once, by name, before any process starts.
 */
export function validateTopology(consortium: Consortium, topology: Topology): string[] {
  return [
    ...organisationProblems(consortium, topology),
    ...nodeProblems(topology),
    ...endpointProblems(topology),
    ...orderingProblems(topology.ordering),
  ];
}

/** Every organisation has one CA and every member a peer; every node belongs to a known organisation. */
function organisationProblems(consortium: Consortium, topology: Topology): string[] {
  const problems: string[] = [];
  const memberIds = new Set(consortium.organisations.map((org) => org.mspId));
  const ordererOrgIds = new Set(topology.ordererOrganisations.map((org) => org.mspId));
  for (const id of ordererOrgIds) {
    if (memberIds.has(id)) problems.push(`ordererOrganisations: ${id} is already a consortium member`);
  }
  const knownIds = new Set([...memberIds, ...ordererOrgIds]);
  const caIds = new Set<string>();
  for (const ca of topology.cas) {
    if (!knownIds.has(ca.mspId)) problems.push(`cas: unknown organisation ${ca.mspId}`);
    if (caIds.has(ca.mspId)) problems.push(`cas: ${ca.mspId} has more than one CA`);
    caIds.add(ca.mspId);
  }
  for (const id of knownIds) {
    if (!caIds.has(id)) problems.push(`cas: organisation ${id} has no CA`);
  }
  for (const org of consortium.organisations) {
    if (!topology.peers.some((peer) => peer.mspId === org.mspId)) {
      problems.push(`peers: organisation ${org.mspId} has no peer`);
    }
  }
  for (const peer of topology.peers) {
    if (!memberIds.has(peer.mspId))
      problems.push(`peers: ${peer.name} belongs to unknown member ${peer.mspId}`);
  }
  if (topology.orderers.length === 0) problems.push('orderers: at least one orderer is needed');
  for (const orderer of topology.orderers) {
    if (!knownIds.has(orderer.mspId)) {
      problems.push(`orderers: ${orderer.name} belongs to unknown organisation ${orderer.mspId}`);
    }
  }
  return problems;
}

/** Each Go node's GOMAXPROCS is within 1..256; node names are unique and made of [a-z0-9-]. */
function nodeProblems(topology: Topology): string[] {
  const problems: string[] = [];
  for (const node of [...topology.orderers, ...topology.peers]) {
    const n = node.goMaxProcs;
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 256))
      problems.push(`${node.name}: goMaxProcs must be an integer within 1..256`);
  }
  const names = new Set<string>();
  for (const name of [...topology.orderers.map((o) => o.name), ...topology.peers.map((p) => p.name)]) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      problems.push(`node name ${JSON.stringify(name)} must be [a-z0-9-]`);
    if (names.has(name)) problems.push(`node name ${name} is used twice`);
    names.add(name);
  }
  return problems;
}

/** Every port in range, and no host and port claimed twice (chaincode servers' slots included). */
function endpointProblems(topology: Topology): string[] {
  const problems: string[] = [];
  const endpoints = new Map<string, string>();
  const claim = (owner: string, host: string, port: number): void => {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push(`${owner}: port ${port} is out of range`);
    const key = `${host}:${port}`;
    const previous = endpoints.get(key);
    if (previous !== undefined) problems.push(`${owner}: ${key} is already used by ${previous}`);
    endpoints.set(key, owner);
  };
  for (const ca of topology.cas) {
    const host = ca.listenHost ?? ca.host;
    claim(`ca ${ca.mspId}`, host, ca.port);
    claim(`ca ${ca.mspId} operations`, host, ca.operationsPort);
  }
  for (const orderer of topology.orderers) {
    const host = orderer.listenHost ?? orderer.host;
    claim(orderer.name, host, orderer.port);
    claim(`${orderer.name} admin`, host, orderer.adminPort);
    claim(`${orderer.name} operations`, host, orderer.operationsPort);
  }
  for (const peer of topology.peers) {
    const host = peer.listenHost ?? peer.host;
    claim(peer.name, host, peer.port);
    claim(`${peer.name} chaincode`, host, peer.chaincodePort);
    claim(`${peer.name} operations`, host, peer.operationsPort);
    for (let range = 0; range < CHAINCODE_PORT_RANGES; range++)
      for (let sequence = 1; sequence <= CHAINCODE_PORT_SLOTS; sequence++)
        claim(
          `${peer.name}'s ${range === 0 ? '' : 'second '}chaincode server`,
          host,
          serverPort(topology, peer, sequence, range),
        );
  }
  return problems;
}

/** Block cutting within its bounds, and a Raft election timeout longer than the heartbeat. */
function orderingProblems(ordering: OrderingSettings): string[] {
  const problems: string[] = [];
  if (ordering.batchTimeoutMs < 10 || ordering.batchTimeoutMs > 10_000) {
    problems.push('ordering.batchTimeoutMs must be within 10..10000');
  }
  if (ordering.batchMaxMessages < 1) problems.push('ordering.batchMaxMessages must be at least 1');
  if (ordering.raft.electionTick <= ordering.raft.heartbeatTick) {
    problems.push('ordering.raft.electionTick must be greater than heartbeatTick');
  }
  return problems;
}

/** The Raft nodes to run: all of them, or only the first for a small machine. */
export function selectOrderers(topology: Topology, count: number): OrdererNode[] {
  if (count < 1 || count > topology.orderers.length) {
    throw new Error(`--orderers ${count}: the topology has ${topology.orderers.length} orderer(s)`);
  }
  return topology.orderers.slice(0, count);
}

/** Every organisation with a CA: the members, then the ordering organisations. */
export function allOrganisationIds(consortium: Consortium, topology: Topology): string[] {
  return [
    ...consortium.organisations.map((org) => org.mspId),
    ...topology.ordererOrganisations.map((org) => org.mspId),
  ];
}

export function caFor(topology: Topology, mspId: string): CaNode {
  const ca = topology.cas.find((c) => c.mspId === mspId);
  if (ca === undefined) throw new Error(`no CA for ${mspId} in topology.json`);
  return ca;
}
