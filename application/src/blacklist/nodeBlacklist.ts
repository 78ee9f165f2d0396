import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, open, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

import { BlacklistGateway } from '../ledger/blacklistGateway';
import type { TransportGateway } from '../ledger/transportGateway';
import {
  createSubjectKeyFile,
  loadSubjectKeyring,
  readSubjectKeyConfig,
  SubjectKeyError,
  type SubjectKeyConfig,
  type SubjectKeyring,
} from './subjectKeys';

/**
 * The shared blacklist as one institution's node holds it: the use cases on the ledger, the consortium's subject
 * keys (identifiers are hashed here and never leave the node), and the node's own evidence-salt secret (what
 * makes an entry's evidence hash untestable by the other members, who hold the consortium key).
 */
export interface NodeBlacklist {
  readonly gateway: BlacklistGateway;
  readonly keyring: SubjectKeyring;
  readonly saltKey: KeyObject;
  /** The node's clock (a birth date in the future is refused against its day; the ledger checks at its own). */
  readonly now: () => Date;
}

/** The demo's consortium key file, one copy per institution (every member holds the same key). */
export const DEMO_KEY_FILE = 'subject-key-v1.json';
/** The node's evidence-salt secret, beside the (first) key file it uses. */
export const saltFileName = (mspId: string): string => `evidence-salt-${mspId}.key`;

export interface OpenNodeBlacklistOptions {
  readonly mspId: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The data directory: configured key files inside it are refused (a copy of the data must not carry a key). */
  readonly dataDir: string;
  /**
   * The node's own folder, when the demo keeps its keys beside it inside `dataDir` (`<dataDir>/nodes/<MSP>`): the
   * demo's key files are refused inside this one instead. Default `dataDir`.
   */
  readonly nodeDir?: string;
  /**
   * Where the embedded demo keeps its key files when none is configured: `<demoKeyDir>/<MSP>/`, outside
   * `dataDir`. Absent: no demo keys (a node on live Fabric without a configured key offers no blacklist).
   */
  readonly demoKeyDir?: string;
  readonly now?: () => Date;
}

/**
 * The node's blacklist: with `TALLYSTICK_BLACKLIST_KEY_FILES` set, those key files (`readSubjectKeyConfig`);
 * otherwise, for the embedded demo (`demoKeyDir` given), a key file per institution in a folder outside the data
 * directory, made on first start (the first institution's key is made fresh, the others get a copy of it, 0600).
 * Undefined when neither: the node then answers the blacklist's routes 503 BLACKLIST_UNAVAILABLE.
 */
export async function openNodeBlacklist(
  gateway: TransportGateway,
  options: OpenNodeBlacklistOptions,
): Promise<NodeBlacklist | undefined> {
  let config: SubjectKeyConfig | undefined = readSubjectKeyConfig(options.env);
  let dataDir = options.dataDir;
  if (config === undefined) {
    if (options.demoKeyDir === undefined) return undefined;
    dataDir = options.nodeDir ?? options.dataDir;
    config = { files: [await demoKeyFile(options.demoKeyDir, options.mspId, dataDir)] };
  }
  const keyring = await loadSubjectKeyring(config, dataDir);
  const [first] = config.files;
  if (first === undefined) throw new SubjectKeyError('no blacklist key file is configured');
  const saltKey = await loadSaltKey(join(dirname(first), saltFileName(options.mspId)), dataDir);
  return {
    gateway: new BlacklistGateway(gateway),
    keyring,
    saltKey,
    now: options.now ?? (() => new Date()),
  };
}

/** The institution's demo key file, made when absent: a copy of another institution's, or a fresh key. */
async function demoKeyFile(keyDir: string, mspId: string, dataDir: string): Promise<string> {
  const dir = resolve(keyDir);
  await refuseInside(dir, dataDir, 'the blacklist demo key folder');
  const file = join(dir, mspId, DEMO_KEY_FILE);
  if (await exists(file)) return file;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const other = await anotherInstitutionsKey(dir);
  if (other === undefined) {
    await createSubjectKeyFile(file, 1).catch(ignoreExisting);
    return file;
  }
  // The same consortium key for every member: that is what lets one institution's query find another's entry.
  const bytes = await readFile(other);
  try {
    await writeFile(file, bytes, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    ignoreExisting(e);
  } finally {
    bytes.fill(0);
  }
  return file;
}

const exists = (file: string): Promise<boolean> =>
  open(file, 'r').then(
    async (h) => {
      await h.close();
      return true;
    },
    () => false,
  );

async function anotherInstitutionsKey(dir: string): Promise<string | undefined> {
  const folders = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of folders) {
    const candidate = join(dir, name, DEMO_KEY_FILE);
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

function ignoreExisting(e: unknown): void {
  const exists =
    (e as NodeJS.ErrnoException).code === 'EEXIST' ||
    (e instanceof SubjectKeyError && e.message.includes('exists already'));
  if (!exists) throw e;
}

async function refuseInside(path: string, dataDir: string, what: string): Promise<void> {
  const data = await realpath(dataDir).catch(() => resolve(dataDir));
  const inside = relative(data, path);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside)))
    throw new SubjectKeyError(`${what} ${path} is inside the node's data directory ${data}; keep it outside`);
}

const SALT_BYTES = 32;

/**
 * The node's evidence-salt secret: 32 random bytes in base64, made 0600 when absent, refused when group or others
 * may read it or when it lies inside the data directory (as the key files are). Its content is never quoted.
 */
async function loadSaltKey(file: string, dataDir: string): Promise<KeyObject> {
  await refuseInside(
    join(await realpath(dirname(file)), basename(file)),
    dataDir,
    'the blacklist evidence-salt file',
  );
  await writeFile(file, `${randomBytes(SALT_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    ignoreExisting,
  );
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new SubjectKeyError(`the evidence-salt file ${file} is not a regular file`);
    if ((info.mode & 0o077) !== 0)
      throw new SubjectKeyError(
        `the evidence-salt file ${file} has mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}: group and others must have no access (chmod 600 it)`,
      );
    if (info.size > 1024) throw new SubjectKeyError(`${file} is not an evidence-salt file (too large)`);
    const text = await handle.readFile({ encoding: 'utf8' });
    const bytes = Buffer.from(text.trim(), 'base64');
    try {
      if (bytes.length !== SALT_BYTES)
        throw new SubjectKeyError(`${file} is not an evidence-salt file (32 bytes in base64)`);
      return createSecretKey(bytes);
    } finally {
      bytes.fill(0);
    }
  } finally {
    await handle.close();
  }
}
