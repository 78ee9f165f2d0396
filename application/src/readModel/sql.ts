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
export type SqlType = 'text' | 'int' | 'bigint' | 'boolean' | 'timestamptz' | 'date' | 'numeric' | 'jsonb';

/**
 * One column of a bulk write: its element type, how to read it from a row, and, when the array cannot hold the
 * value as stored (a text[] per row, jsonb), the expression that makes it from `t.<name>`.
 */
export type Column<R> =
  | readonly [type: SqlType, of: (row: R) => unknown, select?: string]
  | readonly [type: SqlType, of: (row: R) => unknown, select: undefined, repeats: 'repeats'];

/**
 * A column whose values repeat within a batch (a transaction's time, block and id, a route shared by a payment's
 * cases): each distinct value is sent and parsed once, in a second array of `type`, and each row carries its
 * position there. PostgreSQL parses a parameter once per statement, so a jsonb or timestamptz value repeated a
 * thousand times costs one parse instead of a thousand (docs/PERFORMANCE-NOTES.md, the member API). Null stays
 * null.
 */
export const repeats = <R>(type: SqlType, of: (row: R) => unknown): Column<R> => [
  type,
  of,
  undefined,
  'repeats',
];

/** Columns in statement order: an object, so each name is written once beside its type and its value. */
export type Columns<R> = Readonly<Record<string, Column<R>>>;

/** A value as JSON text, for a jsonb column or a list that `textArrayOfJson` turns into text[]. */
export const jsonText = (v: unknown): string => JSON.stringify(v);

/**
 * A list of strings as a PostgreSQL array literal (`{"a","b"}`), for a text[] column of a bulk write: cast with
 * `<column>::text[]`. Cheaper for PostgreSQL than `textArrayOfJson` (no jsonb parse, no subquery per row).
 */
export const textArrayLiteral = (values: readonly string[]): string =>
  `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

/** The expression that turns a column of JSON string arrays (written with `jsonText`) into text[]. */
export const textArrayOfJson = (column: string): string =>
  `ARRAY(SELECT jsonb_array_elements_text(${column}::jsonb))`;

/**
 * Many rows as one statement: one array per column, turned back into rows by `unnest`, so a batch of any size is
 * one round trip with a fixed number of parameters. Gives `from` (`unnest($1::text[], …) AS t(name, …)`),
 * `names` (the column list), `select` (the names, or a column's expression) and `values` (the arrays, in order),
 * for `INSERT INTO table (names) SELECT select FROM from`. A `repeats` column is an int[] of positions in its
 * distinct values, which follow the columns' arrays as parameters of their own.
 */
export function unnestRows<R>(
  rows: readonly R[],
  columns: Columns<R>,
): {
  readonly from: string;
  readonly names: string;
  readonly select: string;
  readonly values: unknown[][];
} {
  const entries = Object.entries(columns);
  const names = entries.map(([name]) => name).join(', ');
  const values: unknown[][] = [];
  const distinct: unknown[][] = [];
  const select: string[] = [];
  for (const [name, column] of entries) {
    const [type, of, expression] = column;
    if (column[3] !== 'repeats') {
      values.push(rows.map(of));
      select.push(expression ?? name);
      continue;
    }
    const seen = new Map<unknown, number>();
    const kept: unknown[] = [];
    values.push(
      rows.map((row) => {
        const v = of(row);
        if (v === null || v === undefined) return null;
        let at = seen.get(v);
        if (at === undefined) {
          kept.push(v);
          at = kept.length;
          seen.set(v, at);
        }
        return at;
      }),
    );
    distinct.push(kept);
    select.push(`($${entries.length + distinct.length}::${type}[])[${name}]`);
  }
  return {
    from: `unnest(${entries.map(([, [type, , , repeated]], i) => `$${i + 1}::${repeated ? 'int' : type}[]`).join(', ')}) AS t(${names})`,
    names,
    select: select.join(', '),
    values: [...values, ...distinct],
  };
}

/**
 * The three columns that say which transaction wrote a row: `block_number`, `tx_index`, `tx_id` (a batch's rows come
 * from a few transactions: the block and the id are sent once each).
 */
export function originColumns<R>(
  origin: (row: R) => {
    readonly blockNumber: bigint;
    readonly txIndex: number;
    readonly txId: string;
  },
): Columns<R> {
  return {
    block_number: repeats('bigint', (r) => origin(r).blockNumber.toString()),
    tx_index: ['int', (r) => origin(r).txIndex],
    tx_id: repeats('text', (r) => origin(r).txId),
  };
}

/**
 * The `SET` list of an upsert of `columns`: every column but the `key` takes the new row's value
 * (`col = EXCLUDED.col`), or its expression in `merge` where the stored value and the new one combine.
 */
export function updateSet<R>(
  columns: Columns<R>,
  key: readonly string[],
  merge: Readonly<Record<string, string>> = {},
): string {
  return Object.keys(columns)
    .filter((name) => !key.includes(name))
    .map((name) => `${name} = ${merge[name] ?? `EXCLUDED.${name}`}`)
    .join(', ');
}
