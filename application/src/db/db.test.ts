import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AMOUNT_MINOR_MAX } from '../../../chaincode/src/core/money';
import { openTestDatabase, resetTestDatabase } from '../../../test/support/testDatabase';
import { readDatabaseConfig } from './config';
import { DataDirInUse, startEmbeddedPostgres } from './embeddedPostgres';
import { loadMigrations, migrate, MigrationError } from './migrate';
import { openDatabase, type Database } from './pool';

describe('database configuration', () => {
  it('embeds PGlite under the node data folder without DATABASE_URL', () => {
    expect(readDatabaseConfig({}, '/var/node')).toEqual({
      kind: 'embedded',
      dataDir: path.join('/var/node', 'index-db'),
      schema: 'public',
    });
  });

  it('accepts a postgres URL and a schema', () => {
    expect(
      readDatabaseConfig(
        { DATABASE_URL: 'postgresql://u:p@127.0.0.1:5433/tally', DATABASE_SCHEMA: 'bank_a' },
        '/x',
      ),
    ).toEqual({ kind: 'postgres', url: 'postgresql://u:p@127.0.0.1:5433/tally', schema: 'bank_a' });
  });

  it.each([
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a URL/],
    [{ DATABASE_URL: 'mysql://h/db' }, /DATABASE_URL must use postgres/],
    [{ DATABASE_URL: 'postgres://127.0.0.1:5432' }, /DATABASE_URL names no database/],
    [{ DATABASE_SCHEMA: 'Robert"; DROP' }, /DATABASE_SCHEMA/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => readDatabaseConfig(env, '/x')).toThrow(message);
  });
});

describe('migrations', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase('migrations');
  });
  afterAll(async () => {
    await db.close();
  });

  const tables = async () =>
    (
      await db.pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
      )
    ).rows.map((r) => r.table_name);

  it('rolls a half-applied migration back whole and records nothing of it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    try {
      fs.writeFileSync(path.join(dir, '001_first.sql'), 'CREATE TABLE extra_one (id int PRIMARY KEY);');
      fs.writeFileSync(
        path.join(dir, '002_broken.sql'),
        'CREATE TABLE extra_two (id int PRIMARY KEY);\nINSERT INTO extra_two VALUES (1);\nSELECT 1/0;',
      );
      const fresh = db;
      await resetTestDatabase(db);
      try {
        await expect(migrate(fresh.pool, loadMigrations(dir))).rejects.toThrow(
          /migration 2 \(broken\) failed: division by zero/,
        );
        const t = await fresh.pool.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
        );
        expect(t.rows.map((r) => r.table_name)).toEqual(['extra_one', 'schema_migrations']);
        const v = await fresh.pool.query<{ version: number }>('SELECT version FROM schema_migrations');
        expect(v.rows).toEqual([{ version: 1 }]);
        // A changed file that was already applied is refused: history is append-only.
        fs.writeFileSync(path.join(dir, '001_first.sql'), 'CREATE TABLE extra_one (id bigint PRIMARY KEY);');
        fs.rmSync(path.join(dir, '002_broken.sql'));
        await expect(migrate(fresh.pool, loadMigrations(dir))).rejects.toThrow(MigrationError);
      } finally {
        await resetTestDatabase(db);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies every migration once, in order; applying again changes nothing', async () => {
    const first = await migrate(db.pool);
    expect(first.applied).toEqual(loadMigrations().map((m) => m.version));
    const before = await tables();
    expect(before).toEqual(
      expect.arrayContaining(['cases', 'legs', 'breaks', 'break_transitions', 'own_legs']),
    );
    const recorded = await db.pool.query('SELECT version, name, checksum, applied_at FROM schema_migrations');
    const second = await migrate(db.pool);
    expect(second.applied).toEqual([]);
    expect(await tables()).toEqual(before);
    expect(
      (await db.pool.query('SELECT version, name, checksum, applied_at FROM schema_migrations')).rows,
    ).toEqual(recorded.rows);
  });

  it('money is NUMERIC(20,0) and times timestamptz', async () => {
    const cols = await db.pool.query<{
      column_name: string;
      data_type: string;
      numeric_precision: number | null;
    }>(
      `SELECT column_name, data_type, numeric_precision FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'own_legs'
          AND column_name IN ('amount_minor', 'recorded_at') ORDER BY 1`,
    );
    expect(cols.rows).toEqual([
      { column_name: 'amount_minor', data_type: 'numeric', numeric_precision: 20 },
      { column_name: 'recorded_at', data_type: 'timestamp with time zone', numeric_precision: null },
    ]);
    // The amount rule is the core's (the index writes by parseAmountMinor): the column holds all it allows.
    expect(AMOUNT_MINOR_MAX.toString().length).toBeLessThanOrEqual(cols.rows[0]?.numeric_precision ?? 0);
  });

  it('refuses a gap in the numbering', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    try {
      fs.writeFileSync(path.join(dir, '001_a.sql'), 'SELECT 1;');
      fs.writeFileSync(path.join(dir, '003_c.sql'), 'SELECT 1;');
      expect(() => loadMigrations(dir)).toThrow(/expected version 2/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Runs in CI too: it asks for PGlite explicitly (an empty environment), whatever DATABASE_URL says.
describe('embedded PGlite', () => {
  it('keeps its data in the node folder across restarts, one process per folder', async () => {
    const nodeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-'));
    try {
      const config = readDatabaseConfig({}, nodeDir);
      const db = await openDatabase(config);
      try {
        await migrate(db.pool);
        await db.pool.query(`INSERT INTO daily_stats (day, legs_posted) VALUES ('2026-11-27', 42)`);
        await expect(
          startEmbeddedPostgres({ dataDir: (config as { dataDir: string }).dataDir }),
        ).rejects.toThrow(DataDirInUse);
      } finally {
        await db.close();
      }
      const again = await openDatabase(config);
      try {
        expect((await migrate(again.pool)).applied).toEqual([]);
        const r = await again.pool.query<{ legs_posted: string }>('SELECT legs_posted FROM daily_stats');
        expect(r.rows).toEqual([{ legs_posted: '42' }]);
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(nodeDir, { recursive: true, force: true });
    }
  });
});
