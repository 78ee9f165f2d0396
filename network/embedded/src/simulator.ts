import { ledger, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { HistoryQueryIterator, StateQueryIterator } from 'fabric-shim/lib/iterators.js';
import type { ChannelConfig, ResolvedCollection } from './channel';
import { sha256Hex } from './cryptoUtil';
import {
  toValue,
  valueBytes,
  type CollectionHashedRwSet,
  type MetadataWrite,
  type PrivateWrites,
  type RangeRead,
  type TxRwSet,
  type Value,
} from './rwset';
import {
  ABSENT,
  describeVersion,
  type Entry,
  type HashedEntry,
  type HistoryEntry,
  type WorldState,
} from './state';

const EMPTY = Buffer.alloc(0);
// The peer hands results to the chaincode in batches of this size (Fabric's chaincode handler uses 100).
const BATCH = 100;
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type OpenRange = {
  kind: 'range';
  source: Iterator<[string, Entry]>;
  peeked: IteratorResult<[string, Entry]> | undefined;
  record: RangeRead | undefined;
  collection: CollectionSim | undefined;
  /** A page of a paginated query: already materialised and recorded. */
  page: boolean;
};
type OpenHistory = { kind: 'history'; entries: HistoryEntry[]; pos: number };

export type SimulationContext = {
  state: WorldState;
  channel: ChannelConfig;
  peerOrg: string;
  creatorOrg: string;
  channelId: string;
  txId: string;
};

export type SimulationResults = { rwset: TxRwSet; privateWrites: PrivateWrites };

type CollectionSim = {
  config: ResolvedCollection;
  /** Key hashes computed so far: a key read and then written is hashed once. */
  keyHashes: Map<string, string>;
  metadataWrites: Map<string, [string, Buffer][]>;
  hashedReads: Map<string, number>;
  writes: Map<string, Value | null>;
  purges: Set<string>;
};

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new Error('key must not be an empty string');
  if (SURROGATE.test(key) && LONE_SURROGATE.test(key)) {
    throw new Error(`invalid key. Not a valid utf8 string: [${Buffer.from(key).toString('hex')}]`);
  }
  return key;
}

function collectionKeyHash(c: CollectionSim, key: string): string {
  let h = c.keyHashes.get(key);
  if (h === undefined) {
    h = sha256Hex(key);
    c.keyHashes.set(key, h);
  }
  return h;
}

/**
 * The peer side of the chaincode protocol, in process: fabric-shim's ChaincodeStub calls these
 * `handle*` methods exactly where, on a real peer, it would send a ChaincodeMessage. Reads come from
 * the committed state as the endorsing peer sees it; everything is recorded into a read/write set.
 * Ledger operations are Map lookups; protobufs are built only for iterator results, which the shim's
 * iterators decode.
 */
export class Simulation {
  private readonly reads = new Map<string, number>();
  private readonly ranges: RangeRead[] = [];
  private readonly writes = new Map<string, Value | null>();
  private readonly metadataWrites = new Map<string, [string, Buffer][]>();
  private readonly collections = new Map<string, CollectionSim>();
  private readonly open = new Map<string, OpenRange | OpenHistory>();
  private nextQueryId = 0;
  private writePerformed = false;
  private paginatedQueryPerformed = false;

  constructor(private readonly ctx: SimulationContext) {}

  private collection(name: string): CollectionSim {
    let c = this.collections.get(name);
    if (c === undefined) {
      c = {
        config: this.ctx.channel.collection(name),
        keyHashes: new Map(),
        metadataWrites: new Map(),
        hashedReads: new Map(),
        writes: new Map(),
        purges: new Set(),
      };
      this.collections.set(name, c);
    }
    return c;
  }

  private noteWrite(): void {
    if (this.paginatedQueryPerformed) {
      throw new Error('txSimulator does not support write operations after executing paginated queries');
    }
    this.writePerformed = true;
  }

  private checkReadAccess(c: CollectionSim): void {
    if (c.config.memberOnlyRead && !c.config.members.has(this.ctx.creatorOrg)) {
      throw new Error(
        `tx creator does not have read access permission on privatedata in chaincodeName:${this.ctx.channel.chaincodeName} collectionName: ${c.config.name}`,
      );
    }
  }

  private recordHashedRead(c: CollectionSim, keyHash: string): HashedEntry | undefined {
    const entry = this.ctx.state.hashedEntry(c.config.name, keyHash);
    if (!c.hashedReads.has(keyHash)) c.hashedReads.set(keyHash, entry?.version ?? ABSENT);
    return entry;
  }

