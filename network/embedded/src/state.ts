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
export type Entry = { value: Buffer; version: number };
export type HistoryEntry = { meta: TxMeta; value: Buffer | undefined };
export type HashedEntry = { valueHash: Buffer; version: number };

/** A key-value store with versions and code point ordered keys (for range queries). */
export class KeyValueStore {
  readonly map = new Map<string, Entry>();
  private readonly keys = new SortedKeys();

  get(key: string): Entry | undefined {
    return this.map.get(key);
  }

  set(key: string, entry: Entry): void {
    if (!this.map.has(key)) this.keys.add(key);
    this.map.set(key, entry);
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.keys.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  *range(start: string, end: string): Generator<[string, Entry]> {
    for (const key of this.keys.range(start, end)) {
      const entry = this.map.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }
}

/**
 * The ledger state all peers share (public state, key history, hashes of private data, committed
 * transaction IDs) and each organisation's own private data. Every peer commits every block in the
 * same synchronous step, so one copy of the shared part is exactly what each peer would hold.
 */
export class WorldState {
  readonly publicState = new KeyValueStore();
  readonly history = new Map<string, HistoryEntry | HistoryEntry[]>();
  readonly hashed = new Map<string, Map<string, HashedEntry>>();
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

  appendHistory(key: string, entry: HistoryEntry): void {
    const existing = this.history.get(key);
    if (existing === undefined) this.history.set(key, entry);
    else if (Array.isArray(existing)) existing.push(entry);
    else this.history.set(key, [existing, entry]);
  }

  /** Fabric v2 returns a key's history newest first. */
  historyNewestFirst(key: string): HistoryEntry[] {
    const existing = this.history.get(key);
    if (existing === undefined) return [];
    if (Array.isArray(existing)) return [...existing].reverse();
    return [existing];
  }
}
