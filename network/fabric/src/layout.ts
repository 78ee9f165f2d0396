import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Every path the launcher uses, derived from the repository root; nothing is written outside these. */
export interface Layout {
  repoRoot: string;
  fabricDir: string;
  consortiumFile: string;
  topologyFile: string;
  binDir: string;
  sampleConfigDir: string;
  runDir: string;
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

export function layoutFor(repoRoot: string): Layout {
  const fabricDir = join(repoRoot, 'network', 'fabric');
  const runDir = join(fabricDir, '.run');
  return {
    repoRoot,
    fabricDir,
    consortiumFile: join(repoRoot, 'network', 'consortium.json'),
    topologyFile: join(fabricDir, 'topology.json'),
    binDir: join(fabricDir, '.bin'),
    sampleConfigDir: join(fabricDir, '.bin', 'sampleconfig'),
    runDir,
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
