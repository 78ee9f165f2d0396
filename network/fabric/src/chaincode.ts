import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from './binaries.js';
import { orgCaCert, peerAdminEnv } from './configgen.js';
import type { Context } from './network.js';
import { isOurs, readPids, run, runOrThrow, startDaemon, waitUntil, writePids } from './proc.js';

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
 * Chaincode as a service: the package holds only where to dial (connection.json); the peers' external
 * builder hands that to the peer, and one `fabric-chaincode-node server` process serves every peer.
 * The package is built once and kept, because its id hashes the bytes, file times included.
 */
export async function deploy(ctx: Context): Promise<string> {
  const { layout, consortium, topology } = ctx;
  const { name, version } = consortium.chaincode;
  const label = `${name}_${version}`;
  const dir = join(layout.runDir, 'chaincode');
  const pkg = join(dir, `${label}.tar.gz`);
  const [firstPeer] = topology.peers;
  const [orderer] = topology.orderers;
  if (firstPeer === undefined || orderer === undefined) throw new Error('topology has no peer or orderer');
  const peerBin = binPath(layout, 'peer');
  const adminEnv = (peer: typeof firstPeer): NodeJS.ProcessEnv => ({
    ...process.env,
    ...peerAdminEnv(layout, peer),
  });

  if (!existsSync(pkg)) {
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'ccaas-'));
    try {
      const server = topology.chaincodeServer;
      const connection = {
        address: `${server.host}:${server.port}`,
        dial_timeout: '10s',
        tls_required: false,
      };
      writeFileSync(join(work, 'connection.json'), JSON.stringify(connection));
      await runOrThrow('tar', ['-czf', 'code.tar.gz', 'connection.json'], { cwd: work });
      writeFileSync(join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
      await runOrThrow('tar', ['-czf', pkg, 'metadata.json', 'code.tar.gz'], { cwd: work });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
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

  const pids = readPids(layout.pidFile);
  const serverName = `chaincode-${label}`;
  const existing = pids[serverName];
  if (existing === undefined || !isOurs(existing)) {
    const server = topology.chaincodeServer;
    const cli = join(layout.repoRoot, 'node_modules', 'fabric-shim', 'cli.js');
    const args = [
      cli,
      'server',
      '--chaincode-address',
      `${server.host}:${server.port}`,
      '--chaincode-id',
      packageId,
      '--module-path',
      join(layout.repoRoot, 'chaincode'),
    ];
    const log = layout.log(serverName);
    const pid = startDaemon(process.execPath, args, {}, log, join(layout.repoRoot, 'chaincode'));
    pids[serverName] = { pid, bin: process.execPath, log };
    writePids(layout.pidFile, pids);
    if (!(await waitUntil(() => portOpen(server.host, server.port), 20_000))) {
      throw new Error(`chaincode server did not listen on ${server.host}:${server.port}; see ${log}`);
    }
  }

  const channel = consortium.channel;
  const committed = await run(
    peerBin,
    ['lifecycle', 'chaincode', 'querycommitted', '-C', channel, '-n', name, '-O', 'json'],
    { env: adminEnv(firstPeer) },
  );
  const sequence =
    committed.code === 0 ? (JSON.parse(committed.stdout) as { sequence: number }).sequence + 1 : 1;
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
    version,
    '--sequence',
    String(sequence),
  ];
  await Promise.all(
    topology.peers.map((peer) =>
      runOrThrow(
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
  await runOrThrow(
    peerBin,
    ['lifecycle', 'chaincode', 'commit', ...ordererArgs, ...definition, ...peerArgs],
    {
      env: adminEnv(firstPeer),
    },
  );
  ctx.log(`  committed ${name} ${version} sequence ${sequence} on ${channel}`);
  return packageId;
}
