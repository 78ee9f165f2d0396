import type { Value } from './rwset';
import { SortedKeys } from './sortedKeys';

// A version is Fabric's (block number, transaction number) packed into one number, so read sets and
// MVCC checks compare numbers instead of allocating pairs.
export const TX_PER_BLOCK_MAX = 1 << 20;
export const ABSENT = -1;

export function packVersion(block: number, tx: number): number {
  return block * TX_PER_BLOCK_MAX + tx;
}

export function describeVersion(v: number): string {
  if (v === ABSENT) return '<nil>';
  return `{BlockNum: ${Math.floor(v / TX_PER_BLOCK_MAX)}, TxNum: ${v % TX_PER_BLOCK_MAX}}`;
}

export type TxMeta = { txId: string; seconds: number; nanos: number };
export type Entry = { value: Value; version: number };
export type HistoryEntry = { meta: TxMeta; value: Value | undefined };
/** `valueHash` is hex: it is what the block carries, and is turned into bytes only when read. */
export type HashedEntry = { valueHash: string; version: number; metadata?: [string, Buffer][] | undefined };

// A JavaScript Map holds at most 2^24 entries. Past a threshold new keys go to a further Map; until
// then this is one Map and costs nothing extra.
const MAP_SPLIT = 1 << 23;

export class LargeMap<V> {
  private readonly maps: Map<string, V>[] = [new Map<string, V>()];

