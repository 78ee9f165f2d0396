#!/usr/bin/env node
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from './binaries.js';
import { findRepoRoot, layoutFor } from './layout.js';
import type { Layout } from './layout.js';
import type { NetnsPlan } from './netns.js';
import {
  clientNamespace,
  createNamespaces,
  existingNamespaces,
  ipBinary,
  namespaceInode,
  namespaceOf,
  netnsInode,
  netnsPlan,
  pidsIn,
  planNamespaces,
  readNetnsPlan,
  removeNamespaces,
  writeNetnsPlan,
} from './netns.js';
import type { Context } from './network.js';
import { down, httpsGet, loadContext, up } from './network.js';
import { readPids, sleep, waitUntil } from './proc.js';
import { ORG_ADMIN_ID, orgCaCert, userTlsFiles } from './configgen.js';

/**
 * `npm run test:netns`: the live conformance suite with every organisation on a host of its own. It makes the
 * namespaces (src/netns.ts), brings the network up inside them, checks that each node runs in its
 * organisation's namespace and that no namespace has a way out, runs test/conformance/fabric.fabric.test.ts
 * from the clients' namespace, then stops every node by PID and deletes the namespaces and the run folder,
 * whatever happened before (and at the start, whatever a killed earlier run left).
 *
 * Root only (namespaces). Its own run folder and ports, never the default network's:
 * TALLYSTICK_FABRIC_RUN (default /tmp/tallystick-netns-fabric), TALLYSTICK_FABRIC_PORT_OFFSET (default 3000).
 * Options: `--orderers 1|3` (default 3), `--keep` (keep the run folder, logs included; the namespaces and
 * processes always go). Extra arguments after `--` go to vitest (e.g. `-- -t 'down/up'`).
 */

const DEFAULT_RUN = '/tmp/tallystick-netns-fabric';
const DEFAULT_OFFSET = '3000';

const log = (line: string): void => {
  console.log(`netns: ${line}`);
};

interface Options {
  orderers: number;
  keep: boolean;
  vitestArgs: string[];
}

function parseOptions(argv: string[]): Options {
  const dashDash = argv.indexOf('--');
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const vitestArgs = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  const index = own.indexOf('--orderers');
  const orderers = index === -1 ? 3 : Number(own[index + 1]);
  if (orderers !== 1 && orderers !== 3) throw new Error('--orderers must be 1 or 3');
  return { orderers, keep: own.includes('--keep'), vitestArgs };
}

/** iproute2 is in every Debian install but not in every minimal image: install it from Debian if missing. */
function ensureIp(): void {
  if (spawnSync(ipBinary(), ['-V']).status === 0) return;
  log('iproute2 missing: apt-get install iproute2');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const installed = spawnSync('apt-get', ['install', '-y', '-qq', 'iproute2'], { stdio: 'inherit', env });
  if (installed.status !== 0 || spawnSync(ipBinary(), ['-V']).status !== 0)
    throw new Error('iproute2 (the ip command) is needed and could not be installed');
}

function stage(title: string, since: number): void {
  log(`${title} (${((performance.now() - since) / 1000).toFixed(1)} s)`);
}

let current: ReturnType<typeof spawn> | undefined;
let interrupted = false;
/** Set by a signal handler while awaiting: a function, so the compiler does not narrow it to its first value. */
const wasInterrupted = (): boolean => interrupted;

