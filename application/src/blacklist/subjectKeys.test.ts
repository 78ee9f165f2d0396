import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TallyError } from '../../../chaincode/src/core/errors';
import { normaliseSubject, SUBJECT_TYPES, type SubjectType } from '../../../chaincode/src/core/subject';
import {
  BLACKLIST_KEY_FILES_ENV,
  BLACKLIST_WRITE_KEY_VERSION_ENV,
  createSubjectKeyFile,
  loadSubjectKeyring,
  readSubjectKeyConfig,
  SubjectKeyError,
  type SubjectKeyring,
} from './subjectKeys';

/** The bytes 0x00..0x1f: a fixed key whose HMACs were computed independently (openssl dgst -mac HMAC). */
const FIXED_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const FIXED_KEY_BASE64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

let root: string;
let dataDir: string;
let keyDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tallystick-subject-keys-'));
  dataDir = join(root, 'data');
  keyDir = join(root, 'keys');
  await mkdir(dataDir, { recursive: true });
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function keyFile(
  name: string,
  keyVersion: unknown,
  key: string | Buffer = FIXED_KEY_BASE64,
  mode = 0o600,
  dir = keyDir,
): Promise<string> {
  const file = join(dir, name);
  const text = typeof key === 'string' ? key : key.toString('base64');
  await writeFile(file, JSON.stringify({ keyVersion, key: text }));
  await chmod(file, mode);
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<SubjectKeyError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof SubjectKeyError) return e;
    throw e;
  }
  throw new Error('expected a SubjectKeyError');
}

const ID = normaliseSubject('CN_RESIDENT_ID', '11010519491231002X', 'subject');
const MOBILE = normaliseSubject('MOBILE', '138 0013 8000', 'subject');

describe('the keyed hash', () => {
  it('is HMAC-SHA256 over the subject text, in hex, with its key version', async () => {
    const ring = await loadSubjectKeyring({ files: [await keyFile('v1.key', 1)] }, dataDir);
    // printf 'tallystick.blacklist.subject.v1|CN_RESIDENT_ID|11010519491231002X' | openssl dgst -sha256 -mac HMAC \
    //   -macopt hexkey:000102…1f
    expect(ring.keyFor(ID)).toEqual({
      keyVersion: 1,
      subjectKey: '0ddd5205acfa8748aed212474eec728778cea24cf0d2591a8c867a1981ff2dca',
    });
    expect(ring.keyFor(MOBILE).subjectKey).toBe(
      '25a1cf79f23c865af18d8107a74529a1aa73202dd86880e8272b50a50d7dc985',
    );
    expect(ring.keysFor(ID)).toEqual([ring.keyFor(ID)]);
    expect(ring.keyChecks()).toEqual([{ keyVersion: 1, keyCheck: 'e75d7ae980154535' }]);
  });

  it('gives one subject one key however it was written, and another key under another consortium key', async () => {
    const ring = await loadSubjectKeyring({ files: [await keyFile('v1.key', 1)] }, dataDir);
    const legacy = ring.keysForIdentifier('CN_RESIDENT_ID', '110105491231002', 'idNumber');
    expect(legacy).toEqual(ring.keysFor(ID));
    const other = await loadSubjectKeyring(
      { files: [await keyFile('other.key', 1, Buffer.alloc(32, 7))] },
      dataDir,
    );
    expect(other.keyFor(ID).subjectKey).not.toBe(ring.keyFor(ID).subjectKey);
  });

  it('is the same on every node that holds the same key file', async () => {
    const file = join(keyDir, 'made.key');
    const check = await createSubjectKeyFile(file, 3);
    const copyDir = join(root, 'elsewhere');
    await mkdir(copyDir);
    const copy = join(copyDir, 'made.key');
    await writeFile(copy, await readFile(file), { mode: 0o600 });
    const nodeA = await loadSubjectKeyring({ files: [file] }, join(root, 'nodeA'));
    const nodeB = await loadSubjectKeyring({ files: [copy] }, join(root, 'nodeB'));
    expect(nodeA.keyFor(MOBILE)).toEqual(nodeB.keyFor(MOBILE));
    expect(nodeA.keyChecks()).toEqual([check]);
    expect(nodeB.keyChecks()).toEqual([check]);
  });

  it('shows no key material when the keyring is printed or serialised', async () => {
    const ring = await loadSubjectKeyring({ files: [await keyFile('v1.key', 1)] }, dataDir);
    const hexKey = FIXED_KEY.toString('hex');
    for (const shown of [inspect(ring, { depth: 10, showHidden: true }), JSON.stringify(ring)]) {
      expect(shown).not.toContain(FIXED_KEY_BASE64.slice(0, 12));
      expect(shown).not.toContain(hexKey.slice(0, 16));
    }
  });
});

