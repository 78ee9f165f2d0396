/**
 * An append-only store of byte records outside the JavaScript heap, in large chunks. The world state keeps
 * values here and only a number per key on the heap, so the garbage collector's work does not grow with the
 * ledger: it never scans a value, and a value written once is never moved.
 *
 * A record: `[u32 length][u8 kind][u32 tx][f64 previous]` then `length` bytes. `previous` is the position of
 * the same key's earlier record (or -1): a key's history is a chain through the slab.
 *
 * The main thread's slab is shared (SharedArrayBuffer chunks) when endorsing workers run: a worker attaches
 * its chunks and reads the keys and values there instead of storing copies. Only the owning thread writes, and
 * it only appends; a record a worker has been told about never changes, except that a deleted or purged
 * private value is zeroed (`erase`), which the worker then hears of.
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
// Chunk numbers from FOREIGN on name another thread's shared slab, read only here (see `attach`).
const FOREIGN = 2 ** 20;

export class Slab {
  private readonly chunks: Buffer[] = [];
  private readonly sharedChunks: SharedArrayBuffer[] = [];
  private readonly foreignChunks: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  private total = 0;

  /**
   * With `shared`, chunks are SharedArrayBuffers that another thread may read (`chunksFrom`, `attach`). This
   * thread stays the only writer, and a record never moves or changes once written, except by `erase`.
   */
  constructor(private readonly shared = false) {}

  /** This slab's chunks from number `from` on, for another thread to `attach` (a shared slab only). */
  chunksFrom(from: number): SharedArrayBuffer[] {
    if (!this.shared) throw new Error('slab: not shared');
    return this.sharedChunks.slice(from);
  }

  /** Makes chunk `index` of another thread's shared slab readable here, its records at `foreign` positions. */
  attach(index: number, chunk: SharedArrayBuffer): void {
    this.foreignChunks[index] = Buffer.from(chunk);
  }

  /** Where a position of another thread's shared slab is read here, once its chunk is attached. */
  static foreign(pos: number): number {
    return FOREIGN * POS_CHUNK + pos;
  }

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
        const size = Math.max(CHUNK, HEADER + length);
        if (this.shared) {
          const sab = new SharedArrayBuffer(size);
          this.sharedChunks.push(sab);
          chunk = Buffer.from(sab);
        } else {
          chunk = Buffer.allocUnsafeSlow(size);
        }
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
    const c = Math.floor(pos / POS_CHUNK);
    const chunk = c < FOREIGN ? this.chunks[c] : this.foreignChunks[c - FOREIGN];
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
    const previous = chunk.readDoubleLE(offset + 9);
    // A foreign record names its predecessor in its own slab's numbering.
    return previous >= 0 && Slab.isForeign(pos) ? Slab.foreign(previous) : previous;
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

  /** Whether the two records hold the same bytes (a key stored in this slab and the same key in another's). */
  sameBytes(a: number, b: number): boolean {
    const [ca, oa] = this.at(a);
    const [cb, ob] = this.at(b);
    const length = ca.readUInt32LE(oa);
    if (cb.readUInt32LE(ob) !== length) return false;
    return ca.compare(cb, ob + HEADER, ob + HEADER + length, oa + HEADER, oa + HEADER + length) === 0;
  }

  /** Whether the position names a record of another thread's slab (read only here). */
  static isForeign(pos: number): boolean {
    return pos >= FOREIGN * POS_CHUNK;
  }

  /** Overwrites a record's bytes with zeros and marks it deleted (a purge: the value is gone). */
  erase(pos: number): void {
    if (Slab.isForeign(pos)) throw new Error('slab: a foreign record is read only');
    const [chunk, offset] = this.at(pos);
    const length = chunk.readUInt32LE(offset);
    chunk.fill(0, offset + HEADER, offset + HEADER + length);
    chunk[offset + 4] = KIND_DELETED;
  }
}
