import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from './binaries.js';
import {
  chaincodeOf,
  commitsTransaction,
  committedSequence,
  definitionArgs,
  endorsesWithin,
  installAndServe,
  ordererArgs,
  peerAddressArgs,
  releaseOf,
  untilLeader,
  type Release,
} from './chaincode.js';
import { peerAdminEnv } from './configgen.js';
import type { Context } from './network.js';
import { run, sleep, waitUntil } from './proc.js';
import type { PeerNode } from './topology.js';

/**
 * One member's part of the chaincode lifecycle, as it does it on its own hosts (`up --org`): its own package
 * (naming its own server), installed on its own peers, its server started beside them, and its organisation's
 * approval of the definition. The definition is the one the consortium agreed (consortium.json: name, version;
 * the endorsement policy over every member): the committed sequence, or sequence 1 on a fresh channel. The
 * member whose approval makes the majority the lifecycle policy needs (`MAJORITY Endorsement`) commits it,
 * endorsed by the approving members' peers; a member that comes later approves the committed sequence, which is
 * what lets its own peer run the chaincode.
 */
export async function ensureOrganisationChaincode(
  ctx: Context,
  mspId: string,
): Promise<{ sequence: number; committed: boolean; summary: string }> {
  const peers = ctx.topology.peers.filter((p) => p.mspId === mspId);
  const [peer] = peers;
  if (peer === undefined) throw new Error(`${mspId} has no peer in topology.json`);
  await caughtUp(ctx, peer);
  const committed = await committedSequence(ctx, 30_000, peer);
  const release = releaseOf(chaincodeOf(ctx), committed ?? 1);
  let packageId = '';
  for (const p of peers) packageId = await installAndServe(ctx, release, p);
  await approve(ctx, peer, release, packageId);
  if (committed === undefined) {
    const approvals = await commitReadiness(ctx, peer, release);
    const approved = Object.keys(approvals).filter((id) => approvals[id] === true);
    const needed = Math.floor(ctx.consortium.organisations.length / 2) + 1;
    if (approved.length < needed)
      return {
        sequence: release.sequence,
        committed: false,
        summary:
          `approved sequence ${release.sequence} (${approved.length} of ${ctx.consortium.organisations.length} ` +
          `members: ${approved.join(', ')}); the member whose approval makes ${needed} commits it`,
      };
    await commitDefinition(ctx, peer, release, approved);
  }
  for (const p of peers) await endorsesWithin(ctx, p);
  await commitsTransaction(ctx, 30_000, peer);
  return {
    sequence: release.sequence,
    committed: true,
    summary:
      `sequence ${release.sequence} ${committed === undefined ? 'committed by this member' : 'already committed'}; ` +
      `${peers.map((p) => p.name).join(', ')} endorse(s), a transaction committed through ${peer.name}`,
  };
}

/**
 * The organisation's approval with its own package id, unless it has given exactly that one: approving a
 * committed definition again is invalidated (ENDORSEMENT_POLICY_FAILURE, seen when a member's `up` ran twice).
 */
async function approve(ctx: Context, peer: PeerNode, release: Release, packageId: string): Promise<void> {
  const env = { ...process.env, ...peerAdminEnv(ctx.layout, peer) };
  const peerBin = binPath(ctx.layout, 'peer');
  const query = ['lifecycle', 'chaincode', 'queryapproved', '-C', ctx.consortium.channel];
  const given = await run(
    peerBin,
    [...query, '-n', release.chaincode.name, '--sequence', String(release.sequence), '-O', 'json'],
    { env },
  );
  if (given.code === 0 && approvedPackageId(given.stdout) === packageId) return;
  const args = [
    ...['lifecycle', 'chaincode', 'approveformyorg', ...ordererArgs(ctx), ...definitionArgs(ctx, release)],
    ...['--package-id', packageId],
  ];
  try {
    await untilLeader(peerBin, args, { env });
  } catch (error) {
    if (!/unchanged content/.test(String(error))) throw error;
  }
}

