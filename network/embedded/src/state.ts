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

  /** Whether any index has been built (and so needs to hear of keys coming and going). */
  get active(): boolean {
    return this.all !== undefined || this.partitions.size > 0;
  }

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

/** Which store of a WorldState a journal entry is about: public, one collection's hashes, or private data. */
export type StoreName =
  | { kind: 'public' }
  | { kind: 'hashed'; collection: string }
  | { kind: 'private'; org: string; collection: string };

// A journal entry: six numbers, the first its kind.
const OP_PLACE = 0; // store, key hash, key position, value position, version
const OP_METADATA = 1; // store, key hash, key position, version, index in `metadata`
const OP_ERASE = 2; // store, key hash, key position
const OP_ADD_TX = 3; // extra (the TxMeta)
const OP_DECLARE = 4; // store, extra (its StoreName)
const OP_SIZE = 6;

/**
 * A stretch of a state's journal: its entries, the values that are not numbers (transaction times, store
 * names) by index, and the metadata writes' entries by index.
 */
export type JournalPart = { ops: Float64Array; extras: unknown[]; metadata: [string, Buffer][][] };

/**
 * Every change made to a state whose values are shared (WorldState.startJournal), as numbers: which store,
 * which key (its hash and where its bytes are), which record became its value, at which version. An endorsing
 * worker's replica applies these (WorldState.applyJournal) instead of the transactions' writes: it hashes no
 * key, decodes no string and copies no value, since every key and value is already a record in the shared slab.
 */
export class Journal {
  private ops = new Float64Array(OP_SIZE * 1024);
  private length = 0;
  private extras: unknown[] = [];
  private metadataEntries: [string, Buffer][][] = [];

  private push(kind: number, a: number, b: number, c: number, d: number, e: number): void {
    if (this.length + OP_SIZE > this.ops.length) this.ops = doubled(this.ops);
    const o = this.ops;
    const i = this.length;
    o[i] = kind;
    o[i + 1] = a;
    o[i + 2] = b;
    o[i + 3] = c;
    o[i + 4] = d;
    o[i + 5] = e;
    this.length = i + OP_SIZE;
  }

  private extra(value: unknown): number {
    return this.extras.push(value) - 1;
  }

  place(store: number, hash: number, keyPos: number, pos: number, version: number): void {
    this.push(OP_PLACE, store, hash, keyPos, pos, version);
  }

  metadata(store: number, hash: number, keyPos: number, version: number, entries: [string, Buffer][]): void {
    this.push(OP_METADATA, store, hash, keyPos, version, this.metadataEntries.push(entries) - 1);
  }

  erase(store: number, hash: number, keyPos: number): void {
    this.push(OP_ERASE, store, hash, keyPos, 0, 0);
  }

  addTx(meta: TxMeta): void {
    this.push(OP_ADD_TX, this.extra(meta), 0, 0, 0, 0);
  }

  declare(store: number, name: StoreName): void {
    this.push(OP_DECLARE, store, this.extra(name), 0, 0, 0);
  }

  /** The entries since the last `take` (a copy the caller may transfer), and the journal starts empty again. */
  take(): JournalPart {
    const part = { ops: this.ops.slice(0, this.length), extras: this.extras, metadata: this.metadataEntries };
    this.length = 0;
    this.extras = [];
    this.metadataEntries = [];
    return part;
  }
}

/**
 * Keys with their current value, version and metadata (a validation parameter), values kept in a Slab
 * (off the JavaScript heap). No heap object per key: the KeyTable holds the keys, versions and value
 * positions sit in typed arrays. A written value stays in the slab linked to the one before it, which is
 * the key's history. A value write keeps the key's metadata, a delete drops it, as in Fabric.
 */
