import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { BINARY_VERSION_KEY, type Layout } from './layout.js';
import { run, runOrThrow } from './proc.js';

/** Fabric v2.5.16: the module has no /v2 suffix, so it is pinned by commit rather than by tag. */
export const FABRIC_VERSION = '2.5.16';
export const FABRIC_COMMIT = 'f871cf92a026aba7b12e6f06d71ded3e6e659d71';
export const FABRIC_CA_VERSION = '1.5.21';
export const FABRIC_BINARIES = ['peer', 'orderer', 'configtxgen', 'osnadmin'] as const;
export const ALL_BINARIES = [...FABRIC_BINARIES, 'fabric-ca-server'] as const;
export type BinaryName = (typeof ALL_BINARIES)[number];

/** The cache folder's name must change whenever a pinned version does. */
export const VERSION_KEY = `fabric-${FABRIC_VERSION}-${FABRIC_COMMIT.slice(0, 7)}_ca-${FABRIC_CA_VERSION}`;
if (VERSION_KEY !== BINARY_VERSION_KEY) throw new Error(`layout.ts BINARY_VERSION_KEY is not ${VERSION_KEY}`);

/**
 * `../shared/third_party/fabric-2.5.16-src.tar.gz`: `git archive` of the v2.5.16 tag with `vendor/`, prefix
 * `fabric-2.5.16/` (see that folder's README). Checked before it is extracted.
 */
export const FABRIC_ARCHIVE_SHA256 = '743a2c1f1af4cfee485db21c1bdb8dbc88ab48bdd22ed8a50b104d681ae5f3ad';
const FABRIC_ARCHIVE_PREFIX = `fabric-${FABRIC_VERSION}`;

const FABRIC_LDFLAGS = [
  `-X github.com/hyperledger/fabric/common/metadata.Version=${FABRIC_VERSION}`,
  `-X github.com/hyperledger/fabric/common/metadata.CommitSHA=${FABRIC_COMMIT.slice(0, 7)}`,
].join(' ');
const CA_LDFLAGS = `-X github.com/hyperledger/fabric-ca/lib/metadata.Version=${FABRIC_CA_VERSION}`;
const BUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * Fabric's source tree at FABRIC_COMMIT, used only when the Go module proxy does not serve the commit:
 * `FABRIC_SOURCE_DIR` if set, else the shared archive extracted into the binary cache (outside the clone).
 */
export function fabricSourceDir(layout: Layout): string {
  return process.env.FABRIC_SOURCE_DIR ?? join(layout.binDir, 'src', FABRIC_ARCHIVE_PREFIX);
}

export function binPath(layout: Layout, name: BinaryName): string {
  return join(layout.binDir, name);
}

/** True when the binary exists and reports (or was linked with) the pinned version. */
export async function hasPinnedVersion(layout: Layout, name: BinaryName): Promise<boolean> {
  const bin = binPath(layout, name);
  if (!existsSync(bin)) return false;
  switch (name) {
    case 'peer':
    case 'orderer': {
      const out = await run(bin, ['version']);
      return (
        out.stdout.includes(`Version: ${FABRIC_VERSION}`) && out.stdout.includes(FABRIC_COMMIT.slice(0, 7))
      );
    }
    case 'configtxgen': {
      const out = await run(bin, ['-version']);
      return (
        out.stdout.includes(`Version: ${FABRIC_VERSION}`) && out.stdout.includes(FABRIC_COMMIT.slice(0, 7))
      );
    }
    case 'osnadmin': {
      // osnadmin has no version command; the build info records the -ldflags it was linked with.
      const out = await run('go', ['version', '-m', bin]);
      return out.stdout.includes(`metadata.Version=${FABRIC_VERSION}`);
    }
    case 'fabric-ca-server': {
      const out = await run(bin, ['version']);
      return out.stdout.includes(`Version: ${FABRIC_CA_VERSION}`);
    }
  }
}

