import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { binPath } from './binaries.js';
import { orgCaCert, peerAdminEnv } from './configgen.js';
import type { Context } from './network.js';
import { namespaceOf } from './netns.js';
import {
  isOurs,
  readPids,
  run,
  runOrThrow,
  startDaemon,
  sleep,
  stopProcesses,
  waitUntil,
  writePids,
} from './proc.js';
import { readJson, serverPort, type Consortium, type PeerNode } from './topology.js';

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => {
      resolve(false);
    });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The chaincode-level endorsement policy of the privacy design: any one member organisation's peer.
 * Authorship is enforced one level down: every transaction writes to the acting organisation's implicit
 * collection `_implicit_org_<MSP>`, whose endorsement policy Fabric fixes to that organisation, so a
 * transaction endorsed only by another organisation is invalidated at validation.
 */
export function endorsementPolicy(consortium: Consortium): string {
  return `OR(${consortium.organisations.map((o) => `'${o.mspId}.peer'`).join(',')})`;
}

/**
 * A chaincode the launcher runs as a service: by default the consortium's (consortium.json's name and version,
 * the `chaincode/` package, network/collections.json); `ctx.chaincode` names another one deployed beside it on
 * the same channel with the same machinery (`deploy --chaincode <name> --module <folder>`: the floor
 * benchmark's, bench/src/floor).
 */
export interface ChaincodeSpec {
  readonly name: string;
  readonly version: string;
  /** The folder `fabric-chaincode-node server --module-path` loads: its package.json's `main` is the entry. */
  readonly modulePath: string;
  /** Fabric's collections configuration file, for a chaincode with explicit private data collections. */
  readonly collectionsConfig?: string;
  /** Its servers' port range (topology.ts, serverPort): 0 for the consortium's chaincode. */
  readonly portRange: number;
}

/** The consortium's own chaincode. */
export function consortiumChaincode(ctx: Pick<Context, 'consortium' | 'layout'>): ChaincodeSpec {
  const { repoRoot } = ctx.layout;
  return {
    ...ctx.consortium.chaincode,
    modulePath: join(repoRoot, 'chaincode'),
    // The explicit private data collections (receivables' records), in Fabric's format, shared with the
    // embedded network (application/src/receivables/collections.ts).
    collectionsConfig: join(repoRoot, 'network', 'collections.json'),
    portRange: 0,
  };
}

/** The chaincode the launcher's chaincode commands act on: `ctx.chaincode`, else the consortium's. */
export function chaincodeOf(ctx: Pick<Context, 'consortium' | 'layout' | 'chaincode'>): ChaincodeSpec {
  return ctx.chaincode ?? consortiumChaincode(ctx);
}

/**
 * A second chaincode beside the consortium's: `name`, the version its module's package.json gives, no explicit
 * collections (the implicit per-organisation ones exist anyway), servers in the second port range.
 */
export function secondChaincode(
  ctx: Pick<Context, 'consortium' | 'layout'>,
  name: string,
  modulePath: string,
): ChaincodeSpec {
  if (!/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/.test(name))
    throw new Error(`--chaincode ${name}: letters, digits and single hyphens only`);
  if (name === ctx.consortium.chaincode.name)
    throw new Error(`--chaincode ${name} is the consortium's chaincode: run deploy without --chaincode`);
  const manifest = join(modulePath, 'package.json');
  if (!existsSync(manifest)) throw new Error(`--module ${modulePath} has no package.json`);
  const { version } = readJson(manifest) as { version?: unknown };
  if (typeof version !== 'string' || !/^[0-9A-Za-z.]+$/.test(version))
    throw new Error(`${manifest}: version must be a string of letters, digits and dots`);
  return { name, version, modulePath, portRange: 1 };
}

/**
 * Label of the chaincode definition with this sequence: every deployment gets its own packages (the label is
 * inside them, so the package ids differ) and its own servers on their own ports, so the old servers keep
 * serving until the new definition is committed.
 */
