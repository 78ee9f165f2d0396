import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractFabricArchive, FABRIC_ARCHIVE_SHA256, sha256OfFile, VERSION_KEY } from './binaries.js';
import { BINARY_VERSION_KEY, binaryCacheDir, layoutFor } from './layout.js';

const scratch: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-binaries-'));
  scratch.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the binary cache', () => {
  it('is keyed by every pinned version', () => {
    expect(VERSION_KEY).toBe(BINARY_VERSION_KEY);
    expect(VERSION_KEY).toBe('fabric-2.5.16-f871cf9_ca-1.5.21');
  });

  it('lives outside the clone: TALLYSTICK_FABRIC_BIN_DIR, else $XDG_CACHE_HOME/tallystick, else ~/.cache/tallystick', () => {
    expect(binaryCacheDir({ TALLYSTICK_FABRIC_BIN_DIR: '/opt/fabric-bin' }, VERSION_KEY)).toBe(
      '/opt/fabric-bin',
    );
    expect(binaryCacheDir({ XDG_CACHE_HOME: '/var/cache/ci' }, VERSION_KEY)).toBe(
      `/var/cache/ci/tallystick/${VERSION_KEY}`,
    );
    expect(binaryCacheDir({}, VERSION_KEY)).toBe(join(homedir(), '.cache', 'tallystick', VERSION_KEY));
    const layout = layoutFor('/work/clone', { XDG_CACHE_HOME: '/var/cache/ci' });
    expect(layout.binDir.startsWith('/work/clone')).toBe(false);
    expect(layout.sampleConfigDir).toBe(join(layout.binDir, 'sampleconfig'));
    expect(layout.fabricArchive).toBe('/work/shared/third_party/fabric-2.5.16-src.tar.gz');
    expect(layoutFor('/work/clone', { TALLYSTICK_FABRIC_ARCHIVE: '/a/f.tgz' }).fabricArchive).toBe(
      '/a/f.tgz',
    );
  });
});

describe('the shared Fabric source archive', () => {
  it('is pinned to the sha256 its README publishes', () => {
    const readme = join(__dirname, '..', '..', '..', '..', 'shared', 'third_party', 'README.md');
    // The archive folder sits beside the clone; a checkout without it has nothing to compare.
    if (!existsSync(readme)) return;
    expect(readFileSync(readme, 'utf8')).toContain(FABRIC_ARCHIVE_SHA256);
  });

  it('hashes a file as sha256sum does', async () => {
    const file = join(tempDir(), 'f');
    writeFileSync(file, 'abc');
    expect(await sha256OfFile(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is refused, and nothing extracted, when its sha256 differs', async () => {
    const dir = tempDir();
    const archive = join(dir, 'fabric-2.5.16-src.tar.gz');
    writeFileSync(archive, 'not the archive');
    const layout = {
      ...layoutFor(dir, { TALLYSTICK_FABRIC_BIN_DIR: join(dir, 'bin') }),
      fabricArchive: archive,
    };
    const target = join(dir, 'bin', 'src', 'fabric-2.5.16');
    await expect(extractFabricArchive(layout, target, () => undefined)).rejects.toThrow(
      /sha256 [0-9a-f]{64}, expected 743a2c1f.*refusing to build from it/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('is asked for by name when it is missing', async () => {
    const dir = tempDir();
    const layout = { ...layoutFor(dir), fabricArchive: join(dir, 'missing.tar.gz') };
    await expect(extractFabricArchive(layout, join(dir, 'src'), () => undefined)).rejects.toThrow(
      /source archive .*missing\.tar\.gz is missing/,
    );
  });
});
