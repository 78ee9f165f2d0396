import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { JsonParts, release, utf8 } from './jsonParts';

describe('JsonParts', () => {
  // Values as the ledger's JSON holds them, arrays long enough to be written in groups among them, plus
  // what JSON.stringify treats specially: undefined and functions (skipped in objects, null in arrays),
  // integer-like keys (enumerated first), toJSON, non-finite numbers, -0, lone surrogates.
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.constant({ toJSON: () => 'replaced' }),
      fc.constant(Buffer.from('bytes')),
      fc.array(tie('node'), { maxLength: 6 }),
      // Long enough to be written in groups.
      fc.array(tie('node'), { minLength: 17, maxLength: 60 }),
      fc.dictionary(fc.oneof(fc.string({ unit: 'binary' }), fc.nat().map(String)), tie('node'), {
        maxKeys: 5,
      }),
    ),
  })).node;

  it('writes exactly the text JSON.stringify writes, and its UTF-8 bytes', () => {
    fc.assert(
      fc.property(
        value.filter((v) => (JSON.stringify(v) as string | undefined) !== undefined),
        (v) => {
          const parts = new JsonParts().value(v);
          expect(parts.parts().join('')).toBe(JSON.stringify(v));
          expect(parts.bytes().equals(Buffer.from(JSON.stringify(v), 'utf8'))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('splits a large read/write-set-shaped value into moderate parts without changing it', () => {
    const writes = Array.from({ length: 3000 }, (_, i) => [
      `case:${i}`,
      1,
      JSON.stringify({ caseId: i, note: 'é"\\\u2028'.repeat(20) }),
    ]);
    const value = { r: writes.map(([k], i) => [k, i]), w: writes, h: [['_implicit_org_A', [], writes]] };
    const parts = new JsonParts().raw('{"prefix":1,"value":').value(value).raw('}');
    const text = parts.parts();
    expect(text.length).toBeGreaterThan(10);
    // No part is much over 16 Ki characters: none lands among the large objects, even as a two-byte string.
    expect(Math.max(...text.map((p) => p.length))).toBeLessThan(24_000);
    expect(text.join('')).toBe(`{"prefix":1,"value":${JSON.stringify(value)}}`);
    expect(JSON.parse(parts.bytes().toString('utf8'))).toEqual({ prefix: 1, value });
  });

  it('refuses a value that has no JSON', () => {
    expect(() => new JsonParts().value(undefined)).toThrow(/nothing to encode/);
  });

  it('encodes parts into one buffer that owns its memory', () => {
    const b = utf8(['ab', 'ç', '€']);
    expect(b.toString('utf8')).toBe('abç€');
    expect(b.byteOffset).toBe(0);
    expect(b.buffer.byteLength).toBe(b.byteLength);
  });

  it('releases the memory of a buffer that owns it, and leaves any other buffer as it is', () => {
    const owned = utf8(['{"a":1}']);
    const owner = owned.buffer;
    release(owned);
    // The memory went to another ArrayBuffer: this one and every view of it are now empty.
    expect(owner.byteLength).toBe(0);
    expect(owned.length).toBe(0);

    // A view of part of a larger buffer (Node's pool, a slice) would take its neighbours' memory with it.
    const whole = utf8(['abcdef']);
    const part = whole.subarray(1, 4);
    release(part);
    expect(part.toString()).toBe('bcd');
    expect(whole.toString()).toBe('abcdef');

    // Shared memory is never given away: another thread may read it.
    const shared = Buffer.from(new SharedArrayBuffer(4));
    shared.write('data');
    release(shared);
    expect(shared.toString()).toBe('data');
  });
});