async function goModuleDir(module: string, version: string): Promise<string | undefined> {
  const out = await run('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd: '/' });
  try {
    const info = JSON.parse(out.stdout) as { Dir?: string; Error?: string };
    return info.Error === undefined ? info.Dir : undefined;
  } catch {
    return undefined;
  }
}

export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => {
        resolve(hash.digest('hex'));
      });
  });
}

/**
 * Extracts the shared archive into the cache once: checked against its published sha256 first, unpacked
 * into a private folder, then renamed into place, so a second process never sees half a tree.
 */
export async function extractFabricArchive(layout: Layout, target: string, log: (line: string) => void) {
  const archive = layout.fabricArchive;
  if (!existsSync(archive)) {
    throw new Error(
      `the Go module proxy refused Fabric ${FABRIC_COMMIT.slice(0, 12)} and the source archive ${archive} ` +
        'is missing (set TALLYSTICK_FABRIC_ARCHIVE or FABRIC_SOURCE_DIR)',
    );
  }
  const actual = await sha256OfFile(archive);
  if (actual !== FABRIC_ARCHIVE_SHA256) {
    throw new Error(
      `${archive}: sha256 ${actual}, expected ${FABRIC_ARCHIVE_SHA256}; refusing to build from it`,
    );
  }
  const parent = join(target, '..');
  mkdirSync(parent, { recursive: true });
  const work = join(parent, `.extract-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  log(`extracting ${archive} (sha256 checked) into ${parent}`);
  try {
    await runOrThrow('tar', ['-xzf', archive, '-C', work], { timeoutMs: 10 * 60_000 });
    if (!existsSync(join(work, FABRIC_ARCHIVE_PREFIX, 'go.mod'))) {
      throw new Error(`${archive} has no ${FABRIC_ARCHIVE_PREFIX}/go.mod`);
    }
    if (!existsSync(join(target, 'go.mod'))) renameSync(join(work, FABRIC_ARCHIVE_PREFIX), target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Runs `go install` into a private staging folder, then renames each binary into the cache: a second
 * build running at the same time (another clone's CI) never leaves a half-written binary in place.
 */
async function installInto(
  layout: Layout,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
  names: string[],
): Promise<{ code: number; stderr: string }> {
  const staging = join(layout.binDir, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const result = await run('go', ['install', ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, GOBIN: staging },
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    if (result.code === 0) {
      for (const name of names) renameSync(join(staging, name), join(layout.binDir, name));
    }
    return { code: result.code, stderr: result.stderr };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function buildFabric(layout: Layout, names: string[], log: (line: string) => void): Promise<void> {
  const byCommit = names.map((name) => `github.com/hyperledger/fabric/cmd/${name}@${FABRIC_COMMIT}`);
  log(`go install ${names.join(' ')} @${FABRIC_COMMIT.slice(0, 12)} through the Go module proxy`);
  const viaProxy = await installInto(
    layout,
    ['-ldflags', FABRIC_LDFLAGS, ...byCommit],
    { cwd: layout.binDir },
    names,
  );
  if (viaProxy.code === 0) return;
  const reason = viaProxy.stderr.trim().split('\n').at(-1) ?? '';
  log(`  not available there (${reason.trim().slice(-160)})`);
  const source = fabricSourceDir(layout);
  if (!existsSync(join(source, 'go.mod'))) {
    if (process.env.FABRIC_SOURCE_DIR !== undefined) {
      throw new Error(`FABRIC_SOURCE_DIR=${source} holds no go.mod`);
    }
    await extractFabricArchive(layout, source, log);
  }
  log(`building ${names.join(' ')} from ${source} with -mod=vendor (about 3-4 min on 2 cores)`);
  const fromSource = await installInto(
    layout,
    ['-mod=vendor', '-buildvcs=false', '-ldflags', FABRIC_LDFLAGS, ...names.map((name) => `./cmd/${name}`)],
    { cwd: source },
    names,
  );
  if (fromSource.code !== 0) {
    throw new Error(
      `go install from ${source} failed:\n${fromSource.stderr.trim().split('\n').slice(-15).join('\n')}`,
    );
  }
}

async function buildFabricCa(layout: Layout, log: (line: string) => void): Promise<void> {
  const env = { CGO_ENABLED: '1' };
  const pkg = `github.com/hyperledger/fabric-ca/cmd/fabric-ca-server@v${FABRIC_CA_VERSION}`;
  log(`go install ${pkg} (cgo: sqlite)`);
  const viaProxy = await installInto(layout, ['-ldflags', CA_LDFLAGS, pkg], { cwd: layout.binDir, env }, [
    'fabric-ca-server',
  ]);
  if (viaProxy.code === 0) return;
  // `go install pkg@version` also asks for the module's version list (deprecation check); where that is
  // refused, the downloaded module builds the same package from its own directory.
  const dir = await goModuleDir('github.com/hyperledger/fabric-ca', `v${FABRIC_CA_VERSION}`);
  if (dir === undefined) throw new Error(`go install ${pkg} failed:\n${viaProxy.stderr.trim()}`);
  log(`building fabric-ca-server from the downloaded module ${dir} (about 1-2 min)`);
  const fromModule = await installInto(
    layout,
    ['-ldflags', CA_LDFLAGS, './cmd/fabric-ca-server'],
    { cwd: dir, env },
    ['fabric-ca-server'],
  );
  if (fromModule.code !== 0) throw new Error(`go install in ${dir} failed:\n${fromModule.stderr.trim()}`);
}

function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

async function ensureSampleConfig(layout: Layout, log: (line: string) => void): Promise<void> {
  if (existsSync(join(layout.sampleConfigDir, 'core.yaml'))) return;
  const candidates = [fabricSourceDir(layout)];
  if (!existsSync(join(candidates[0] ?? '', 'sampleconfig', 'core.yaml'))) {
    const moduleDir = await goModuleDir('github.com/hyperledger/fabric', FABRIC_COMMIT);
    if (moduleDir !== undefined) candidates.push(moduleDir);
    else if (process.env.FABRIC_SOURCE_DIR === undefined) {
      await extractFabricArchive(layout, fabricSourceDir(layout), log);
    }
  }
  const from = candidates.map((d) => join(d, 'sampleconfig')).find((d) => existsSync(join(d, 'core.yaml')));
  if (from === undefined) throw new Error('sampleconfig not found in the Fabric module or source tree');
  log(`sampleconfig from ${from}`);
  const staging = `${layout.sampleConfigDir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(from, staging, { recursive: true });
  makeWritable(staging);
  if (existsSync(join(layout.sampleConfigDir, 'core.yaml')))
    rmSync(staging, { recursive: true, force: true });
  else {
    rmSync(layout.sampleConfigDir, { recursive: true, force: true });
    renameSync(staging, layout.sampleConfigDir);
  }
}

/**
 * Builds whatever is missing or of the wrong version into the binary cache; with everything in place it
 * only checks versions (about 0.2 s). Returns the names it built.
 */
export async function ensureBinaries(layout: Layout, log: (line: string) => void): Promise<string[]> {
  mkdirSync(layout.binDir, { recursive: true });
  const missing: BinaryName[] = [];
  for (const name of ALL_BINARIES) if (!(await hasPinnedVersion(layout, name))) missing.push(name);
  if (missing.length > 0) log(`  binary cache ${layout.binDir}: building ${missing.join(', ')}`);
  const fabric = missing.filter((name) => name !== 'fabric-ca-server');
  if (fabric.length > 0) await buildFabric(layout, fabric, log);
  if (missing.includes('fabric-ca-server')) await buildFabricCa(layout, log);
  for (const name of missing) {
    if (!(await hasPinnedVersion(layout, name)))
      throw new Error(`${name} built but does not report the pinned version`);
  }
  await ensureSampleConfig(layout, log);
  return missing;
}
