import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { binPath, ensureBinaries } from './binaries.js';
import {
  CHANNEL_PROFILE,
  builderScripts,
  caServerArgs,
  configtx,
  orgCaCert,
  ordererEnv,
  patchCoreYaml,
  peerAdminEnv,
  peerEnv,
  userTlsFiles,
  ORG_ADMIN_ID,
} from './configgen.js';
import { caReady, enrollOrganisation } from './crypto.js';
import type { Layout } from './layout.js';
import type { PidTable } from './proc.js';
import {
  isOurs,
  readPids,
  runOrThrow,
  startDaemon,
  stopProcesses,
  tail,
  waitUntil,
  writePids,
} from './proc.js';
import type { Consortium, OrdererNode, PeerNode, Topology } from './topology.js';
import {
  allOrganisationIds,
  readJson,
  selectOrderers,
  validateTopology,
  withPortOffset,
} from './topology.js';
import { toYaml } from './yaml.js';
import { blockHeights } from './metrics.js';
import { chaincodeServers, committedSequence, endorses, ensureChaincode, portOpen } from './chaincode.js';
import type { ChaincodeSpec } from './chaincode.js';
import { ensureOrganisationChaincode } from './memberChaincode.js';
import { writeGatewayFiles, writeOrganisationGatewayFiles } from './gatewayFiles.js';
import type { NetnsPlan } from './netns.js';
import { namespaceOf, placeInNamespaces, readNetnsPlan } from './netns.js';

/** What has been generated in the run folder, so a second `up` restarts nodes instead of regenerating. */
interface RunState {
  orderers: number;
  enrolled: boolean;
  ordererChannel: string[];
  peerChannel: string[];
  /** The port offset the run folder was made with: the channel's configuration holds the ports. */
  portOffset?: number;
  /** Organisations enrolled one by one (`enrol --org`, `up --org`); `enrolled` is true once all are. */
  enrolledOrgs?: string[];
}

export interface Context {
  layout: Layout;
  consortium: Consortium;
  topology: Topology;
  log: (line: string) => void;
  /** Organisations on separate hosts (`<run>/netns.json`, src/netns.ts): each node runs in its namespace. */
  netns?: NetnsPlan;
  /** The chaincode that chaincode commands act on, when not the consortium's (chaincode.ts, ChaincodeSpec). */
  chaincode?: ChaincodeSpec;
}

export function loadContext(layout: Layout, log: (line: string) => void): Context {
  const consortium = readJson(layout.consortiumFile) as Consortium;
  const netns = readNetnsPlan(layout.runDir);
  const offset = withPortOffset(readJson(layout.topologyFile) as Topology, layout.portOffset);
  const topology = netns === undefined ? offset : placeInNamespaces(offset, netns);
  const problems = validateTopology(consortium, topology);
  if (problems.length > 0) throw new Error(`topology.json is not valid:\n  ${problems.join('\n  ')}`);
  return netns === undefined
    ? { layout, consortium, topology, log }
    : { layout, consortium, topology, log, netns };
}

function readState(layout: Layout): RunState | undefined {
  if (!existsSync(layout.stateFile)) return undefined;
  return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as RunState;
}

