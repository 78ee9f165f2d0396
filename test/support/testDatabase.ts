import { randomBytes } from 'node:crypto';

import { createPool, type Database } from '../../application/src/db/pool';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres } from '../../application/src/db/embeddedPostgres';

/**
 * A fresh, empty database for one test file: with `DATABASE_URL` set (CI runs a real PostgreSQL server), a new
 * schema on that server, dropped on close; without it, a new in-memory PGlite served over its socket. Either
 * way the code under test gets a plain pg pool.
 */
export async function openTestDatabase(
  label = 'test',
  kind: Database['kind'] = postgresUrl() === undefined ? 'embedded' : 'postgres',
): Promise<Database> {
  const url = postgresUrl();
  if (kind === 'postgres') {
    if (url === undefined) throw new Error('a PostgreSQL test database needs DATABASE_URL');
    const schema = `t_${label
      .replace(/[^a-z0-9]/gi, '')
      .toLowerCase()
      .slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = createPool(url, { schema: 'public', max: 1 });
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
    } finally {
      await admin.end();
    }
    const pool = createPool(url, { schema });
    return {
      pool,
      kind: 'postgres',
      schema,
      description: `schema ${schema} on DATABASE_URL`,
      async close() {
        await pool.end();
        const dropper = createPool(url, { schema: 'public', max: 1 });
        try {
          await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
        } finally {
          await dropper.end();
        }
      },
    };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: undefined });
  const pool = createPool(embedded.url, { schema: 'public', max: EMBEDDED_POOL_MAX });
  return {
    pool,
    kind: 'embedded',
    schema: 'public',
    description: `in-memory PGlite (${embedded.url})`,
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}

function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url !== undefined && url.trim() !== '' ? url : undefined;
}

/**
 * The kinds of database a test that matters runs on: the embedded PGlite always, and the real PostgreSQL too
 * when `DATABASE_URL` names one (CI sets it), so both paths are held to the same behaviour.
 */
export function testDatabaseKinds(): Database['kind'][] {
  return postgresUrl() === undefined ? ['embedded'] : ['embedded', 'postgres'];
}

/** Empties a test database: drops its schema with everything in it and creates it again. */
export async function resetTestDatabase(db: Database): Promise<void> {
  await db.pool.query(`DROP SCHEMA ${db.schema} CASCADE; CREATE SCHEMA ${db.schema}`);
}
