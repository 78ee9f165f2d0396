import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from './keyTable';
import { Slab } from './slab';
import { sortKey } from './sortedKeys';
import { WorldState } from './state';

describe('KeyTable', () => {
  it('maps keys to slots through growth, deletes and re-adds, ASCII or not', () => {
    const t = new KeyTable(new Slab());
    const keys = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `ключ:${i}:✓` : `case:${i}`));
    const slots = keys.map((k) => t.add(k));
    expect(slots).toEqual(keys.map((_, i) => i));
    expect(keys.every((k, i) => t.get(k) === i)).toBe(true);
    expect(t.get('case:5000')).toBeUndefined();
    expect(t.get('case:1 ')).toBeUndefined();
    for (let i = 0; i < 5000; i += 2) expect(t.delete(keys[i] as string)).toBe(true);
    expect(t.delete(keys[0] as string)).toBe(false);
    expect(t.size).toBe(2500);
    expect(t.get(keys[2] as string)).toBeUndefined();
    expect(t.get(keys[3] as string)).toBe(3);
    expect(t.add(keys[2] as string)).toBe(5000);
    expect(t.get(keys[2] as string)).toBe(5000);
    const entries = [...t.entries()];
    expect(entries).toHaveLength(2501);
    expect(entries.at(-1)).toEqual([keys[2], 5000]);
  });
});

describe('range queries over the world state', () => {
  it('answer as a sorted scan of the live keys would, whether a partition or the whole key set is scanned', () => {
    const key = fc.oneof(
      fc
        .constantFrom('due:', 'open:A:', 'open:B:', 'case:', 'a', ':', '', 'x:y:')
        .chain((p) => fc.string({ maxLength: 4 }).map((s) => p + s)),
      fc.string({ maxLength: 6, unit: 'binary' }),
    );
    const op = fc.record({ key: key.filter((k) => k !== ''), del: fc.boolean() });
    const prefix = fc.constantFrom('due:', 'open:', 'case:', 'x:');
    const query = fc.oneof(
      fc.tuple(key, key),
      // ranges within one partition, as the chaincode's scans are (due:… to due:…;)
      prefix.chain((p) =>
        fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 })).map(([a, b]) => [p + a, p + b]),
      ),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(query, { maxLength: 8 }), (ops, queries) => {
        const pub = new WorldState(['A']).publicState;
        const model = new Map<string, string>();
        const tx = pub.addTx({ txId: 't', seconds: 0, nanos: 0 });
        const check = () => {
          for (const [start, end] of queries) {
            const expected = [...model.keys()]
              .filter((k) => sortKey(k) >= sortKey(start) && (end === '' || sortKey(k) < sortKey(end)))
              .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
            expect([...pub.range(start, end)].map(([k]) => k)).toEqual(expected);
          }
        };
        ops.forEach((o, i) => {
          pub.write(o.key, o.del ? null : `v${i}`, i, tx);
          if (o.del) model.delete(o.key);
          else model.set(o.key, `v${i}`);
          if (i === Math.floor(ops.length / 2)) check(); // indexes built half way, then kept up to date
        });
        check();
      }),
      { numRuns: 300 },
    );
  });
});
