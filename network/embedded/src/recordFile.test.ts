import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { RecordFile } from './recordFile';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('RecordFile', () => {
  it('writes a record given in pieces as one record: read back, scanned and reopened whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tallystick-records-'));
    dirs.push(dir);
    const file = path.join(dir, 'r.log');
    const { file: f } = await RecordFile.open(file, false, () => undefined);
    const pieces = Array.from({ length: 2000 }, (_, i) => Buffer.from(`[${i}]`));
    await f.append([Buffer.from('first'), pieces, Buffer.from('last')]);
    const whole = Buffer.concat(pieces);
    expect((await f.read(1)).equals(whole)).toBe(true);
    expect((await f.read(2)).toString()).toBe('last');
    await f.close();

    const scanned: string[] = [];
    RecordFile.scan(file, 3, (payload) => scanned.push(payload.toString()));
    expect(scanned).toEqual(['first', whole.toString(), 'last']);
    const reopened = await RecordFile.open(file, false, () => undefined);
    expect(reopened.file.records).toBe(3);
    expect(reopened.truncatedBytes).toBe(0);
    await reopened.file.close();
  });
});
