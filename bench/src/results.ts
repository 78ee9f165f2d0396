import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

import { repoRoot } from '../../application/src/ledger/consortium';

/** The machine a benchmark ran on, as every results file records it. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Where bench/results/<name> is. */
export function resultsFile(name: string): string {
  return join(repoRoot(), 'bench', 'results', name);
}

/** Writes bench/results/<name> and returns its path. */
export function writeResults(name: string, results: unknown): string {
  const file = resultsFile(name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}
