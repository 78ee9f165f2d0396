import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedKeys } from './sortedKeys';

// LevelDB's order: the keys' UTF-8 bytes.
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Characters from the ranges where UTF-16 and UTF-8 order disagree, plus ASCII and the composite key
// separator, so the generator finds the cases that matter.
const char = fc.constantFrom(
  'a',
  'b',
  '~',
  '\u0000',
  '\u00e9',
  '\uff71',
  '\ue000',
  '\u{1f600}',
  '\u{10ffff}',
);
const key = fc.array(char, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(''));

describe('SortedKeys', () => {
  it('orders and ranges keys exactly as LevelDB does, through inserts and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 1500 }),
        fc.array(key, { maxLength: 200 }),
        key,
        fc.option(key, { nil: '' }),
        fc.boolean(),
        (inserted, deleted, start, end, bulk) => {
          const index = bulk ? SortedKeys.from(new Set(inserted)) : new SortedKeys();
          if (!bulk) for (const k of inserted) index.add(k);
          const live = new Set(inserted);
          for (const k of deleted) {
            index.delete(k);
            live.delete(k);
          }
          const expected = [...live]
            .filter((k) => byUtf8(k, start) >= 0 && (end === '' || byUtf8(k, end) < 0))
            .sort(byUtf8);
          expect([...index.range(start, end)]).toEqual(expected);
          expect(index.size).toBe(live.size);
        },
      ),
      { numRuns: 150 },
    );
  });
});