class VersionedStore {
  private readonly slots: KeyTable;
  private versions = new Float64Array(1024);
  private positions = new Float64Array(1024);
  private readonly index = new RangeIndexes(() => this.liveKeys());
  /** Few keys ever carry metadata: a Map, empty (and skipped) until one does. */
  private readonly metadataByKey = new Map<string, [string, Buffer][]>();
  /** Where this store's changes are journalled, under its number `id` (WorldState.startJournal). */
  journal: Journal | undefined;
  id = 0;
  /** Whether older values stay readable (as history); private data keeps none. */
  protected readonly keepsHistory: boolean = true;

  constructor(private readonly slab: Slab) {
    this.slots = new KeyTable(slab);
  }

  private *liveKeys(): Generator<string> {
    for (const [key, slot] of this.slots.entries()) if (this.live(slot)) yield key;
  }

  private live(slot: number): boolean {
    return this.slab.kind(this.positions[slot] as number) !== KIND_DELETED;
  }

  private valueAt(pos: number): Value | undefined {
    const kind = this.slab.kind(pos);
    return kind === KIND_DELETED ? undefined : kind === KIND_TEXT ? this.slab.text(pos) : this.slab.copy(pos);
  }

  /** The key's version, ABSENT when it has no live value. */
  version(key: string): number {
    const slot = this.slots.get(key);
    return slot === undefined || !this.live(slot) ? ABSENT : (this.versions[slot] as number);
  }

