import { createHash } from 'node:crypto';

import type pg from 'pg';

/**
 * A node's attachments (issue 21 item 3; ../attachments/README.md): the files themselves, by SHA-256, and the ones
 * its institution attached. The ledger holds each file's hash, size, media type and sealed name; the bytes stay
 * here (migration 014). These tables are the node's own records, not part of the index rebuilt from the ledger.
 */

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Keeps a file under its SHA-256 (content-addressed: the same file twice is one row). */
export async function storeFile(pool: pg.Pool, sha256: string, bytes: Buffer): Promise<void> {
  if (sha256Of(bytes) !== sha256) throw new Error(`storeFile: the bytes do not hash to ${sha256}`);
  await pool.query(
    'INSERT INTO attachment_files (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
    [sha256, bytes.length, bytes],
  );
}

/** The stored bytes under `sha256`, as stored (the caller hashes them again before trusting them). */
export async function readFile(pool: pg.Pool, sha256: string): Promise<Buffer | undefined> {
  const r = await pool.query<{ bytes: Buffer | Uint8Array }>(
    'SELECT bytes FROM attachment_files WHERE sha256 = $1',
    [sha256],
  );
  const bytes = r.rows[0]?.bytes;
  return bytes === undefined ? undefined : Buffer.from(bytes);
}

/** Which of `sha256s` this node holds. */
export async function heldFiles(pool: pg.Pool, sha256s: readonly string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const r = await pool.query<{ sha256: string }>(
    'SELECT sha256 FROM attachment_files WHERE sha256 = ANY($1)',
    [sha256s],
  );
  return new Set(r.rows.map((row) => row.sha256));
}

/** A file this node's institution attached to a break, as the ledger committed it. */
export interface OwnAttachment {
  readonly breakId: string;
  readonly sha256: string;
  readonly caseId: string;
  /** The break's parties when the file was attached (the ledger's; a break's parties never change). */
  readonly parties: readonly string[];
  readonly mediaType: string;
  readonly name: string;
  readonly attachedBy: string;
  readonly txId: string;
  readonly attachedAt: string;
}

/** Records an attachment the ledger committed; a retry of the same step records nothing new. */
export async function recordOwnAttachment(pool: pg.Pool, a: OwnAttachment): Promise<void> {
  await pool.query(
    `INSERT INTO break_attachments
       (break_id, sha256, case_id, parties, media_type, name, attached_by, tx_id, attached_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (break_id, sha256) DO NOTHING`,
    [a.breakId, a.sha256, a.caseId, a.parties, a.mediaType, a.name, a.attachedBy, a.txId, a.attachedAt],
  );
}

/** A file this node's institution attached to `breakId`, or undefined. */
export async function ownAttachment(
  pool: pg.Pool,
  breakId: string,
  sha256: string,
): Promise<OwnAttachment | undefined> {
  const r = await pool.query<{
    case_id: string;
    parties: string[];
    media_type: string;
    name: string;
    attached_by: string;
    tx_id: string;
    attached_at: Date | string;
  }>(
    `SELECT case_id, parties, media_type, name, attached_by, tx_id, attached_at
       FROM break_attachments WHERE break_id = $1 AND sha256 = $2`,
    [breakId, sha256],
  );
  const row = r.rows[0];
  if (row === undefined) return undefined;
  return {
    breakId,
    sha256,
    caseId: row.case_id,
    parties: row.parties,
    mediaType: row.media_type,
    name: row.name,
    attachedBy: row.attached_by,
    txId: row.tx_id,
    attachedAt: new Date(row.attached_at).toISOString(),
  };
}
