import { describe, expect, it } from 'vitest';

import { assert } from './assert';

describe('assert', () => {
  it('throws the invariant it names, given as text or as a function', () => {
    expect(() => {
      assert(false, 'legs agree');
    }).toThrow('invariant broken: legs agree');
    expect(() => {
      assert(false, () => 'leg 7 differs');
    }).toThrow('invariant broken: leg 7 differs');
  });

  it('builds no message while the invariant holds', () => {
    let built = 0;
    assert(true, () => `built ${String(++built)}`);
    expect(built).toBe(0);
  });
});
