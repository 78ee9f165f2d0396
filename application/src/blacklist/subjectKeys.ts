import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, open, realpath, writeFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, relative, resolve } from 'node:path';

import {
  normaliseSubject,
  subjectText,
  type NormaliseOptions,
  type Subject,
} from '../../../chaincode/src/core/subject';

/**
 * The consortium's subject keys, on the member's node. A blacklist subject's ledger key is HMAC-SHA256 under the
 * consortium key over `subjectText(subject)`, with the key's version stored beside it (docs/BLACKLIST.md). The key
 * is never on the ledger, in a block, in the index or in a log; this module never logs, and none of its errors
 * carries a key or an identifier (an identifier's refusal comes from the core, whose messages name only the rule,
 * positions and lengths).
 *
 * A key file is JSON, `{ "keyVersion": 2, "key": "<32 bytes in base64>" }`, readable by its owner only (0600 or
 * 0400) and outside the node's data directory: whoever copies the data folder, a backup of it or the index must not
 * get the key with it.
 */

export const BLACKLIST_KEY_FILES_ENV = 'TALLYSTICK_BLACKLIST_KEY_FILES';
export const BLACKLIST_WRITE_KEY_VERSION_ENV = 'TALLYSTICK_BLACKLIST_WRITE_KEY_VERSION';

/** One key in service, or two during a rotation: more would mean a rotation left unfinished. */
export const SUBJECT_KEY_VERSIONS_MAX = 2;
export const SUBJECT_KEY_BYTES = 32;
/** Key versions are positive integers; the bound keeps them exact in JSON and in a PostgreSQL integer. */
export const SUBJECT_KEY_VERSION_MAX = 2_147_483_647;
/** A key file is a few dozen bytes; anything large is not one (and is not read into memory). */
const KEY_FILE_BYTES_MAX = 4096;
/** What a key's check value is an HMAC of: members compare check values to know they hold the same key. */
const KEY_CHECK_TEXT = 'tallystick.blacklist.key-check.v1';

/** A subject's ledger key under one version of the consortium key: 64 lower-case hex characters. */
export interface SubjectKey {
  readonly keyVersion: number;
  readonly subjectKey: string;
}

/** A version held, and its check value (the first 16 hex characters of an HMAC of a fixed text; not the key). */
export interface KeyCheck {
  readonly keyVersion: number;
  readonly keyCheck: string;
}

export interface SubjectKeyring {
  /** The versions held, the writing one first. */
  readonly versions: readonly number[];
  /** The version new entries are written under. */
  readonly writeVersion: number;
  /** The subject's key under the writing version: what an upload stores. */
  keyFor(subject: Subject): SubjectKey;
  /** The subject's key under every version held, the writing one first: what a query looks up. */
  keysFor(subject: Subject): readonly SubjectKey[];
  /** `keysFor` of an identifier as given (normalised first; refused by the core's rules with INVALID_INPUT). */
  keysForIdentifier(
    type: unknown,
    raw: unknown,
    field: string,
    options?: NormaliseOptions,
  ): readonly SubjectKey[];
  /** Each version's check value, to compare with the other members' (a mismatch means no query would match). */
  keyChecks(): readonly KeyCheck[];
}

/** A key file refused, or a configuration that cannot run. Never carries key material or an identifier. */
export class SubjectKeyError extends Error {
  override readonly name = 'SubjectKeyError';
}

export interface SubjectKeyConfig {
  /** Absolute paths of the key files: one, or two during a rotation. */
  readonly files: readonly string[];
  /** Required when two keys are held: the version uploads write under. */
  readonly writeVersion?: number;
}

/**
 * Reads the key configuration: `TALLYSTICK_BLACKLIST_KEY_FILES` (absolute paths separated by `:`) and, during a
 * rotation, `TALLYSTICK_BLACKLIST_WRITE_KEY_VERSION`. Undefined when no key file is named (the node then offers
 * no blacklist). A bad value stops the node with a message naming the variable.
 */
