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

/** Arrays longer than this are written element by element by canonicalJsonBytes. */
const LARGE_ARRAY = 64;
/** About how many characters canonicalJsonBytes gathers into one piece before encoding it. */
const PIECE_CHARS = 1 << 14;

/**
 * canonicalJson(value) as UTF-8 bytes, for values that can be large (a transaction's event lists every leg
 * of its batch). The text is written in pieces of about 16k characters, never as one string: V8 keeps a
 * string of more than 128 KiB among its large objects, each in freshly mapped memory, and encoding it would
 * copy it once more. Only what holds a long array is walked; everything else, each element of a long array
 * included, is one canonicalJson call.
 */
export function canonicalJsonBytes(value: unknown): Buffer {
  const pieces: string[] = [];
  let current = '';
  const add = (text: string): void => {
    current += text;
    if (current.length >= PIECE_CHARS) {
      pieces.push(current);
      current = '';
    }
  };
  const walk = (v: unknown): void => {
    if (!holdsLargeArray(v)) {
      add(canonicalJson(v));
      return;
    }
    if (Array.isArray(v)) {
      add('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) add(',');
        const element: unknown = v[i];
        if (element === undefined || typeof element === 'function' || typeof element === 'symbol')
          add('null');
        else walk(element);
      }
      add(']');
      return;
    }
    const record = v as Record<string, unknown>;
    add('{');
    let first = true;
    for (const k of Object.keys(record).sort()) {
      const field = record[k];
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      add(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      walk(field);
    }
    add('}');
  };
  walk(value);
  if (current !== '') pieces.push(current);
  return Buffer.concat(pieces.map((piece) => Buffer.from(piece, 'utf8')));
}

/**
 * Whether canonicalJsonBytes walks the value: a long array, or a plain object or array that holds one.
 * Anything else is written by one canonicalJson call.
 */
function holdsLargeArray(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.length > LARGE_ARRAY || v.some(holdsLargeArray);
  return isPlainRecord(v) && Object.values(v).some(holdsLargeArray);
}

/** An object canonicalJson writes key by key: plain, without toJSON. */
function isPlainRecord(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
  );
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
