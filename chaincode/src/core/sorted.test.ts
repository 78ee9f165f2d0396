import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { byText, sortedCopy } from './sorted';

describe('sortedCopy', () => {
  it('sorts as Array.prototype.sort does, stably, and leaves its input alone (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 5 }), i: fc.nat() })), (items) => {
        const before = items.slice();
        const cmp = (a: { k: number }, b: { k: number }) => a.k - b.k;
        expect(sortedCopy(items, cmp)).toEqual(items.slice().sort(cmp));
        expect(items).toEqual(before);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' })), (texts) => {
        expect(sortedCopy(texts, byText)).toEqual(texts.slice().sort());
      }),
    );
  });
});