export function releaseOf(
  chaincode: ChaincodeSpec,
  sequence: number,
): { label: string; version: string; sequence: number; chaincode: ChaincodeSpec } {
  const { name, version } = chaincode;
  return {
    label: `${name}_${version}_s${sequence}`,
    version: `${version}-s${sequence}`,
    sequence,
    chaincode,
  };
}

export type Release = ReturnType<typeof releaseOf>;

/** The package of a release for one peer's organisation: its connection.json names that organisation's server. */
export function packageFile(ctx: Context, release: Release, peer: PeerNode): string {
  return join(ctx.layout.runDir, 'chaincode', `${release.label}-${peer.name}.tar.gz`);
}

export async function buildPackage(pkg: string, label: string, address: string): Promise<void> {
  mkdirSync(dirname(pkg), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'ccaas-'));
  try {
    const connection = { address, dial_timeout: '10s', tls_required: false };
    writeFileSync(join(work, 'connection.json'), JSON.stringify(connection));
    await runOrThrow('tar', ['-czf', 'code.tar.gz', 'connection.json'], { cwd: work });
    writeFileSync(join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
    await runOrThrow('tar', ['-czf', pkg, 'metadata.json', 'code.tar.gz'], { cwd: work });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Starts one organisation's chaincode server of a release, unless our process for it already runs; returns
 * its name.
 */
export async function serve(
  ctx: Context,
  release: Release,
  peer: PeerNode,
  packageId: string,
): Promise<string> {
  const { layout, topology } = ctx;
  const host = peer.listenHost ?? peer.host;
  const port = serverPort(topology, peer, release.sequence, release.chaincode.portRange);
  const pids = readPids(layout.pidFile);
  const name = serverName(release.label, peer);
  const existing = pids[name];
  if (existing !== undefined && isOurs(existing)) return name;
  if (await portOpen(host, port)) {
    throw new Error(`port ${host}:${port} for ${name} is taken by a process we did not start`);
  }
  const cli = join(layout.repoRoot, 'node_modules', 'fabric-shim', 'cli.js');
  const args = [
    cli,
    'server',
    '--chaincode-address',
    `${host}:${port}`,
    '--chaincode-id',
    packageId,
    '--module-path',
    release.chaincode.modulePath,
  ];
  const log = layout.log(name);
  const cwd = release.chaincode.modulePath;
  const pid = startDaemon(process.execPath, args, {}, log, cwd, namespaceOf(ctx.netns, peer.mspId));
  // the endpoint is recorded: status cannot tell a server's port range from its name alone
  pids[name] = { pid, bin: process.execPath, log, endpoint: `${host}:${port}` };
  writePids(layout.pidFile, pids);
  const record = { pid, bin: process.execPath, log };
  // stop waiting as soon as the process is gone (its log says why)
  const ok = await waitUntil(async () => !isOurs(record) || (await portOpen(host, port)), 20_000);
  if (!ok || !isOurs(record)) {
    throw new Error(`chaincode server ${name} did not listen on ${host}:${port}; see ${log}`);
  }
  return name;
}

/**
 * A package's id as Fabric defines it (and `peer lifecycle chaincode calculatepackageid` prints it): its label,
 * a colon, and the SHA-256 of the package file. Worked out here, not by a peer CLI process per organisation at
 * every `up`.
 */
export function packageIdOf(release: Release, pkg: string): string {
  return `${release.label}:${createHash('sha256').update(readFileSync(pkg)).digest('hex')}`;
}

/** The peer CLI prints its usage after an error: the `Error: …` line is the one that says what happened. */
export function errorLine(output: string): string {
  const lines = output.split('\n');
  return (lines.find((line) => line.startsWith('Error:')) ?? lines.at(-1) ?? '').trim();
}

/**
 * The committed sequence, or undefined when nothing is committed. Right after the peers (re)start, a peer can
 * answer its health check before it has opened the channel; `querycommitted` then fails for a reason other
 * than "not defined". That answer used to be read as "nothing committed", so `up` started no chaincode
 * server and still reported success (the restart race): every other failure is now retried until
 * `timeoutMs`, and then thrown.
 */
export async function committedSequence(
  ctx: Context,
  timeoutMs = 30_000,
  peer: PeerNode | undefined = ctx.topology.peers[0],
): Promise<number | undefined> {
  if (peer === undefined) throw new Error('topology has no peer');
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const committed = await run(
      binPath(ctx.layout, 'peer'),
      [
        'lifecycle',
        'chaincode',
        'querycommitted',
        '-C',
        ctx.consortium.channel,
        '-n',
        chaincodeOf(ctx).name,
        '-O',
        'json',
      ],
      { env: { ...process.env, ...peerAdminEnv(ctx.layout, peer) } },
    );
    const output = `${committed.stdout}\n${committed.stderr}`.trim();
    if (committed.code === 0) {
      if (attempt > 1) ctx.log(`  querycommitted answered at attempt ${attempt}`);
      return (JSON.parse(committed.stdout) as { sequence: number }).sequence;
    }
    if (/namespace \S+ is not defined/.test(output)) return undefined;
    if (attempt === 1) ctx.log(`  querycommitted not answered yet: ${errorLine(output)}`);
    if (Date.now() >= deadline) {
      throw new Error(`querycommitted on ${peer.name} kept failing: ${errorLine(output)}`);
    }
    await sleep(250);
  }
}

/** A chaincode server's name in the pid table: `chaincode-<release label>-<peer>`. */
function serverName(label: string, peer: PeerNode): string {
  return `chaincode-${label}-${peer.name}`;
}

/**
 * Whether a pid table name is a server of this chaincode (any release): `chaincode-<name>_<version>_s<n>-…`.
 * Versions hold no underscore (secondChaincode checks), so `tallystick` never claims `tallystick_x`'s servers.
 */
export function isServerOf(chaincode: Pick<ChaincodeSpec, 'name'>, pidName: string): boolean {
  const prefix = `chaincode-${chaincode.name}_`;
  return pidName.startsWith(prefix) && /^[^_]+_s\d+-/.test(pidName.slice(prefix.length));
}

/**
 * After `down` and `up`, the committed definition still names the last release: start each organisation's
 * server of it again (the packages, and so their ids, are kept in the run folder). Returns the sequence
 * served, if any.
 */
export async function serveCommitted(ctx: Context): Promise<number | undefined> {
  const sequence = await committedSequence(ctx);
  if (sequence === undefined) return undefined;
  const release = releaseOf(chaincodeOf(ctx), sequence);
  for (const peer of ctx.topology.peers) {
    const pkg = packageFile(ctx, release, peer);
    if (!existsSync(pkg))
      throw new Error(`sequence ${sequence} is committed but ${pkg} is missing; run deploy`);
    await serve(ctx, release, peer, packageIdOf(release, pkg));
  }
  return sequence;
}

/** A call every peer can endorse without any state or role: the contract API's own metadata function. */
const PING = JSON.stringify({ function: 'org.hyperledger.fabric:GetMetadata', Args: [] });

export interface ChaincodeServerStatus {
  name: string;
  endpoint: string;
  up: boolean;
}

/**
 * The chaincode servers recorded in the pid table (every chaincode's): alive (our process) and listening. A
 * record without its endpoint (written before endpoints were recorded) is the consortium's chaincode's.
 */
export async function chaincodeServers(ctx: Context): Promise<ChaincodeServerStatus[]> {
  const pids = readPids(ctx.layout.pidFile);
  const names = Object.keys(pids).filter((name) => name.startsWith('chaincode-'));
  return Promise.all(
    names.map(async (name) => {
      const peer = ctx.topology.peers.find((p) => name.endsWith(`-${p.name}`));
      const sequence = /_s(\d+)-/.exec(name)?.[1];
      const record = pids[name];
      if (peer === undefined || sequence === undefined || record === undefined)
        return { name, endpoint: '?', up: false };
      const endpoint =
        record.endpoint ??
        `${peer.listenHost ?? peer.host}:${serverPort(ctx.topology, peer, Number(sequence))}`;
      const [host = '', port = ''] = endpoint.split(/:(?=\d+$)/);
      const up = isOurs(record) && (await portOpen(host, Number(port)));
      return { name, endpoint, up };
    }),
  );
}

/** Whether `peer` endorses a chaincode call now (the peer reaches the chaincode server, which answers). */
export async function endorses(ctx: Context, peer: PeerNode): Promise<{ ok: boolean; detail: string }> {
  const result = await run(
    binPath(ctx.layout, 'peer'),
    ['chaincode', 'query', '-C', ctx.consortium.channel, '-n', chaincodeOf(ctx).name, '-c', PING],
    { env: { ...process.env, ...peerAdminEnv(ctx.layout, peer) }, timeoutMs: 20_000 },
  );
  const lines = `${result.stdout}\n${result.stderr}`.trim().split('\n');
  return { ok: result.code === 0, detail: result.code === 0 ? 'endorses' : (lines.at(-1) ?? '') };
}

/** Waits up to 30 s for `peer` to endorse a chaincode call; throws with its last answer if it does not. */
export async function endorsesWithin(ctx: Context, peer: PeerNode): Promise<void> {
  let last = { ok: false, detail: '' };
  const ok = await waitUntil(
    async () => {
      last = await endorses(ctx, peer);
      return last.ok;
    },
    30_000,
    250,
  );
  if (!ok) throw new Error(`${peer.name} does not endorse a chaincode call: ${last.detail}`);
}

/**
 * One transaction through the whole path: endorsed by `peer` (default the first), ordered, and committed (the
 * peer CLI waits for its commit event). It writes nothing, so it is valid under any state.
 */
export async function commitsTransaction(
  ctx: Context,
  timeoutMs = 30_000,
  peer: PeerNode | undefined = ctx.topology.peers[0],
): Promise<void> {
  const { layout, topology, consortium } = ctx;
  const [orderer] = topology.orderers;
  if (peer === undefined || orderer === undefined) throw new Error('topology has no peer or orderer');
  const args = [
    'chaincode',
    'invoke',
    '-o',
    `${orderer.host}:${orderer.port}`,
    '--tls',
    '--cafile',
    orgCaCert(layout, orderer.mspId),
    '-C',
    consortium.channel,
    '-n',
    chaincodeOf(ctx).name,
    '--peerAddresses',
    `${peer.host}:${peer.port}`,
    '--tlsRootCertFiles',
    orgCaCert(layout, peer.mspId),
    '-c',
    PING,
    '--waitForEvent',
    '--waitForEventTimeout',
    '20s',
  ];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await run(binPath(layout, 'peer'), args, {
      env: { ...process.env, ...peerAdminEnv(layout, peer) },
      timeoutMs: 40_000,
    });
    if (result.code === 0) return;
    const output = `${result.stdout}\n${result.stderr}`.trim();
    // a restarted ordering service has no Raft leader for about an election timeout
    if (Date.now() >= deadline || !/no Raft leader|SERVICE_UNAVAILABLE|connection refused/i.test(output)) {
      throw new Error(`a test transaction did not commit: ${errorLine(output)}`);
    }
    await sleep(250);
  }
}

