/**
 * JSON text of a large value (a batch's read/write set, its private writes) as a list of moderate parts
 * whose concatenation is exactly `JSON.stringify(value)`, and their UTF-8 bytes in one Buffer.
 *
 * Why: V8 returns a large JSON.stringify result as a tree of pieces, and encoding it first copies it into one
 * flat string. Strings of more than 128 KiB live in the large-object space, each in freshly mapped memory, so
 * every batch paid page faults and an old-generation collection sooner for a copy that was thrown away at
 * once. Parts of about PART_CHARS characters (at most 32 KiB even as two-byte strings, unless one element
 * alone is longer) stay in the young generation, whose memory is reused.
 */
const PART_CHARS = 1 << 14;
/** Texts at least this long are kept as parts of their own (see `add`). */
const LONE_CHARS = 1 << 10;

/** JSON.stringify as it behaves: undefined for undefined, a function or a symbol (its typings say string). */
const stringify = (v: unknown): string | undefined => {
  const text: string | undefined = JSON.stringify(v);
  return text;
};

/** Arrays longer than this are large: their elements are written in groups, not in one call. */
const LARGE_ARRAY = 16;

/**
 * Whether a value is, or holds, a large array: such a value is walked. Anything else (a [key, kind, text]
 * entry, a short list of primitives, a small object) is written by one JSON.stringify call, in a group.
 */
function large(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    if (v.length > LARGE_ARRAY) return true;
    for (const e of v) if (large(e)) return true;
    return false;
  }
  if (!isPlainObject(v)) return false;
  for (const e of Object.values(v)) if (large(e)) return true;
  return false;
}

function isPlainObject(v: object): boolean {
  return (
    Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
  );
}

export class JsonParts {
  private readonly done: string[] = [];
  private current = '';

  private add(text: string): void {
    if (text.length >= LONE_CHARS) {
      // A long text (a group's JSON) is a part of its own: joined to others, V8 would copy all of them into
      // one flat string again before encoding it.
      if (this.current.length > 0) this.done.push(this.current);
      this.done.push(text);
      this.current = '';
      return;
    }
    if (this.current.length > 0 && this.current.length + text.length > PART_CHARS) {
      this.done.push(this.current);
      this.current = '';
    }
    this.current += text;
  }

  /** Appends raw JSON text (the caller vouches for it). */
  raw(text: string): this {
    this.add(text);
    return this;
  }

  /**
   * Appends `value` as JSON.stringify writes it (no cycles). Plain objects and arrays that are or hold large
   * arrays are walked; the elements between are written in groups, each by one JSON.stringify call, sized
   * to about PART_CHARS characters from the elements seen so far; anything else (a class, an object with
   * toJSON) is stringified whole.
   */
  value(value: unknown): this {
    if (Array.isArray(value) && large(value)) {
      this.add('[');
      let first = true;
      let group: unknown[] = [];
      let groupSize = 8;
      const flush = () => {
        if (group.length === 0) return;
        // An array's JSON is its elements' JSON between brackets, undefined and functions written as null.
        const text = stringify(group) as string;
        // The elements' JSON without the brackets: a slice, which refers to the text rather than copying it.
        if (!first) this.add(',');
        this.add(text.slice(1, -1));
        first = false;
        groupSize = Math.max(1, Math.floor((PART_CHARS * group.length) / Math.max(text.length, 1)));
        group = [];
      };
      for (const v of value as unknown[]) {
        if (large(v)) {
          flush();
          if (!first) this.add(',');
          first = false;
          this.value(v);
        } else {
          group.push(v);
          if (group.length >= groupSize) flush();
        }
      }
      flush();
      this.add(']');
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && large(value)) {
      this.add('{');
      let first = true;
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        this.add(`${first ? '' : ','}${JSON.stringify(k)}:`);
        first = false;
        this.value(v);
      }
      this.add('}');
    } else {
      const text = stringify(value);
      if (text === undefined) throw new Error('JsonParts: nothing to encode');
      this.add(text);
    }
    return this;
  }

  /** The text so far, in parts. */
  parts(): string[] {
    return this.current === '' ? [...this.done] : [...this.done, this.current];
  }

  /** The text so far as UTF-8, in one Buffer that owns its memory (never a slice of Node's shared pool). */
  bytes(): Buffer {
    return utf8(this.parts());
  }
}

/** The UTF-8 encoding of the concatenated parts, in one Buffer that owns its memory. */
export function utf8(parts: readonly string[]): Buffer {
  let length = 0;
  for (const part of parts) length += Buffer.byteLength(part, 'utf8');
  const bytes = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of parts) at += bytes.write(part, at, 'utf8');
  return bytes;
}

/**
 * Gives the memory of a Buffer that owns it (as `utf8` returns) back at the next young-generation collection
 * rather than at V8's next full one. The buffer is empty afterwards: call this only once nothing reads it.
 *
 * Why: V8 counts an ArrayBuffer's memory as "external" until the collector frees the ArrayBuffer object.
 * A transaction's action (about 1 MB for a batch of 500 legs) is held from endorsement until its block is
 * on disk, long enough for its small ArrayBuffer object to be promoted, and a promoted one is freed only by
 * a full collection. Every 64 MiB of such memory started one: a full collection per 40,000 legs or so, for
 * memory that was garbage long before. Handing the memory to a fresh ArrayBuffer, which dies young, frees it
 * at the next scavenge and takes it off V8's count at once.
 */
export function release(bytes: Buffer): void {
  const owner = bytes.buffer;
  if (owner instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === owner.byteLength)
    structuredClone(owner, { transfer: [owner] });
}