function saveState(layout: Layout, state: RunState): void {
  writeFileSync(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

export class NodeStartError extends Error {}

async function step<T>(ctx: Context, title: string, action: () => Promise<T>): Promise<T> {
  const started = performance.now();
  ctx.log(`… ${title}`);
  const result = await action();
  ctx.log(`✔ ${title} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
  return result;
}

/** HTTPS GET against an operations endpoint, trusting the node's organisation CA. */
export function httpsGet(
  host: string,
  port: number,
  path: string,
  caFile: string,
  client?: { cert: string; key: string },
): Promise<{ status: number; body: string }> {
  const identity =
    client === undefined ? {} : { cert: readFileSync(client.cert), key: readFileSync(client.key) };
  return new Promise((resolve, reject) => {
    const options = { host, port, path, method: 'GET', ca: readFileSync(caFile), timeout: 2000, ...identity };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => {
      req.destroy(new Error('timeout'));
    });
    req.end();
  });
}

async function healthy(host: string, port: number, caFile: string): Promise<boolean> {
  const res = await httpsGet(host, port, '/healthz', caFile);
  return res.status === 200;
}

/** Starts one node unless it already runs, records its PID at once, and waits for it to be healthy. */
async function startNode(
  ctx: Context,
  pids: PidTable,
  name: string,
  bin: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  ready: () => Promise<boolean>,
  mspId: string,
): Promise<void> {
  const existing = pids[name];
  if (existing !== undefined && isOurs(existing)) return;
  mkdirSync(cwd, { recursive: true });
  const log = ctx.layout.log(name);
  const pid = startDaemon(bin, args, env, log, cwd, namespaceOf(ctx.netns, mspId));
  pids[name] = { pid, bin, log };
  writePids(ctx.layout.pidFile, pids);
  const record = pids[name];
  // Stop waiting as soon as the process is gone: its log then says why.
  const ok = await waitUntil(async () => !isOurs(record) || (await ready()), 30_000);
  if (!ok || !isOurs(record)) {
    throw new NodeStartError(`${name} did not start (pid ${pid}); last lines of ${log}:\n${tail(log, 20)}`);
  }
}

function writeBuilder(layout: Layout): void {
  const dir = join(layout.builderDir, 'bin');
  mkdirSync(dir, { recursive: true });
  for (const [name, script] of Object.entries(builderScripts)) {
    const file = join(dir, name);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
}

function ordererOrgs(orderers: OrdererNode[]): string[] {
  return [...new Set(orderers.map((o) => o.mspId))];
}

function adminOf(ctx: Context, mspId: string): { msp: string; tls: ReturnType<typeof userTlsFiles> } {
  return {
    msp: join(ctx.layout.userDir(mspId, ORG_ADMIN_ID), 'msp'),
    tls: userTlsFiles(ctx.layout, mspId, ORG_ADMIN_ID),
  };
}

/** What every step of `up` shares: the run folder's state, its PID table, the orderers run and the channel block. */
interface Run {
  readonly state: RunState;
  readonly pids: PidTable;
  readonly orderers: OrdererNode[];
  readonly block: string;
}

/** Reads (or starts) the run folder's state; refuses an orderer count or port offset other than its own. */
function openRun(ctx: Context, ordererCount: number): Run {
  const { layout, consortium, topology } = ctx;
  const previous = readState(layout);
  if (previous !== undefined && previous.orderers !== ordererCount) {
    throw new Error(`the run folder was made with ${previous.orderers} orderer(s); run network:reset first`);
  }
  if (previous !== undefined && (previous.portOffset ?? 0) !== layout.portOffset) {
    throw new Error(
      `the run folder ${layout.runDir} was made with TALLYSTICK_FABRIC_PORT_OFFSET=${previous.portOffset ?? 0} ` +
        `(the channel's configuration holds its ports); set it again, or network:reset first`,
    );
  }
  const state: RunState = previous ?? {
    portOffset: layout.portOffset,
    orderers: ordererCount,
    enrolled: false,
    ordererChannel: [],
    peerChannel: [],
  };
  mkdirSync(layout.logDir, { recursive: true });
  return {
    state,
    pids: readPids(layout.pidFile),
    orderers: selectOrderers(topology, ordererCount),
    block: layout.channelBlock(consortium.channel),
  };
}

async function binariesStep(ctx: Context): Promise<void> {
  await step(ctx, 'Fabric binaries', async () => {
    const built = await ensureBinaries(ctx.layout, ctx.log);
    if (built.length > 0) ctx.log(`  built ${built.join(', ')}`);
  });
}

/** Starts the organisations' CAs and enrols the identities of those not enrolled yet (each its own, at its CA). */
async function identitiesStep(ctx: Context, run: Run, orgIds: string[]): Promise<void> {
  const { layout, consortium, topology } = ctx;
  await step(ctx, `certificate authorities (${orgIds.length})`, async () => {
    await Promise.all(
      orgIds.map((mspId) => {
        const { args, env } = caServerArgs(layout, topology, mspId);
        const ready = () => caReady(layout, topology, mspId);
        const bin = binPath(layout, 'fabric-ca-server');
        return startNode(ctx, run.pids, `ca-${mspId}`, bin, args, env, layout.caHome(mspId), ready, mspId);
      }),
    );
  });
  const enrolled = run.state.enrolledOrgs ?? [];
  const toEnrol = run.state.enrolled ? [] : orgIds.filter((id) => !enrolled.includes(id));
  if (toEnrol.length === 0) return;
  const which = toEnrol.length === 1 ? `; ${toEnrol.join('')}` : '';
  await step(ctx, `identities (register and enrol${which})`, async () => {
    const counts = await Promise.all(
      toEnrol.map((mspId) => enrollOrganisation(layout, consortium, topology, run.orderers, mspId)),
    );
    ctx.log(`  ${counts.reduce((a, b) => a + b, 0)} identities`);
    run.state.enrolledOrgs = [...enrolled, ...toEnrol];
    const everyone = allOrganisationIds(consortium, topology).filter((id) => runsNodes(ctx, run, id));
    run.state.enrolled = everyone.every((id) => run.state.enrolledOrgs?.includes(id));
    saveState(layout, run.state);
  });
}

/**
 * The channel's genesis block, from every member's and ordering organisation's public MSP folder (what each gives
 * to join: its CA roots and NodeOUs). A missing folder is named with the command that writes it.
 */
async function genesisBlockStep(ctx: Context, run: Run): Promise<void> {
  const { layout, consortium, topology } = ctx;
  if (existsSync(run.block)) return;
  const missing = allOrganisationIds(consortium, topology)
    .filter((id) => runsNodes(ctx, run, id))
    .filter((id) => !existsSync(orgCaCert(layout, id)));
  if (missing.length > 0)
    throw new Error(
      `the channel's genesis block needs every organisation's MSP folder; missing: ${missing.join(', ')} ` +
        `(each runs: node network/fabric/cli.mjs enrol --org <mspId>)`,
    );
  await step(ctx, `genesis block of channel ${consortium.channel}`, async () => {
    mkdirSync(layout.configtxDir, { recursive: true });
    writeFileSync(
      join(layout.configtxDir, 'configtx.yaml'),
      toYaml(configtx(consortium, topology, run.orderers, layout)),
    );
    await runOrThrow(
      binPath(layout, 'configtxgen'),
      ['-profile', CHANNEL_PROFILE, '-outputBlock', run.block, '-channelID', consortium.channel],
      { env: { ...process.env, FABRIC_CFG_PATH: layout.configtxDir } },
    );
  });
}

/** Starts the orderers and joins those not yet on the channel (osnadmin, with their organisation's admin). */
async function orderersStep(ctx: Context, run: Run, orderers: OrdererNode[]): Promise<void> {
  const { layout, consortium } = ctx;
  if (orderers.length === 0) return;
  const clusterRoots = ordererOrgs(run.orderers).map((id) => orgCaCert(layout, id));
  await step(ctx, `orderers (${orderers.length}, Raft)`, async () => {
    await Promise.all(
      orderers.map((o) => {
        const env = ordererEnv(layout, o, clusterRoots);
        // the operations endpoint answers before the admin endpoint listens: osnadmin needs the latter (seen
        // refused right after a healthy check on the loaded machine)
        const ready = async () =>
          (await healthy(o.host, o.operationsPort, orgCaCert(layout, o.mspId))) &&
          (await portOpen(o.host, o.adminPort));
        const bin = binPath(layout, 'orderer');
        return startNode(ctx, run.pids, o.name, bin, [], env, layout.nodeData(o.name), ready, o.mspId);
      }),
    );
  });
  const toJoin = orderers.filter((o) => !run.state.ordererChannel.includes(o.name));
  if (toJoin.length === 0) return;
  await step(ctx, `orderers join ${consortium.channel} (osnadmin)`, async () => {
    for (const o of toJoin) {
      const admin = adminOf(ctx, o.mspId);
      await runOrThrow(binPath(layout, 'osnadmin'), [
        ...['channel', 'join', '--channelID', consortium.channel, '--config-block', run.block],
        ...['-o', `${o.host}:${o.adminPort}`, '--ca-file', orgCaCert(layout, o.mspId)],
        ...['--client-cert', admin.tls.cert, '--client-key', admin.tls.key],
      ]);
      run.state.ordererChannel.push(o.name);
      saveState(layout, run.state);
    }
  });
}

/** Starts the peers (each with its own core.yaml and the ccaas builder) and joins those not yet on the channel. */
async function peersStep(ctx: Context, run: Run, peers: PeerNode[]): Promise<void> {
  const { layout, consortium } = ctx;
  if (peers.length === 0) return;
  await step(ctx, `peers (${peers.length})`, async () => {
    writeBuilder(layout);
    const coreYaml = patchCoreYaml(readFileSync(join(layout.sampleConfigDir, 'core.yaml'), 'utf8'));
    await Promise.all(
      peers.map((p) => {
        mkdirSync(layout.peerConfigDir(p.name), { recursive: true });
        writeFileSync(join(layout.peerConfigDir(p.name), 'core.yaml'), coreYaml);
        const ready = () => healthy(p.host, p.operationsPort, orgCaCert(layout, p.mspId));
        const bin = binPath(layout, 'peer');
        const env = peerEnv(layout, p);
        return startNode(
          ctx,
          run.pids,
          p.name,
          bin,
          ['node', 'start'],
          env,
          layout.nodeData(p.name),
          ready,
          p.mspId,
        );
      }),
    );
  });
  const toJoin = peers.filter((p) => !run.state.peerChannel.includes(p.name));
  if (toJoin.length === 0) return;
  await step(ctx, `peers join ${consortium.channel}`, async () => {
    await Promise.all(
      toJoin.map(async (p) => {
        await joinPeer(ctx, p, run.block);
        run.state.peerChannel.push(p.name);
      }),
    );
    saveState(layout, run.state);
  });
}

/** Whether the organisation has a part in this run: a member, or an ordering organisation of the orderers run. */
function runsNodes(ctx: Context, run: Run, mspId: string): boolean {
  return (
    ctx.consortium.organisations.some((o) => o.mspId === mspId) || ordererOrgs(run.orderers).includes(mspId)
  );
}

/** The whole consortium on this machine: every organisation's nodes, the channel, the chaincode. */
export async function up(ctx: Context, ordererCount: number): Promise<void> {
  const { layout, consortium, topology } = ctx;
  const total = performance.now();
  const run = openRun(ctx, ordererCount);
  await binariesStep(ctx);
  const orgIds = allOrganisationIds(consortium, topology).filter((id) => runsNodes(ctx, run, id));
  await identitiesStep(ctx, run, orgIds);
  await genesisBlockStep(ctx, run);
  await orderersStep(ctx, run, run.orderers);
  await peersStep(ctx, run, topology.peers);
  writeGatewayFiles(layout, consortium, topology);
  await step(ctx, 'chaincode served, endorsed by every peer, a transaction committed', async () => {
    const served = await ensureChaincode(ctx);
    ctx.log(
      `  chaincode sequence ${served.sequence} ${served.deployed ? 'deployed' : 'served again'}; ` +
        `every peer endorses (${(served.endorsedMs / 1000).toFixed(2)} s to the first commit)`,
    );
  });
  ctx.log(`network up in ${((performance.now() - total) / 1000).toFixed(2)} s; logs in ${layout.logDir}`);
}

/** The organisation named by `--org`: a member or an ordering organisation of the topology. */
export function organisationOf(ctx: Context, mspId: string): { member: boolean } {
  if (ctx.consortium.organisations.some((o) => o.mspId === mspId)) return { member: true };
  if (ctx.topology.ordererOrganisations.some((o) => o.mspId === mspId)) return { member: false };
  const known = allOrganisationIds(ctx.consortium, ctx.topology).join(', ');
  throw new Error(`--org ${mspId}: not an organisation of the topology (${known})`);
}

/**
 * One organisation's part before the channel exists, as a member joining does it on its own hosts: its CA
 * started and its identities enrolled. What it then gives the others is public: its MSP folder
 * (`orgs/<mspId>/msp`: CA roots and NodeOUs) and its nodes' endpoints (topology.json).
 */
export async function enrolOrganisation(ctx: Context, ordererCount: number, mspId: string): Promise<void> {
  organisationOf(ctx, mspId);
  const run = openRun(ctx, ordererCount);
  await binariesStep(ctx);
  await identitiesStep(ctx, run, [mspId]);
  ctx.log(`${mspId} enrolled; it gives the others ${ctx.layout.orgMsp(mspId)} (public: CA roots, NodeOUs)`);
}

/**
 * One organisation's part of the network, alone, as a member operating its own hosts runs it: its CA (enrolled
 * if it is not), its orderers if it runs any (the ordering organisation also writes the channel's genesis block
 * from every organisation's MSP folder, if it is not there yet), its peers joined to the channel, and, for a
 * member, its own chaincode server and its approval of the chaincode definition (the approval that makes a
 * majority also commits it). It needs the channel's genesis block, which only the ordering organisation makes.
 */
export async function upOrganisation(ctx: Context, ordererCount: number, mspId: string): Promise<void> {
  const { layout } = ctx;
  const { member } = organisationOf(ctx, mspId);
  const total = performance.now();
  const run = openRun(ctx, ordererCount);
  await binariesStep(ctx);
  await identitiesStep(ctx, run, [mspId]);
  const orderers = run.orderers.filter((o) => o.mspId === mspId);
  if (orderers.length > 0) await genesisBlockStep(ctx, run);
  if (!existsSync(run.block))
    throw new Error(
      `${mspId}: no channel genesis block at ${run.block} yet: the ordering organisation makes it ` +
        `(network:up -- --org ${ordererOrgs(run.orderers).join('|')}) once every organisation is enrolled`,
    );
  await orderersStep(ctx, run, orderers);
  const peers = ctx.topology.peers.filter((p) => p.mspId === mspId);
  await peersStep(ctx, run, peers);
  if (member) {
    writeOrganisationGatewayFiles(layout, ctx.consortium, ctx.topology, mspId);
    await step(ctx, `${mspId}'s chaincode: installed, served, approved`, async () => {
      const part = await ensureOrganisationChaincode(ctx, mspId);
      ctx.log(`  ${part.summary}`);
    });
  }
  ctx.log(`${mspId} up in ${((performance.now() - total) / 1000).toFixed(2)} s; logs in ${layout.logDir}`);
}

async function joinPeer(ctx: Context, peer: PeerNode, block: string): Promise<void> {
  const env = { ...process.env, ...peerAdminEnv(ctx.layout, peer) };
  // The orderers may still be electing a leader; the peer only needs the block, so a retry is enough.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await runOrThrow(binPath(ctx.layout, 'peer'), ['channel', 'join', '-b', block], { env });
      return;
    } catch (error) {
      if (String(error).includes('already exists')) return;
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The organisation a process of the PID table belongs to: its CA, orderer, peer, or its peer's chaincode server. */
export function ownerOf(ctx: Context, name: string): string | undefined {
  if (name.startsWith('ca-')) return name.slice('ca-'.length);
  const node = [...ctx.topology.orderers, ...ctx.topology.peers].find((n) => n.name === name);
  if (node !== undefined) return node.mspId;
  if (name.startsWith('chaincode-'))
    return ctx.topology.peers.find((p) => name.endsWith(`-${p.name}`))?.mspId;
  return undefined;
}

/**
 * Stops every process `up` started (by PID, from the run folder's PID table), or, with `mspId`, only that
 * organisation's: the others keep running and stay in the table.
 */
export async function down(ctx: Context, mspId?: string): Promise<void> {
  const all = readPids(ctx.layout.pidFile);
  const mine = (name: string) => mspId === undefined || ownerOf(ctx, name) === mspId;
  const pids = Object.fromEntries(Object.entries(all).filter(([name]) => mine(name)));
  const stopped = await stopProcesses(pids);
  const survivors = Object.entries(pids).filter(([, record]) => isOurs(record));
  if (survivors.length > 0) throw new Error(`still running: ${survivors.map(([name]) => name).join(', ')}`);
  const others = Object.fromEntries(Object.entries(all).filter(([name]) => !mine(name)));
  if (Object.keys(others).length === 0) rmSync(ctx.layout.pidFile, { force: true });
  else writePids(ctx.layout.pidFile, others);
  const what = mspId === undefined ? '' : ` of ${mspId}`;
  ctx.log(
    stopped.length === 0 ? `nothing${what} was running` : `stopped ${stopped.length}: ${stopped.join(', ')}`,
  );
}

export async function reset(ctx: Context): Promise<void> {
  await down(ctx);
  rmSync(ctx.layout.runDir, { recursive: true, force: true });
  ctx.log(`removed ${ctx.layout.runDir}`);
}

export interface NodeStatus {
  name: string;
  kind: 'ca' | 'orderer' | 'peer' | 'chaincode';
  endpoint: string;
  up: boolean;
  heights: Record<string, number>;
  /** Peers only, when asked for: whether the peer endorses a chaincode call now, and why not. */
  endorsement?: { ok: boolean; detail: string };
}

/**
 * Each node and chaincode server: running (our PID), healthy, block heights; with `endorsement`, whether each
 * running peer endorses a chaincode call (a peer CLI query per peer, in parallel, about 0.5 s). With `org`, only
 * that organisation's nodes and chaincode servers.
 */
export async function status(
  ctx: Context,
  options: { endorsement?: boolean; org?: string } = {},
): Promise<NodeStatus[]> {
  const { layout, topology } = ctx;
  const state = readState(layout);
  const orderers = topology.orderers.slice(0, state?.orderers ?? topology.orderers.length);
  const pids = readPids(layout.pidFile);
  const alive = (name: string): boolean => {
    const record = pids[name];
    return record !== undefined && isOurs(record);
  };
  const probe = async (
    name: string,
    kind: NodeStatus['kind'],
    node: { host: string; port: number; operationsPort: number; mspId: string },
  ): Promise<NodeStatus> => {
    const result: NodeStatus = { name, kind, endpoint: `${node.host}:${node.port}`, up: false, heights: {} };
    if (!alive(name)) return result;
    const ca = orgCaCert(layout, node.mspId);
    try {
      if (kind === 'ca') {
        result.up = await caReady(layout, topology, node.mspId);
      } else {
        result.up = await healthy(node.host, node.operationsPort, ca);
        const admin = userTlsFiles(layout, node.mspId, ORG_ADMIN_ID);
        const metrics = await httpsGet(node.host, node.operationsPort, '/metrics', ca, admin);
        result.heights = blockHeights(metrics.body);
      }
    } catch {
      result.up = false;
    }
    return result;
  };
  const orgIds = new Set([
    ...ctx.consortium.organisations.map((o) => o.mspId),
    ...orderers.map((o) => o.mspId),
  ]);
  const ours = (mspId: string) => options.org === undefined || options.org === mspId;
  const peers = topology.peers.filter((p) => ours(p.mspId));
  const rows = await Promise.all([
    ...topology.cas
      .filter((ca) => orgIds.has(ca.mspId) && ours(ca.mspId))
      .map((ca) => probe(`ca-${ca.mspId}`, 'ca', ca)),
    ...orderers.filter((o) => ours(o.mspId)).map((o) => probe(o.name, 'orderer', o)),
    ...peers.map(async (p) => {
      const row = await probe(p.name, 'peer', p);
      if (options.endorsement === true)
        row.endorsement = row.up ? await endorses(ctx, p) : { ok: false, detail: 'peer down' };
      return row;
    }),
  ]);
  return [...rows, ...(await chaincodeRows(ctx, rows, options.org))];
}

/**
 * The chaincode servers of the PID table (of `org` only, if given); with none recorded and a peer up, a "down"
 * row when a definition is committed (its servers should run), none when nothing was ever deployed.
 */
async function chaincodeRows(
  ctx: Context,
  nodes: NodeStatus[],
  org: string | undefined,
): Promise<NodeStatus[]> {
  const ours = (mspId: string) => org === undefined || org === mspId;
  const servers = (await chaincodeServers(ctx)).filter((s) => {
    const owner = ownerOf(ctx, s.name);
    return owner === undefined ? org === undefined : ours(owner);
  });
  const rows = servers.map((server): NodeStatus => ({
    name: server.name,
    kind: 'chaincode',
    endpoint: server.endpoint,
    up: server.up,
    heights: {},
  }));
  const upPeer = nodes.find((row) => row.kind === 'peer' && row.up);
  const asker = ctx.topology.peers.find((p) => p.name === upPeer?.name);
  if (servers.length > 0 || asker === undefined) return rows;
  const committed = await committedSequence(ctx, 0, asker).catch(() => undefined);
  if (committed === undefined) return rows;
  const endpoint = `(from port ${ctx.topology.chaincodeServer.port})`;
  return [{ name: `chaincode (sequence ${committed})`, kind: 'chaincode', endpoint, up: false, heights: {} }];
}
