import type { Value } from './rwset';
import { KeyTable } from './keyTable';
import { doubled, KIND_BYTES, KIND_DELETED, KIND_TEXT, Slab } from './slab';
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

/** The first segment of a key, ':' included; '' for a key without ':'. */
function partitionOf(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? '' : key.slice(0, i + 1);
}

/**
 * The ordered key indexes behind range queries, each built on the first query that needs it, so keys
 * nobody scans are never held on the heap as strings. Keys are partitioned by their first segment
 * (up to and including the first ':'): a range whose start and end share such a prefix can only contain
 * keys of that partition (strings between two strings share their common prefix), and is answered from
 * that partition's index alone. Any other range uses one index over all keys.
 */
class RangeIndexes {
  private readonly partitions = new Map<string, SortedKeys>();
  private all: SortedKeys | undefined;

  constructor(private readonly liveKeys: () => Iterable<string>) {}

  add(key: string): void {
    this.all?.add(key);
    if (this.partitions.size > 0) this.partitions.get(partitionOf(key))?.add(key);
  }

  delete(key: string): void {
    this.all?.delete(key);
    if (this.partitions.size > 0) this.partitions.get(partitionOf(key))?.delete(key);
  }

  range(start: string, end: string): Generator<string> {
    const p = partitionOf(start);
    if (p !== '' && end.startsWith(p)) {
      let index = this.partitions.get(p);
      if (index === undefined) {
        const keys: string[] = [];
        for (const k of this.liveKeys()) if (k.startsWith(p)) keys.push(k);
        index = SortedKeys.from(keys);
        this.partitions.set(p, index);
      }
      return index.range(start, end);
    }
    this.all ??= SortedKeys.from(this.liveKeys());
    return this.all.range(start, end);
  }
}

/**
 * Keys with their current value and version, values kept in a Slab (off the JavaScript heap). Per key the
 * heap holds the key and one small integer; versions and value positions sit in typed arrays. A written
 * value stays in the slab: the record before it is linked, which is the key's history.
 */
class VersionedStore {
  private readonly slots: KeyTable;
  private versions = new Float64Array(1024);
  private positions = new Float64Array(1024);
  private readonly index = new RangeIndexes(() => this.liveKeys());

  constructor(private readonly slab: Slab) {
    this.slots = new KeyTable(slab);
  }

  private *liveKeys(): Generator<string> {
    for (const [key, slot] of this.slots.entries()) if (this.live(slot)) yield key;
  }

  private live(slot: number): boolean {
    return this.slab.kind(this.positions[slot] as number) !== KIND_DELETED;
  }

  /** The key's version, ABSENT when it has no live value. */
  version(key: string): number {
    const slot = this.slots.get(key);
    return slot === undefined || !this.live(slot) ? ABSENT : (this.versions[slot] as number);
  }

