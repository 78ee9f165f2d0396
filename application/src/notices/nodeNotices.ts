import type { NoticeKeyRecord, NoticeKeyRegistration } from '../../../chaincode/src/api/notices';
import { TallyError } from '../../../chaincode/src/core/errors';
import { parseRoute } from '../../../chaincode/src/core/leg';
import { parseReference } from '../../../chaincode/src/core/reference';
import type { CaseChange } from '../../../chaincode/src/ledger/events';
import { caseIdOf } from '../../../chaincode/src/ledger/keys';
import type { ChangeNotice, Identity, LegInput } from '../ledger/ledgerGateway';
import type { TransportGateway } from '../ledger/transportGateway';
import { noticesFor, openMine, PairSecrets, type Notice } from './noticeCrypto';
import type { NoticeKeyPair } from './noticeKey';

/** The notice-key directory on the ledger, as the node uses it. */
export interface NoticeDirectory {
  list(): Promise<readonly NoticeKeyRecord[]>;
  register(publicKey: string): Promise<NoticeKeyRegistration>;
}

/**
 * The directory through the reconciliation contract: read as `reader` (any identity of the institution with a
 * role), registered as `registrar` (its system or admin).
 */
export function ledgerNoticeDirectory(
  gateway: Pick<TransportGateway, 'submitCall' | 'evaluateCall'>,
  reader: () => Promise<Identity>,
  registrar: () => Promise<Identity> = reader,
): NoticeDirectory {
  return {
    async list() {
      return gateway.evaluateCall<NoticeKeyRecord[]>(await reader(), {
        args: [],
        fcn: 'reconciliation:listNoticeKeys',
        transient: {},
      });
    },
    async register(publicKey) {
      const r = await gateway.submitCall<NoticeKeyRegistration>(await registrar(), {
        args: [publicKey],
        fcn: 'reconciliation:registerNoticeKey',
        transient: {},
      });
      return r.result;
    },
  };
}

/** Other institutions' keys kept to open notices with, rotated ones included (five members rotating a dozen times). */
const SEEN_KEYS_MAX = 64;

/** What the transient field `notices` carries for a batch: each case the batch posts to, its notices. */
export type NoticesByCase = Record<string, Notice[]>;

/** A case whose notice the node opened: the payment reference, which proves it is a party. */
export interface DiscoveredCase {
  readonly caseId: string;
  readonly reference: string;
}

export interface NodeNoticesOptions {
  /** Milliseconds since the epoch (tests inject it). */
  readonly now?: () => number;
  /**
   * A directory read older than this (default 10 s) is read again before posting notices: a counterparty that
   * rotated its key gets notices for its new one from then on. Until then they go to its old key, which it can
   * no longer open: the window a key rotation leaves (the chaincode does not check which keys notices used).
   */
  readonly directoryMaxAgeMs?: number;
  /**
   * A route party the directory read lacks is looked up again once the read is this old (default 2 s: it may
   * have registered since); younger reads are trusted, so a party that never registers costs at most a read
   * every so often, not one per post.
   */
  readonly missingRetryMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * One institution's notices: the key pair, the directory as last read, and the pair secrets with every other
 * institution's key, computed once each. Posting asks `noticesForLegs`; the indexer asks `discover` for each
 * batch of changes.
 */
export class NodeNotices {
  private readonly secrets: PairSecrets;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly missingRetryMs: number;
  /** The directory as last read: other institutions' current keys, by MSP id. */
  private others = new Map<string, string>();
  /**
   * Every other institution's key this node has seen, current or since rotated: a notice posted with a key
   * before its rotation still opens while the process runs.
   */
  private readonly seen = new Set<string>();
  private readAtMs = Number.NEGATIVE_INFINITY;
  /** The highest block whose changes the last directory read is known to include (read after it committed). */
  private readCoversBlock = -1n;
  /**
   * The newest indexed block (as `discover` was given them) where another institution registered a key this
   * node had not seen: a notice that does not open may be from it, until a read covers that block.
   */
  private newKeyBlock = -1n;
  private reading: Promise<void> | undefined;

  constructor(
    readonly key: NoticeKeyPair,
    private readonly directory: NoticeDirectory,
    options: NodeNoticesOptions = {},
  ) {
    this.secrets = new PairSecrets(key.privateKey);
    this.now = options.now ?? Date.now;
    this.maxAgeMs = options.directoryMaxAgeMs ?? 10_000;
    this.missingRetryMs = options.missingRetryMs ?? 2_000;
  }

  get mspId(): string {
    return this.key.mspId;
  }

  /**
   * Registers the institution's key unless the directory holds it already (no transaction then): at node start,
   * so that the others' nodes can address notices to it.
   */
  async ensureRegistered(): Promise<'REGISTERED' | 'UNCHANGED'> {
    const listed = await this.directory.list();
    this.take(listed, undefined);
    if (listed.some((r) => r.mspId === this.mspId && r.publicKey === this.key.publicKey)) return 'UNCHANGED';
    return (await this.directory.register(this.key.publicKey)).outcome;
  }

