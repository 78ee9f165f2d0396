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
import { chaincodeServers, committedSequence, endorses, ensureChaincode } from './chaincode.js';
import { writeGatewayFiles } from './gatewayFiles.js';
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
}

export interface Context {
  layout: Layout;
  consortium: Consortium;
  topology: Topology;
  log: (line: string) => void;
  /** Organisations on separate hosts (`<run>/netns.json`, src/netns.ts): each node runs in its namespace. */
  netns?: NetnsPlan;
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

export async function up(ctx: Context, ordererCount: number): Promise<void> {
  const { layout, consortium, topology } = ctx;
  const total = performance.now();
  const orderers = selectOrderers(topology, ordererCount);
  const channel = consortium.channel;
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
  const pids = readPids(layout.pidFile);

  await step(ctx, 'Fabric binaries', async () => {
    const built = await ensureBinaries(layout, ctx.log);
    if (built.length > 0) ctx.log(`  built ${built.join(', ')}`);
  });

  const orgIds = allOrganisationIds(consortium, topology).filter(
    (id) => consortium.organisations.some((o) => o.mspId === id) || ordererOrgs(orderers).includes(id),
  );
  await step(ctx, `certificate authorities (${orgIds.length})`, async () => {
    await Promise.all(
      orgIds.map((mspId) => {
        const { args, env } = caServerArgs(layout, topology, mspId);
        return startNode(
          ctx,
          pids,
          `ca-${mspId}`,
          binPath(layout, 'fabric-ca-server'),
          args,
          env,
          layout.caHome(mspId),
          () => caReady(layout, topology, mspId),
          mspId,
        );
      }),
    );
  });

  if (!state.enrolled) {
    await step(ctx, 'identities (register and enrol)', async () => {
      const counts = await Promise.all(
        orgIds.map((mspId) => enrollOrganisation(layout, consortium, topology, orderers, mspId)),
      );
      ctx.log(`  ${counts.reduce((a, b) => a + b, 0)} identities`);
      state.enrolled = true;
      saveState(layout, state);
    });
  }

  const block = layout.channelBlock(channel);
  if (!existsSync(block)) {
    await step(ctx, `genesis block of channel ${channel}`, async () => {
      mkdirSync(layout.configtxDir, { recursive: true });
      writeFileSync(
        join(layout.configtxDir, 'configtx.yaml'),
        toYaml(configtx(consortium, topology, orderers, layout)),
      );
      await runOrThrow(
        binPath(layout, 'configtxgen'),
        ['-profile', CHANNEL_PROFILE, '-outputBlock', block, '-channelID', channel],
        { env: { ...process.env, FABRIC_CFG_PATH: layout.configtxDir } },
      );
    });
  }

  const clusterRoots = ordererOrgs(orderers).map((id) => orgCaCert(layout, id));
  await step(ctx, `orderers (${orderers.length}, Raft)`, async () => {
    await Promise.all(
      orderers.map((o) => {
        const data = layout.nodeData(o.name);
        return startNode(
          ctx,
          pids,
          o.name,
          binPath(layout, 'orderer'),
          [],
          ordererEnv(layout, o, clusterRoots),
          data,
          () => healthy(o.host, o.operationsPort, orgCaCert(layout, o.mspId)),
          o.mspId,
        );
      }),
    );
  });

  const toJoin = orderers.filter((o) => !state.ordererChannel.includes(o.name));
  if (toJoin.length > 0) {
    await step(ctx, `orderers join ${channel} (osnadmin)`, async () => {
      for (const o of toJoin) {
        const admin = adminOf(ctx, o.mspId);
        await runOrThrow(binPath(layout, 'osnadmin'), [
          'channel',
          'join',
          '--channelID',
          channel,
          '--config-block',
          block,
          '-o',
          `${o.host}:${o.adminPort}`,
          '--ca-file',
          orgCaCert(layout, o.mspId),
          '--client-cert',
          admin.tls.cert,
          '--client-key',
          admin.tls.key,
        ]);
        state.ordererChannel.push(o.name);
        saveState(layout, state);
      }
    });
  }

  await step(ctx, `peers (${topology.peers.length})`, async () => {
    writeBuilder(layout);
    const coreYaml = patchCoreYaml(readFileSync(join(layout.sampleConfigDir, 'core.yaml'), 'utf8'));
    await Promise.all(
      topology.peers.map((p) => {
        mkdirSync(layout.peerConfigDir(p.name), { recursive: true });
        writeFileSync(join(layout.peerConfigDir(p.name), 'core.yaml'), coreYaml);
        return startNode(
          ctx,
          pids,
          p.name,
          binPath(layout, 'peer'),
          ['node', 'start'],
          peerEnv(layout, p),
          layout.nodeData(p.name),
          () => healthy(p.host, p.operationsPort, orgCaCert(layout, p.mspId)),
          p.mspId,
        );
      }),
    );
  });

  const peersToJoin = topology.peers.filter((p) => !state.peerChannel.includes(p.name));
  if (peersToJoin.length > 0) {
    await step(ctx, `peers join ${channel}`, async () => {
      await Promise.all(
        peersToJoin.map(async (p) => {
          await joinPeer(ctx, p, block);
          state.peerChannel.push(p.name);
        }),
      );
      saveState(layout, state);
    });
  }

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

export async function down(ctx: Context): Promise<void> {
  const pids = readPids(ctx.layout.pidFile);
  const stopped = await stopProcesses(pids);
  const survivors = Object.entries(pids).filter(([, record]) => isOurs(record));
  if (survivors.length > 0) throw new Error(`still running: ${survivors.map(([name]) => name).join(', ')}`);
  rmSync(ctx.layout.pidFile, { force: true });
  ctx.log(stopped.length === 0 ? 'nothing was running' : `stopped ${stopped.length}: ${stopped.join(', ')}`);
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
 * running peer endorses a chaincode call (a peer CLI query per peer, in parallel, about 0.5 s).
 */
export async function status(ctx: Context, options: { endorsement?: boolean } = {}): Promise<NodeStatus[]> {
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
  const rows = await Promise.all([
    ...topology.cas.filter((ca) => orgIds.has(ca.mspId)).map((ca) => probe(`ca-${ca.mspId}`, 'ca', ca)),
    ...orderers.map((o) => probe(o.name, 'orderer', o)),
    ...topology.peers.map(async (p) => {
      const row = await probe(p.name, 'peer', p);
      if (options.endorsement === true)
        row.endorsement = row.up ? await endorses(ctx, p) : { ok: false, detail: 'peer down' };
      return row;
    }),
  ]);
  const servers = await chaincodeServers(ctx);
  for (const server of servers) {
    rows.push({
      name: server.name,
      kind: 'chaincode',
      endpoint: server.endpoint,
      up: server.up,
      heights: {},
    });
  }
  if (servers.length === 0 && rows.some((row) => row.kind === 'peer' && row.up)) {
    // no server recorded: missing (down) if a definition is committed, absent if nothing was ever deployed
    const committed = await committedSequence(ctx, 0).catch(() => undefined);
    if (committed !== undefined) {
      const endpoint = `(from port ${topology.chaincodeServer.port})`;
      rows.push({
        name: `chaincode (sequence ${committed})`,
        kind: 'chaincode',
        endpoint,
        up: false,
        heights: {},
      });
    }
  }
  return rows;
}