export function readSubjectKeyConfig(
  env: Readonly<Record<string, string | undefined>>,
): SubjectKeyConfig | undefined {
  const list = env[BLACKLIST_KEY_FILES_ENV];
  const write = env[BLACKLIST_WRITE_KEY_VERSION_ENV];
  if (list === undefined || list.trim() === '') {
    if (write !== undefined && write !== '')
      throw new SubjectKeyError(
        `${BLACKLIST_WRITE_KEY_VERSION_ENV} is set but ${BLACKLIST_KEY_FILES_ENV} is not`,
      );
    return undefined;
  }
  const files = list.split(delimiter).filter((f) => f !== '');
  for (const file of files) {
    if (!isAbsolute(file))
      throw new SubjectKeyError(
        `${BLACKLIST_KEY_FILES_ENV} must list absolute paths, got ${JSON.stringify(file)}`,
      );
  }
  if (files.length > SUBJECT_KEY_VERSIONS_MAX)
    throw new SubjectKeyError(
      `${BLACKLIST_KEY_FILES_ENV} names ${files.length} key files; at most ${SUBJECT_KEY_VERSIONS_MAX} (the current key and, during a rotation, the other)`,
    );
  if (write === undefined || write === '') return { files };
  const writeVersion = /^[1-9]\d{0,9}$/.test(write) ? Number(write) : NaN;
  return { files, writeVersion: checkKeyVersion(writeVersion, BLACKLIST_WRITE_KEY_VERSION_ENV) };
}

function checkKeyVersion(value: unknown, what: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 1 ||
    value > SUBJECT_KEY_VERSION_MAX
  )
    throw new SubjectKeyError(`${what} must be a whole number from 1 to ${SUBJECT_KEY_VERSION_MAX}`);
  return value;
}

/**
 * Loads the key files named by the configuration and refuses to start on any of: a file readable or writable by
 * group or others, a file inside `dataDir` (symbolic links resolved), a file that is not a key file, two files of
 * one version or of one key, more than two keys, two keys without a writing version, a writing version not held.
 */
export async function loadSubjectKeyring(config: SubjectKeyConfig, dataDir: string): Promise<SubjectKeyring> {
  if (config.files.length === 0) throw new SubjectKeyError('no blacklist key file is configured');
  if (config.files.length > SUBJECT_KEY_VERSIONS_MAX)
    throw new SubjectKeyError(
      `${config.files.length} blacklist key files given; at most ${SUBJECT_KEY_VERSIONS_MAX} are held at once`,
    );
  const data = await realpathOrResolved(dataDir);
  const keys: { keyVersion: number; key: KeyObject; file: string }[] = [];
  for (const file of config.files) keys.push({ ...(await readKeyFile(file, data)), file });
  for (const [i, a] of keys.entries()) {
    for (const b of keys.slice(i + 1)) {
      if (a.keyVersion === b.keyVersion)
        throw new SubjectKeyError(`${a.file} and ${b.file} are both key version ${a.keyVersion}`);
      if (a.key.equals(b.key))
        throw new SubjectKeyError(`${a.file} and ${b.file} hold the same key under two versions`);
    }
  }
  const held = keys.map((k) => k.keyVersion);
  let writeVersion: number;
  if (config.writeVersion !== undefined) {
    if (!held.includes(config.writeVersion))
      throw new SubjectKeyError(
        `the writing key version ${config.writeVersion} is not among the versions held (${held.join(', ')})`,
      );
    writeVersion = config.writeVersion;
  } else {
    const [only, other] = held;
    if (only === undefined || other !== undefined)
      throw new SubjectKeyError(
        `two key versions are held (${held.join(', ')}): name the one uploads write under in ${BLACKLIST_WRITE_KEY_VERSION_ENV}`,
      );
    writeVersion = only;
  }
  const writing = keys.filter((k) => k.keyVersion === writeVersion);
  const others = keys.filter((k) => k.keyVersion !== writeVersion);
  return keyring([...writing, ...others].map(({ keyVersion, key }) => ({ keyVersion, key })));
}

async function realpathOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return resolve(path);
    throw e;
  }
}