  private async read(coversBlock: bigint | undefined): Promise<void> {
    // One read at a time; a caller that arrives during one waits for it and then reads again only if it must.
    while (this.reading) await this.reading;
    const reading = this.directory.list().then((listed) => {
      this.take(listed, coversBlock);
    });
    this.reading = reading;
    try {
      await reading;
    } finally {
      this.reading = undefined;
    }
  }

  private take(listed: readonly NoticeKeyRecord[], coversBlock: bigint | undefined): void {
    const others = new Map<string, string>();
    for (const r of listed) {
      if (r.mspId === this.mspId) continue;
      others.set(r.mspId, r.publicKey);
      // Newest last: past SEEN_KEYS_MAX, the keys longest out of the directory are forgotten first.
      this.seen.delete(r.publicKey);
      this.seen.add(r.publicKey);
    }
    for (const oldest of this.seen) {
      if (this.seen.size <= SEEN_KEYS_MAX) break;
      this.seen.delete(oldest);
    }
    this.others = others;
    this.readAtMs = this.now();
    if (coversBlock !== undefined && coversBlock > this.readCoversBlock) this.readCoversBlock = coversBlock;
  }

  /**
   * The notices of a batch of the institution's legs: for each case the batch posts to (one per distinct
   * reference and route), one notice per other institution on the route that has registered a key. Undefined
   * when there is none to send. A leg whose reference is not one the chaincode accepts gets none (the ledger
   * refuses the batch with its own error).
   */
  async noticesForLegs(legs: readonly LegInput[]): Promise<NoticesByCase | undefined> {
    const wanted: { caseId: string; reference: string; parties: string[] }[] = [];
    const cases = new Set<string>();
    for (const leg of legs) {
      const route = accepted(() => {
        parseReference(leg.reference);
        return parseRoute(leg.route);
      });
      if (route === undefined) continue;
      const caseId = caseIdOf(leg.reference, route);
      if (cases.has(caseId)) continue;
      cases.add(caseId);
      const parties = [...new Set(route.map((s) => s.mspId))].filter((m) => m !== this.mspId);
      wanted.push({ caseId, parties, reference: leg.reference });
    }
    if (wanted.length === 0) return undefined;
    const age = this.now() - this.readAtMs;
    const missing = wanted.some((w) => w.parties.some((p) => !this.others.has(p)));
    if (age > this.maxAgeMs || (missing && age > this.missingRetryMs)) await this.read(undefined);
    const out: NoticesByCase = {};
    let any = false;
    for (const w of wanted) {
      const keys = new Map<string, string>();
      for (const p of w.parties) {
        const k = this.others.get(p);
        if (k !== undefined) keys.set(p, k);
      }
      if (keys.size === 0) continue;
      out[w.caseId] = noticesFor(w.reference, w.caseId, this.key.privateKey, keys, this.secrets);
      any = true;
    }
    return any ? out : undefined;
  }

  /**
   * The cases of a batch of changes whose notices hold a reference for this institution. A notice is addressed
   * with the poster's key as the directory held it then. The directory is read again only when a notice does not
   * open and the blocks indexed so far hold a registration (`noticeKey`, a registerNoticeKey transaction) of a key
   * this node has not seen since its last read covered that block: then once, so no notice for this institution
   * from a newly registered key is passed over. A notice for other institutions (most of them, for a node that is
   * no party to the case) costs no read. Called before the batch's SQL transaction opens, for every batch.
   */
  async discover(changes: readonly ChangeNotice[]): Promise<DiscoveredCase[]> {
    const found: DiscoveredCase[] = [];
    let pending: { caseId: string; notices: readonly Notice[] }[] = [];
    let newest = -1n;
    for (const change of changes) {
      if (change.blockNumber > newest) newest = change.blockNumber;
      const registered = change.noticeKey;
      if (
        registered !== undefined &&
        registered.mspId !== this.mspId &&
        !this.seen.has(registered.publicKey) &&
        change.blockNumber > this.newKeyBlock
      )
        this.newKeyBlock = change.blockNumber;
      for (const c of change.cases) {
        const notices = noticesOf(c);
        if (notices.length > 0) pending.push({ caseId: c.caseId, notices });
      }
    }
    if (pending.length === 0) return found;
    let reread = false;
    for (;;) {
      const secrets = [...this.seen].map((k) => this.secrets.of(k));
      const unopened: typeof pending = [];
      for (const p of pending) {
        const reference = openMine(p.caseId, p.notices, secrets);
        if (reference === undefined) unopened.push(p);
        else found.push({ caseId: p.caseId, reference });
      }
      const neverRead = this.readAtMs === Number.NEGATIVE_INFINITY;
      if (reread || unopened.length === 0 || (!neverRead && this.newKeyBlock <= this.readCoversBlock)) break;
      // The blocks are committed (the index follows committed blocks), so a read now includes every key
      // registered in them.
      await this.read(newest);
      reread = true;
      pending = unopened;
    }
    return found;
  }
}

/** The notices a case change carries: those its transaction added to the case. */
function noticesOf(c: CaseChange): readonly Notice[] {
  return c.notices ?? [];
}

/** What `parse` gives, or undefined when the core refuses the input (the ledger then refuses it with its error). */
function accepted<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (e instanceof TallyError) return undefined;
    throw e;
  }
}