/**
 * What `up` does last, and what makes its success mean something: the committed release is served (deployed
 * first if nothing is committed), its server is our live process and listens, every peer endorses a call,
 * and one transaction commits. Anything short of that is an error, so `up` exits non-zero.
 */
export async function ensureChaincode(
  ctx: Context,
): Promise<{ sequence: number; deployed: boolean; endorsedMs: number }> {
  let sequence = await serveCommitted(ctx);
  let deployed = false;
  if (sequence === undefined) {
    sequence = (await deploy(ctx)).sequence;
    deployed = true;
  }
  const release = releaseOf(chaincodeOf(ctx), sequence);
  const servers = await chaincodeServers(ctx);
  for (const peer of ctx.topology.peers) {
    const name = serverName(release.label, peer);
    if (servers.find((s) => s.name === name)?.up !== true)
      throw new Error(`chaincode server ${name} is not running after up`);
  }
  const started = performance.now();
  await Promise.all(ctx.topology.peers.map((peer) => endorsesWithin(ctx, peer)));
  await commitsTransaction(ctx);
  return { sequence, deployed, endorsedMs: performance.now() - started };
}

export interface Deployment {
  /** Each organisation's package id, by peer. */
  packageIds: Record<string, string>;
  sequence: number;
  stopped: string[];
}

