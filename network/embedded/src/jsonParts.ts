/**
 * JSON text of a large value (a batch's read/write set, its private writes) as a list of moderate parts
 * whose concatenation is exactly `JSON.stringify(value)`, and their UTF-8 bytes in one Buffer.
 *
 * Why: V8 returns a large JSON.stringify result as a tree of pieces, and encoding it first copies it into one
 * flat string. Strings of more than 128 KiB live in the large-object space, each in freshly mapped memory, so
 * every batch paid page faults and an old-generation collection sooner for a copy that was thrown away at
 * once. Parts of about PART_CHARS characters stay in the young generation, whose memory is reused.
 */
const PART_CHARS = 1 << 15;

/** JSON.stringify as it behaves: undefined for undefined, a function or a symbol (its typings say string). */
const stringify = (v: unknown): string | undefined => {
  const text: string | undefined = JSON.stringify(v);
  return text;
};

/** Whether an array holds arrays or objects (walked) or only primitives (a [key, kind, text] entry, written whole). */
function nests(a: readonly unknown[]): boolean {
  for (const v of a) if (typeof v === 'object' && v !== null) return true;
  return false;
}

export class JsonParts {
  private readonly done: string[] = [];
  private current = '';

  private add(text: string): void {
    this.current += text;
    if (this.current.length >= PART_CHARS) {
      this.done.push(this.current);
      this.current = '';
    }
  }

  /** Appends raw JSON text (the caller vouches for it). */
  raw(text: string): this {
    this.add(text);
    return this;
  }

  /**
   * Appends `value` as JSON.stringify writes it (no cycles): plain objects and arrays that hold arrays or
   * objects are walked, everything else (objects with toJSON or a class included) is stringified whole.
   */
  value(value: unknown): this {
    if (Array.isArray(value) && nests(value)) {
      this.add('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.add(',');
        const v: unknown = value[i];
        if (typeof v === 'object' && v !== null) this.value(v);
        else this.add(stringify(v) ?? 'null');
      }
      this.add(']');
    } else if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.getPrototypeOf(value) === Object.prototype &&
      typeof (value as { toJSON?: unknown }).toJSON !== 'function'
    ) {
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
