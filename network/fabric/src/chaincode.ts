import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { binPath } from './binaries.js';
import { orgCaCert, peerAdminEnv } from './configgen.js';
import type { Context } from './network.js';
import {
  isOurs,
  readPids,
  run,
  runOrThrow,
  startDaemon,
  stopProcesses,
  waitUntil,
  writePids,
} from './proc.js';
import type { Consortium, Topology } from './topology.js';

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => {
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
 * Label and serving port of the chaincode definition with this sequence: every deployment gets its own
 * package (the label is inside it, so the package id differs) and its own server on its own port, so
 * the old server keeps serving until the new definition is committed.
 */
export function releaseOf(
  consortium: Consortium,
  topology: Topology,
  sequence: number,
): { label: string; version: string; port: number } {
  const { name, version } = consortium.chaincode;
  return {
    label: `${name}_${version}_s${sequence}`,
    version: `${version}-s${sequence}`,
    port: topology.chaincodeServer.port + ((sequence - 1) % CHAINCODE_PORT_SLOTS),
  };
}

/** Ports base … base+9 are reserved for chaincode servers (README port plan). */
export const CHAINCODE_PORT_SLOTS = 10;

async function buildPackage(pkg: string, label: string, address: string): Promise<void> {
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

/** Starts the chaincode server of one release unless our process for it already runs; returns its name. */
async function serve(
  ctx: Context,
  release: { label: string; port: number },
  packageId: string,
): Promise<string> {
  const { layout, topology } = ctx;
  const host = topology.chaincodeServer.host;
  const pids = readPids(layout.pidFile);
  const serverName = `chaincode-${release.label}`;
  const existing = pids[serverName];
  if (existing !== undefined && isOurs(existing)) return serverName;
  if (await portOpen(host, release.port)) {
    throw new Error(`port ${host}:${release.port} for ${serverName} is taken by a process we did not start`);
  }
  const cli = join(layout.repoRoot, 'node_modules', 'fabric-shim', 'cli.js');
  const args = [
    cli,
    'server',
    '--chaincode-address',
    `${host}:${release.port}`,
    '--chaincode-id',
    packageId,
    '--module-path',
    join(layout.repoRoot, 'chaincode'),
  ];
  const log = layout.log(serverName);
  const pid = startDaemon(process.execPath, args, {}, log, join(layout.repoRoot, 'chaincode'));
  pids[serverName] = { pid, bin: process.execPath, log };
  writePids(layout.pidFile, pids);
  if (!(await waitUntil(() => portOpen(host, release.port), 20_000))) {
    throw new Error(`chaincode server did not listen on ${host}:${release.port}; see ${log}`);
  }
  return serverName;
}

async function committedSequence(ctx: Context): Promise<number | undefined> {
  const [firstPeer] = ctx.topology.peers;
  if (firstPeer === undefined) throw new Error('topology has no peer');
  const committed = await run(
    binPath(ctx.layout, 'peer'),
    [
      'lifecycle',
      'chaincode',
      'querycommitted',
      '-C',
      ctx.consortium.channel,
      '-n',
      ctx.consortium.chaincode.name,
      '-O',
      'json',
    ],
    { env: { ...process.env, ...peerAdminEnv(ctx.layout, firstPeer) } },
  );
  return committed.code === 0 ? (JSON.parse(committed.stdout) as { sequence: number }).sequence : undefined;
}

/**
 * After `down` and `up`, the committed definition still names the last release: start its server again
 * (the package, and so its id, is kept in the run folder). Returns the sequence served, if any.
 */
export async function serveCommitted(ctx: Context): Promise<number | undefined> {
  const sequence = await committedSequence(ctx);
  if (sequence === undefined) return undefined;
  const release = releaseOf(ctx.consortium, ctx.topology, sequence);
  const pkg = join(ctx.layout.runDir, 'chaincode', `${release.label}.tar.gz`);
  if (!existsSync(pkg))
    throw new Error(`sequence ${sequence} is committed but ${pkg} is missing; run deploy`);
  const [firstPeer] = ctx.topology.peers;
  if (firstPeer === undefined) throw new Error('topology has no peer');
  const packageId = (
    await runOrThrow(binPath(ctx.layout, 'peer'), ['lifecycle', 'chaincode', 'calculatepackageid', pkg], {
      env: { ...process.env, ...peerAdminEnv(ctx.layout, firstPeer) },
    })
  ).trim();
  await serve(ctx, release, packageId);
  return sequence;
}

export interface Deployment {
  packageId: string;
  sequence: number;
  port: number;
  stopped: string[];
}

/**
 * Chaincode as a service, one new version per call, without downtime: a new package (built once and kept,
 * because its id hashes the bytes, file times included), installed on every peer, served by a new
 * `fabric-chaincode-node server` on a fresh port, approved by every organisation with the next sequence
 * and committed. Only then is the previous version's server stopped, by PID.
 */
export async function deploy(ctx: Context): Promise<Deployment> {
  const { layout, consortium, topology } = ctx;
  const { name } = consortium.chaincode;
  const [firstPeer] = topology.peers;
  const [orderer] = topology.orderers;
  if (firstPeer === undefined || orderer === undefined) throw new Error('topology has no peer or orderer');
  const peerBin = binPath(layout, 'peer');
  const adminEnv = (peer: typeof firstPeer): NodeJS.ProcessEnv => ({
    ...process.env,
    ...peerAdminEnv(layout, peer),
  });
  const channel = consortium.channel;

  const sequence = ((await committedSequence(ctx)) ?? 0) + 1;
  const release = releaseOf(consortium, topology, sequence);
  const pkg = join(layout.runDir, 'chaincode', `${release.label}.tar.gz`);
  if (!existsSync(pkg))
    await buildPackage(pkg, release.label, `${topology.chaincodeServer.host}:${release.port}`);
  const packageId = (
    await runOrThrow(peerBin, ['lifecycle', 'chaincode', 'calculatepackageid', pkg], {
      env: adminEnv(firstPeer),
    })
  ).trim();
  ctx.log(`  package ${packageId}`);

  await Promise.all(
    topology.peers.map(async (peer) => {
      const result = await run(peerBin, ['lifecycle', 'chaincode', 'install', pkg], { env: adminEnv(peer) });
      const output = `${result.stdout}${result.stderr}`;
      if (result.code !== 0 && !output.includes('already successfully installed')) {
        throw new Error(`install on ${peer.name} failed:\n${output.trim()}`);
      }
    }),
  );
  ctx.log(`  installed on ${topology.peers.length} peers`);

  const serverName = await serve(ctx, release, packageId);
  ctx.log(`  serving on ${topology.chaincodeServer.host}:${release.port}`);

  const ordererArgs = [
    '-o',
    `${orderer.host}:${orderer.port}`,
    '--tls',
    '--cafile',
    orgCaCert(layout, orderer.mspId),
  ];
  const definition = [
    '--channelID',
    channel,
    '--name',
    name,
    '--version',
    release.version,
    '--sequence',
    String(sequence),
    '--signature-policy',
    endorsementPolicy(consortium),
  ];
  await Promise.all(
    topology.peers.map((peer) =>
      untilLeader(
        peerBin,
        [
          'lifecycle',
          'chaincode',
          'approveformyorg',
          ...ordererArgs,
          ...definition,
          '--package-id',
          packageId,
        ],
        { env: adminEnv(peer) },
      ),
    ),
  );
  ctx.log(`  approved by ${topology.peers.length} organisations (sequence ${sequence})`);
  const peerArgs = topology.peers.flatMap((peer) => [
    '--peerAddresses',
    `${peer.host}:${peer.port}`,
    '--tlsRootCertFiles',
    orgCaCert(layout, peer.mspId),
  ]);
  await untilLeader(
    peerBin,
    ['lifecycle', 'chaincode', 'commit', ...ordererArgs, ...definition, ...peerArgs],
    {
      env: adminEnv(firstPeer),
    },
  );
  ctx.log(`  committed ${name} ${release.version} sequence ${sequence} on ${channel}`);

  // The new definition is live on every peer (commit waited for them): the older servers serve nobody.
  const pids = readPids(layout.pidFile);
  const older = Object.fromEntries(
    Object.entries(pids).filter(([key]) => key.startsWith('chaincode-') && key !== serverName),
  );
  const stopped = await stopProcesses(older);
  const remaining = readPids(layout.pidFile);
  for (const key of Object.keys(older)) Reflect.deleteProperty(remaining, key);
  writePids(layout.pidFile, remaining);
  if (stopped.length > 0) ctx.log(`  stopped ${stopped.join(', ')}`);
  return { packageId, sequence, port: release.port, stopped };
}

/**
 * A lifecycle call that goes to the ordering service. Right after the orderers (re)start, Raft has no leader
 * for about an election timeout and the orderer answers SERVICE_UNAVAILABLE "no Raft leader": wait for one.
 */
async function untilLeader(
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