  get(key: string): V | undefined {
    const maps = this.maps;
    if (maps.length === 1) return (maps[0] as Map<string, V>).get(key);
    for (const m of maps) {
      const v = m.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  set(key: string, value: V): void {
    const maps = this.maps;
    const last = maps[maps.length - 1] as Map<string, V>;
    if (maps.length === 1 && last.size < MAP_SPLIT) {
      last.set(key, value);
      return;
    }
    for (const m of maps) {
      if (m.has(key)) {
        m.set(key, value);
        return;
      }
    }
    this.setNew(key, value);
  }

  /** Adds a key the caller knows is absent. */
  setNew(key: string, value: V): void {
    let last = this.maps[this.maps.length - 1] as Map<string, V>;
    if (last.size >= MAP_SPLIT) this.maps.push((last = new Map<string, V>()));
    last.set(key, value);
  }

  *keys(): Generator<string> {
    for (const m of this.maps) yield* m.keys();
  }

  delete(key: string): boolean {
    for (const m of this.maps) if (m.delete(key)) return true;
    return false;
  }

  get size(): number {
    let n = 0;
    for (const m of this.maps) n += m.size;
    return n;
  }
}

/**
 * The ordered key index behind range queries, built on the first range query: a ledger whose
 * chaincode never scans a store pays nothing for ordering its keys.
 */
class LazyIndex {
  private index: SortedKeys | undefined;

  constructor(private readonly allKeys: () => Iterable<string>) {}

  get built(): boolean {
    return this.index !== undefined;
  }

  add(key: string): void {
    this.index?.add(key);
  }

  delete(key: string): void {
    this.index?.delete(key);
  }

  range(start: string, end: string): Generator<string> {
    this.index ??= SortedKeys.from(this.allKeys());
    return this.index.range(start, end);
  }
}

/** A versioned key-value store with code point ordered keys (for range queries): private data. */
export class KeyValueStore {
  private readonly map = new LargeMap<Entry>();
  private readonly keys = new LazyIndex(() => this.map.keys());

  get(key: string): Entry | undefined {
    return this.map.get(key);
  }

  set(key: string, entry: Entry): void {
    if (this.keys.built && this.map.get(key) === undefined) this.keys.add(key);
    this.map.set(key, entry);
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.keys.delete(key);
  }

  *range(start: string, end: string): Generator<[string, Entry]> {
    for (const key of this.keys.range(start, end)) {
      const entry = this.map.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }
}

/** A key's current value (undefined once deleted) with its version and history. */
type KeyRecord = {
  value: Value | undefined;
  version: number;
  meta: TxMeta;
  older: HistoryEntry[] | undefined;
  metadata?: [string, Buffer][] | undefined;
};

/**
 * Public world state and key history in one record per key, so a commit touches one Map entry per
 * write. A deleted key keeps its record (its history), but reads and range scans do not see it.
 */
export class PublicState {
  private readonly records = new LargeMap<KeyRecord>();
  private readonly keys = new LazyIndex(() => this.liveKeys());
  /** Whether any key has ever carried metadata: until then validation skips the per-key lookup. */
  metadataUsed = false;

  private *liveKeys(): Generator<string> {
    for (const key of this.records.keys()) if (this.get(key) !== undefined) yield key;
  }

  get(key: string): Entry | undefined {
    const r = this.records.get(key);
    return r === undefined || r.value === undefined ? undefined : (r as Entry);
  }

  write(key: string, value: Value | null, version: number, meta: TxMeta): void {
    const r = this.records.get(key);
    if (r === undefined) {
      this.records.setNew(key, { value: value ?? undefined, version, meta, older: undefined });
      if (value !== null) this.keys.add(key);
      return;
    }
    const wasLive = r.value !== undefined;
    const entry: HistoryEntry = { meta: r.meta, value: r.value };
    if (r.older === undefined) r.older = [entry];
    else r.older.push(entry);
    r.value = value ?? undefined;
    r.version = version;
    r.meta = meta;
    if (value === null) r.metadata = undefined;
    if (!wasLive && value !== null) this.keys.add(key);
    else if (wasLive && value === null) this.keys.delete(key);
  }

  /** Metadata of a live key (its validation parameter, if any). */
  metadata(key: string): [string, Buffer][] | undefined {
    const r = this.records.get(key);
    return r === undefined || r.value === undefined ? undefined : r.metadata;
  }

  /** A metadata write: applies to a live key, and makes a new version of it, as in Fabric. */
  writeMetadata(key: string, entries: [string, Buffer][], version: number): void {
    const r = this.records.get(key);
    if (r === undefined || r.value === undefined) return;
    r.metadata = entries.length === 0 ? undefined : entries;
    r.version = version;
    this.metadataUsed = true;
  }

  *range(start: string, end: string): Generator<[string, Entry]> {
    for (const key of this.keys.range(start, end)) {
      const entry = this.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }

  /** Fabric v2 returns a key's history newest first. */
  history(key: string): HistoryEntry[] {
    const r = this.records.get(key);
    if (r === undefined) return [];
    const out: HistoryEntry[] = [{ meta: r.meta, value: r.value }];
    if (r.older !== undefined)
      for (let i = r.older.length - 1; i >= 0; i--) out.push(r.older[i] as HistoryEntry);
    return out;
  }
}

/**
 * The ledger state all peers share (public state with history, hashes of private data, committed
 * transaction IDs) and each organisation's own private data. Every peer commits every block in the
 * same synchronous step, so one copy of the shared part is exactly what each peer would hold.
 */
export class WorldState {
  readonly publicState = new PublicState();
  readonly hashed = new Map<string, LargeMap<HashedEntry>>();
  /** Collections in which some key hash has carried metadata. */
  readonly hashedMetadataUsed = new Set<string>();
  readonly privateState = new Map<string, Map<string, KeyValueStore>>();
  readonly txIds = new Set<string>();

  constructor(organisations: readonly string[]) {
    for (const org of organisations) this.privateState.set(org, new Map());
  }

  hashedEntry(collection: string, keyHash: string): HashedEntry | undefined {
    return this.hashed.get(collection)?.get(keyHash);
  }

  /** The private store of `org` for `collection`, or undefined when it holds nothing there yet. */
  privateStore(org: string, collection: string, create: boolean): KeyValueStore | undefined {
    const stores = this.privateState.get(org);
    if (stores === undefined) return undefined;
    let store = stores.get(collection);
    if (store === undefined && create) {
      store = new KeyValueStore();
      stores.set(collection, store);
    }
    return store;
  }
}