  get(key: string): Entry | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const pos = this.positions[slot] as number;
    const kind = this.slab.kind(pos);
    if (kind === KIND_DELETED) return undefined;
    return {
      value: kind === KIND_TEXT ? this.slab.text(pos) : this.slab.copy(pos),
      version: this.versions[slot] as number,
    };
  }

  /** The value's bytes (a fresh copy) with its version. */
  read(key: string): { bytes: Buffer; version: number } | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const pos = this.positions[slot] as number;
    if (this.slab.kind(pos) === KIND_DELETED) return undefined;
    return { bytes: this.slab.copy(pos), version: this.versions[slot] as number };
  }

  write(key: string, value: Value | null, version: number, tx: number): void {
    const kind = value === null ? KIND_DELETED : typeof value === 'string' ? KIND_TEXT : KIND_BYTES;
    const slot = this.slots.get(key);
    if (slot === undefined) {
      const s = this.slots.add(key);
      this.ensureSlot(s);
      this.positions[s] = this.slab.append(kind, tx, -1, value ?? undefined);
      this.versions[s] = version;
      if (value !== null) this.index.add(key);
      return;
    }
    const previous = this.positions[slot] as number;
    const wasLive = this.slab.kind(previous) !== KIND_DELETED;
    this.positions[slot] = this.slab.append(kind, tx, previous, value ?? undefined);
    this.versions[slot] = version;
    if (!wasLive && value !== null) this.index.add(key);
    else if (wasLive && value === null) this.index.delete(key);
  }

  /** A new version of a live key without a new value (a metadata write). False when the key is not live. */
  setVersion(key: string, version: number): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined || !this.live(slot)) return false;
    this.versions[slot] = version;
    return true;
  }

  /** Forgets the key and zeroes every value it had (private data: deleted or purged, nothing is kept). */
  erase(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    if (this.live(slot)) this.index.delete(key);
    for (let pos = this.positions[slot] as number; pos >= 0; pos = this.slab.previous(pos))
      this.slab.erase(pos);
    this.slots.delete(key);
  }

  /** Newest first: the transaction of each version and its value (undefined for a delete). */
  history(key: string): { tx: number; value: Value | undefined }[] {
    const slot = this.slots.get(key);
    if (slot === undefined) return [];
    const out: { tx: number; value: Value | undefined }[] = [];
    for (let pos = this.positions[slot] as number; pos >= 0; pos = this.slab.previous(pos)) {
      const kind = this.slab.kind(pos);
      out.push({
        tx: this.slab.tx(pos),
        value:
          kind === KIND_DELETED ? undefined : kind === KIND_TEXT ? this.slab.text(pos) : this.slab.copy(pos),
      });
    }
    return out;
  }

  *range(start: string, end: string): Generator<[string, Entry]> {
    for (const key of this.index.range(start, end)) {
      const entry = this.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }

  private ensureSlot(slot: number): void {
    if (slot < this.versions.length) return;
    this.versions = doubled(this.versions);
    this.positions = doubled(this.positions);
  }
}

/** A versioned key-value store with code point ordered keys (for range queries): private data. */
export class KeyValueStore {
  private readonly store: VersionedStore;

  constructor(slab: Slab) {
    this.store = new VersionedStore(slab);
  }

  get(key: string): Entry | undefined {
    return this.store.get(key);
  }

  read(key: string): { bytes: Buffer; version: number } | undefined {
    return this.store.read(key);
  }

  version(key: string): number {
    return this.store.version(key);
  }

  set(key: string, value: Value, version: number): void {
    this.store.write(key, value, version, 0);
  }

  setVersion(key: string, version: number): void {
    this.store.setVersion(key, version);
  }

  /** Private data keeps no history: a deleted value is gone from memory too. */
  delete(key: string): void {
    this.store.erase(key);
  }

  range(start: string, end: string): Generator<[string, Entry]> {
    return this.store.range(start, end);
  }
}

/**
 * Public world state and key history. A deleted key keeps its history, but reads and range scans do not
 * see it. The transactions that wrote are numbered in the order they were applied; the history names
 * them by that number.
 */
export class PublicState {
  private readonly store: VersionedStore;
  private readonly metadataByKey = new Map<string, [string, Buffer][]>();
  private readonly txs: TxMeta[] = [];
  /** Whether any key has ever carried metadata: until then validation skips the per-key lookup. */
  metadataUsed = false;

  constructor(slab: Slab) {
    this.store = new VersionedStore(slab);
  }

  /** Registers a transaction that writes; its number goes with each value it writes. */
  addTx(meta: TxMeta): number {
    this.txs.push(meta);
    return this.txs.length - 1;
  }

  get(key: string): Entry | undefined {
    return this.store.get(key);
  }

  read(key: string): { bytes: Buffer; version: number } | undefined {
    return this.store.read(key);
  }

  version(key: string): number {
    return this.store.version(key);
  }

  write(key: string, value: Value | null, version: number, tx: number): void {
    this.store.write(key, value, version, tx);
    if (value === null) this.metadataByKey.delete(key);
  }

  /** Metadata of a live key (its validation parameter, if any). */
  metadata(key: string): [string, Buffer][] | undefined {
    return this.store.version(key) === ABSENT ? undefined : this.metadataByKey.get(key);
  }

