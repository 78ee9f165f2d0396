import { fail } from '../core/errors';
import { receivablesActorOf, type ReceivablesActor } from '../core/receivables/parties';
import { canonicalJson, utf8Text } from '../ledger/codec';
import { implicitCollection } from '../ledger/keys';
import {
  encodeReceivablesChanges,
  RECEIVABLES_CHANGES_EVENT,
  type ReceivablesChange,
} from '../ledger/receivablesEvents';
import { RECEIVABLES_COLLECTION, receivablesKeys } from '../ledger/receivablesKeys';
import { TallyContext } from './context';

type RangeIterator = Awaited<ReturnType<TallyContext['stub']['getStateByRange']>>;

/** Fields of receivables records that hold minor units: bigint in the core, decimal strings on the ledger. */
const MINOR = /Minor$/;

/** A record as stored (canonical JSON, bigint as decimal strings) back to the core's shape. */
export function reviveRecord(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) =>
    MINOR.test(key) && typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : value,
  );
}

/** What a peer says when its organisation is not a member of a collection that only members may read or write. */
const NOT_A_MEMBER =
  /does not have (read|write) access|private data matching public hash version is not available/;

/**
 * The receivables contract's context: the transaction context (ledger time, transient inputs), the actor as
 * receivables sees it (the certificate's `enterpriseId` and `roles`), the private collection read and written
 * through one cache (a stub does not show a transaction its own writes), and what changed, emitted as the
 * transaction's one event and kept as a receipt in the actor's own implicit collection.
 */
export class ReceivablesContext extends TallyContext {
  private receivablesActorCache: ReceivablesActor | undefined;
  private readonly privateView = new Map<string, string | null>();
  private readonly changes: ReceivablesChange[] = [];

  get receivablesActor(): ReceivablesActor {
    if (!this.receivablesActorCache) {
      const ci = this.clientIdentity;
      const base = this.actor;
      this.receivablesActorCache = receivablesActorOf(
        { id: base.id, mspId: base.mspId, name: base.name },
        ci.getAttributeValue('enterpriseId'),
        ci.getAttributeValue('roles'),
      );
    }
    return this.receivablesActorCache;
  }

  /** Runs a ledger call on the collection; a peer of an organisation outside it answers NOT_A_PARTY. */
  private async onCollection<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (NOT_A_MEMBER.test(message))
        fail(
          'NOT_A_PARTY',
          `${this.actor.mspId} holds no receivables records: its peers keep only their hashes (collection ${RECEIVABLES_COLLECTION})`,
        );
      throw e;
    }
  }

  async readRecord<T>(key: string): Promise<T | undefined> {
    let text = this.privateView.get(key);
    if (text === undefined) {
      const bytes = await this.onCollection(() => this.stub.getPrivateData(RECEIVABLES_COLLECTION, key));
      text = bytes.length === 0 ? null : utf8Text(bytes);
      this.privateView.set(key, text);
    }
    return text === null ? undefined : (reviveRecord(text) as T);
  }

  async writeRecord(key: string, value: unknown): Promise<void> {
    const text = canonicalJson(value);
    this.privateView.set(key, text);
    await this.onCollection(() =>
      this.stub.putPrivateData(RECEIVABLES_COLLECTION, key, text as unknown as Uint8Array),
    );
  }

  async deleteRecord(key: string): Promise<void> {
    this.privateView.set(key, null);
    await this.onCollection(() => this.stub.deletePrivateData(RECEIVABLES_COLLECTION, key));
  }

  /** Committed keys and values of a range of the collection, in key order (read before writing into it). */
  async rangeRecords<T>([from, to]: readonly [string, string], limit: number): Promise<[string, T][]> {
    return this.onCollection(async () => {
      const out: [string, T][] = [];
      // fabric-shim resolves this one to `{ iterator }` (getStateByRange resolves to the iterator itself).
      const answer = (await this.stub.getPrivateDataByRange(RECEIVABLES_COLLECTION, from, to)) as
        RangeIterator | { iterator: RangeIterator };
      const iterator = 'iterator' in answer ? answer.iterator : answer;
      try {
        for (let r = await iterator.next(); !r.done && out.length < limit; r = await iterator.next())
          out.push([r.value.key, reviveRecord(utf8Text(r.value.value)) as T]);
      } finally {
        await iterator.close();
      }
      return out;
    });
  }

  recordChange(change: ReceivablesChange): void {
    this.changes.push(change);
  }

  /**
   * After a transaction that changed something: its one event (ids and statuses only), and its receipt in the
   * actor's own implicit collection, which makes the transaction valid only with the actor's bank's endorsement.
   */
  async finishReceivables(): Promise<void> {
    if (this.changes.length === 0) return;
    const payload = { at: this.nowIso, changes: this.changes, txId: this.txId };
    await this.putPrivate(
      implicitCollection(this.actor.mspId),
      receivablesKeys.receipt(this.txId),
      canonicalJson(payload),
    );
    this.stub.setEvent(RECEIVABLES_CHANGES_EVENT, encodeReceivablesChanges(payload));
  }
}