  get(key: string): Entry | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const value = this.valueAt(this.positions[slot] as number);
    return value === undefined ? undefined : { value, version: this.versions[slot] as number };
  }

  /** The value's bytes (a fresh copy) with its version. */
  read(key: string): { bytes: Buffer; version: number } | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || !this.live(slot)) return undefined;
    return { bytes: this.slab.copy(this.positions[slot] as number), version: this.versions[slot] as number };
  }

  /** Stores the key's new value (null: a delete). */
  write(key: string, value: Value | null, version: number, tx: number): void {
    const kind = value === null ? KIND_DELETED : typeof value === 'string' ? KIND_TEXT : KIND_BYTES;
    const known = this.slots.get(key);
    const previous = this.current(known);
    const pos = this.slab.append(kind, tx, previous, value ?? undefined);
    this.place(known ?? this.newSlot(this.slots.add(key)), previous, pos, version, key);
  }

  /**
   * A journalled `write` on a replica (WorldState.applyJournal): the key and the value are records of the
   * journalling thread's shared slab, found by position, not by a string.
   */
  placeRecord(hash: number, keyPos: number, pos: number, version: number): void {
    const known = this.slots.findRecord(hash, keyPos);
    const previous = this.current(known);
    this.place(known ?? this.newSlot(this.slots.addRecord(hash, keyPos)), previous, pos, version, undefined);
    // A replica's own copies of values it replayed from disk: once the shared record replaces one, an erase
    // would no longer reach them through the key's chain (which now runs through the shared slab), so values
    // that are not kept as history are zeroed here.
    if (!this.keepsHistory && previous >= 0 && !Slab.isForeign(previous)) this.zeroChain(previous);
  }

  /** The position of the slot's current record; -1 for a key without a slot. */
  private current(slot: number | undefined): number {
    return slot === undefined ? -1 : (this.positions[slot] as number);
  }

  /** The slot's key, read from the slab (for the rare steps that need it as a string). */
  private keyAt(slot: number): string {
    return this.slab.text(this.slots.keyPositionOf(slot));
  }

  /**
   * Makes the record at `pos` the current one of `slot`, whose record was `previous` (-1: none). `key` is the
   * slot's key when the caller has it as a string; otherwise it is read from the slab only if needed.
   */
  private place(slot: number, previous: number, pos: number, version: number, key: string | undefined): void {
    const wasLive = previous >= 0 && this.slab.kind(previous) !== KIND_DELETED;
    const live = this.slab.kind(pos) !== KIND_DELETED;
    this.positions[slot] = pos;
    this.versions[slot] = version;
    if (wasLive !== live && this.index.active) {
      if (live) this.index.add(key ?? this.keyAt(slot));
      else this.index.delete(key ?? this.keyAt(slot));
    }
    if (!live && this.metadataByKey.size > 0) this.metadataByKey.delete(key ?? this.keyAt(slot));
    this.journal?.place(this.id, this.slots.hashOf(slot), this.slots.keyPositionOf(slot), pos, version);
  }

  /** Zeroes the records of a chain from `pos` back that are this slab's own (another thread's are read only). */
  private zeroChain(pos: number): void {
    for (let p = pos; p >= 0; p = this.slab.previous(p)) if (!Slab.isForeign(p)) this.slab.erase(p);
  }

  /** Metadata of a live key (its validation parameter, if any). */
  metadata(key: string): [string, Buffer][] | undefined {
    if (this.metadataByKey.size === 0 || this.version(key) === ABSENT) return undefined;
    return this.metadataByKey.get(key);
  }

  /**
   * A metadata write replaces the key's metadata and makes a new version of it, as in Fabric; it applies to
   * a live key only (false when there is none).
   */
  writeMetadata(key: string, entries: [string, Buffer][], version: number): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined || !this.live(slot)) return false;
    this.setMetadata(slot, key, entries, version);
    return true;
  }

  /** A journalled `writeMetadata` on a replica (see placeRecord). */
  metadataRecord(hash: number, keyPos: number, entries: [string, Buffer][], version: number): void {
    const slot = this.slots.findRecord(hash, keyPos);
    if (slot !== undefined && this.live(slot)) this.setMetadata(slot, this.keyAt(slot), entries, version);
  }

  private setMetadata(slot: number, key: string, entries: [string, Buffer][], version: number): void {
    this.versions[slot] = version;
    if (entries.length === 0) this.metadataByKey.delete(key);
    else this.metadataByKey.set(key, entries);
    const hash = this.slots.hashOf(slot);
    this.journal?.metadata(this.id, hash, this.slots.keyPositionOf(slot), version, entries);
  }

  /** Forgets the key and zeroes every value it had (private data: deleted or purged, nothing is kept). */
  protected erase(key: string): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.eraseSlot(slot, key);
  }

  /** A journalled erase on a replica (see placeRecord): the shared records were zeroed by their owner. */
  eraseRecord(hash: number, keyPos: number): void {
    const slot = this.slots.findRecord(hash, keyPos);
    if (slot !== undefined) this.eraseSlot(slot, this.keyAt(slot));
  }

  private eraseSlot(slot: number, key: string): void {
    const hash = this.slots.hashOf(slot);
    this.journal?.erase(this.id, hash, this.slots.keyPositionOf(slot));
    if (this.live(slot)) this.index.delete(key);
    this.zeroChain(this.positions[slot] as number);
    this.slots.deleteSlot(hash, slot);
    this.metadataByKey.delete(key);
  }

  /** Newest first: the transaction of each version and its value (undefined for a delete). */
  protected chain(key: string): { tx: number; value: Value | undefined }[] {
    const slot = this.slots.get(key);
    if (slot === undefined) return [];
    const out: { tx: number; value: Value | undefined }[] = [];
    for (let pos = this.positions[slot] as number; pos >= 0; pos = this.slab.previous(pos))
      out.push({ tx: this.slab.tx(pos), value: this.valueAt(pos) });
    return out;
  }

  *range(start: string, end: string): Generator<[string, Entry]> {
    for (const key of this.index.range(start, end)) {
      const entry = this.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }

  /** A slot the key table has just handed out, with room for it in the columns. */
  private newSlot(slot: number): number {
    if (slot >= this.versions.length) {
      this.versions = doubled(this.versions);
      this.positions = doubled(this.positions);
    }
    return slot;
  }
}

/** An organisation's private data of one collection, with code point ordered keys (for range queries). */
export class KeyValueStore extends VersionedStore {
  protected override readonly keepsHistory = false;

