import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Consortium, Topology } from './topology.js';
import { allOrganisationIds } from './topology.js';

/**
 * Organisations on separate hosts, on one machine: every organisation's nodes (its CA, its peer; the
 * ordering organisation's CA and orderers) run in a Linux network namespace of their own, with an address of
 * their own. Each namespace has one veth link to a switch namespace holding a bridge and nothing else, so the
 * only traffic possible is between the namespaces of the plan: none of them has a link to the machine's own
 * namespace, a default route, or an address outside the plan's subnet.
 *
 * The plan is written into the run folder (`netns.json`); `loadContext` finds it there and then places every
 * node of the topology at its organisation's address and starts it with `ip netns exec <namespace>` (which
 * execs: the PID recorded is the node's own). Without the file, nothing here is used.
 */

export const NETNS_PLAN_FILE = 'netns.json';

/** What a namespace stands for: an organisation (by mspId; its chaincode server runs there too) or the clients' host. */
export type HostRole = { kind: 'organisation'; mspId: string } | { kind: 'client' };

export interface NetnsHost {
  namespace: string;
  address: string;
  role: HostRole;
}

export interface NetnsPlan {
  /** Holds the bridge `br0` and one veth end per host; no address, no process. */
  switchNamespace: string;
  /** `a.b.c` of the /24 the hosts share. */
  subnet: string;
  hosts: NetnsHost[];
}

/** The address of `.10 + i` for the i-th organisation: room for 90 organisations before the fixed hosts. */
const ORGANISATION_BASE = 10;
const CLIENT_HOST = 200;

/** `BankAMSP` → `banka`: short enough for a namespace name anyone can read in `ip netns list`. */
export function hostSlug(mspId: string): string {
  return mspId.toLowerCase().replace(/msp$/, '');
}

/**
 * One namespace per organisation (members, then the ordering organisations; a member's chaincode server runs
 * in its own), one for the clients (the launcher's admin commands, the applications, the tests), and the switch.
 */
export function netnsPlan(
  consortium: Consortium,
  topology: Topology,
  options: { prefix?: string; subnet?: string } = {},
): NetnsPlan {
  const prefix = options.prefix ?? 'tly-';
  const subnet = options.subnet ?? '10.231.0';
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(subnet)) throw new Error(`subnet ${subnet}: expected a.b.c`);
  const orgIds = allOrganisationIds(consortium, topology);
  if (orgIds.length > CLIENT_HOST - ORGANISATION_BASE)
    throw new Error(`${orgIds.length} organisations do not fit the plan`);
  const hosts: NetnsHost[] = [
    ...orgIds.map((mspId, i): NetnsHost => ({
      namespace: `${prefix}${hostSlug(mspId)}`,
      address: `${subnet}.${ORGANISATION_BASE + i}`,
      role: { kind: 'organisation', mspId },
    })),
    { namespace: `${prefix}client`, address: `${subnet}.${CLIENT_HOST}`, role: { kind: 'client' } },
  ];
  const names = new Set(hosts.map((h) => h.namespace));
  if (names.size !== hosts.length) throw new Error('two organisations map to the same namespace name');
  return { switchNamespace: `${prefix}switch`, subnet, hosts };
}

function hostOf(plan: NetnsPlan, role: HostRole): NetnsHost {
  const host = plan.hosts.find(
    (h) =>
      h.role.kind === role.kind &&
      (role.kind !== 'organisation' || (h.role.kind === 'organisation' && h.role.mspId === role.mspId)),
  );
  if (host === undefined) throw new Error(`the namespace plan has no host for ${JSON.stringify(role)}`);
  return host;
}

/** The namespace the nodes of organisation `who` (an mspId; its chaincode server too) run in; undefined without a plan. */
export function namespaceOf(plan: NetnsPlan | undefined, who: string): string | undefined {
  if (plan === undefined) return undefined;
  return hostOf(plan, { kind: 'organisation', mspId: who }).namespace;
}

export function clientNamespace(plan: NetnsPlan): string {
  return hostOf(plan, { kind: 'client' }).namespace;
}

/**
 * The topology with every node at its organisation's address: the address is both what others dial (and
 * what goes into TLS certificates and the channel configuration) and what the node binds. Ports stay as they
 * are: each namespace has its own.
 */
export function placeInNamespaces(topology: Topology, plan: NetnsPlan): Topology {
  const at = (mspId: string): string => hostOf(plan, { kind: 'organisation', mspId }).address;
  return {
    ...topology,
    cas: topology.cas.map(({ listenHost: _, ...c }) => ({ ...c, host: at(c.mspId) })),
    orderers: topology.orderers.map(({ listenHost: _, ...o }) => ({ ...o, host: at(o.mspId) })),
    peers: topology.peers.map(({ listenHost: _, ...p }) => ({ ...p, host: at(p.mspId) })),
  };
}

export function planFile(runDir: string): string {
  return join(runDir, NETNS_PLAN_FILE);
}

