import { Context } from 'fabric-contract-api';

import type { CaseRecord } from '../api/reconciliation';

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
  /**
   * The cases of each payment reference this transaction has read or written, decoded, by keys.referenceCases
   * key. Every read and write of a case goes through it (reconciliation.ts: referenceCases, writeCase), so it
   * is the transaction's view; a batch of legs decodes each case record once, not at every leg.
   */
  readonly referenceCases = new Map<string, CaseRecord[]>();
  private readonly caseChanges = new Map<string, CaseChange>();
  private readonly breakChanges: BreakChange[] = [];
  private readonly legChanges: LegChange[] = [];

  recordCase(change: CaseChange): void {
    // A case written twice in one transaction keeps every notice the transaction added to it.
    const before = this.caseChanges.get(change.caseId)?.notices;
    this.caseChanges.set(
      change.caseId,
      before === undefined ? change : { ...change, notices: [...before, ...(change.notices ?? [])] },
    );
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

  /** An attribute of the signer's certificate (e.g. a person's write-off limit), or undefined. */
  attribute(name: string): string | undefined {
    return this.clientIdentity.getAttributeValue(name) ?? undefined;
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

  async putJson(key: string, value: unknown): Promise<void> {
    const text = canonicalJson(value);
    this.publicWrites.set(key, text);
    await this.stub.putState(key, asShimValue(text));
  }

  async delete(key: string): Promise<void> {
    this.publicWrites.set(key, null);
    await this.stub.deleteState(key);
  }

  async putPrivate(collection: string, key: string, value: string): Promise<void> {
    await this.stub.putPrivateData(collection, key, asShimValue(value));
  }
}