  private readPrivate(c: CollectionSim, key: string): Buffer {
    this.checkReadAccess(c);
    const keyHash = collectionKeyHash(c, key);
    const hashVersion = this.recordHashedRead(c, keyHash)?.version ?? ABSENT;
    const entry = this.ctx.state.privateStore(this.ctx.peerOrg, c.config.name, false)?.read(key);
    const privateVersion = entry?.version ?? ABSENT;
    if (privateVersion !== hashVersion) {
      // What a Fabric peer answers when it holds the hash but not the plaintext, as on a peer of an
      // organisation that is not a member of the collection.
      throw new Error(
        `private data matching public hash version is not available. Public hash version = ${describeVersion(hashVersion)}, Private data version = ${describeVersion(privateVersion)}`,
      );
    }
    return entry === undefined ? EMPTY : entry.bytes;
  }

  // ---- the ChaincodeSupportClient surface used by fabric-shim's ChaincodeStub ----

  // The stub awaits what these return: plain values save a promise per ledger call; a throw becomes
  // the rejection of the stub's own async method, as an error reply from a peer would. Values are
  // copies, as a peer's replies are: a chaincode that changes a buffer it got cannot change the ledger.
  handleGetState(collection: string, key: string): Buffer {
    if (collection !== '') return this.readPrivate(this.collection(collection), checkKey(key));
    const entry = this.ctx.state.publicState.read(key);
    if (!this.reads.has(key)) this.reads.set(key, entry === undefined ? ABSENT : entry.version);
    return entry === undefined ? EMPTY : entry.bytes;
  }

  handleGetPrivateDataHash(collection: string, key: string): Buffer {
    const c = this.collection(collection);
    const entry = this.recordHashedRead(c, collectionKeyHash(c, checkKey(key)));
    return entry === undefined ? EMPTY : Buffer.from(entry.valueHash, 'hex');
  }

  handlePutState(collection: string, key: string, value: Uint8Array | string): Buffer {
    checkKey(key);
    this.noteWrite();
    // Fabric records a write of an empty value as a delete. A string is well-formed text (PeerStub): the
    // value its UTF-8 bytes would give.
    const copy = value.length === 0 ? null : typeof value === 'string' ? value : toValue(value);
    if (collection === '') {
      this.writes.set(key, copy);
    } else {
      const c = this.collection(collection);
      this.checkWriteAccess(c);
      c.writes.set(key, copy);
      c.purges.delete(key);
    }
    return EMPTY;
  }

  handleDeleteState(collection: string, key: string): Buffer {
    checkKey(key);
    this.noteWrite();
    if (collection === '') {
      this.writes.set(key, null);
    } else {
      const c = this.collection(collection);
      this.checkWriteAccess(c);
      c.writes.set(key, null);
    }
    return EMPTY;
  }

  handlePurgeState(collection: string, key: string): Buffer {
    checkKey(key);
    this.noteWrite();
    const c = this.collection(collection);
    this.checkWriteAccess(c);
    c.writes.set(key, null);
    c.purges.add(key);
    return EMPTY;
  }

  private checkWriteAccess(c: CollectionSim): void {
    if (c.config.memberOnlyWrite && !c.config.members.has(this.ctx.creatorOrg)) {
      throw new Error(
        `tx creator does not have write access permission on privatedata in chaincodeName:${this.ctx.channel.chaincodeName} collectionName: ${c.config.name}`,
      );
    }
  }

  /** Committed metadata of a key (its validation parameter); reading it is a read of the key. */
  handleGetStateMetadata(collection: string, key: string): Record<string, Buffer> {
    let metadata: [string, Buffer][] | undefined;
    if (collection === '') {
      const version = this.ctx.state.publicState.version(checkKey(key));
      if (!this.reads.has(key)) this.reads.set(key, version);
      metadata = this.ctx.state.publicState.metadata(key);
    } else {
      const c = this.collection(collection);
      metadata = this.recordHashedRead(c, collectionKeyHash(c, checkKey(key)))?.metadata;
    }
    return Object.fromEntries(metadata ?? []);
  }

  /** Like Fabric's peer, a metadata write replaces the key's metadata with this one entry. */
  handlePutStateMetadata(collection: string, key: string, metakey: string, value: Uint8Array): Buffer {
    checkKey(key);
    this.noteWrite();
    const entries: [string, Buffer][] = [[metakey, Buffer.from(value)]];
    if (collection === '') {
      this.metadataWrites.set(key, entries);
    } else {
      const c = this.collection(collection);
      this.checkWriteAccess(c);
      c.metadataWrites.set(key, entries);
    }
    return EMPTY;
  }

  handleInvokeChaincode(chaincodeName: string): Promise<never> {
    return Promise.reject(
      new Error(`invokeChaincode('${chaincodeName}') is not supported by the embedded network`),
    );
  }

  handleGetQueryResult(): Promise<never> {
    // The embedded state database behaves as LevelDB, which has no rich queries.
    return Promise.reject(new Error('ExecuteQuery not supported for leveldb'));
  }

