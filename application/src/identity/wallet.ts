import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Identity } from '../ledger/ledgerGateway';
import type { SessionRecord, SessionRecords } from './sessions';
import { loadWalletKey, readWalletKeyConfig, type WalletKeySource } from './walletKey';

/**
 * Writes a file whole or not at all, through a temporary file of its own: two writes of one file at once (two
 * logins of one person) each rename their own, and the last one wins.
 */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}

/**
 * Keeps each person's identity (certificate and private key) so that every ledger transaction is signed by the
 * person who acted, and the node's sessions so that they outlive a restart. Files are 0600 in a 0700 folder;
 * private keys and session records are encrypted (AES-256-GCM) with the node's wallet key, which lives outside
 * the data directory (walletKey.ts); nothing here is ever logged.
 */
export class FileWallet implements SessionRecords {
  private constructor(
    private readonly dir: string,
    private readonly key: Buffer,
  ) {}

  /**
   * Opens (creating if needed) a wallet folder. The key is 32 bytes: given, or from its configured source
   * (`TALLYSTICK_WALLET_KEY`, `TALLYSTICK_WALLET_KEY_FILE`, else the user's config folder: walletKey.ts).
   */
  static async open(
    dir: string,
    key: Buffer | WalletKeySource = readWalletKeyConfig(process.env),
  ): Promise<FileWallet> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    // Earlier versions kept the key beside what it encrypts. Identities it sealed are issued again at the next
    // login; a session record it sealed reads as no session.
    await rm(join(dir, '.wallet-key'), { force: true });
    return new FileWallet(dir, Buffer.isBuffer(key) ? key : await loadWalletKey(key, dir));
  }

  /**
   * A 32-byte key for one purpose (a domain text, e.g. `tallystick/cursor-seal/v1`), derived from the wallet key
   * (HKDF-SHA256): as lasting as the wallet key, independent of it and of every other purpose's key.
   */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32));
  }

  async put(label: string, identity: Identity): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([
      cipher.update(identity.privateKeyPem, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const record = {
      version: 1,
      mspId: identity.mspId,
      certificatePem: identity.certificatePem,
      privateKey: `${iv.toString('base64')}.${sealed.toString('base64')}`,
    };
    await writeAtomic(this.file(label), JSON.stringify(record));
  }

  async get(label: string): Promise<Identity | undefined> {
    let text: string;
    try {
      text = await readFile(this.file(label), 'utf8');
    } catch {
      return undefined;
    }
    const record = JSON.parse(text) as { mspId: string; certificatePem: string; privateKey: string };
    const [ivText = '', bodyText = ''] = record.privateKey.split('.');
    const body = Buffer.from(bodyText, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(ivText, 'base64'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const privateKeyPem = Buffer.concat([
      decipher.update(body.subarray(0, body.length - 16)),
      decipher.final(),
    ]).toString('utf8');
    return { mspId: record.mspId, certificatePem: record.certificatePem, privateKeyPem };
  }

  async saveSession(key: string, record: SessionRecord): Promise<void> {
    const file = this.sessionFile(key);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    // Bound to its file name: a record copied under another session's name does not open.
    cipher.setAAD(Buffer.from(key));
    const sealed = Buffer.concat([
      cipher.update(JSON.stringify(record), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    await writeAtomic(file, `${iv.toString('base64')}.${sealed.toString('base64')}`);
  }

  async loadSession(key: string): Promise<SessionRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.sessionFile(key), 'utf8');
    } catch {
      return undefined;
    }
    const [ivText = '', bodyText = ''] = text.split('.');
    const body = Buffer.from(bodyText, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(ivText, 'base64'));
    decipher.setAAD(Buffer.from(key));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const record = JSON.parse(
      Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8'),
    ) as SessionRecord;
    return record;
  }

  async removeSession(key: string): Promise<void> {
    await unlink(this.sessionFile(key)).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    });
  }

  async sessionKeys(): Promise<string[]> {
    return (await readdir(this.dir))
      .filter((f) => /^[0-9a-f]{64}\.session$/.test(f))
      .map((f) => f.slice(0, 64));
  }

  private sessionFile(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error('a session key is a SHA-256 in hex');
    return join(this.dir, `${key}.session`);
  }

  private file(label: string): string {
    if (!/^[A-Za-z0-9._@-]{1,128}$/.test(label))
      throw new Error(`wallet label ${JSON.stringify(label)} is not a safe file name`);
    return join(this.dir, `${label}.id.json`);
  }
}