  /** A metadata write: applies to a live key, and makes a new version of it, as in Fabric. */
  writeMetadata(key: string, entries: [string, Buffer][], version: number): void {
    if (!this.store.setVersion(key, version)) return;
    if (entries.length === 0) this.metadataByKey.delete(key);
    else this.metadataByKey.set(key, entries);
    this.metadataUsed = true;
  }

  range(start: string, end: string): Generator<[string, Entry]> {
    return this.store.range(start, end);
  }

  /** Fabric v2 returns a key's history newest first. */
  history(key: string): HistoryEntry[] {
    return this.store.history(key).map(({ tx, value }) => ({ meta: this.txs[tx] as TxMeta, value }));
  }
}

/** Hashes of one collection's private data, as every channel member's peer holds them. */
class HashedStore {
  private readonly store: VersionedStore;
  private readonly metadataByKey = new Map<string, [string, Buffer][]>();

  constructor(slab: Slab) {
    this.store = new VersionedStore(slab);
  }

  version(keyHash: string): number {
    return this.store.version(keyHash);
  }

  entry(keyHash: string): HashedEntry | undefined {
    const e = this.store.get(keyHash);
    if (e === undefined) return undefined;
    return { valueHash: e.value as string, version: e.version, metadata: this.metadataByKey.get(keyHash) };
  }

  /** A value write keeps the key's metadata, as in Fabric; a delete drops it. */
  write(keyHash: string, valueHash: string | null, version: number, keepMetadata: boolean): void {
    this.store.write(keyHash, valueHash, version, 0);
    if (valueHash === null || !keepMetadata) this.metadataByKey.delete(keyHash);
  }

  /** False when the key hash has no live value (the write is then ignored). */
  writeMetadata(keyHash: string, entries: [string, Buffer][], version: number): boolean {
    if (!this.store.setVersion(keyHash, version)) return false;
    if (entries.length === 0) this.metadataByKey.delete(keyHash);
    else this.metadataByKey.set(keyHash, entries);
    return true;
  }
}

/**
 * The ledger state all peers share (public state with history, hashes of private data, committed
 * transaction IDs) and each organisation's own private data. Every peer commits every block in the
 * same synchronous step, so one copy of the shared part is exactly what each peer would hold.
 */
export class WorldState {
  private readonly slab = new Slab();
  readonly publicState = new PublicState(this.slab);
  private readonly hashed = new Map<string, HashedStore>();
  /** Collections in which some key hash has carried metadata. */
  readonly hashedMetadataUsed = new Set<string>();
  readonly privateState = new Map<string, Map<string, KeyValueStore>>();
  readonly txIds = new Set<string>();

  constructor(organisations: readonly string[]) {
    for (const org of organisations) this.privateState.set(org, new Map());
  }

  /** Bytes of values held off the heap. */
  get storedBytes(): number {
    return this.slab.bytes;
  }

  hashedEntry(collection: string, keyHash: string): HashedEntry | undefined {
    return this.hashed.get(collection)?.entry(keyHash);
  }

  hashedVersion(collection: string, keyHash: string): number {
    return this.hashed.get(collection)?.version(keyHash) ?? ABSENT;
  }

  private hashedStore(collection: string): HashedStore {
    let store = this.hashed.get(collection);
    if (store === undefined) this.hashed.set(collection, (store = new HashedStore(this.slab)));
    return store;
  }

  writeHashed(collection: string, keyHash: string, valueHash: string | null, version: number): void {
    this.hashedStore(collection).write(keyHash, valueHash, version, this.hashedMetadataUsed.has(collection));
  }

  writeHashedMetadata(
    collection: string,
    keyHash: string,
    entries: [string, Buffer][],
    version: number,
  ): void {
    if (this.hashedStore(collection).writeMetadata(keyHash, entries, version))
      this.hashedMetadataUsed.add(collection);
  }

  /** The private store of `org` for `collection`, or undefined when it holds nothing there yet. */
  privateStore(org: string, collection: string, create: boolean): KeyValueStore | undefined {
    const stores = this.privateState.get(org);
    if (stores === undefined) return undefined;
    let store = stores.get(collection);
    if (store === undefined && create) {
      store = new KeyValueStore(this.slab);
      stores.set(collection, store);
    }
    return store;
  }
}