/**
 * Chaincode as a service, one new version per call, without downtime: for each organisation a new package
 * naming its own server (built once and kept, because its id hashes the bytes, file times included),
 * installed on its peer, served by a new `fabric-chaincode-node server` beside the peer on a fresh port,
 * approved by the organisation with its own package id and the next sequence, and committed. Only then are the
 * previous version's servers stopped, by PID.
 */
export async function deploy(ctx: Context): Promise<Deployment> {
  const { consortium, topology } = ctx;
  if (topology.peers[0] === undefined || topology.orderers[0] === undefined)
    throw new Error('topology has no peer or orderer');
  const sequence = ((await committedSequence(ctx)) ?? 0) + 1;
  const release = releaseOf(chaincodeOf(ctx), sequence);
  const packageIds: Record<string, string> = {};
  // One organisation after the other: each starts a Node process, and two cores are better used in turn.
  for (const peer of topology.peers) packageIds[peer.name] = await installAndServe(ctx, release, peer);
  ctx.log(`  installed and served on ${topology.peers.length} organisations' hosts`);
  await approveByEveryMember(ctx, release, packageIds);
  ctx.log(`  approved by ${topology.peers.length} organisations (sequence ${sequence})`);
  await commitEndorsedByEveryMember(ctx, release);
  ctx.log(
    `  committed ${release.chaincode.name} ${release.version} sequence ${sequence} on ${consortium.channel}`,
  );
  // The new definition is live on every peer (commit waited for them): the older servers serve nobody.
  const stopped = await stopServersExcept(
    ctx,
    release.chaincode,
    topology.peers.map((peer) => serverName(release.label, peer)),
  );
  if (stopped.length > 0) ctx.log(`  stopped ${stopped.join(', ')}`);
  return { packageIds, sequence, stopped };
}

