import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { canonicalJson, canonicalJsonBytes, decode, utf8Text } from './codec';

/**
 * The reference: every object's keys sorted (by UTF-16 code units), every other value written by
 * JSON.stringify. Built as text: an object rebuilt with sorted keys would still enumerate integer-like keys
 * ("0", "17") first, so JSON.stringify of it is not sorted when such a key sorts after another ("" < "0").
 */
function reference(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson', () => {
  // Any JSON-like value: strings with lone surrogates, doubles, bigints, nested arrays and objects.
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt(),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'binary' }), tie('node'), { maxKeys: 5 }),
    ),
  })).node;

  it('sorts integer-like keys as text, where JavaScript enumerates them first', () => {
    // Found by the property below (seed -1464638618): "" sorts before "0".
    expect(canonicalJson({ '': { '0': '', '': '' } })).toBe('{"":{"":"","0":""}}');
    expect(canonicalJson({ b: 1, 10: 2, 9: 3, a: 4 })).toBe('{"10":2,"9":3,"a":4,"b":1}');
    expect(reference({ '': { '0': '', '': '' } })).toBe('{"":{"":"","0":""}}');
  });

  it('writes exactly what JSON.stringify writes of the key-sorted value (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same text for a value read back from the ledger, whose keys are already in order (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = reference(v);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same bytes in pieces, for values with arrays long enough to be walked (property)', () => {
    const special = fc.oneof(
      value,
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.constant({ toJSON: () => 'ignored' }),
      fc.constant(new Date(0)),
    );
    const longArray = fc.array(special, { minLength: 65, maxLength: 90 });
    const large = fc.oneof(
      longArray,
      fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(special, longArray), { maxKeys: 4 }),
      fc.array(fc.oneof(special, longArray), { minLength: 65, maxLength: 70 }),
    );
    fc.assert(
      fc.property(large, (v) => {
        expect(canonicalJsonBytes(v).equals(Buffer.from(canonicalJson(v), 'utf8'))).toBe(true);
      }),
      { numRuns: 300 },
    );
    // A batch-sized event: far more than one piece.
    const changes = {
      txId: 't',
      legs: Array.from({ length: 1000 }, (_, i) => ({
        role: 'CLEARING',
        legId: `L${i}`,
        caseId: 'é'.repeat(64),
      })),
    };
    const bytes = canonicalJsonBytes(changes);
    expect(bytes.length).toBeGreaterThan(1 << 17);
    expect(bytes.equals(Buffer.from(canonicalJson(changes), 'utf8'))).toBe(true);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });

  it('never lets toJSON, a class or an integer-like key change the text', () => {
    expect(canonicalJson({ a: { toJSON: () => 1 }, b: new Date(0) })).toBe('{"a":{},"b":{}}');
    expect(canonicalJson({ 10: 'x', 9: 'y' })).toBe('{"10":"x","9":"y"}');
    expect(canonicalJson([undefined, { a: undefined, b: 1 }])).toBe('[null,{"b":1}]');
    expect(() => canonicalJson(undefined)).toThrow(/nothing to encode/);
  });

  it('orders keys and drops undefined members, as every endorser must', () => {
    expect(canonicalJson({ b: 1, a: [undefined, 2n], c: undefined, 'é"': 'x\n' })).toBe(
      '{"a":[null,"2"],"b":1,"é\\"":"x\\n"}',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('utf8Text', () => {
  it('reads exactly the bytes of a view, wherever it starts in its buffer', () => {
    const whole = Buffer.from('{"a":1}héllo 😀{"b":2}', 'utf8');
    const start = Buffer.byteLength('{"a":1}');
    const view = new Uint8Array(whole.buffer, whole.byteOffset + start, Buffer.byteLength('héllo 😀'));
    expect(utf8Text(view)).toBe('héllo 😀');
    expect(decode<{ b: number }>(whole.subarray(start + view.byteLength))).toEqual({ b: 2 });
    expect(utf8Text(new Uint8Array(0))).toBe('');
  });
});
