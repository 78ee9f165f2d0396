/**
 * An append-only store of byte records outside the JavaScript heap, in large chunks. The world state keeps
 * values here and only a number per key on the heap, so the garbage collector's work does not grow with the
 * ledger: it never scans a value, and a value written once is never moved.
 *
 * A record: `[u32 length][u8 kind][u32 tx][f64 previous]` then `length` bytes. `previous` is the position of
 * the same key's earlier record (or -1): a key's history is a chain through the slab.
 */
/** A typed array of twice the length holding the same values first: how the state's columns grow. */
export function doubled<T extends Float64Array | Int32Array>(a: T): T {
  const bigger = new (a.constructor as new (length: number) => T)(a.length * 2);
  bigger.set(a);
  return bigger;
}

export const KIND_DELETED = 0;
export const KIND_TEXT = 1;
export const KIND_BYTES = 2;

const HEADER = 17;
const CHUNK = 1 << 26;
// A position is chunk * POS_CHUNK + offset; both parts stay well inside a double's integer range.
const POS_CHUNK = 2 ** 32;

export class Slab {
  private readonly chunks: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  private total = 0;

  /** Bytes held, headers included. */
  get bytes(): number {
    return this.total;
  }

  /** Appends a record and returns its position. `text` is stored as UTF-8. */
  append(kind: number, tx: number, previous: number, value: string | Uint8Array | undefined): number {
    let chunk = this.current;
    let length: number;
    if (
      typeof value === 'string' &&
      chunk !== undefined &&
      this.used + HEADER + value.length * 3 <= chunk.length
    ) {
      // Even three bytes per UTF-16 unit fit: the text is encoded straight in, in one pass.
      length = chunk.write(value, this.used + HEADER, 'utf8');
    } else {
      length =
        value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
      if (chunk === undefined || this.used + HEADER + length > chunk.length) {
        chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK, HEADER + length));
        this.chunks.push(chunk);
        this.current = chunk;
        this.used = 0;
      }
      if (value !== undefined && length > 0) {
        if (typeof value === 'string') chunk.write(value, this.used + HEADER, length, 'utf8');
        else chunk.set(value, this.used + HEADER);
      }
    }
    const offset = this.used;
    const need = HEADER + length;
    chunk.writeUInt32LE(length, offset);
    chunk[offset + 4] = kind;
    chunk.writeUInt32LE(tx, offset + 5);
    chunk.writeDoubleLE(previous, offset + 9);
    this.used += need;
    this.total += need;
    return (this.chunks.length - 1) * POS_CHUNK + offset;
  }

  private at(pos: number): [Buffer, number] {
    const chunk = this.chunks[Math.floor(pos / POS_CHUNK)];
    if (chunk === undefined) throw new Error(`slab: no record at ${pos}`);
    return [chunk, pos % POS_CHUNK];
  }

  kind(pos: number): number {
    const [chunk, offset] = this.at(pos);
    return chunk[offset + 4] as number;
  }

  tx(pos: number): number {
    const [chunk, offset] = this.at(pos);
    return chunk.readUInt32LE(offset + 5);
  }

  previous(pos: number): number {
    const [chunk, offset] = this.at(pos);
    return chunk.readDoubleLE(offset + 9);
  }

  /** The record's bytes as a new Buffer (a copy: nobody can change the store through it). */
  copy(pos: number): Buffer {
    const [chunk, offset] = this.at(pos);
    const length = chunk.readUInt32LE(offset);
    return Buffer.from(chunk.subarray(offset + HEADER, offset + HEADER + length));
  }

  text(pos: number): string {
    const [chunk, offset] = this.at(pos);
    const length = chunk.readUInt32LE(offset);
    return chunk.toString('utf8', offset + HEADER, offset + HEADER + length);
  }

  /** Whether the record holds exactly the bytes of `key`, a string of ASCII characters only. */
  equalsAscii(pos: number, key: string): boolean {
    const [chunk, offset] = this.at(pos);
    if (chunk.readUInt32LE(offset) !== key.length) return false;
    const start = offset + HEADER;
    for (let i = 0; i < key.length; i++) if (chunk[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Overwrites a record's bytes with zeros and marks it deleted (a purge: the value is gone). */
  erase(pos: number): void {
    const [chunk, offset] = this.at(pos);
    const length = chunk.readUInt32LE(offset);
    chunk.fill(0, offset + HEADER, offset + HEADER + length);
    chunk[offset + 4] = KIND_DELETED;
  }
}
