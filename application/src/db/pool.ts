import pg from 'pg';

import { redactUrl, type DatabaseConfig } from './config';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres } from './embeddedPostgres';

/** An open index database: one pg pool, whatever serves it. */
export interface Database {
  readonly pool: pg.Pool;
  readonly kind: 'postgres' | 'embedded';
  readonly schema: string;
  /** For logs: the URL with its password masked. */
  readonly description: string;
  close(): Promise<void>;
}

export interface PoolOptions {
  readonly schema: string;
  readonly max?: number;
}

/**
 * A pg pool on `url` whose every connection resolves unqualified names in `schema` (set as a startup option,
 * so it holds before the first query and cannot be lost on reconnect).
 */
export function createPool(url: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    ...(options.schema === 'public' ? {} : { options: `-c search_path=${options.schema}` }),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error' on the pool; without a handler the process dies.
  pool.on('error', (err) => {
    console.error(`index database: idle connection failed: ${err.message}`);
  });
  return pool;
}

/** Opens the database the configuration names, starting embedded PGlite when no `DATABASE_URL` is set. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'postgres') {
    const pool = createPool(config.url, { schema: config.schema });
    if (config.schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${config.schema}`);
    return {
      pool,
      kind: 'postgres',
      schema: config.schema,
      description: redactUrl(config.url),
      close: () => pool.end(),
    };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
  const pool = createPool(embedded.url, { schema: config.schema, max: EMBEDDED_POOL_MAX });
  try {
    if (config.schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${config.schema}`);
  } catch (e) {
    await pool.end();
    await embedded.stop();
    throw e;
  }
  return {
    pool,
    kind: 'embedded',
    schema: config.schema,
    description: `embedded PGlite in ${config.dataDir} (${embedded.url})`,
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}

/** Runs `work` in one transaction on one connection: COMMIT if it returns, ROLLBACK if it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // The connection itself failed: do not hand it back to the pool.
      broken = rollbackError;
    }
    throw e;
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}