/** The package id of `queryapproved -O json`'s answer. */
function approvedPackageId(json: string): string | undefined {
  const answer = JSON.parse(json) as { source?: { Type?: { LocalPackage?: { package_id?: string } } } };
  return answer.source?.Type?.LocalPackage?.package_id;
}

/** Which members have approved the definition, as the member's own peer sees it. */
async function commitReadiness(
  ctx: Context,
  peer: PeerNode,
  release: Release,
): Promise<Record<string, boolean>> {
  const args = [
    'lifecycle',
    'chaincode',
    'checkcommitreadiness',
    ...definitionArgs(ctx, release),
    '-O',
    'json',
  ];
  const stdout = await untilLeader(binPath(ctx.layout, 'peer'), args, {
    env: { ...process.env, ...peerAdminEnv(ctx.layout, peer) },
  });
  return (JSON.parse(stdout) as { approvals: Record<string, boolean> }).approvals;
}

/**
 * Commits the definition, endorsed by one peer of each approving member (each peer endorses the commit only if
 * its own organisation approved). Another approving member's peer may not yet have the block holding this
 * member's approval, or a member may have committed meanwhile: retried for 30 s, and "already committed" ends it.
 */
async function commitDefinition(
  ctx: Context,
  peer: PeerNode,
  release: Release,
  approved: string[],
): Promise<void> {
  const endorsers = approved
    .map((id) => ctx.topology.peers.find((p) => p.mspId === id))
    .filter((p): p is PeerNode => p !== undefined);
  const peerArgs = peerAddressArgs(ctx, endorsers);
  const args = ['lifecycle', 'chaincode', 'commit', ...ordererArgs(ctx), ...definitionArgs(ctx, release)];
  const env = { ...process.env, ...peerAdminEnv(ctx.layout, peer) };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await untilLeader(binPath(ctx.layout, 'peer'), [...args, ...peerArgs], { env });
      ctx.log(
        `  committed sequence ${release.sequence}, endorsed by ${endorsers.map((p) => p.name).join(', ')}`,
      );
      return;
    } catch (error) {
      if ((await committedSequence(ctx, 5_000, peer).catch(() => undefined)) === release.sequence) return;
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

/**
 * Waits until the member's peer, just joined, has every block the ordering service has: until then it would
 * answer from an old state (no committed definition, another member's approval missing). The ordering service's
 * newest block is fetched as any channel reader may; the peer's height is its `getinfo`.
 */
async function caughtUp(ctx: Context, peer: PeerNode, timeoutMs = 60_000): Promise<void> {
  const env = { ...process.env, ...peerAdminEnv(ctx.layout, peer) };
  const peerBin = binPath(ctx.layout, 'peer');
  const channel = ctx.consortium.channel;
  const work = mkdtempSync(join(tmpdir(), 'newest-'));
  try {
    const file = join(work, 'newest.block');
    await untilLeader(peerBin, ['channel', 'fetch', 'newest', file, '-c', channel, ...ordererArgs(ctx)], {
      env,
    });
    const newest = blockNumberOf(readFileSync(file));
    let height = -1;
    const ok = await waitUntil(
      async () => {
        const info = await run(peerBin, ['channel', 'getinfo', '-c', channel], { env });
        height = Number(/"height":(\d+)/.exec(info.stdout)?.[1] ?? -1);
        return height > newest;
      },
      timeoutMs,
      250,
    );
    if (!ok)
      throw new Error(`${peer.name} did not catch up: height ${height}, ordering service at ${newest + 1}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The number of a block file (a `common.Block` protobuf): field 1 is the header, whose field 1 is the number, a
 * varint left out when it is 0. Read here rather than through a block decoder: it is the one value needed.
 */
export function blockNumberOf(bytes: Uint8Array): number {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      if (byte === undefined || shift > 49) throw new Error('not a block: truncated varint');
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  if (bytes[at++] !== 0x0a) throw new Error('not a block: no header first');
  const headerLength = varint();
  if (headerLength === 0 || bytes[at] !== 0x08) return 0;
  at++;
  return varint();
}
