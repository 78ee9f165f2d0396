import { isUtf8 } from 'node:buffer';

/**
 * A stored value: text when its bytes are UTF-8 (nearly always: JSON), else the bytes. Text is one
 * immutable heap object instead of a Buffer, needs no defensive copy, and is what the block's JSON holds.
 */
export type Value = string | Buffer;

/** The stored form of bytes a chaincode handed over (a copy, never the caller's buffer). */
export function toValue(bytes: Uint8Array): Value {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(b) ? b.toString('utf8') : Buffer.from(b);
}

/** A fresh Buffer of a stored value, as a peer's reply would be. */
export function valueBytes(v: Value): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}

/** A range query as simulated: Fabric re-runs it at validation to detect phantoms. */
export type RangeRead = { start: string; end: string; exhausted: boolean; results: [string, number][] };

export type HashedWrite = { keyHash: string; valueHash: string | null; purge: boolean };

/** A key's new metadata (Fabric's KVMetadataWrite): name/value entries; none means cleared. */
export type MetadataWrite = [key: string, entries: [string, Buffer][]];

/** What goes into the block for one collection: hashes only, never plaintext. */
export type CollectionHashedRwSet = {
  collection: string;
  reads: [string, number][];
  writes: HashedWrite[];
  /** Keyed by key hash. */
  metadataWrites: MetadataWrite[];
};

/** The read/write set of one transaction on the chaincode's namespace, as ordered into the block. */
export type TxRwSet = {
  reads: [string, number][];
  ranges: RangeRead[];
  writes: [string, Value | null][];
  metadataWrites: MetadataWrite[];
  collections: CollectionHashedRwSet[];
};

/**
 * Plaintext private writes: kept beside the transaction for member peers, never in the block.
 * `metadataKeys` are keys whose metadata changed, which gives them a new version on members too.
 */
export type PrivateWrites = {
  collection: string;
  writes: [string, Value | null][];
  metadataKeys: string[];
}[];

// 3: a value removed from the private-data log by a later purge (purge.ts); it reads back as a delete.
type EncodedValue = [string, 0] | [string, 1, string] | [string, 2, string] | [string, 3];

// Text values are stored as they are, others as base64.
function encodeWrite(key: string, value: Value | null): EncodedValue {
  if (value === null) return [key, 0];
  return typeof value === 'string' ? [key, 1, value] : [key, 2, value.toString('base64')];
}

function decodeWrite(w: unknown): [string, Value | null] {
  const e = w as EncodedValue;
  if (e[1] === 0 || e[1] === 3) return [e[0], null];
  return [e[0], e[1] === 1 ? e[2] : Buffer.from(e[2], 'base64')];
}

function encodeMetadata(m: MetadataWrite[]): [string, [string, string][]][] {
  return m.map(([key, entries]) => [key, entries.map(([name, value]) => [name, value.toString('base64')])]);
}

function decodeMetadata(m: [string, [string, string][]][] | undefined): MetadataWrite[] {
  if (m === undefined) return [];
  return m.map(([key, entries]) => [
    key,
    entries.map(([name, value]) => [name, Buffer.from(value, 'base64')]),
  ]);
}

/**
 * The plain value whose JSON is a read/write set's deterministic JSON: what endorsers sign and the block stores
 * (encoded by JsonParts, in parts for a large one).
 */
export function rwsetJsonValue(rw: TxRwSet): Record<string, unknown> {
  const json: Record<string, unknown> = {
    r: rw.reads,
    q: rw.ranges.map((q) => [q.start, q.end, q.exhausted ? 1 : 0, q.results]),
    w: rw.writes.map(([k, v]) => encodeWrite(k, v)),
    h: rw.collections.map((c) => {
      const writes = c.writes.map((w) => (w.purge ? [w.keyHash, w.valueHash, 1] : [w.keyHash, w.valueHash]));
      return c.metadataWrites.length === 0
        ? [c.collection, c.reads, writes]
        : [c.collection, c.reads, writes, encodeMetadata(c.metadataWrites)];
    }),
  };
  if (rw.metadataWrites.length > 0) json.m = encodeMetadata(rw.metadataWrites);
  return json;
}

type RwSetJson = {
  r: [string, number][];
  q: [string, string, number, [string, number][]][];
  w: unknown[];
  h: [string, [string, number][], [string, string | null, number?][], [string, [string, string][]][]?][];
  m?: [string, [string, string][]][];
};

export function rwsetFromJson(value: unknown): TxRwSet {
  const j = value as RwSetJson;
  return {
    reads: j.r,
    ranges: j.q.map(([start, end, exhausted, results]) => ({
      start,
      end,
      exhausted: exhausted === 1,
      results,
    })),
    writes: j.w.map(decodeWrite),
    metadataWrites: decodeMetadata(j.m),
    collections: j.h.map(([collection, reads, writes, metadata]) => ({
      collection,
      reads,
      writes: writes.map(([keyHash, valueHash, purge]) => ({ keyHash, valueHash, purge: purge === 1 })),
      metadataWrites: decodeMetadata(metadata),
    })),
  };
}

export function privateWritesToJson(p: PrivateWrites): unknown {
  return p.map((c) =>
    c.metadataKeys.length === 0
      ? [c.collection, c.writes.map(([k, v]) => encodeWrite(k, v))]
      : [c.collection, c.writes.map(([k, v]) => encodeWrite(k, v)), c.metadataKeys],
  );
}

export function privateWritesFromJson(value: unknown): PrivateWrites {
  return (value as [string, unknown[], string[]?][]).map(([collection, writes, metadataKeys]) => ({
    collection,
    writes: writes.map(decodeWrite),
    metadataKeys: metadataKeys ?? [],
  }));
}
