/**
 * Canonical JSON: object keys sorted, bigint as a decimal string, no undefined. Every endorsing peer must write
 * byte-identical values, so every value on the ledger goes through here.
 */
export function canonicalJson(value: unknown): string {
  // Values built with their keys in order (and every value read back from the ledger) take the engine's
  // JSON.stringify, which writes the same text: JSON escapes strings exactly as `quote` does and numbers as
  // String() does. Anything else (unsorted keys, bigint, class instances, toJSON) goes through `write`.
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  const out = write(value);
  if (out === undefined) throw new Error('canonicalJson: nothing to encode');
  return out;
}

/**
 * Whether JSON.stringify(value) is already canonical: only plain objects whose own keys come in sorted order,
 * arrays, strings, finite numbers, booleans and null; undefined only as a property (skipped, as `write` skips
 * it) or an array element (null, as `write` writes it).
 */
function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (v !== undefined && !inCanonicalOrder(v)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      let previous: string | undefined;
      for (const k in value) {
        // Integer-like keys are enumerated first, in numeric order, which this string comparison refuses.
        if (previous !== undefined && !(previous < k)) return false;
        previous = k;
        const v = (value as Record<string, unknown>)[k];
        if (v !== undefined && !inCanonicalOrder(v)) return false;
      }
      return true;
    }
    case 'bigint':
    case 'undefined':
    case 'function':
    case 'symbol':
      return false;
  }
}

// Characters a JSON string must escape, and surrogates (JSON.stringify escapes lone ones): only strings with one
// of these go through JSON.stringify, the rest are quoted as they are.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;
const quote = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

// Builds the text directly by concatenation (no normalised copy of the value, no part arrays): this runs for
// every value the chaincode writes, and is most of its serialisation cost.
function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value.toString()}"`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${write(value[i]) ?? 'null'}`;
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = write(record[k]);
        if (v === undefined) continue;
        out += `${first ? '' : ','}${quote(k)}:${v}`;
        first = false;
      }
      return `${out}}`;
    }
  }
}

/** The UTF-8 text of bytes, read where they lie (Buffer.from(bytes) would copy them first). */
export function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Decodes a value this chaincode wrote; the caller names the record type it stored under that key. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8Text(bytes)) as T;
}
