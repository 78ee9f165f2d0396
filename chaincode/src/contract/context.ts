import { Context } from 'fabric-contract-api';

import { parseRoles, type Actor } from '../core/actor';
import { fail } from '../core/errors';
import { canonicalJson, utf8Text } from '../ledger/codec';
import {
  encodeLedgerChanges,
  LEDGER_CHANGES_EVENT,
  type BreakChange,
  type CaseChange,
  type LedgerChanges,
  type LegChange,
} from '../ledger/events';
import { SealNonces } from '../ledger/seal';

/**
 * fabric-shim's putState and putPrivateData take a string as well as bytes and store its UTF-8 encoding (their
 * typings name bytes only). Handing over the text lets a peer that runs the chaincode in process skip an
 * encode and a decode; the stored bytes are the same either way.
 */
const asShimValue = (text: string): Uint8Array => text as unknown as Uint8Array;

/**
 * The transaction context: who acts (from the signed proposal), when (the transaction timestamp, read once),
 * and a write-through view of the ledger in which the transaction sees its own writes (a Fabric stub does not).
 */
export class TallyContext extends Context {
  private actorCache: Actor | undefined;
  private nowCache: Date | undefined;
  private readonly publicWrites = new Map<string, string | null>();
  /**
   * What this transaction read from the ledger, by key (null: absent). A transaction sees one snapshot, and its
   * read set keeps the version of the first read, so a second read of the same key learns nothing new; on a
   * peer each read is a round trip to the chaincode server, and a batch of new cases on one route read its
   * service level once per case (see docs/PERFORMANCE-NOTES.md).
   */
  private readonly publicReads = new Map<string, string | null>();
  private readonly caseChanges = new Map<string, CaseChange>();
  private readonly breakChanges: BreakChange[] = [];
  private readonly legChanges: LegChange[] = [];

  recordCase(change: CaseChange): void {
    this.caseChanges.set(change.caseId, change);
  }

  recordBreak(change: BreakChange): void {
    this.breakChanges.push(change);
  }

  recordLeg(change: LegChange): void {
    this.legChanges.push(change);
  }

  /** One event per transaction, listing every change (Fabric keeps only the last event a transaction sets). */
  emitChanges(): void {
    if (this.caseChanges.size === 0 && this.breakChanges.length === 0 && this.legChanges.length === 0) return;
    const payload: LedgerChanges = {
      at: this.nowIso,
      breaks: this.breakChanges,
      cases: [...this.caseChanges.values()],
      legs: this.legChanges,
      txId: this.txId,
    };
    // A batch's event lists every leg: compact (encodeLedgerChanges), written as bytes in pieces.
    this.stub.setEvent(LEDGER_CHANGES_EVENT, encodeLedgerChanges(payload));
  }

  get actor(): Actor {
    if (!this.actorCache) {
      const ci = this.clientIdentity;
      const id = ci.getID();
      const name = ci.getAttributeValue('hf.EnrollmentID') ?? /CN=([^/:]+)/.exec(id)?.[1] ?? id;
      this.actorCache = { mspId: ci.getMSPID(), id, name, roles: parseRoles(ci.getAttributeValue('roles')) };
    }
    return this.actorCache;
  }

  get now(): Date {
    this.nowCache ??= this.stub.getDateTimestamp();
    return this.nowCache;
  }

  get nowMs(): number {
    return this.now.getTime();
  }

  private nowIsoCache: string | undefined;
  get nowIso(): string {
    this.nowIsoCache ??= this.now.toISOString();
    return this.nowIsoCache;
  }

  get txId(): string {
    return this.stub.getTxID();
  }

  private nonces: SealNonces | undefined;
  /** The nonce for this transaction's next seal (see SealNonces). */
  sealNonce(): Buffer {
    this.nonces ??= new SealNonces(this.txId);
    return this.nonces.next();
  }

  transient(name: string): string | undefined {
    const value = this.stub.getTransient().get(name);
    return value === undefined ? undefined : utf8Text(value);
  }

  transientJson(name: string): unknown {
    const text = this.transient(name);
    if (text === undefined)
      fail(
        'INVALID_INPUT',
        `transient field '${name}' is required (private inputs travel in the transient map)`,
      );
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return fail('INVALID_INPUT', `transient field '${name}' is not valid JSON`);
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const own = this.publicWrites.get(key) ?? this.publicReads.get(key);
    if (own !== undefined) return own === null ? undefined : (JSON.parse(own) as T);
    const bytes = await this.stub.getState(key);
    if (bytes.length === 0) {
      this.publicReads.set(key, null);
      return undefined;
    }
    const text = utf8Text(bytes);
    this.publicReads.set(key, text);
    return JSON.parse(text) as T;
  }

  /**
   * Every value whose key starts with `prefix`, in key order, as this transaction sees it: the ledger's, with the
   * transaction's own writes and deletes laid over (a Fabric range query sees only what was committed before).
   * The own writes are found through an index by prefix length, kept up to date as the transaction writes, so a
   * batch that opens hundreds of cases does not scan all its writes for each.
   */
  async prefixJson<T>(prefix: string): Promise<T[]> {
    const found = new Map<string, string | null>();
    const iterator = await this.stub.getStateByRange(prefix, `${prefix}\u{10ffff}`);
    try {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        const text = utf8Text(r.value.value);
        found.set(r.value.key, text);
        this.publicReads.set(r.value.key, text);
      }
    } finally {
      await iterator.close();
    }
    for (const key of this.writtenWithPrefix(prefix)) found.set(key, this.publicWrites.get(key) ?? null);
    const keysInOrder = [...found.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const out: T[] = [];
    for (const key of keysInOrder) {
      const text = found.get(key);
      if (text !== null && text !== undefined) out.push(JSON.parse(text) as T);
    }
    return out;
  }

  /** Written keys by their first n characters, one index per n asked for (prefixJson). */
  private readonly writtenByPrefix = new Map<number, Map<string, Set<string>>>();

  private writtenWithPrefix(prefix: string): readonly string[] {
    let index = this.writtenByPrefix.get(prefix.length);
    if (index === undefined) {
      index = new Map();
      for (const key of this.publicWrites.keys()) addToIndex(index, key.slice(0, prefix.length), key);
      this.writtenByPrefix.set(prefix.length, index);
    }
    return [...(index.get(prefix) ?? [])];
  }

  private noteWrite(key: string): void {
    if (this.publicWrites.has(key)) return;
    for (const [length, index] of this.writtenByPrefix) addToIndex(index, key.slice(0, length), key);
  }

  async putJson(key: string, value: unknown): Promise<void> {
    const text = canonicalJson(value);
    this.noteWrite(key);
    this.publicWrites.set(key, text);
    await this.stub.putState(key, asShimValue(text));
  }

  async delete(key: string): Promise<void> {
    this.noteWrite(key);
    this.publicWrites.set(key, null);
    await this.stub.deleteState(key);
  }

  async putPrivate(collection: string, key: string, value: string): Promise<void> {
    await this.stub.putPrivateData(collection, key, asShimValue(value));
  }
}

function addToIndex(index: Map<string, Set<string>>, prefix: string, key: string): void {
  const keys = index.get(prefix);
  if (keys) keys.add(key);
  else index.set(prefix, new Set([key]));
}