  handleGetStateByRange(
    collection: string,
    startKey: string,
    endKey: string,
    _channelId: string,
    _txId: string,
    metadata?: Uint8Array | null,
  ): Promise<{ iterator: StateQueryIterator; metadata?: { bookmark: string; fetchedRecordsCount: number } }> {
    try {
      return Promise.resolve(this.getStateByRange(collection, startKey, endKey, metadata));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private getStateByRange(
    collection: string,
    startKey: string,
    endKey: string,
    metadata: Uint8Array | null | undefined,
  ): { iterator: StateQueryIterator; metadata?: { bookmark: string; fetchedRecordsCount: number } } {
    const paginated = metadata !== null && metadata !== undefined && metadata.length > 0;
    let start = startKey;
    let pageSize = 0;
    if (paginated) {
      const q = this.startPaginatedQuery(metadata);
      pageSize = q.getPagesize();
      if (q.getBookmark() !== '') start = q.getBookmark();
    }
    const c = collection === '' ? undefined : this.rangeReadableCollection(collection);
    const source =
      c === undefined
        ? this.ctx.state.publicState.range(start, endKey)
        : this.privateRange(collection, start, endKey);
    const record: RangeRead | undefined =
      c === undefined ? { start, end: endKey, exhausted: false, results: [] } : undefined;
    if (record !== undefined) this.ranges.push(record);
    const id = String(this.nextQueryId++);
    if (paginated) return this.openPage(id, source, pageSize, record, c);
    const open: OpenRange = {
      kind: 'range',
      source,
      peeked: undefined,
      record,
      collection: c,
      page: false,
    };
    this.open.set(id, open);
    const response = this.nextRangeBatch(id, open);
    return { iterator: new StateQueryIterator(this, this.ctx.channelId, this.ctx.txId, response) };
  }

  /** The query's page size and bookmark; no write may follow a paginated query, nor precede it. */
  private startPaginatedQuery(metadata: Uint8Array): peer.QueryMetadata {
    if (this.writePerformed) {
      throw new Error('txSimulator does not support paginated queries after executing writes');
    }
    this.paginatedQueryPerformed = true;
    return peer.QueryMetadata.deserializeBinary(metadata);
  }

  /** A collection whose range this peer may read: the creator may read it and this peer holds it. */
  private rangeReadableCollection(collection: string): CollectionSim {
    const c = this.collection(collection);
    this.checkReadAccess(c);
    if (!c.config.members.has(this.ctx.peerOrg)) {
      throw new Error(
        `private data of collection ${collection} is not available on the peer of ${this.ctx.peerOrg}, which is not a member`,
      );
    }
    return c;
  }

  private privateRange(collection: string, start: string, endKey: string): Iterator<[string, Entry]> {
    const store = this.ctx.state.privateStore(this.ctx.peerOrg, collection, false);
    return store === undefined ? [][Symbol.iterator]() : store.range(start, endKey);
  }

  /** A page of a paginated range query, read and recorded at once; its metadata carries the bookmark. */
  private openPage(
    id: string,
    source: Iterator<[string, Entry]>,
    pageSize: number,
    record: RangeRead | undefined,
    c: CollectionSim | undefined,
  ): { iterator: StateQueryIterator; metadata: { bookmark: string; fetchedRecordsCount: number } } {
    const page: [string, Entry][] = [];
    let next = source.next();
    while (!next.done && page.length < pageSize) {
      page.push(next.value);
      next = source.next();
    }
    // The bookmark is the first key after the page; the record covers the page only, since what lies
    // after it was not read.
    const bookmark = next.done === true ? '' : next.value[0];
    if (record !== undefined) {
      record.exhausted = next.done === true;
      for (const [key, entry] of page) record.results.push([key, entry.version]);
    }
    if (c !== undefined) for (const [key, entry] of page) this.recordRangeHashedRead(c, key, entry);
    const open: OpenRange = {
      kind: 'range',
      source: page[Symbol.iterator](),
      peeked: undefined,
      record,
      collection: c,
      page: true,
    };
    this.open.set(id, open);
    const response = this.nextRangeBatch(id, open);
    const md = new peer.QueryResponseMetadata();
    md.setBookmark(bookmark);
    md.setFetchedRecordsCount(page.length);
    response.setMetadata(md.serializeBinary());
    return {
      iterator: new StateQueryIterator(this, this.ctx.channelId, this.ctx.txId, response),
      metadata: { bookmark, fetchedRecordsCount: page.length },
    };
  }

  private recordRangeHashedRead(c: CollectionSim, key: string, entry: Entry): void {
    const keyHash = collectionKeyHash(c, key);
    if (!c.hashedReads.has(keyHash)) c.hashedReads.set(keyHash, entry.version);
  }

  private nextRangeBatch(id: string, q: OpenRange): peer.QueryResponse {
    const response = new peer.QueryResponse();
    response.setId(id);
    const results: peer.QueryResultBytes[] = [];
    let next = q.peeked ?? q.source.next();
    q.peeked = undefined;
    while (!next.done && results.length < BATCH) {
      const [key, entry] = next.value;
      const kv = new ledger.queryresult.KV();
      kv.setNamespace(this.ctx.channel.chaincodeName);
      kv.setKey(key);
      kv.setValue(valueBytes(entry.value));
      const rb = new peer.QueryResultBytes();
      rb.setResultbytes(kv.serializeBinary());
      results.push(rb);
      if (!q.page) {
        if (q.record !== undefined) q.record.results.push([key, entry.version]);
        if (q.collection !== undefined) this.recordRangeHashedRead(q.collection, key, entry);
      }
      next = q.source.next();
    }
    response.setResultsList(results);
    if (next.done) {
      if (q.record !== undefined && !q.page) q.record.exhausted = true;
      this.open.delete(id);
      response.setHasMore(false);
    } else {
      q.peeked = next;
      response.setHasMore(true);
    }
    return response;
  }

  handleGetHistoryForKey(key: string): Promise<HistoryQueryIterator> {
    const id = String(this.nextQueryId++);
    const q: OpenHistory = { kind: 'history', entries: this.ctx.state.publicState.history(key), pos: 0 };
    this.open.set(id, q);
    return Promise.resolve(
      new HistoryQueryIterator(this, this.ctx.channelId, this.ctx.txId, this.nextHistoryBatch(id, q)),
    );
  }

  private nextHistoryBatch(id: string, q: OpenHistory): peer.QueryResponse {
    const response = new peer.QueryResponse();
    response.setId(id);
    const results: peer.QueryResultBytes[] = [];
    for (; q.pos < q.entries.length && results.length < BATCH; q.pos++) {
      const e = q.entries[q.pos] as HistoryEntry;
      const km = new ledger.queryresult.KeyModification();
      km.setTxId(e.meta.txId);
      km.setValue(e.value === undefined ? EMPTY : valueBytes(e.value));
      km.setIsDelete(e.value === undefined);
      const ts = new Timestamp();
      ts.setSeconds(e.meta.seconds);
      ts.setNanos(e.meta.nanos);
      km.setTimestamp(ts);
      const rb = new peer.QueryResultBytes();
      rb.setResultbytes(km.serializeBinary());
      results.push(rb);
    }
    response.setResultsList(results);
    const more = q.pos < q.entries.length;
    response.setHasMore(more);
    if (!more) this.open.delete(id);
    return response;
  }

  handleQueryStateNext(id: string): Promise<peer.QueryResponse> {
    const q = this.open.get(id);
    if (q === undefined) return Promise.reject(new Error(`query iterator ${id} is not open`));
    if (q.kind === 'history') return Promise.resolve(this.nextHistoryBatch(id, q));
    return Promise.resolve(this.nextRangeBatch(id, q));
  }

  handleQueryStateClose(id: string): Promise<peer.QueryResponse> {
    this.open.delete(id);
    const response = new peer.QueryResponse();
    response.setId(id);
    return Promise.resolve(response);
  }

  /** The read/write set, once the chaincode has returned. */
  results(): SimulationResults {
    const collections: CollectionHashedRwSet[] = [];
    const privateWrites: PrivateWrites = [];
    for (const c of this.collections.values()) {
      const writes: CollectionHashedRwSet['writes'] = [];
      const plain: [string, Value | null][] = [];
      for (const [key, value] of c.writes) {
        writes.push({
          keyHash: collectionKeyHash(c, key),
          valueHash: value === null ? null : sha256Hex(value),
          purge: c.purges.has(key),
        });
        plain.push([key, value]);
      }
      const metadataWrites: MetadataWrite[] = [];
      for (const [key, entries] of c.metadataWrites)
        metadataWrites.push([collectionKeyHash(c, key), entries]);
      if (writes.length === 0 && c.hashedReads.size === 0 && metadataWrites.length === 0) continue;
      collections.push({ collection: c.config.name, reads: [...c.hashedReads], writes, metadataWrites });
      if (plain.length > 0 || c.metadataWrites.size > 0) {
        privateWrites.push({
          collection: c.config.name,
          writes: plain,
          metadataKeys: [...c.metadataWrites.keys()],
        });
      }
    }
    return {
      rwset: {
        reads: [...this.reads],
        ranges: this.ranges,
        writes: [...this.writes],
        metadataWrites: [...this.metadataWrites],
        collections,
      },
      privateWrites,
    };
  }
}