export function readNetnsPlan(runDir: string): NetnsPlan | undefined {
  const file = planFile(runDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as NetnsPlan;
}

export function writeNetnsPlan(runDir: string, plan: NetnsPlan): void {
  writeFileSync(planFile(runDir), `${JSON.stringify(plan, null, 2)}\n`);
}

/**
 * The `ip` commands that build the plan, in order. Every link is created inside a namespace of the plan
 * (`ip -n`), never in the machine's own, so no interface of ours ever appears there, even for an instant.
 */
export function createCommands(plan: NetnsPlan): string[][] {
  const sw = plan.switchNamespace;
  const commands: string[][] = [
    ['netns', 'add', sw],
    ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge'],
    ['-n', sw, 'link', 'set', 'br0', 'up'],
  ];
  plan.hosts.forEach((host, i) => {
    const port = `port${i}`;
    commands.push(
      ['netns', 'add', host.namespace],
      ['-n', host.namespace, 'link', 'set', 'lo', 'up'],
      ['-n', host.namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', sw],
      ['-n', sw, 'link', 'set', port, 'master', 'br0'],
      ['-n', sw, 'link', 'set', port, 'up'],
      ['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0'],
      ['-n', host.namespace, 'link', 'set', 'eth0', 'up'],
    );
  });
  return commands;
}

/** Every namespace of the plan, hosts first (deleting one removes its veth pair). */
export function planNamespaces(plan: NetnsPlan): string[] {
  return [...plan.hosts.map((h) => h.namespace), plan.switchNamespace];
}

/** `ip` itself: root's PATH has it, a login shell's may not. */
export function ipBinary(): string {
  return ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
}

/** The command line that starts `bin` inside `namespace`: `ip netns exec` execs, so the PID is the node's. */
export function inNamespace(
  namespace: string,
  bin: string,
  args: string[],
): { file: string; args: string[] } {
  return { file: ipBinary(), args: ['netns', 'exec', namespace, bin, ...args] };
}

/**
 * Waits (blocking, a few milliseconds at most in practice) until `ip netns exec` has exec'd `bin` in process
 * `pid`, or the process is gone. While the kernel execs, `/proc/<pid>/cmdline` can read empty for an instant
 * (seen in 2 of 300 spawns on a loaded machine): a caller that checked it then would take the starting node for
 * a dead one. The launcher spawns plain binaries directly, where Node returns only after the exec.
 */
export function waitForExec(pid: number, bin: string, timeoutMs = 5_000): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let argv0: string | undefined;
    try {
      argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    } catch {
      return; // gone: the caller finds out, and the log says why
    }
    if (argv0 === bin) return;
    Atomics.wait(pause, 0, 0, 2);
  }
}

function ip(args: string[]): { ok: boolean; out: string } {
  const result = spawnSync(ipBinary(), args, { encoding: 'utf8', timeout: 20_000 });
  return { ok: result.status === 0, out: `${result.stdout}${result.stderr}`.trim() };
}

/** The namespaces that exist now (`ip netns list`), by name. */
export function existingNamespaces(): Set<string> {
  const listed = ip(['netns', 'list']);
  if (!listed.ok) throw new Error(`ip netns list failed: ${listed.out}`);
  return new Set(
    listed.out
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name !== ''),
  );
}

/** Creates every namespace, link and address of the plan; refuses if one of its namespaces already exists. */
export function createNamespaces(plan: NetnsPlan): void {
  const existing = existingNamespaces();
  const taken = planNamespaces(plan).filter((ns) => existing.has(ns));
  if (taken.length > 0) throw new Error(`namespaces already exist: ${taken.join(', ')}`);
  for (const args of createCommands(plan)) {
    const result = ip(args);
    if (!result.ok) throw new Error(`ip ${args.join(' ')} failed: ${result.out}`);
  }
}

/** PIDs of the processes whose network namespace is `namespace` (`ip netns pids`). */
export function pidsIn(namespace: string): number[] {
  const result = ip(['netns', 'pids', namespace]);
  if (!result.ok) return [];
  return result.out
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Deletes the plan's namespaces that exist. A process still inside one would keep its network alive
 * unseen: those are returned (the caller stops them first; they can only be ours, in namespaces we made).
 */
export function removeNamespaces(plan: NetnsPlan): { removed: string[]; failed: string[] } {
  const existing = existingNamespaces();
  const removed: string[] = [];
  const failed: string[] = [];
  for (const ns of planNamespaces(plan).filter((name) => existing.has(name))) {
    const result = ip(['netns', 'del', ns]);
    (result.ok ? removed : failed).push(ns);
  }
  return { removed, failed };
}

/** The network namespace a process runs in, as the inode of its `ns/net` link (same test `ip netns identify` does). */
export function netnsInode(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}/ns/net`).ino;
  } catch {
    return undefined;
  }
}

export function namespaceInode(namespace: string): number | undefined {
  try {
    return statSync(`/run/netns/${namespace}`).ino;
  } catch {
    return undefined;
  }
}