  set(key: string, value: Value, version: number): void {
    this.write(key, value, version, 0);
  }

  /** A metadata write on private data: a new version of a live key (the parameter lives with the hashes). */
  setVersion(key: string, version: number): void {
    this.writeMetadata(key, [], version);
  }

  /** Private data keeps no history: a deleted value is gone from memory too. */
  delete(key: string): void {
    this.erase(key);
  }
}

/**
 * Public world state and key history. A deleted key keeps its history, but reads and range scans do not
 * see it. The transactions that wrote are numbered in the order they were applied; the history names
 * them by that number.
 */
export class PublicState extends VersionedStore {
  private readonly txs: TxMeta[] = [];

  /** Registers a transaction that writes; its number goes with each value it writes. */
  addTx(meta: TxMeta): number {
    this.journal?.addTx(meta);
    this.txs.push(meta);
    return this.txs.length - 1;
  }

  /** Fabric v2 returns a key's history newest first. */
  history(key: string): HistoryEntry[] {
    return this.chain(key).map(({ tx, value }) => ({ meta: this.txs[tx] as TxMeta, value }));
  }
}

/**
 * The ledger state all peers share (public state with history, hashes of private data, committed
 * transaction IDs) and each organisation's own private data. Every peer commits every block in the
 * same synchronous step, so one copy of the shared part is exactly what each peer would hold.
 */
export class WorldState {
  private readonly slab: Slab;
  readonly publicState: PublicState;
  /** Per collection, the hashes of its private data (key hash → value hash) as every member holds them. */
  private readonly hashed = new Map<string, VersionedStore>();
  readonly privateState = new Map<string, Map<string, KeyValueStore>>();
  readonly txIds = new Set<string>();

  /** Every store in the order it was made; a store's number is its place here (its `id`). */
  private readonly stores: [VersionedStore, StoreName][] = [];
  private journal: Journal | undefined;
  /** On a replica: the journalling state's stores by their numbers there. */
  private readonly replicaStores: VersionedStore[] = [];

  /**
   * With `shareValues`, keys and values sit in shared memory, where endorsing workers' replicas read them
   * (`sharedChunks`, `attachChunk`, `startJournal`, `applyJournal`) instead of storing copies.
   */
  constructor(organisations: readonly string[], options: { shareValues?: boolean } = {}) {
    this.slab = new Slab(options.shareValues === true);
    this.publicState = this.register(new PublicState(this.slab), { kind: 'public' });
    for (const org of organisations) this.privateState.set(org, new Map());
  }

  private register<S extends VersionedStore>(store: S, name: StoreName): S {
    store.id = this.stores.length;
    this.stores.push([store, name]);
    if (this.journal !== undefined) this.journalStore(this.journal, store, name);
    return store;
  }

  /** Journals the store's changes from now on, after declaring its number and name. */
  private journalStore(journal: Journal, store: VersionedStore, name: StoreName): void {
    store.journal = journal;
    journal.declare(store.id, name);
  }

  /**
   * From now on every change to this state is journalled for replicas (`takeJournal`, `applyJournal`). A
   * state with shared values only: the journal names records by their place in the shared slab.
   */
  startJournal(): void {
    if (this.journal !== undefined) return;
    this.slab.chunksFrom(0); // throws unless the values are shared
    const journal = new Journal();
    for (const [store, name] of this.stores) this.journalStore(journal, store, name);
    this.journal = journal;
  }

  /** The changes journalled since the last call (startJournal). */
  takeJournal(): JournalPart {
    if (this.journal === undefined) throw new Error('state: no journal (startJournal)');
    return this.journal.take();
  }

