import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { RecordFile } from './recordFile';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tallystick-records-'));
  dirs.push(dir);
  return path.join(dir, 'r.log');
}

const payload = (i: number, size: number): Buffer => Buffer.alloc(size, `${i % 10}`);
// Sizes that cross 4096-byte blocks in every way: within one, exactly to its end, across several.
const SIZES = [1, 100, 4088, 4096 - 8 - 1, 5000, 9000, 0, 12_288, 3];

describe.each([
  ['direct I/O', true],
  ['the page cache', false],
] as const)('RecordFile through %s', (_, direct) => {
  it('writes a record given in pieces as one record: read back, scanned and reopened whole', async () => {
    const file = tempFile();
    const { file: f } = await RecordFile.open(file, false, () => undefined, { direct });
    // The test machine's file system (ext4) has direct I/O; where one has not, open falls back to the cache.
    expect(f.directIO).toBe(direct);
    const pieces = Array.from({ length: 2000 }, (_, i) => Buffer.from(`[${i}]`));
    await f.append([Buffer.from('first'), pieces, Buffer.from('last')]);
    const whole = Buffer.concat(pieces);
    expect((await f.read(1)).equals(whole)).toBe(true);
    expect((await f.read(2)).toString()).toBe('last');
    await f.close();

    const scanned: string[] = [];
    RecordFile.scan(file, 3, (payload) => scanned.push(payload.toString()));
    expect(scanned).toEqual(['first', whole.toString(), 'last']);
    const reopened = await RecordFile.open(file, false, () => undefined, { direct });
    expect(reopened.file.records).toBe(3);
    expect(reopened.truncatedBytes).toBe(0);
    expect(fs.statSync(file).size).toBe(reopened.file.bytes);
    await reopened.file.close();
  });

  it('keeps every record across appends of every size, appends in flight together, and reopens', async () => {
    const file = tempFile();
    const { file: f } = await RecordFile.open(file, true, () => undefined, { direct });
    // Started together, they land in call order.
    await Promise.all(SIZES.map((size, i) => f.append([payload(i, size)])));
    await f.append(SIZES.map((size, i) => payload(i + 100, size)));
    const expected = [...SIZES.map((s, i) => payload(i, s)), ...SIZES.map((s, i) => payload(i + 100, s))];
    expect(f.records).toBe(expected.length);
    for (let i = 0; i < expected.length; i++)
      expect((await f.read(i)).equals(expected[i] as Buffer)).toBe(true);
    const bytes = f.bytes;
    await f.close();
    expect(fs.statSync(file).size).toBe(bytes);
    const seen: Buffer[] = [];
    const { file: again, truncatedBytes } = await RecordFile.open(file, true, (p) => seen.push(p), {
      direct,
    });
    expect(truncatedBytes).toBe(0);
    expect(seen).toEqual(expected);
    await again.append([Buffer.from('after reopening')]);
    expect((await again.read(expected.length)).toString()).toBe('after reopening');
    await again.close();
  });

  it('rewrites a record in place (a purge): in an earlier block and in the last one, which later appends keep', async () => {
    const file = tempFile();
    const { file: f } = await RecordFile.open(file, true, () => undefined, { direct });
    await f.append([payload(1, 5000), payload(2, 100), payload(3, 50)]);
    await f.rewrite(0, Buffer.alloc(5000, 'a'));
    // Record 2 lies in the last, partly filled block, which a direct append writes again from memory.
    await f.rewrite(2, Buffer.alloc(50, 'c'));
    await f.append([payload(4, 10)]);
    await expect(f.rewrite(1, Buffer.alloc(99))).rejects.toThrow(/record 1 is 100 bytes, not 99/);
    const expected = [Buffer.alloc(5000, 'a'), payload(2, 100), Buffer.alloc(50, 'c'), payload(4, 10)];
    for (let i = 0; i < expected.length; i++)
      expect((await f.read(i)).equals(expected[i] as Buffer)).toBe(true);
    await f.close();
    const seen: Buffer[] = [];
    const { truncatedBytes, file: again } = await RecordFile.open(file, true, (p) => seen.push(p), {
      direct,
    });
    expect(truncatedBytes).toBe(0);
    expect(seen).toEqual(expected);
    await again.close();
  });
});

describe('RecordFile with direct I/O, stopped without close', () => {
  it('leaves only padding behind its records: scanned past, then cut off when reopened', async () => {
    const file = tempFile();
    const { file: f } = await RecordFile.open(file, true, () => undefined);
    expect(f.directIO).toBe(true);
    for (const [i, size] of SIZES.entries()) await f.append([payload(i, size)]);
    // The file as a crash would leave it: the last block written whole, records then padding.
    const crashed = `${file}.crashed`;
    fs.copyFileSync(file, crashed);
    const bytes = f.bytes;
    await f.close();
    const onDisk = fs.readFileSync(crashed);
    expect(onDisk.length % 4096).toBe(0);
    expect(onDisk.length).toBeGreaterThan(bytes);
    expect(onDisk.subarray(bytes).every((b) => b === 0xff)).toBe(true);

    const scanned: Buffer[] = [];
    RecordFile.scan(crashed, Number.MAX_SAFE_INTEGER, (p) => {
      scanned.push(p);
    });
    expect(scanned).toEqual(SIZES.map((s, i) => payload(i, s)));

    const { file: reopened, truncatedBytes } = await RecordFile.open(crashed, true, () => undefined);
    expect(truncatedBytes).toBe(onDisk.length - bytes);
    expect(reopened.records).toBe(SIZES.length);
    await reopened.append([Buffer.from('next')]);
    expect((await reopened.read(SIZES.length)).toString()).toBe('next');
    expect((await reopened.read(4)).equals(payload(4, SIZES[4] as number))).toBe(true);
    await reopened.close();
  });

  it('still finds damage that is not padding', async () => {
    const file = tempFile();
    const { file: f } = await RecordFile.open(file, true, () => undefined);
    await f.append([Buffer.from('one'), Buffer.from('two')]);
    await f.close();
    fs.appendFileSync(file, Buffer.from([0, 0, 0, 9, 1, 2, 3, 4, 5])); // a header and a cut-off payload
    expect(() => {
      RecordFile.scan(file, 3, () => undefined);
    }).toThrow(/record 2 is damaged/);
  });
});