async function readKeyFile(file: string, dataDir: string): Promise<{ keyVersion: number; key: KeyObject }> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SubjectKeyError(
      code === 'ENOENT'
        ? `the blacklist key file ${file} does not exist`
        : `the blacklist key file ${file} cannot be read (${code ?? 'error'})`,
    );
  }
  const inside = relative(dataDir, real);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside)))
    throw new SubjectKeyError(
      `the blacklist key file ${file} is inside the node's data directory ${dataDir}; keep it outside (a copy of the data must not carry the key)`,
    );
  // Opened once: the checks and the read are of the same file, even if the path is replaced meanwhile.
  const handle = await open(real, 'r').catch((e: unknown) => {
    throw new SubjectKeyError(
      `the blacklist key file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  });
  let bytes: Buffer;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new SubjectKeyError(`the blacklist key file ${file} is not a regular file`);
    if ((info.mode & 0o077) !== 0)
      throw new SubjectKeyError(
        `the blacklist key file ${file} has mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}: group and others must have no access (chmod 600 it)`,
      );
    if (info.size > KEY_FILE_BYTES_MAX)
      throw new SubjectKeyError(`${file} is not a blacklist key file (too large)`);
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  try {
    return parseKeyFile(bytes, file);
  } finally {
    bytes.fill(0);
  }
}

/** The file's content is never quoted: a parse error from JSON.parse would show part of it. */
function parseKeyFile(bytes: Buffer, file: string): { keyVersion: number; key: KeyObject } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SubjectKeyError(
      `${file} is not a blacklist key file: it is not JSON ({ "keyVersion": n, "key": "<base64>" })`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SubjectKeyError(
      `${file} is not a blacklist key file: it must be a JSON object with keyVersion and key`,
    );
  const { keyVersion, key } = parsed as Record<string, unknown>;
  const version = checkKeyVersion(keyVersion, `keyVersion in ${file}`);
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(key))
    throw new SubjectKeyError(`key in ${file} must be ${SUBJECT_KEY_BYTES} bytes in base64`);
  const material = Buffer.from(key, 'base64');
  try {
    if (material.length !== SUBJECT_KEY_BYTES || material.toString('base64') !== key)
      throw new SubjectKeyError(`key in ${file} must be ${SUBJECT_KEY_BYTES} bytes in base64`);
    return { keyVersion: version, key: createSecretKey(material) };
  } finally {
    material.fill(0);
  }
}

/**
 * A keyring over keys already loaded, the writing one first. The keys stay in this closure as `KeyObject`s:
 * printing, inspecting or serialising the keyring shows no key material.
 */
function keyring(keys: readonly { keyVersion: number; key: KeyObject }[]): SubjectKeyring {
  const [writing] = keys;
  if (writing === undefined) throw new SubjectKeyError('no blacklist key is held');
  const hash = (key: KeyObject, subject: Subject): string =>
    createHmac('sha256', key).update(subjectText(subject), 'utf8').digest('hex');
  const keysFor = (subject: Subject): readonly SubjectKey[] =>
    keys.map(({ keyVersion, key }) => ({ keyVersion, subjectKey: hash(key, subject) }));
  return {
    versions: keys.map((k) => k.keyVersion),
    writeVersion: writing.keyVersion,
    keyFor: (subject) => ({ keyVersion: writing.keyVersion, subjectKey: hash(writing.key, subject) }),
    keysFor,
    keysForIdentifier: (type, raw, field, options) => keysFor(normaliseSubject(type, raw, field, options)),
    keyChecks: () => keys.map(({ keyVersion, key }) => ({ keyVersion, keyCheck: keyCheckOf(key) })),
  };
}

/**
 * Makes a new key file (a fresh random key) at `file`, mode 0600, refusing to overwrite one; returns its check
 * value. The consortium makes each version once and hands the same file to every member's node.
 */
export async function createSubjectKeyFile(file: string, keyVersion: number): Promise<KeyCheck> {
  if (!isAbsolute(file))
    throw new SubjectKeyError(`the key file must be an absolute path, got ${JSON.stringify(file)}`);
  const version = checkKeyVersion(keyVersion, 'keyVersion');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const material = randomBytes(SUBJECT_KEY_BYTES);
  const text = `${JSON.stringify({ keyVersion: version, key: material.toString('base64') })}\n`;
  try {
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new SubjectKeyError(`${file} exists already: a key file is never overwritten`);
    throw e;
  }
  const key = createSecretKey(material);
  material.fill(0);
  return { keyVersion: version, keyCheck: keyCheckOf(key) };
}

function keyCheckOf(key: KeyObject): string {
  return createHmac('sha256', key).update(KEY_CHECK_TEXT, 'utf8').digest('hex').slice(0, 16);
}
