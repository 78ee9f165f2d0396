import path from 'node:path';

/** Where the index lives: a PostgreSQL server named by `DATABASE_URL`, or PGlite embedded in the node. */
export type DatabaseConfig =
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string }
  | { readonly kind: 'embedded'; readonly dataDir: string; readonly schema: string };

export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads and validates the database settings once, at start-up (a bad value stops the process with a message
 * that names it). `DATABASE_URL` (postgres:// or postgresql://) selects a real server; without it the node
 * embeds PGlite under `<nodeDataDir>/index-db`. `DATABASE_SCHEMA` (default `public`) lets several nodes share
 * one server, each in its own schema.
 */
export function readDatabaseConfig(
  env: Readonly<Record<string, string | undefined>>,
  nodeDataDir: string,
): DatabaseConfig {
  const schema = env.DATABASE_SCHEMA ?? 'public';
  if (!SCHEMA_NAME.test(schema))
    throw new DatabaseConfigError(
      `DATABASE_SCHEMA=${JSON.stringify(schema)} is not a plain lower-case SQL identifier`,
    );
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw.trim() === '') {
    return { kind: 'embedded', dataDir: path.join(nodeDataDir, 'index-db'), schema };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DatabaseConfigError('DATABASE_URL is not a URL (expected postgres://user:pass@host:port/db)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new DatabaseConfigError(
      `DATABASE_URL must use postgres:// or postgresql://, not ${url.protocol}//`,
    );
  if (url.hostname === '' && !url.searchParams.has('host'))
    throw new DatabaseConfigError('DATABASE_URL names no host');
  if (url.pathname.length <= 1) throw new DatabaseConfigError('DATABASE_URL names no database');
  return { kind: 'postgres', url: raw, schema };
}

/** The URL with its password masked, for logs and error messages. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
