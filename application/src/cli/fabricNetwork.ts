import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConsortium, repoRoot } from '../ledger/consortium';
import { defaultFabricRunDir, openFabricLedger, type FabricLedger } from '../ledger/fabricLedger';

/**
 * Runs `node network/fabric/cli.mjs <args>` (the launcher) and answers its exit code and output; the output goes
 * to ours as well when `echo` is set. `env` (default: ours) names the network (TALLYSTICK_FABRIC_RUN, ..._OFFSET).
 */
export function runLauncher(
  args: readonly string[],
  options: { echo?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'network', 'fabric', 'cli.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    let out = '';
    const take = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, out });
    });
  });
}

/**
 * The live network, up and usable: reused if `network:status` says every node is up and every peer endorses,
 * else brought up (`network:up`: builds the binaries on a machine's first run, deploys the chaincode if none is
 * committed, and returns only once a transaction has committed), with the orderer count its run folder was made
 * with.
 */
export async function ensureFabricNetwork(runDir: string, log: (line: string) => void): Promise<void> {
  const status = await runLauncher(['status']);
  if (status.code === 0) {
    log('the Fabric network is up and every peer endorses: reusing it');
    return;
  }
  const stateFile = join(runDir, 'state.json');
  const orderers = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { orderers?: number }).orderers
    : undefined;
  log('bringing the Fabric network up (npm run network:up) ...');
  const up = await runLauncher(['up', ...(orderers === undefined ? [] : ['--orderers', String(orderers)])], {
    echo: true,
  });
  if (up.code !== 0) throw new Error(`network:up failed (exit ${up.code}); see its output above`);
}

/**
 * Which network a data folder's indexes were built from: the ordering organisation's CA certificate, which a
 * `network:reset` regenerates. Indexes, wallets and sessions of another network are moved aside (never
 * deleted): they name blocks and certificates the new ledger does not have.
 */
export function claimDataDirForNetwork(dataDir: string, runDir: string, log: (line: string) => void): void {
  const caCert = join(runDir, 'cas', 'OrdererMSP', 'ca-cert.pem');
  const id = createHash('sha256').update(readFileSync(caCert)).digest('hex').slice(0, 16);
  const marker = join(dataDir, 'fabric-network.id');
  mkdirSync(dataDir, { recursive: true });
  const previous = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
  if (previous !== undefined && previous !== id) {
    for (const entry of ['nodes', 'simulation.json']) {
      const path = join(dataDir, entry);
      if (!existsSync(path)) continue;
      const aside = `${path}.network-${previous}`;
      renameSync(path, aside);
      log(`the Fabric network was reset since ${path} was written: moved it to ${aside}`);
    }
  }
  writeFileSync(marker, `${id}\n`);
}

/** Brings the live network up if needed and opens it (profiles and wallets of `runDir`). */
export async function openLiveNetwork(log: (line: string) => void): Promise<FabricLedger> {
  const runDir = defaultFabricRunDir();
  await ensureFabricNetwork(runDir, log);
  return openFabricLedger({ runDir, consortium: loadConsortium() });
}
