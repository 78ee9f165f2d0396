// Fabric's state database (LevelDB) orders keys by their UTF-8 bytes, which is code point order.
// JavaScript compares strings by UTF-16 code units, which agrees except where a surrogate pair (code
// points above U+FFFF) meets a unit in U+E000..U+FFFF. Remapping units >= U+D800 so surrogates sort
// above U+E000..U+FFFF gives strings whose code-unit order is the code point order; keys without such
// units (nearly all) are used as they are.
const HIGH_UNITS = /[\ud800-\uffff]/;
const HIGH_UNITS_GLOBAL = /[\ud800-\uffff]/g;

function remap(ch: string): string {
  const c = ch.charCodeAt(0);
  return String.fromCharCode(c >= 0xe000 ? c - 0x800 : c + 0x2000);
}

function unmap(ch: string): string {
  const c = ch.charCodeAt(0);
  return String.fromCharCode(c >= 0xf800 ? c - 0x2000 : c + 0x800);
}

export function sortKey(key: string): string {
  return HIGH_UNITS.test(key) ? key.replace(HIGH_UNITS_GLOBAL, remap) : key;
}

function originalKey(sk: string): string {
  return HIGH_UNITS.test(sk) ? sk.replace(HIGH_UNITS_GLOBAL, unmap) : sk;
}

const CHUNK_MAX = 512;

/**
 * An ordered set of keys: a list of sorted chunks, each at most CHUNK_MAX long. Insert and delete cost
 * O(log n + CHUNK_MAX); a range scan costs O(log n + results). Only new keys touch it; updates of an
 * existing key go to the state Map alone.
 */
export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;

  /** Builds the index in one sort, far cheaper than inserting key by key. */
  static from(keys: Iterable<string>): SortedKeys {
    const all: string[] = [];
    for (const k of keys) all.push(sortKey(k));
    // The default sort compares UTF-16 code units, which on sort keys is code point order.
    all.sort();
    const index = new SortedKeys();
    const half = CHUNK_MAX >>> 1;
    for (let i = 0; i < all.length; i += half) index.chunks.push(all.slice(i, i + half));
    index.count = all.length;
    return index;
  }

  get size(): number {
    return this.count;
  }

  private chunkFor(sk: string): number {
    // the first chunk whose last key is >= sk
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as string[];
      if ((chunk[chunk.length - 1] as string) < sk) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static lowerBound(chunk: string[], sk: string): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((chunk[mid] as string) < sk) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(key: string): void {
    const sk = sortKey(key);
    if (this.chunks.length === 0) {
      this.chunks.push([sk]);
      this.count++;
      return;
    }
    const ci = this.chunkFor(sk);
    const chunk = this.chunks[ci] as string[];
    const i = SortedKeys.lowerBound(chunk, sk);
    if (chunk[i] === sk) return;
    chunk.splice(i, 0, sk);
    this.count++;
    if (chunk.length > CHUNK_MAX) {
      this.chunks.splice(ci + 1, 0, chunk.splice(CHUNK_MAX >>> 1));
    }
  }

  delete(key: string): void {
    if (this.chunks.length === 0) return;
    const sk = sortKey(key);
    const ci = this.chunkFor(sk);
    const chunk = this.chunks[ci] as string[];
    const i = SortedKeys.lowerBound(chunk, sk);
    if (chunk[i] !== sk) return;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  /** Keys k with start <= k < end in code point order; an empty `end` means no upper bound. */
  *range(start: string, end: string): Generator<string> {
    if (this.chunks.length === 0) return;
    const skStart = sortKey(start);
    const skEnd = end === '' ? undefined : sortKey(end);
    let ci = this.chunkFor(skStart);
    let i = SortedKeys.lowerBound(this.chunks[ci] as string[], skStart);
    for (; ci < this.chunks.length; ci++, i = 0) {
      const chunk = this.chunks[ci] as string[];
      for (; i < chunk.length; i++) {
        const sk = chunk[i] as string;
        if (skEnd !== undefined && sk >= skEnd) return;
        yield originalKey(sk);
      }
    }
  }
}