/** Runs a command to completion with inherited output; the child is stopped if this process is signalled. */
function runInherit(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, cwd, stdio: 'inherit' });
    current = child;
    child.on('error', (error) => {
      console.error(`netns: ${file}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

/** The one route and the one link a host namespace may have: its /24 on eth0 (plus loopback). */
function checkConfinement(plan: NetnsPlan): void {
  const problems: string[] = [];
  const ipOut = (args: string[]): string => spawnSync(ipBinary(), args, { encoding: 'utf8' }).stdout.trim();
  for (const host of plan.hosts) {
    const links = ipOut(['-n', host.namespace, '-o', 'link', 'show'])
      .split('\n')
      .map((line) => (line.split(': ')[1] ?? '').split('@')[0]);
    if (links.join(',') !== 'lo,eth0') problems.push(`${host.namespace} has links ${links.join(', ')}`);
    const routes = ipOut(['-n', host.namespace, 'route', 'show']).split('\n');
    if (routes.length !== 1 || !routes[0]?.startsWith(`${plan.subnet}.0/24 dev eth0`))
      problems.push(`${host.namespace} has routes ${routes.join(' | ')}`);
  }
  // IPv6 link-local addresses (fe80::/64, on the bridge's segment only) are the kernel's; no global route.
  for (const ns of planNamespaces(plan)) {
    const routes6 = ipOut(['-n', ns, '-6', 'route', 'show']).split('\n');
    const global = routes6.filter((line) => line !== '' && !line.startsWith('fe80::/64'));
    if (global.length > 0) problems.push(`${ns} has IPv6 routes ${global.join(' | ')}`);
  }
  const switchAddresses = ipOut(['-n', plan.switchNamespace, '-o', '-4', 'addr', 'show']);
  if (switchAddresses !== '') problems.push(`${plan.switchNamespace} has an address: ${switchAddresses}`);
  if (problems.length > 0) throw new Error(`namespaces not confined:\n  ${problems.join('\n  ')}`);
}

/** Every recorded process runs in its organisation's namespace (a chaincode server in its peer's). */
function checkPlacement(ctx: Context, plan: NetnsPlan): string[] {
  const ownerOf = (name: string): string | undefined => {
    if (name.startsWith('ca-')) return name.slice(3);
    const nodes = [...ctx.topology.orderers, ...ctx.topology.peers];
    if (name.startsWith('chaincode-'))
      return ctx.topology.peers.find((p) => name.endsWith(`-${p.name}`))?.mspId;
    return nodes.find((node) => node.name === name)?.mspId;
  };
  const rows: string[] = [];
  const problems: string[] = [];
  for (const [name, record] of Object.entries(readPids(ctx.layout.pidFile))) {
    const owner = ownerOf(name);
    const ns = owner === undefined ? undefined : namespaceOf(plan, owner);
    const actual = netnsInode(record.pid);
    if (ns === undefined || actual === undefined || actual !== namespaceInode(ns)) {
      problems.push(`${name} (pid ${record.pid}) is not in ${ns ?? '?'}`);
    } else rows.push(`${name}@${ns}`);
  }
  if (problems.length > 0) throw new Error(`nodes outside their namespace:\n  ${problems.join('\n  ')}`);
  return rows;
}

/** SIGKILLs every process in the namespaces (`ip netns pids`): only processes we started can be there. */
function killAllIn(namespaces: string[]): string[] {
  const found: string[] = [];
  for (const ns of namespaces) {
    const pids = pidsIn(ns);
    if (pids.length === 0) continue;
    found.push(`${ns}: ${pids.join(', ')}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return found;
}

/**
 * Stops whatever a run left: first the clients (a test or launcher still running there could start nodes
 * again), then the nodes the run folder records (by PID, as `down` does), then anything still inside a namespace
 * of the plan; deletes the namespaces and, unless kept, the run folder. Returns what had to be forced.
 */
async function cleanUp(layout: Layout, keep: boolean): Promise<string[]> {
  const problems: string[] = [];
  const plan = readNetnsPlan(layout.runDir);
  if (plan !== undefined) {
    const clients = killAllIn([clientNamespace(plan)]);
    if (clients.length > 0) problems.push(`clients still running, killed: ${clients.join('; ')}`);
  }
  if (existsSync(layout.pidFile)) {
    try {
      await down(loadContext(layout, log));
    } catch (error) {
      problems.push(`down: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (plan !== undefined) {
    const stray = killAllIn(planNamespaces(plan));
    if (stray.length > 0) problems.push(`still running after down, killed: ${stray.join('; ')}`);
    for (let i = 0; i < 50 && planNamespaces(plan).some((ns) => pidsIn(ns).length > 0); i++) await sleep(100);
    const { removed, failed } = removeNamespaces(plan);
    if (removed.length > 0) log(`removed namespaces ${removed.join(', ')}`);
    if (failed.length > 0) problems.push(`could not delete namespaces ${failed.join(', ')}`);
  }
  if (!keep) rmSync(layout.runDir, { recursive: true, force: true });
  else log(`kept ${layout.runDir}`);
  return problems;
}

/** Argument that makes this file run the part that belongs inside the clients' namespace. */
const INSIDE = '--inside-client-namespace';

/** Every peer's gossip view of the channel holds every other peer (`gossip_membership_total_peers_known`). */
async function gossipViews(ctx: Context): Promise<Record<string, number>> {
  const views: Record<string, number> = {};
  await Promise.all(
    ctx.topology.peers.map(async (peer) => {
      const admin = userTlsFiles(ctx.layout, peer.mspId, ORG_ADMIN_ID);
      const metrics = await httpsGet(
        peer.host,
        peer.operationsPort,
        '/metrics',
        orgCaCert(ctx.layout, peer.mspId),
        admin,
      ).catch(() => ({ body: '' }));
      const pattern = new RegExp(
        `^gossip_membership_total_peers_known\\{channel="${ctx.consortium.channel}"\\} (\\d+)$`,
        'm',
      );
      views[peer.name] = Number(pattern.exec(metrics.body)?.[1] ?? -1);
    }),
  );
  return views;
}

/**
 * Inside the clients' namespace: up, the placement check, a wait for every peer to see every other one
 * (a client's discovery keeps for minutes what it first learnt, so a suite that starts before gossip has met
 * every organisation can be told an organisation has no peer), then the live suite.
 */
async function inside(argv: string[], root: string, layout: Layout): Promise<number> {
  const options = parseOptions(argv);
  const plan = readNetnsPlan(layout.runDir);
  if (plan === undefined) throw new Error(`no namespace plan in ${layout.runDir}`);
  const upStarted = performance.now();
  const ctx = loadContext(layout, (line) => {
    console.log(line);
  });
  await up(ctx, options.orderers);
  stage('network up in the namespaces', upStarted);
  log(`every node in its organisation's namespace: ${checkPlacement(ctx, plan).join(' ')}`);

  if (wasInterrupted()) throw new Error('interrupted');
  const gossipStarted = performance.now();
  const others = ctx.topology.peers.length - 1;
  let views: Record<string, number> = {};
  const met = await waitUntil(
    async () => {
      views = await gossipViews(ctx);
      return wasInterrupted() || Object.values(views).every((known) => known === others);
    },
    120_000,
    500,
  );
  if (!met) throw new Error(`gossip did not meet every peer: ${JSON.stringify(views)}`);
  stage(`every peer's gossip view holds the ${others} others`, gossipStarted);
  if (wasInterrupted()) throw new Error('interrupted');

  const testStarted = performance.now();
  const code = await runInherit(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      'test/conformance/fabric.fabric.test.ts',
      ...options.vitestArgs,
    ],
    // vitest.config.mts: only the live files
    { ...process.env, TALLYSTICK_FABRIC: '1' },
    root,
  );
  stage(`live suite across namespaces exited ${code}`, testStarted);
  return code;
}

/** The exit code of a run that failed: the code itself, or 1 where it was 0. */
const failing = (code: number): number => (code === 0 ? 1 : code);

/** The environment of the run: its own run folder and ports by default, never the machine's services. */
function namespacedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TALLYSTICK_FABRIC_RUN: process.env.TALLYSTICK_FABRIC_RUN ?? DEFAULT_RUN,
    TALLYSTICK_FABRIC_PORT_OFFSET: process.env.TALLYSTICK_FABRIC_PORT_OFFSET ?? DEFAULT_OFFSET,
  };
  // The clients' namespace has a loopback of its own: a server on the machine's 127.0.0.1 (CI's PostgreSQL) is
  // out of reach by design, so nothing inside may be told to use one.
  delete env.DATABASE_URL;
  return env;
}

/** The binaries, then the namespaces of the plan, recorded in the run folder and checked confined. */
async function prepareHosts(layout: Layout, plan: NetnsPlan): Promise<void> {
  // Built in the machine's own namespace, which may reach the Go proxy; the namespaces reach nothing.
  const binaries = performance.now();
  await ensureBinaries(layout, log);
  stage('Fabric binaries ready', binaries);

  // Names of ours taken while no plan of ours records them: someone else's; never touched, only reported.
  const existing = existingNamespaces();
  const taken = planNamespaces(plan).filter((ns) => existing.has(ns));
  if (taken.length > 0)
    throw new Error(`namespaces ${taken.join(', ')} exist and are not this run's: remove them first`);
  mkdirSync(layout.runDir, { recursive: true });
  writeNetnsPlan(layout.runDir, plan);
  createNamespaces(plan);
  checkConfinement(plan);
  log(
    `${plan.hosts.length} hosts on ${plan.subnet}.0/24 behind ${plan.switchNamespace}: ` +
      plan.hosts.map((h) => `${h.namespace}=${h.address}`).join(' '),
  );
}

/** This file again, as `inside`, in the clients' namespace, which reaches every node and nothing else. */
function runInClientNamespace(
  plan: NetnsPlan,
  options: Options,
  env: NodeJS.ProcessEnv,
  root: string,
): Promise<number> {
  const command = [process.execPath, __filename, INSIDE, '--orderers', String(options.orderers)];
  return runInherit(
    ipBinary(),
    ['netns', 'exec', clientNamespace(plan), ...command, '--', ...options.vitestArgs],
    env,
    root,
  );
}

/** The clean-up at the end, whatever happened: true when nothing had to be forced and no namespace is left. */
async function cleanUpAfterRun(layout: Layout, plan: NetnsPlan, keep: boolean): Promise<boolean> {
  const cleaning = performance.now();
  const problems = await cleanUp(layout, keep);
  for (const problem of problems) console.error(`netns: ${problem}`);
  const left = planNamespaces(plan).filter((ns) => namespaceInode(ns) !== undefined);
  if (left.length > 0) console.error(`netns: namespaces left behind: ${left.join(', ')}`);
  stage('down, namespaces removed', cleaning);
  return problems.length === 0 && left.length === 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === INSIDE) {
    const root = findRepoRoot(__dirname);
    return inside(argv.slice(1), root, layoutFor(root));
  }
  const options = parseOptions(argv);
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    console.error('netns: network namespaces need root on Linux (ip netns); run as root');
    return 2;
  }
  const root = findRepoRoot(__dirname);
  const env = namespacedEnv();
  const layout = layoutFor(root, env);
  if (layout.runDir === join(layout.fabricDir, '.run'))
    throw new Error('the namespaced network never uses the default run folder: set TALLYSTICK_FABRIC_RUN');
  const started = performance.now();
  ensureIp();

  // whatever an interrupted earlier run left: its processes (by PID), its namespaces, its run folder
  const leftovers = await cleanUp(layout, false);
  if (leftovers.length > 0) log(`cleaned up after an earlier run: ${leftovers.join('; ')}`);

  const base = loadContext(layout, log);
  const plan = netnsPlan(base.consortium, base.topology);
  let code = 1;
  try {
    await prepareHosts(layout, plan);
    if (wasInterrupted()) throw new Error('interrupted');
    code = await runInClientNamespace(plan, options, env, root);
    if (wasInterrupted()) code = failing(code);
  } catch (error) {
    console.error(`netns: ${error instanceof Error ? error.message : String(error)}`);
    code = failing(code);
  } finally {
    if (!(await cleanUpAfterRun(layout, plan, options.keep))) code = failing(code);
  }
  stage(code === 0 ? 'passed' : `FAILED (exit ${code})`, started);
  return code;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // the main flow goes on to its clean-up once the child is gone
    interrupted = true;
    log(`${signal}: stopping, then cleaning up`);
    current?.kill('SIGTERM');
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`netns: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
