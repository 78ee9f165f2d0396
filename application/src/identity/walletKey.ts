import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';

/**
 * Where the wallet's encryption key comes from. It never lives in the wallet's folder (nor anywhere under the
 * node's data directory): whoever copies the data folder must not get the key with it.
 *
 * - `TALLYSTICK_WALLET_KEY`: the key itself, 32 bytes in base64 (a secret the service manager injects);
 * - `TALLYSTICK_WALLET_KEY_FILE`: a file holding it (base64), created 0600 with a fresh key if absent;
 * - neither (the demo): `$XDG_CONFIG_HOME/tallystick/wallet.key` (else `~/.config/tallystick/wallet.key`),
 *   created 0600 in a 0700 folder if absent.
 */
export type WalletKeySource =
  { readonly kind: 'secret'; readonly key: Buffer } | { readonly kind: 'file'; readonly file: string };

export const WALLET_KEY_ENV = 'TALLYSTICK_WALLET_KEY';
export const WALLET_KEY_FILE_ENV = 'TALLYSTICK_WALLET_KEY_FILE';

/** Reads the wallet key's configuration; a bad value stops the node with a message naming the variable. */
export function readWalletKeyConfig(env: Readonly<Record<string, string | undefined>>): WalletKeySource {
  const secret = env[WALLET_KEY_ENV];
  const file = env[WALLET_KEY_FILE_ENV];
  if (secret !== undefined && secret !== '') {
    if (file !== undefined && file !== '')
      throw new Error(`set ${WALLET_KEY_ENV} or ${WALLET_KEY_FILE_ENV}, not both`);
    const key = Buffer.from(secret.trim(), 'base64');
    // The value itself is never repeated in a message.
    if (key.length !== 32)
      throw new Error(`${WALLET_KEY_ENV} must be 32 bytes in base64 (openssl rand -base64 32)`);
    return { kind: 'secret', key };
  }
  if (file !== undefined && file !== '') {
    if (!isAbsolute(file)) throw new Error(`${WALLET_KEY_FILE_ENV} must be an absolute path, got ${file}`);
    return { kind: 'file', file };
  }
  const config =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ''
      ? env.XDG_CONFIG_HOME
      : join(homedir(), '.config');
  return { kind: 'file', file: join(config, 'tallystick', 'wallet.key') };
}

/** The 32-byte key, from the secret or its file (made 0600 with a fresh key when absent); refused inside `walletDir`. */
export async function loadWalletKey(source: WalletKeySource, walletDir: string): Promise<Buffer> {
  if (source.kind === 'secret') return source.key;
  const inside = relative(resolve(walletDir), resolve(source.file));
  if (!inside.startsWith('..') && !isAbsolute(inside))
    throw new Error(
      `the wallet key file ${source.file} is inside the wallet folder ${walletDir}; keep it outside the data directory`,
    );
  try {
    return await readKeyFile(source.file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(source.file), { recursive: true, mode: 0o700 });
  // Written whole under another name, then linked: a node starting beside this one never reads half a key.
  const tmp = `${source.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, source.file);
  } catch (e) {
    // Another node of this machine made it first: use theirs.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
  return readKeyFile(source.file);
}

async function readKeyFile(file: string): Promise<Buffer> {
  const text = await readFile(file, 'utf8');
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key in base64`);
  // A key file others can read is tightened, not trusted as is.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return key;
}
