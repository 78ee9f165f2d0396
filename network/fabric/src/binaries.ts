import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout } from './layout.js';
import { run, runOrThrow } from './proc.js';

/** Fabric v2.5.16: the module has no /v2 suffix, so it is pinned by commit rather than by tag. */
export const FABRIC_VERSION = '2.5.16';
export const FABRIC_COMMIT = 'f871cf92a026aba7b12e6f06d71ded3e6e659d71';
export const FABRIC_CA_VERSION = '1.5.21';
export const FABRIC_BINARIES = ['peer', 'orderer', 'configtxgen', 'osnadmin'] as const;
export const ALL_BINARIES = [...FABRIC_BINARIES, 'fabric-ca-server'] as const;
export type BinaryName = (typeof ALL_BINARIES)[number];

const FABRIC_LDFLAGS = [
  `-X github.com/hyperledger/fabric/common/metadata.Version=${FABRIC_VERSION}`,
  `-X github.com/hyperledger/fabric/common/metadata.CommitSHA=${FABRIC_COMMIT.slice(0, 7)}`,
].join(' ');
const CA_LDFLAGS = `-X github.com/hyperledger/fabric-ca/lib/metadata.Version=${FABRIC_CA_VERSION}`;

/**
 * Optional local source tree of Fabric at FABRIC_COMMIT (a `git archive` of that commit). Used only when
 * the Go module proxy does not serve the commit: Fabric vendors its dependencies, so such a tree builds
 * offline. FABRIC_SOURCE_DIR overrides the default place.
 */
export function fabricSourceDir(layout: Layout): string {
  return process.env.FABRIC_SOURCE_DIR ?? join(layout.binDir, 'src', `fabric-${FABRIC_COMMIT.slice(0, 12)}`);
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

async function buildFabric(layout: Layout, names: string[], log: (line: string) => void): Promise<void> {
  const env = { ...process.env, GOBIN: layout.binDir };
  const byCommit = names.map((name) => `github.com/hyperledger/fabric/cmd/${name}@${FABRIC_COMMIT}`);
  log(`go install ${names.join(' ')} @${FABRIC_COMMIT.slice(0, 12)} (several minutes on 2 cores)`);
  const viaProxy = await run('go', ['install', '-ldflags', FABRIC_LDFLAGS, ...byCommit], {
    env,
    cwd: layout.binDir,
    timeoutMs: 60 * 60_000,
  });
  if (viaProxy.code === 0) return;
  const source = fabricSourceDir(layout);
  if (!existsSync(join(source, 'go.mod'))) {
    throw new Error(
      `go install by commit failed:\n${viaProxy.stderr.trim()}\n` +
        `Provide the Fabric source at ${FABRIC_COMMIT} in ${source} (or FABRIC_SOURCE_DIR) to build from it.`,
    );
  }
  log(`the module proxy refused the commit; building from the source tree ${source}`);
  await runOrThrow('go', ['install', '-ldflags', FABRIC_LDFLAGS, ...names.map((name) => `./cmd/${name}`)], {
    env,
    cwd: source,
    timeoutMs: 60 * 60_000,
  });
}

async function buildFabricCa(layout: Layout, log: (line: string) => void): Promise<void> {
  const env = { ...process.env, GOBIN: layout.binDir, CGO_ENABLED: '1' };
  const pkg = `github.com/hyperledger/fabric-ca/cmd/fabric-ca-server@v${FABRIC_CA_VERSION}`;
  log(`go install ${pkg} (cgo: sqlite)`);
  const viaProxy = await run('go', ['install', '-ldflags', CA_LDFLAGS, pkg], {
    env,
    cwd: layout.binDir,
    timeoutMs: 60 * 60_000,
  });
  if (viaProxy.code === 0) return;
  // `go install pkg@version` also asks for the module's version list (deprecation check); where that is
  // refused, the downloaded module builds the same package from its own directory.
  const dir = await goModuleDir('github.com/hyperledger/fabric-ca', `v${FABRIC_CA_VERSION}`);
  if (dir === undefined) throw new Error(`go install ${pkg} failed:\n${viaProxy.stderr.trim()}`);
  log(`building fabric-ca-server from the downloaded module ${dir}`);
  await runOrThrow('go', ['install', '-ldflags', CA_LDFLAGS, './cmd/fabric-ca-server'], {
    env,
    cwd: dir,
    timeoutMs: 60 * 60_000,
  });
}

function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

async function ensureSampleConfig(layout: Layout, log: (line: string) => void): Promise<void> {
  if (existsSync(join(layout.sampleConfigDir, 'core.yaml'))) return;
  const moduleDir = await goModuleDir('github.com/hyperledger/fabric', FABRIC_COMMIT);
  const candidates = [moduleDir, fabricSourceDir(layout)].filter((d): d is string => d !== undefined);
  const from = candidates.map((d) => join(d, 'sampleconfig')).find((d) => existsSync(join(d, 'core.yaml')));
  if (from === undefined) throw new Error('sampleconfig not found in the Fabric module or source tree');
  log(`sampleconfig from ${from}`);
  cpSync(from, layout.sampleConfigDir, { recursive: true });
  makeWritable(layout.sampleConfigDir);
}

/** Builds whatever is missing or of the wrong version; a second run only checks versions. */
export async function ensureBinaries(layout: Layout, log: (line: string) => void): Promise<string[]> {
  mkdirSync(layout.binDir, { recursive: true });
  const missing: BinaryName[] = [];
  for (const name of ALL_BINARIES) if (!(await hasPinnedVersion(layout, name))) missing.push(name);
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