/** The environment of a peer CLI call as the peer's organisation admin. */
function adminEnv(ctx: Context, peer: PeerNode): NodeJS.ProcessEnv {
  return { ...process.env, ...peerAdminEnv(ctx.layout, peer) };
}

/**
 * Builds (once) the organisation's package naming its own server, installs it on the peer (an install already
 * done is fine) and starts the server; returns the package id.
 */
export async function installAndServe(ctx: Context, release: Release, peer: PeerNode): Promise<string> {
  const pkg = packageFile(ctx, release, peer);
  const port = serverPort(ctx.topology, peer, release.sequence, release.chaincode.portRange);
  if (!existsSync(pkg)) await buildPackage(pkg, release.label, `${peer.host}:${port}`);
  const packageId = packageIdOf(release, pkg);
  const result = await run(binPath(ctx.layout, 'peer'), ['lifecycle', 'chaincode', 'install', pkg], {
    env: adminEnv(ctx, peer),
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.code !== 0 && !output.includes('already successfully installed'))
    throw new Error(`install on ${peer.name} failed: ${errorLine(output)}`);
  await serve(ctx, release, peer, packageId);
  return packageId;
}

/** The peer CLI's arguments that name the ordering service: the first orderer, over TLS. */
export function ordererArgs(ctx: Context): string[] {
  const [orderer] = ctx.topology.orderers;
  if (orderer === undefined) throw new Error('topology has no orderer');
  return ['-o', `${orderer.host}:${orderer.port}`, '--tls', '--cafile', orgCaCert(ctx.layout, orderer.mspId)];
}

/** The chaincode definition of a release, as `approveformyorg`, `checkcommitreadiness` and `commit` take it. */
export function definitionArgs(ctx: Context, release: Release): string[] {
  const { name, collectionsConfig } = release.chaincode;
  return [
    ...['--channelID', ctx.consortium.channel, '--name', name],
    ...['--version', release.version, '--sequence', String(release.sequence)],
    ...['--signature-policy', endorsementPolicy(ctx.consortium)],
    ...(collectionsConfig === undefined ? [] : ['--collections-config', collectionsConfig]),
  ];
}

/** The peer CLI's arguments that name these peers as endorsers, each with its organisation's TLS root. */
export function peerAddressArgs(ctx: Context, peers: readonly PeerNode[]): string[] {
  return peers.flatMap((peer) => [
    ...['--peerAddresses', `${peer.host}:${peer.port}`],
    ...['--tlsRootCertFiles', orgCaCert(ctx.layout, peer.mspId)],
  ]);
}

/** Every organisation approves the release's definition with its own package id, all at once. */
async function approveByEveryMember(
  ctx: Context,
  release: Release,
  packageIds: Record<string, string>,
): Promise<void> {
  const approve = [
    'lifecycle',
    'chaincode',
    'approveformyorg',
    ...ordererArgs(ctx),
    ...definitionArgs(ctx, release),
  ];
  await Promise.all(
    ctx.topology.peers.map((peer) =>
      untilLeader(binPath(ctx.layout, 'peer'), [...approve, '--package-id', packageIds[peer.name] ?? ''], {
        env: adminEnv(ctx, peer),
      }),
    ),
  );
}

/** Commits the release's definition, endorsed by every organisation's peer; sent as the first peer's admin. */
async function commitEndorsedByEveryMember(ctx: Context, release: Release): Promise<void> {
  const { peers } = ctx.topology;
  const [firstPeer] = peers;
  if (firstPeer === undefined) throw new Error('topology has no peer');
  const commit = ['lifecycle', 'chaincode', 'commit', ...ordererArgs(ctx), ...definitionArgs(ctx, release)];
  await untilLeader(binPath(ctx.layout, 'peer'), [...commit, ...peerAddressArgs(ctx, peers)], {
    env: adminEnv(ctx, firstPeer),
  });
}

/**
 * Stops, by PID, every server of this chaincode in the pid table but those named in `keep`, and forgets them;
 * another chaincode's servers keep running.
 */
async function stopServersExcept(
  ctx: Context,
  chaincode: ChaincodeSpec,
  keep: readonly string[],
): Promise<string[]> {
  const { pidFile } = ctx.layout;
  const older = Object.fromEntries(
    Object.entries(readPids(pidFile)).filter(([key]) => isServerOf(chaincode, key) && !keep.includes(key)),
  );
  const stopped = await stopProcesses(older);
  // read again: stopping can take the whole grace period, and the table is the one record of every process
  const remaining = readPids(pidFile);
  for (const key of Object.keys(older)) Reflect.deleteProperty(remaining, key);
  writePids(pidFile, remaining);
  return stopped;
}

/**
 * A lifecycle call that goes to the ordering service. Right after the orderers (re)start, Raft has no leader
 * for about an election timeout and the orderer answers SERVICE_UNAVAILABLE "no Raft leader": wait for one.
 */
export async function untilLeader(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv },
  attempts = 30,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOrThrow(file, args, options);
    } catch (e) {
      if (attempt >= attempts || !(e instanceof Error) || !/no Raft leader/.test(e.message)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
