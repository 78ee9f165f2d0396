import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Every path the launcher uses: the run folder is derived from the repository root; the binaries live in a
 * per-user cache outside the clone (`binaryCacheDir`), so every clone on a machine shares one build.
 */
export interface Layout {
  repoRoot: string;
  fabricDir: string;
  consortiumFile: string;
  topologyFile: string;
  /** Built binaries and `sampleconfig/`, keyed by the pinned versions (outside the clone). */
  binDir: string;
  sampleConfigDir: string;
  /** The shared Fabric source archive, used when the Go module proxy refuses the pinned commit. */
  fabricArchive: string;
  runDir: string;
  /**
   * Added to every port of topology.json (`TALLYSTICK_FABRIC_PORT_OFFSET`, default 0), so that a second network
   * (another clone, a benchmark beside a test run) can run on the same machine with its own run folder
   * (`TALLYSTICK_FABRIC_RUN`).
   */
  portOffset: number;
  logDir: string;
  pidFile: string;
  stateFile: string;
  configtxDir: string;
  channelBlock: (channel: string) => string;
  caHome: (mspId: string) => string;
  orgMsp: (mspId: string) => string;
  userDir: (mspId: string, id: string) => string;
  nodeCrypto: (mspId: string, node: string) => string;
  nodeData: (node: string) => string;
  peerConfigDir: (node: string) => string;
  builderDir: string;
  /** Connection profiles for fabric-network, one per member organisation: `<mspId>.json`. */
  gatewayDir: string;
  /** File-system wallets for fabric-network, one folder per organisation, one `<user>.id` per identity. */
  walletDir: (mspId: string) => string;
  log: (node: string) => string;
}

/**
 * Where the pinned binaries are kept: `TALLYSTICK_FABRIC_BIN_DIR` if set, else
 * `$XDG_CACHE_HOME/tallystick/<versions>` (default `~/.cache/tallystick/<versions>`). The folder name holds
 * every pinned version, so a change of version builds into a new folder and never mixes binaries.
 */
export function binaryCacheDir(env: NodeJS.ProcessEnv, versionKey: string): string {
  const override = env.TALLYSTICK_FABRIC_BIN_DIR;
  if (override !== undefined && override !== '') return resolve(override);
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
  return join(base, 'tallystick', versionKey);
}

/** Pinned versions as a folder name; binaries.ts checks it matches its constants (see binaries.test.ts). */
export const BINARY_VERSION_KEY = 'fabric-2.5.16-f871cf9_ca-1.5.21';

export function layoutFor(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Layout {
  const fabricDir = join(repoRoot, 'network', 'fabric');
  const runOverride = env.TALLYSTICK_FABRIC_RUN;
  const runDir =
    runOverride !== undefined && runOverride !== '' ? resolve(runOverride) : join(fabricDir, '.run');
  const portOffset = Number(env.TALLYSTICK_FABRIC_PORT_OFFSET ?? '0');
  if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 40_000)
    throw new Error(
      `TALLYSTICK_FABRIC_PORT_OFFSET must be an integer 0-40000, got ${env.TALLYSTICK_FABRIC_PORT_OFFSET}`,
    );
  const binDir = binaryCacheDir(env, BINARY_VERSION_KEY);
  const archive = env.TALLYSTICK_FABRIC_ARCHIVE;
  return {
    repoRoot,
    fabricDir,
    consortiumFile: join(repoRoot, 'network', 'consortium.json'),
    topologyFile: join(fabricDir, 'topology.json'),
    binDir,
    sampleConfigDir: join(binDir, 'sampleconfig'),
    fabricArchive:
      archive !== undefined && archive !== ''
        ? resolve(archive)
        : join(repoRoot, '..', 'shared', 'third_party', 'fabric-2.5.16-src.tar.gz'),
    runDir,
    portOffset,
    logDir: join(runDir, 'logs'),
    pidFile: join(runDir, 'pids.json'),
    stateFile: join(runDir, 'state.json'),
    configtxDir: join(runDir, 'configtx'),
    channelBlock: (channel) => join(runDir, 'configtx', `${channel}.block`),
    caHome: (mspId) => join(runDir, 'cas', mspId),
    orgMsp: (mspId) => join(runDir, 'orgs', mspId, 'msp'),
    userDir: (mspId, id) => join(runDir, 'orgs', mspId, 'users', id),
    nodeCrypto: (mspId, node) => join(runDir, 'orgs', mspId, 'nodes', node),
    nodeData: (node) => join(runDir, 'data', node),
    peerConfigDir: (node) => join(runDir, 'config', node),
    builderDir: join(runDir, 'builders', 'ccaas'),
    gatewayDir: join(runDir, 'gateway'),
    walletDir: (mspId) => join(runDir, 'wallets', mspId),
    log: (node) => join(runDir, 'logs', `${node}.log`),
  };
}

/** The repository root: the nearest ancestor holding network/consortium.json (works from src and dist). */
export function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'network', 'consortium.json')) && existsSync(join(dir, 'package.json')))
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (network/consortium.json) above ${start}`);
    dir = parent;
  }
}
