import { isUtf8 } from 'node:buffer';

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
  writes: [string, Buffer | null][];
  metadataWrites: MetadataWrite[];
  collections: CollectionHashedRwSet[];
};

/**
 * Plaintext private writes: kept beside the transaction for member peers, never in the block.
 * `metadataKeys` are keys whose metadata changed, which gives them a new version on members too.
 */
export type PrivateWrites = {
  collection: string;
  writes: [string, Buffer | null][];
  metadataKeys: string[];
}[];

type EncodedValue = [string, 0] | [string, 1, string] | [string, 2, string];

// Values are stored as text when they are UTF-8 (nearly always JSON), as base64 otherwise.
function encodeWrite(key: string, value: Buffer | null): EncodedValue {
  if (value === null) return [key, 0];
  return isUtf8(value) ? [key, 1, value.toString('utf8')] : [key, 2, value.toString('base64')];
}

function decodeWrite(w: unknown): [string, Buffer | null] {
  const [key, kind, text] = w as EncodedValue;
  if (kind === 0) return [key, null];
  return [key, Buffer.from(text, kind === 1 ? 'utf8' : 'base64')];
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

/** Deterministic JSON of a read/write set: what endorsers sign and the block stores. */
export function rwsetToJson(rw: TxRwSet): string {
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
  return JSON.stringify(json);
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
