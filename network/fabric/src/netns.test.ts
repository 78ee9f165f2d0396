import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createCommands,
  hostSlug,
  inNamespace,
  namespaceOf,
  netnsPlan,
  placeInNamespaces,
  planNamespaces,
  waitForExec,
} from './netns.js';
import type { Consortium, Topology } from './topology.js';
import { readJson, validateTopology, withPortOffset } from './topology.js';

const root = join(__dirname, '..', '..', '..');
const consortium = readJson(join(root, 'network', 'consortium.json')) as Consortium;
const topology = readJson(join(root, 'network', 'fabric', 'topology.json')) as Topology;

describe('netnsPlan', () => {
  const plan = netnsPlan(consortium, topology);

  it('gives every organisation and the clients a namespace and an address of their own', () => {
    const orgs = [...consortium.organisations, ...topology.ordererOrganisations].map((o) => o.mspId);
    expect(plan.hosts.map((h) => h.role)).toEqual([
      ...orgs.map((mspId) => ({ kind: 'organisation', mspId })),
      { kind: 'client' },
    ]);
    expect(new Set(plan.hosts.map((h) => h.address)).size).toBe(plan.hosts.length);
    expect(new Set(planNamespaces(plan)).size).toBe(plan.hosts.length + 1);
    for (const host of plan.hosts) expect(host.address.startsWith('10.231.0.')).toBe(true);
    expect(namespaceOf(plan, 'BankAMSP')).toBe('tly-banka');
    expect(namespaceOf(plan, 'OrdererMSP')).toBe('tly-orderer');
    expect(() => namespaceOf(plan, 'chaincode')).toThrow(/no host/);
    expect(namespaceOf(undefined, 'BankAMSP')).toBeUndefined();
  });

  it('names namespaces after the organisation', () => {
    expect(hostSlug('ClearingHouseMSP')).toBe('clearinghouse');
    expect(hostSlug('OrdererMSP')).toBe('orderer');
  });

  it('refuses a subnet that is not a.b.c', () => {
    expect(() => netnsPlan(consortium, topology, { subnet: '10.0.0.0/24' })).toThrow(/expected a\.b\.c/);
  });
});

describe('placeInNamespaces', () => {
  const plan = netnsPlan(consortium, topology);
  const placed = placeInNamespaces(withPortOffset(topology, 3000), plan);
  const addressOf = (mspId: string) =>
    plan.hosts.find((h) => h.role.kind === 'organisation' && h.role.mspId === mspId)?.address;

  it('puts every node at its organisation’s address and keeps the ports', () => {
    for (const node of [...placed.cas, ...placed.orderers, ...placed.peers]) {
      expect(node.host).toBe(addressOf(node.mspId));
      expect(node.listenHost).toBeUndefined();
    }
    expect(placed.peers.map((p) => p.port)).toEqual(topology.peers.map((p) => p.port + 3000));
    expect(placed.chaincodeServer).toEqual({ port: topology.chaincodeServer.port + 3000 });
    expect(placed.ordering).toEqual(topology.ordering);
  });

  it('is still a valid topology', () => {
    expect(validateTopology(consortium, placed)).toEqual([]);
  });
});

describe('createCommands', () => {
  const plan = netnsPlan(consortium, topology);
  const commands = createCommands(plan);

  it('makes every link inside a namespace of the plan, never in the machine’s own', () => {
    for (const args of commands) {
      const inPlan =
        args[0] === 'netns' || (args[0] === '-n' && planNamespaces(plan).includes(args[1] ?? ''));
      expect(inPlan, args.join(' ')).toBe(true);
    }
  });

  it('gives each host one veth to the switch and one /24 address, and no route of its own', () => {
    const banka = plan.hosts[0];
    if (banka === undefined) throw new Error('fixture');
    const own = commands.filter((args) => args[1] === banka.namespace).map((args) => args.join(' '));
    expect(own).toEqual([
      `-n ${banka.namespace} link set lo up`,
      `-n ${banka.namespace} link add eth0 type veth peer name port0 netns tly-switch`,
      `-n ${banka.namespace} addr add ${banka.address}/24 dev eth0`,
      `-n ${banka.namespace} link set eth0 up`,
    ]);
    expect(commands.some((args) => args.includes('route'))).toBe(false);
  });
});

describe('inNamespace', () => {
  it('runs the node through ip netns exec, which execs it (the PID is the node’s, its command line names it)', () => {
    const command = inNamespace('tly-banka', '/bin/peer', ['node', 'start']);
    expect(command.args).toEqual(['netns', 'exec', 'tly-banka', '/bin/peer', 'node', 'start']);
    expect(command.file.endsWith('ip')).toBe(true);
  });
});

describe('waitForExec', () => {
  it('returns once the process has exec’d the binary, so the PID check that follows sees the node', () => {
    // like ip netns exec: a first program that execs the node after a moment
    const child = spawn('/bin/sh', ['-c', 'sleep 0.2; exec /bin/sleep 2'], { stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('no pid');
    try {
      waitForExec(pid, '/bin/sleep');
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('/bin/sleep');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('returns at once for a process that is gone', () => {
    const started = Date.now();
    waitForExec(2 ** 22 + 12345, '/bin/sleep');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
