import type pg from 'pg';

/** Anything that runs a statement: the pool, or one client inside the caller's SQL transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * The numbered parameters of a statement built from optional filters: `add(v)` keeps the value and returns its
 * placeholder (`$1`, `$2`, …), so a placeholder and its value can never be counted apart.
 */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The PostgreSQL element types a column array of `unnest` is cast to. */
export type SqlType = 'text' | 'int' | 'bigint' | 'boolean' | 'timestamptz' | 'date' | 'numeric';

/** One column of a bulk write: its name, its element type, and how to read it from a row. */
export type Column<R> = readonly [type: SqlType, of: (row: R) => unknown];

/** Columns in statement order: an object, so each name is written once beside its type and its value. */
export type Columns<R> = Readonly<Record<string, Column<R>>>;

/**
 * Many rows as one statement: one array per column, turned back into rows by `unnest`, so a batch of any size is
 * one round trip with a fixed number of parameters. `from` is `unnest($1::text[], …) AS t(name, …)`, `names` the
 * column list (for `INSERT INTO table (names) SELECT names FROM …`), `values` the arrays in the same order.
 */
export function unnestRows<R>(
  rows: readonly R[],
  columns: Columns<R>,
): { readonly from: string; readonly names: string; readonly values: unknown[][] } {
  const entries = Object.entries(columns);
  const names = entries.map(([name]) => name).join(', ');
  return {
    from: `unnest(${entries.map(([, [type]], i) => `$${i + 1}::${type}[]`).join(', ')}) AS t(${names})`,
    names,
    values: entries.map(([, [, of]]) => rows.map(of)),
  };
}
