import type { Enroller } from '../identity/enroller';
import type { BlockEventStream } from './blockEvents';
import type { Consortium } from './consortium';
import type { ChangeNotice, Identity } from './ledgerGateway';
import type { TransportGateway } from './transportGateway';

/**
 * Committed changes in block order, each with the signer of its transaction (what an index follows and shows
 * an auditor), and every block's chaincode events (what the blacklist's alert follower and the receivables index
 * read).
 */
export interface ChangeStream extends BlockEventStream {
  onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void;
  /**
   * The ledger's height, when the backend knows it at once: an index whose checkpoint is past it holds blocks
   * the ledger lost, and start refuses it.
   */
  readonly height?: () => bigint;
}

/**
 * Everything an institution's node needs of the ledger, whichever backend answers: the one composition root
 * (`startInstitutionNodes`, `npm start`) depends on this and nothing else. One implementation per backend:
 * `startEmbeddedConsortium` (the in-process network) and `openFabricLedger` (a live Fabric network).
 */
export interface LedgerConnection {
  readonly backend: 'embedded' | 'fabric';
  readonly consortium: Consortium;
  /** The typed use cases, retrying MVCC conflicts. */
  readonly gateway: TransportGateway;
  /**
   * Whether submits may carry their own timestamp (the embedded network's virtual time). On Fabric the proposal
   * time is the client's clock: a simulation there runs in real time.
   */
  readonly supportsInjectedTime: boolean;
  /** A consortium user's identity by enrolment id (systems and the people network/consortium.json seeds). */
  identity(userId: string): Promise<Identity>;
  /** Where the institution's people enrol when they log in: its own CA. */
  enroller(mspId: string): Enroller;
  /** The change stream as the institution's node reads it (through its own identity and peer on Fabric). */
  changes(mspId: string): ChangeStream;
  close(): Promise<void>;
}

/**
 * The identity an institution's node reads the ledger with: its system (the identity that posts its legs), or
 * any of its people with a role when it has no system. The chaincode reads only the signer's own private
 * collection, so no identity of the institution can read another's.
 */
export function nodeReaderOf(c: Pick<LedgerConnection, 'consortium'>, mspId: string): string | undefined {
  const org = c.consortium.organisations.find((o) => o.mspId === mspId);
  const reader =
    org?.users.find((u) => u.roles.includes('submitter')) ?? org?.users.find((u) => u.roles.length > 0);
  return reader?.id;
}

/** `make(key)` once per key: what both connections keep of their enrollers. */
export function memoized<V>(make: (key: string) => V): (key: string) => V {
  const made = new Map<string, V>();
  return (key) => {
    if (!made.has(key)) made.set(key, make(key));
    return made.get(key) as V;
  };
}

/**
 * `load(key)` once per key while it succeeds; a failed load is not kept, so the next call tries again (a
 * consortium identity enrolled or read from a wallet).
 */
export function memoizedAsync<V>(load: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const loading = new Map<string, Promise<V>>();
  return (key) => {
    const cached = loading.get(key);
    if (cached) return cached;
    const started = load(key);
    loading.set(key, started);
    started.catch(() => {
      if (loading.get(key) === started) loading.delete(key);
    });
    return started;
  };
}
