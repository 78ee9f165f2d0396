import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Identity } from '../ledger/ledgerGateway';

/**
 * Keeps each person's identity (certificate and private key) so that every ledger transaction is signed by the
 * person who acted. Files are 0600 in a 0700 folder and the private key is encrypted (AES-256-GCM) with the
 * node's wallet key; nothing here is ever logged.
 */
export class FileWallet {
  private constructor(
    private readonly dir: string,
    private readonly key: Buffer,
  ) {}

  /** Opens (creating if needed) a wallet folder; the wallet key is 32 bytes, from configuration or a key file. */
  static async open(dir: string, key?: Buffer): Promise<FileWallet> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new FileWallet(dir, key ?? (await loadOrCreateKey(join(dir, '.wallet-key'))));
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
    const file = this.file(label);
    await writeFile(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
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

  private file(label: string): string {
    if (!/^[A-Za-z0-9._@-]{1,128}$/.test(label))
      throw new Error(`wallet label ${JSON.stringify(label)} is not a safe file name`);
    return join(this.dir, `${label}.id.json`);
  }
}

async function loadOrCreateKey(file: string): Promise<Buffer> {
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const key = randomBytes(32);
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    return key;
  }
}