describe('key files', () => {
  it.each([0o600, 0o400])('loads a key file of mode %o', async (mode) => {
    const ring = await loadSubjectKeyring(
      { files: [await keyFile('v1.key', 1, FIXED_KEY_BASE64, mode)] },
      dataDir,
    );
    expect(ring.versions).toEqual([1]);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o606, 0o610, 0o601, 0o666])(
    'refuses a key file of mode %o, naming the mode',
    async (mode) => {
      const file = await keyFile('v1.key', 1, FIXED_KEY_BASE64, mode);
      const e = await refusal(loadSubjectKeyring({ files: [file] }, dataDir));
      expect(e.message).toContain(file);
      expect(e.message).toContain(`mode ${mode.toString(8).padStart(4, '0')}`);
      expect(e.message).toMatch(/group and others must have no access \(chmod 600 it\)/);
    },
  );

  it('refuses a key file inside the data directory, at any depth, through links too', async () => {
    const inData = await keyFile('v1.key', 1, FIXED_KEY_BASE64, 0o600, dataDir);
    expect((await refusal(loadSubjectKeyring({ files: [inData] }, dataDir))).message).toMatch(
      /is inside the node's data directory .*; keep it outside/,
    );
    await mkdir(join(dataDir, 'nodes', 'BankAMSP'), { recursive: true });
    const deep = await keyFile('v1.key', 1, FIXED_KEY_BASE64, 0o600, join(dataDir, 'nodes', 'BankAMSP'));
    await expect(loadSubjectKeyring({ files: [deep] }, dataDir)).rejects.toThrow(
      /inside the node's data directory/,
    );
    // A link outside the data directory to a file inside it is the file inside it.
    const link = join(keyDir, 'link.key');
    await symlink(inData, link);
    await expect(loadSubjectKeyring({ files: [link] }, dataDir)).rejects.toThrow(
      /inside the node's data directory/,
    );
    // The data directory named through a link is the directory it points to.
    const dataLink = join(root, 'data-link');
    await symlink(dataDir, dataLink);
    await expect(loadSubjectKeyring({ files: [inData] }, dataLink)).rejects.toThrow(
      /inside the node's data directory/,
    );
    // The data directory itself given as the key file.
    await expect(loadSubjectKeyring({ files: [dataDir] }, dataDir)).rejects.toThrow(
      /inside the node's data directory/,
    );
  });

  it('accepts a link inside the data directory to a key file outside it (a copy of the data copies only the link)', async () => {
    const outside = await keyFile('v1.key', 1);
    const link = join(dataDir, 'blacklist.key');
    await symlink(outside, link);
    expect((await loadSubjectKeyring({ files: [link] }, dataDir)).versions).toEqual([1]);
  });

  it('accepts a data directory that does not exist yet (the first start)', async () => {
    const ring = await loadSubjectKeyring({ files: [await keyFile('v1.key', 1)] }, join(root, 'not-yet'));
    expect(ring.writeVersion).toBe(1);
  });

  it('refuses what is not a key file, never quoting its content', async () => {
    const cases: [string, string, RegExp][] = [
      ['wallet.key', FIXED_KEY_BASE64, /is not JSON/],
      ['array.key', JSON.stringify([1, FIXED_KEY_BASE64]), /must be a JSON object with keyVersion and key/],
      [
        'short.key',
        JSON.stringify({ keyVersion: 1, key: FIXED_KEY.subarray(0, 16).toString('base64') }),
        /32 bytes in base64/,
      ],
      [
        'long.key',
        JSON.stringify({ keyVersion: 1, key: Buffer.alloc(48, 1).toString('base64') }),
        /32 bytes in base64/,
      ],
      ['hex.key', JSON.stringify({ keyVersion: 1, key: FIXED_KEY.toString('hex') }), /32 bytes in base64/],
      ['spaced.key', JSON.stringify({ keyVersion: 1, key: ` ${FIXED_KEY_BASE64}` }), /32 bytes in base64/],
      [
        'v0.key',
        JSON.stringify({ keyVersion: 0, key: FIXED_KEY_BASE64 }),
        /keyVersion in .* from 1 to 2147483647/,
      ],
      [
        'vstring.key',
        JSON.stringify({ keyVersion: '1', key: FIXED_KEY_BASE64 }),
        /keyVersion in .* whole number/,
      ],
      [
        'vfloat.key',
        JSON.stringify({ keyVersion: 1.5, key: FIXED_KEY_BASE64 }),
        /keyVersion in .* whole number/,
      ],
      [
        'big.key',
        JSON.stringify({ keyVersion: 1, key: FIXED_KEY_BASE64, pad: 'x'.repeat(5000) }),
        /too large/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const file = join(keyDir, name);
      await writeFile(file, content, { mode: 0o600 });
      const e = await refusal(loadSubjectKeyring({ files: [file] }, dataDir));
      expect(e.message, name).toMatch(message);
      expect(e.message, name).not.toContain(FIXED_KEY_BASE64.slice(0, 8));
      expect(e.message, name).not.toContain(FIXED_KEY.toString('hex').slice(0, 8));
    }
  });

  it('refuses a missing file, a directory and an empty configuration', async () => {
    await expect(loadSubjectKeyring({ files: [join(keyDir, 'none.key')] }, dataDir)).rejects.toThrow(
      /blacklist key file .*none\.key does not exist/,
    );
    await chmod(keyDir, 0o700);
    await expect(loadSubjectKeyring({ files: [keyDir] }, dataDir)).rejects.toThrow(/is not a regular file/);
    await expect(loadSubjectKeyring({ files: [] }, dataDir)).rejects.toThrow(
      /no blacklist key file is configured/,
    );
  });

  it('makes a new key file 0600 and never overwrites one', async () => {
    const file = join(root, 'fresh', 'v7.key');
    const check = await createSubjectKeyFile(file, 7);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(check.keyVersion).toBe(7);
    expect(check.keyCheck).toMatch(/^[0-9a-f]{16}$/);
    const before = await readFile(file);
    await expect(createSubjectKeyFile(file, 7)).rejects.toThrow(
      /exists already: a key file is never overwritten/,
    );
    expect(await readFile(file)).toEqual(before);
    await expect(createSubjectKeyFile('relative.key', 1)).rejects.toThrow(/absolute path/);
    await expect(createSubjectKeyFile(join(root, 'v0.key'), 0)).rejects.toThrow(
      /keyVersion must be a whole number/,
    );
    // Two keys made apart are different keys.
    const other = await createSubjectKeyFile(join(root, 'fresh', 'v8.key'), 8);
    expect(other.keyCheck).not.toBe(check.keyCheck);
  });
});

describe('rotation', () => {
  const OLD_KEY = Buffer.alloc(32, 0x11);
  const NEW_KEY = Buffer.alloc(32, 0x22);

  async function ring(files: [string, number, Buffer][], writeVersion?: number): Promise<SubjectKeyring> {
    const paths = await Promise.all(files.map(([name, version, key]) => keyFile(name, version, key)));
    return loadSubjectKeyring(
      writeVersion === undefined ? { files: paths } : { files: paths, writeVersion },
      dataDir,
    );
  }

  it('holds two versions: a query computes both, an upload writes under the named one', async () => {
    const during = await ring(
      [
        ['v1.key', 1, OLD_KEY],
        ['v2.key', 2, NEW_KEY],
      ],
      1,
    );
    expect(during.versions).toEqual([1, 2]);
    expect(during.writeVersion).toBe(1);
    const both = during.keysFor(ID);
    expect(both.map((k) => k.keyVersion)).toEqual([1, 2]);
    expect(both[0]?.subjectKey).not.toBe(both[1]?.subjectKey);
    expect(during.keyFor(ID)).toEqual(both[0]);

    const switched = await ring(
      [
        ['v1b.key', 1, OLD_KEY],
        ['v2b.key', 2, NEW_KEY],
      ],
      2,
    );
    expect(switched.versions).toEqual([2, 1]);
    expect(switched.keyFor(ID)).toEqual(both[1]);
    expect(switched.keysFor(ID)).toEqual([both[1], both[0]]);
  });

  it('finds, during the rotation, what was written before it and what is written after it', async () => {
    const before = await ring([['old.key', 1, OLD_KEY]]);
    const after = await ring([['new.key', 2, NEW_KEY]]);
    const during = await ring(
      [
        ['v1.key', 1, OLD_KEY],
        ['v2.key', 2, NEW_KEY],
      ],
      2,
    );
    const looked = during.keysFor(MOBILE);
    expect(looked).toContainEqual(before.keyFor(MOBILE));
    expect(looked).toContainEqual(after.keyFor(MOBILE));
    // Once the rotation is over, an entry written under the old key alone is no longer found: it must be listed
    // again under the new key (or have expired) before the old key is dropped.
    expect(after.keysFor(MOBILE)).not.toContainEqual(before.keyFor(MOBILE));
  });

  it('refuses two keys without a writing version, a writing version not held, one version twice, one key twice, three keys', async () => {
    await expect(
      ring([
        ['a.key', 1, OLD_KEY],
        ['b.key', 2, NEW_KEY],
      ]),
    ).rejects.toThrow(
      new RegExp(
        `two key versions are held \\(1, 2\\): name the one uploads write under in ${BLACKLIST_WRITE_KEY_VERSION_ENV}`,
      ),
    );
    await expect(
      ring(
        [
          ['c.key', 1, OLD_KEY],
          ['d.key', 2, NEW_KEY],
        ],
        3,
      ),
    ).rejects.toThrow(/writing key version 3 is not among the versions held \(1, 2\)/);
    await expect(ring([['e.key', 1, OLD_KEY]], 2)).rejects.toThrow(/writing key version 2 is not among/);
    await expect(
      ring(
        [
          ['f.key', 4, OLD_KEY],
          ['g.key', 4, NEW_KEY],
        ],
        4,
      ),
    ).rejects.toThrow(/are both key version 4/);
    await expect(
      ring(
        [
          ['h.key', 1, OLD_KEY],
          ['i.key', 2, OLD_KEY],
        ],
        2,
      ),
    ).rejects.toThrow(/hold the same key under two versions/);
    await expect(
      ring(
        [
          ['j.key', 1, OLD_KEY],
          ['k.key', 2, NEW_KEY],
          ['l.key', 3, Buffer.alloc(32, 0x33)],
        ],
        3,
      ),
    ).rejects.toThrow(/at most 2 are held at once/);
  });
});

describe('configuration', () => {
  it('reads the key files and the writing version from the environment', () => {
    expect(readSubjectKeyConfig({})).toBeUndefined();
    expect(readSubjectKeyConfig({ [BLACKLIST_KEY_FILES_ENV]: '/etc/tallystick/v1.key' })).toEqual({
      files: ['/etc/tallystick/v1.key'],
    });
    expect(
      readSubjectKeyConfig({
        [BLACKLIST_KEY_FILES_ENV]: '/etc/tallystick/v1.key:/etc/tallystick/v2.key',
        [BLACKLIST_WRITE_KEY_VERSION_ENV]: '2',
      }),
    ).toEqual({ files: ['/etc/tallystick/v1.key', '/etc/tallystick/v2.key'], writeVersion: 2 });
  });

  it.each([
    [{ [BLACKLIST_KEY_FILES_ENV]: 'v1.key' }, /must list absolute paths, got "v1.key"/],
    [{ [BLACKLIST_KEY_FILES_ENV]: '/a:/b:/c' }, /names 3 key files; at most 2/],
    [{ [BLACKLIST_WRITE_KEY_VERSION_ENV]: '2' }, /is set but TALLYSTICK_BLACKLIST_KEY_FILES is not/],
    [
      { [BLACKLIST_KEY_FILES_ENV]: '/a', [BLACKLIST_WRITE_KEY_VERSION_ENV]: 'two' },
      /WRITE_KEY_VERSION must be a whole number/,
    ],
    [{ [BLACKLIST_KEY_FILES_ENV]: '/a', [BLACKLIST_WRITE_KEY_VERSION_ENV]: '01' }, /whole number/],
  ])('refuses %j', (env, message) => {
    expect(() => readSubjectKeyConfig(env)).toThrow(message);
  });
});

describe('identifiers never travel in an error', () => {
  /** Invalid identifiers of every type, each long enough that a piece of it in a message would be seen. */
  const INVALID: ReadonlyArray<readonly [SubjectType, string]> = [
    ['CN_RESIDENT_ID', '440308199901011235'],
    ['CN_RESIDENT_ID', '44030819990230123X'],
    ['CN_RESIDENT_ID', '44030899013012'],
    ['MOBILE', '+86 10 6512 3456'],
    ['MOBILE', '23800138000'],
    ['MOBILE', '+44 20 7946 0958 7777'],
    ['BANK_CARD', '6222 0202 0011 2233'],
    ['BANK_ACCOUNT', '6222-0202-0011-2233'],
    ['CN_USCC', '91440300MA5FABCDE9'],
    ['CN_USCC', '9144030OMA5FABCDE9'],
    ['PASSPORT', 'XYZ:G98765432'],
    ['PASSPORT', 'CHN:G987654321#'],
  ];

  it.each(INVALID)('a %s refused on the node names the rule, not the number (%j)', async (type, raw) => {
    const ring = await loadSubjectKeyring({ files: [await keyFile('v1.key', 1)] }, dataDir);
    let error: unknown;
    try {
      ring.keysForIdentifier(type, raw, 'subject.value');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TallyError);
    const { code, message, detail } = error as TallyError;
    expect(code).toBe('INVALID_INPUT');
    expect(detail).toMatch(/^subject\.value: /);
    // Neither the whole value, nor its digits run together, nor any five consecutive characters of it.
    const compact = raw.replace(/[\s-]/g, '').toUpperCase();
    const shown = message.toUpperCase();
    expect(shown).not.toContain(raw.toUpperCase());
    for (let i = 0; i + 5 <= compact.length; i++)
      expect(shown, message).not.toContain(compact.slice(i, i + 5));
    const digits = raw.replace(/\D/g, '');
    for (let i = 0; i + 5 <= digits.length; i++) expect(shown, message).not.toContain(digits.slice(i, i + 5));
  });

  it('covers every identifier type', () => {
    expect(new Set(INVALID.map(([type]) => type))).toEqual(new Set(SUBJECT_TYPES));
  });
});
