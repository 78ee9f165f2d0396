#!/usr/bin/env node
// Entry point of the `network:*` npm scripts. It compiles only what the launcher and the chaincode server run
// (network/fabric/src and chaincode/src, through network/fabric/tsconfig.build.json, about 3 s) and only when
// one of their sources is newer than the last compile, then hands over to dist/network/fabric/src/cli.js.
// `node network/fabric/cli.mjs build` compiles (if needed) and stops.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = join(root, 'dist', '.network-build-stamp');
const outputs = [
  join(root, 'dist', 'network', 'fabric', 'src', 'cli.js'),
  join(root, 'dist', 'chaincode', 'src', 'index.js'),
];

function newestSource() {
  let newest = 0;
  const consider = (file) => {
    newest = Math.max(newest, statSync(file).mtimeMs);
  };
  for (const dir of ['chaincode/src', 'network/fabric/src']) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        consider(join(entry.parentPath ?? entry.path, entry.name));
      }
    }
  }
  for (const file of ['tsconfig.json', 'network/fabric/tsconfig.build.json', 'package-lock.json']) {
    if (existsSync(join(root, file))) consider(join(root, file));
  }
  return newest;
}

function upToDate() {
  if (!existsSync(stamp) || !outputs.every((file) => existsSync(file))) return false;
  return statSync(stamp).mtimeMs >= newestSource();
}

function build() {
  const started = Date.now();
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', join(root, 'network', 'fabric', 'tsconfig.build.json')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error('✘ compiling the launcher and the chaincode failed');
    process.exit(result.status ?? 1);
  }
  // The stamp carries the time the compile started: a source saved during the compile is newer than it.
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  utimesSync(stamp, new Date(started), new Date(started));
  console.log(
    `✔ compiled launcher and chaincode into dist/ (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

if (!upToDate()) build();
if (process.argv[2] !== 'build') {
  await import(pathToFileURL(join(root, 'dist', 'network', 'fabric', 'src', 'cli.js')).href);
}