  /**
   * Applies another thread's journal (its takeJournal) to this replica, whose slab has that thread's shared
   * chunks attached (attachChunk): every key and value becomes a link to the record there. The replica must
   * hold what the journalling state held when its journal started (both replayed the same ledger).
   */
  applyJournal(part: JournalPart): void {
    const { ops, extras, metadata } = part;
    for (let i = 0; i < ops.length; i += OP_SIZE) {
      const kind = ops[i] as number;
      const a = ops[i + 1] as number;
      if (kind === OP_ADD_TX) {
        this.publicState.addTx(extras[a] as TxMeta);
        continue;
      }
      if (kind === OP_DECLARE) {
        this.replicaStores[a] = this.storeNamed(extras[ops[i + 2] as number] as StoreName);
        continue;
      }
      const store = this.replicaStores[a];
      if (store === undefined) throw new Error(`state: the journal names store ${a}, never declared`);
      const hash = ops[i + 2] as number;
      const keyPos = Slab.foreign(ops[i + 3] as number);
      if (kind === OP_PLACE) {
        store.placeRecord(hash, keyPos, Slab.foreign(ops[i + 4] as number), ops[i + 5] as number);
      } else if (kind === OP_METADATA) {
        const entries = metadata[ops[i + 5] as number] as [string, Buffer][];
        store.metadataRecord(hash, keyPos, entries, ops[i + 4] as number);
      } else if (kind === OP_ERASE) {
        store.eraseRecord(hash, keyPos);
      } else {
        throw new Error(`state: unknown journal entry ${kind}`);
      }
    }
  }

  private storeNamed(name: StoreName): VersionedStore {
    if (name.kind === 'public') return this.publicState;
    if (name.kind === 'hashed') return this.hashedStore(name.collection);
    const store = this.privateStore(name.org, name.collection, true);
    if (store === undefined) throw new Error(`state: no private stores for ${name.org}`);
    return store;
  }

  /** The shared slab's chunks from number `from` on (a state built with `shareValues`). */
  sharedChunks(from: number): SharedArrayBuffer[] {
    return this.slab.chunksFrom(from);
  }

  /** Makes chunk `index` of another thread's shared state readable here (see applyJournal). */
  attachChunk(index: number, chunk: SharedArrayBuffer): void {
    this.slab.attach(index, chunk);
  }

  /** Bytes of values held off the heap. */
  get storedBytes(): number {
    return this.slab.bytes;
  }

  hashedEntry(collection: string, keyHash: string): HashedEntry | undefined {
    const store = this.hashed.get(collection);
    const e = store?.get(keyHash);
    if (store === undefined || e === undefined) return undefined;
    return { valueHash: e.value as string, version: e.version, metadata: store.metadata(keyHash) };
  }

  hashedVersion(collection: string, keyHash: string): number {
    return this.hashed.get(collection)?.version(keyHash) ?? ABSENT;
  }

  hashedMetadata(collection: string, keyHash: string): [string, Buffer][] | undefined {
    return this.hashed.get(collection)?.metadata(keyHash);
  }

  private hashedStore(collection: string): VersionedStore {
    let store = this.hashed.get(collection);
    if (store === undefined) {
      store = this.register(new VersionedStore(this.slab), { kind: 'hashed', collection });
      this.hashed.set(collection, store);
    }
    return store;
  }

  writeHashed(collection: string, keyHash: string, valueHash: string | null, version: number): void {
    this.hashedStore(collection).write(keyHash, valueHash, version, 0);
  }

  writeHashedMetadata(
    collection: string,
    keyHash: string,
    entries: [string, Buffer][],
    version: number,
  ): void {
    this.hashedStore(collection).writeMetadata(keyHash, entries, version);
  }

  /** The private store of `org` for `collection`, or undefined when it holds nothing there yet. */
  privateStore(org: string, collection: string, create: boolean): KeyValueStore | undefined {
    const stores = this.privateState.get(org);
    if (stores === undefined) return undefined;
    let store = stores.get(collection);
    if (store === undefined && create) {
      store = this.register(new KeyValueStore(this.slab), { kind: 'private', org, collection });
      stores.set(collection, store);
    }
    return store;
  }
}
