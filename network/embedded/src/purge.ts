/**
 * Purged private data leaves the disk, as Fabric's private data store deletes a purged key's value and history
 * (`PurgePrivateData`, Fabric 2.5). The world state forgets a purged key at commit (and on every replay); this
 * module removes its bytes from the private-data log, from which the state is replayed.
 *
 * How: every earlier record of the log that holds a value of the purged key (in the purged collection, written by
 * a transaction before the purging one) is rewritten in place, the value replaced by a purged marker
 * (`[key, 3]`, read back as a delete) and the record padded with spaces to its old length, under a new checksum.
 * In place and of the same length, so no offset moves and the acknowledgement mark's byte counts stay true; the
 * JSON of a record is its value's `JSON.stringify`, and JSON allows trailing whitespace.
 *
 * When: after the purging block is acknowledged (before, a crash could lose a value whose purge never
 * committed). A crash between the acknowledgement and the rewrite leaves the value on disk until the next start,
 * whose replay finds the purges in the blocks and rewrites what is left (`PurgeLedger`).
 */
import { sha256Hex } from './cryptoUtil';
import type { ValidationCode } from './errors';
import { RecordFile } from './recordFile';
import type { TxRwSet } from './rwset';

/** Where a transaction sits on the ledger: a purge at (block, tx) removes values written before it. */
export type Position = { readonly block: number; readonly tx: number };

const before = (a: Position, b: Position): boolean =>
  a.block < b.block || (a.block === b.block && a.tx < b.tx);

/** The purges the ledger has made: per collection, per key hash, the position of the latest. */
export class Purges {
  private readonly byCollection = new Map<string, Map<string, Position>>();

  get size(): number {
    let n = 0;
    for (const m of this.byCollection.values()) n += m.size;
    return n;
  }

  add(collection: string, keyHash: string, at: Position): void {
    let m = this.byCollection.get(collection);
    if (m === undefined) this.byCollection.set(collection, (m = new Map<string, Position>()));
    const seen = m.get(keyHash);
    if (seen === undefined || before(seen, at)) m.set(keyHash, at);
  }

  /** The purges of a valid transaction's read/write set (hashed writes marked purge). */
  addTransaction(rwset: TxRwSet, at: Position): void {
    for (const c of rwset.collections)
      for (const w of c.writes) if (w.purge) this.add(c.collection, w.keyHash, at);
  }

  hasCollection(collection: string): boolean {
    return this.byCollection.has(collection);
  }

  collections(): string[] {
    return [...this.byCollection.keys()];
  }

  /** Whether a value of `key` written at `at` was purged afterwards. */
  removes(collection: string, key: string, at: Position): boolean {
    const m = this.byCollection.get(collection);
    if (m === undefined) return false;
    const purge = m.get(sha256Hex(key));
    return purge !== undefined && before(at, purge);
  }
}

/** One private-data record as the committer writes it: `{"block":n,"txs":[[txNum, privateWritesToJson]...]}`. */
type RecordJson = { block: number; txs: [number, [string, unknown[], string[]?][]][] };

/**
 * The record without the values that `purges` removes, as bytes of the same length; undefined when it holds
 * none of them.
 */
export function scrubbedRecord(payload: Buffer, purges: Purges): Buffer | undefined {
  const rec = JSON.parse(payload.toString('utf8')) as RecordJson;
  let removed = 0;
  for (const [txNum, collections] of rec.txs) {
    const at = { block: rec.block, tx: txNum };
    for (const [collection, writes] of collections) {
      if (!purges.hasCollection(collection)) continue;
      writes.forEach((w, i) => {
        const [key, kind] = w as [string, number];
        if ((kind === 1 || kind === 2) && purges.removes(collection, key, at)) {
          writes[i] = [key, 3];
          removed++;
        }
      });
    }
  }
  if (removed === 0) return undefined;
  const text = Buffer.from(JSON.stringify(rec), 'utf8');
  // A value is at least `,""` longer than its marker: the text never grows.
  if (text.length > payload.length) throw new Error('a scrubbed private data record grew');
  return Buffer.concat([text, Buffer.alloc(payload.length - text.length, 0x20)]);
}

/** The purges of a block's valid transactions. */
export function purgesOfBlock(
  block: number,
  batch: readonly { rwset: TxRwSet }[],
  codes: readonly ValidationCode[],
): Purges {
  const purges = new Purges();
  batch.forEach((tx, i) => {
    if (codes[i] === 'VALID') purges.addTransaction(tx.rwset, { block, tx: i });
  });
  return purges;
}

/**
 * Rewrites every record of a private-data log that holds a value `purges` removes (see the module's comment).
 * Reads the whole file: purges are rare (a revoked blacklist entry's evidence), and a record does not say which
 * keys it holds; records that do not contain a purged collection's name are not parsed.
 */
export async function scrubPrivateFile(file: RecordFile, purges: Purges): Promise<number> {
  const rewrites = scrubsOfFile(file.path, file.records, purges);
  for (const [index, payload] of rewrites) await file.rewrite(index, payload);
  return rewrites.length;
}

/** The records of the first `count` of a private-data log that `purges` changes, with their new bytes. */
export function scrubsOfFile(path: string, count: number, purges: Purges): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  if (purges.size === 0) return out;
  const names = purges.collections().map((c) => Buffer.from(JSON.stringify(c), 'utf8'));
  RecordFile.scan(path, count, (payload, index) => {
    if (!names.some((n) => payload.includes(n))) return;
    const scrubbed = scrubbedRecord(payload, purges);
    if (scrubbed !== undefined) out.push([index, scrubbed]);
  });
  return out;
}
