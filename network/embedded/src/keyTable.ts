import { doubled, KIND_TEXT, type Slab } from './slab';

const EMPTY = 0;
const TOMBSTONE = -1;
const ASCII_MAX = 0x7f;

/**
 * FNV-1a over the UTF-16 code units of a key, and whether every unit is ASCII (then the key's UTF-8
 * bytes are its code units, and it can be compared with stored bytes without encoding it).
 */
function hashKey(key: string): [hash: number, ascii: boolean] {
  let h = 0x811c9dc5;
  let ascii = true;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > ASCII_MAX) ascii = false;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return [h | 0, ascii];
}

/**
 * A hash table from string keys to dense slot numbers that holds no JavaScript object per key: the key's
 * bytes are a record in the slab, and buckets, hashes and key positions are typed arrays (outside the
 * heap). So a state of millions of keys adds nothing for the garbage collector to trace. Open addressing
 * with linear probing; deleted entries leave tombstones until the next resize.
 */
export class KeyTable {
  private buckets = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private keyPositions = new Float64Array(1024);
  private slots = 0;
  private used = 0; // live entries plus tombstones in `buckets`
  private live = 0;

  constructor(private readonly slab: Slab) {}

  get size(): number {
    return this.live;
  }

  private equals(slot: number, key: string, ascii: boolean): boolean {
    const pos = this.keyPositions[slot] as number;
    return ascii ? this.slab.equalsAscii(pos, key) : this.slab.text(pos) === key;
  }

  /** The key's slot, or undefined. */
  get(key: string): number | undefined {
    const [h, ascii] = hashKey(key);
    const mask = this.buckets.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const b = this.buckets[i] as number;
      if (b === EMPTY) return undefined;
      if (b > 0 && this.hashes[b - 1] === h && this.equals(b - 1, key, ascii)) return b - 1;
    }
  }

  /** Adds a key the caller knows is absent and returns its new slot (slots are 0, 1, 2, … in order). */
  add(key: string): number {
    return this.addRecord(hashKey(key)[0], this.slab.append(KIND_TEXT, 0, -1, key));
  }

  /** The key's hash as this table computes it (what `findRecord` and `addRecord` take). */
  hashOf(slot: number): number {
    return this.hashes[slot] as number;
  }

  /** Where the slot's key is stored in the slab. */
  keyPositionOf(slot: number): number {
    return this.keyPositions[slot] as number;
  }

  /**
   * The slot of the key stored at `pos` (a record of this slab or of another thread's, Slab.foreign) whose hash
   * is `h`, or undefined: a lookup by numbers, without the key as a string. A slot found by comparing bytes
   * takes `pos` as its key's position, so the next lookup of the same record compares numbers only.
   */
  findRecord(h: number, pos: number): number | undefined {
    const mask = this.buckets.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const b = this.buckets[i] as number;
      if (b === EMPTY) return undefined;
      if (b > 0 && this.hashes[b - 1] === h) {
        const own = this.keyPositions[b - 1] as number;
        if (own === pos) return b - 1;
        if (this.slab.sameBytes(own, pos)) {
          this.keyPositions[b - 1] = pos;
          return b - 1;
        }
      }
    }
  }

  /** Adds the absent key stored at `pos` with hash `h` (see findRecord) and returns its new slot. */
  addRecord(h: number, pos: number): number {
    if ((this.used + 1) * 4 > this.buckets.length * 3) this.rehash();
    const slot = this.slots++;
    if (slot === this.hashes.length) this.growColumns();
    this.hashes[slot] = h;
    this.keyPositions[slot] = pos;
    const mask = this.buckets.length - 1;
    let i = h & mask;
    while ((this.buckets[i] as number) > 0) i = (i + 1) & mask;
    if (this.buckets[i] === EMPTY) this.used++;
    this.buckets[i] = slot + 1;
    this.live++;
    return slot;
  }

  /** Removes the key; its slot is not reused. */
  delete(key: string): boolean {
    const slot = this.get(key);
    if (slot === undefined) return false;
    this.deleteSlot(this.hashes[slot] as number, slot);
    return true;
  }

  /** Removes the key of `slot` (its hash `h`); its slot is not reused. */
  deleteSlot(h: number, slot: number): void {
    const mask = this.buckets.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const b = this.buckets[i] as number;
      if (b === EMPTY) return;
      if (b === slot + 1) {
        this.buckets[i] = TOMBSTONE;
        this.live--;
        return;
      }
    }
  }

  /** Every key with its slot, in slot order. */
  *entries(): Generator<[string, number]> {
    const inTable = new Uint8Array(this.slots);
    for (const b of this.buckets) if (b > 0) inTable[b - 1] = 1;
    for (let slot = 0; slot < this.slots; slot++) {
      if (inTable[slot] === 1) yield [this.slab.text(this.keyPositions[slot] as number), slot];
    }
  }

  private growColumns(): void {
    this.hashes = doubled(this.hashes);
    this.keyPositions = doubled(this.keyPositions);
  }

  private rehash(): void {
    const old = this.buckets;
    let capacity = old.length;
    while ((this.live + 1) * 2 > capacity) capacity *= 2;
    const buckets = new Int32Array(capacity);
    const mask = capacity - 1;
    for (const b of old) {
      if (b <= 0) continue;
      let i = (this.hashes[b - 1] as number) & mask;
      while (buckets[i] !== EMPTY) i = (i + 1) & mask;
      buckets[i] = b;
    }
    this.buckets = buckets;
    this.used = this.live;
  }
}
