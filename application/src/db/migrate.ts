import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type pg from 'pg';

import { inTransaction } from './pool';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/**
 * The migrations folder. tsc does not copy .sql files into dist/, so a compiled build reads them from the
 * source tree beside it.
 */
export function defaultMigrationsDir(): string {
  const candidates = [
    path.join(__dirname, 'migrations'),
    path.resolve(__dirname, '../../../../application/src/db/migrations'),
  ];
  const found = candidates.find((d) => fs.existsSync(d));
  if (found === undefined) throw new MigrationError(`no migrations folder in ${candidates.join(' or ')}`);
  return found;
}

/** Reads `NNN_name.sql` files in version order; a gap, a duplicate or a stray file is an error. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(file);
    if (!m?.[1] || !m[2]) throw new MigrationError(`${file}: migration files are named NNN_name.sql`);
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(m[1]),
      name: m[2],
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new MigrationError(
        `migration ${String(m.version).padStart(3, '0')}_${m.name}: expected version ${i + 1}`,
      );
  });
  return migrations;
}

/** Any fixed number: serialises migrators of one database (two nodes starting at once). */
const MIGRATION_LOCK_KEY = 7_305_914_001;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, each in its own transaction
 * together with its record: a migration that fails leaves nothing behind and stops the run. A recorded
 * migration whose file changed since is refused (history is append-only: write a new migration).
 */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<{ applied: number[] }> {
  await pool.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const existing = await client.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [m.version],
      );
      const row = existing.rows[0];
      if (row) {
        if (row.checksum !== m.checksum)
          throw new MigrationError(
            `migration ${m.version} (${m.name}) was applied with different content; add a new migration instead`,
          );
        return false;
      }
      try {
        await client.query(m.sql);
      } catch (e) {
        throw new MigrationError(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return { applied };
}
