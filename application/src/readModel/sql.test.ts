import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { Params, repeats, unnestRows, updateSet, type Columns } from './sql';

interface Row {
  readonly id: string;
  readonly n: number;
  readonly tags: readonly string[];
}

const COLUMNS: Columns<Row> = {
  id: ['text', (r) => r.id],
  n: ['int', (r) => r.n],
  tags: ['text', (r) => JSON.stringify(r.tags), 'tags::jsonb'],
};

describe('unnestRows', () => {
  it('numbers one typed array per column, in the order the columns are declared', () => {
    const u = unnestRows(
      [
        { id: 'a', n: 1, tags: ['x'] },
        { id: 'b', n: 2, tags: [] },
      ],
      COLUMNS,
    );
    expect(u.from).toBe('unnest($1::text[], $2::int[], $3::text[]) AS t(id, n, tags)');
    expect(u.names).toBe('id, n, tags');
    expect(u.select).toBe('id, n, tags::jsonb');
    expect(u.values).toEqual([
      ['a', 'b'],
      [1, 2],
      ['["x"]', '[]'],
    ]);
  });

  it('sends each distinct value of a repeated column once, and each row its position there', () => {
    const u = unnestRows(
      [
        { id: 'a', at: '2026-12-07T00:00:00Z' },
        { id: 'b', at: null },
        { id: 'c', at: '2026-12-07T00:00:01Z' },
        { id: 'd', at: '2026-12-07T00:00:00Z' },
      ],
      {
        id: ['text', (r: { id: string }) => r.id],
        at: repeats('timestamptz', (r: { at: string | null }) => r.at),
      },
    );
    expect(u.from).toBe('unnest($1::text[], $2::int[]) AS t(id, at)');
    expect(u.select).toBe('id, ($3::timestamptz[])[at]');
    expect(u.values).toEqual([
      ['a', 'b', 'c', 'd'],
      [1, null, 2, 1],
      ['2026-12-07T00:00:00Z', '2026-12-07T00:00:01Z'],
    ]);
  });

  it('upserts every column but the key, merging where asked', () => {
    expect(updateSet(COLUMNS, ['id'], { n: 'GREATEST(t.n, EXCLUDED.n)' })).toBe(
      'n = GREATEST(t.n, EXCLUDED.n), tags = EXCLUDED.tags',
    );
  });

  it('gives each parameter the placeholder of its value', () => {
    const p = new Params();
    expect([p.add('x'), p.add(2)]).toEqual(['$1', '$2']);
    expect(p.values).toEqual(['x', 2]);
  });
});

/**
 * Product code outside the read model and the schema that runs a statement of its own. Transaction control
 * (BEGIN, COMMIT, ROLLBACK) is the caller's: the indexer's apply holds its crash points between them.
 */
function statementsOutsideTheReadModel(): string[] {
  const root = join(__dirname, '..');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (entry.isDirectory()) {
        if (rel !== 'readModel' && rel !== 'db') walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const transactionControl = /\.query\('(BEGIN|COMMIT|ROLLBACK)'\)/.test(line);
            // The blacklist's ledger gateway has a `query` of its own (a recorded query transaction), no SQL.
            const ledgerQuery = /\bgateway\.query\(/.test(line);
            if (/\.query\s*(<|\()/.test(line) && !transactionControl && !ledgerQuery)
              found.push(`${rel}:${i + 1}`);
          });
      }
    }
  };
  walk(root);
  return found;
}

describe('the read model', () => {
  it('holds every SQL statement of application/src (the schema and its connections are db/)', () => {
    // A statement elsewhere would be a second place to look for what reads or writes a table.
    expect(statementsOutsideTheReadModel()).toEqual([]);
  });
});
