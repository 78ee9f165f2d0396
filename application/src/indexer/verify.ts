import type pg from 'pg';

import type { BreakRecord } from '../../../chaincode/src/core/breakMachine';
import type { CaseRecord } from '../../../chaincode/src/api/reconciliation';
import type { Identity, LedgerGateway, LegInput } from '../ledger/ledgerGateway';
import { LedgerRejected } from '../ledger/ledgerGateway';
import { readCheckpoint, type Checkpoint } from '../readModel/checkpoint';
import {
  breaksAfter,
  casesAfter,
  legsOfCases,
  ownLegsAfter,
  ownLegsWithoutLeg,
  queueEntries,
  transitionsOfBreaks,
  type IndexedLeg,
  type IndexedTransition,
} from '../readModel/read/verifyReads';

export type DifferenceKind = 'case' | 'leg' | 'own-leg' | 'break' | 'transition' | 'open-break';

/** One way the index and the ledger disagree. `index`/`ledger` hold the two values (undefined: absent there). */
export interface Difference {
  readonly kind: DifferenceKind;
  readonly id: string;
  readonly field: string;
  readonly index: unknown;
  readonly ledger: unknown;
}

export interface VerifyReport {
  readonly checkpoint: Checkpoint | undefined;
  readonly casesChecked: number;
  readonly breaksChecked: number;
  /** The institution's own legs whose plaintext was compared with its private collection on the ledger. */
  readonly ownLegsChecked: number;
  readonly openBreaksOnLedger: number;
  readonly differences: readonly Difference[];
}

export interface VerifyOptions {
  readonly pool: pg.Pool;
  readonly gateway: Pick<LedgerGateway, 'getCase' | 'getBreak' | 'listOpenBreaks' | 'readOwnLegs'>;
  /** Whose eyes: the ledger answers as it would to this person of `institution`. */
  readonly who: Identity;
  readonly institution: string;
  /** Ledger queries in flight at once. */
  readonly concurrency?: number;
}

const PAGE = 500;
const iso = (v: Date | string | number | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : new Date(v).toISOString();
/** jsonb does not keep key order: compare with keys sorted. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  return v;
}
const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

async function orMissing<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof LedgerRejected && (e.code === 'CASE_NOT_FOUND' || e.code === 'BREAK_NOT_FOUND'))
      return undefined;
    throw e;
  }
}

/**
 * Compares the index with the ledger and reports every difference: each indexed case (with its legs) and
 * break (with its transitions) that the ledger shows this person (its institution's, or every one to an
 * auditor) against what the ledger answers now, and the institution's
 * open-break queue both ways against the ledger's own list. Run it with the indexer caught up (or stopped):
 * a change committed after the checkpoint shows as a difference until it is indexed.
 */
export async function verifyIndex(options: VerifyOptions): Promise<VerifyReport> {
  const { pool, gateway, who, institution } = options;
  const concurrency = options.concurrency ?? 8;
  const differences: Difference[] = [];
  const diff = (kind: DifferenceKind, id: string, field: string, index: unknown, ledger: unknown) => {
    if (!same(index, ledger)) differences.push({ kind, id, field, index, ledger });
  };
  const checkpoint = await readCheckpoint(pool);

  let casesChecked = 0;
  for (let after = ''; ;) {
    const page = await casesAfter(pool, after, PAGE);
    if (page.length === 0) break;
    const ids = page.map((r) => r.case_id);
    after = ids.at(-1) ?? after;
    const legs = await legsOfCases(pool, ids);
    const legsByCase = new Map<string, IndexedLeg[]>();
    for (const l of legs) legsByCase.set(l.case_id, [...(legsByCase.get(l.case_id) ?? []), l]);

    await inParallel(page, concurrency, async (row) => {
      const c: CaseRecord | undefined = await orMissing(() => gateway.getCase(who, row.case_id));
      // The ledger shows a case only to its parties and auditors: another institution's case, known to this index
      // from the public changes, cannot be checked by a person who is neither.
      if (!c && !row.is_party) return;
      casesChecked++;
      if (!c) {
        differences.push({ kind: 'case', id: row.case_id, field: 'exists', index: true, ledger: undefined });
        return;
      }
      const id = row.case_id;
      diff('case', id, 'status', row.status, c.status);
      diff('case', id, 'parties', [...row.parties].sort(), [...c.parties].sort());
      diff('case', id, 'is_party', row.is_party, c.parties.includes(institution));
      diff('case', id, 'expected', row.expected, c.expected);
      diff('case', id, 'leg_count', row.leg_count, c.legs.length);
      diff('case', id, 'opened_at', iso(row.opened_at), iso(c.openedAt));
      diff('case', id, 'updated_at', iso(row.updated_at), iso(c.updatedAt));
      diff('case', id, 'due_at', iso(row.due_at), iso(c.dueAtMs));
      const indexed = new Map((legsByCase.get(id) ?? []).map((l) => [`${l.msp_id}/${l.leg_id}`, l]));
      for (const leg of c.legs) {
        const key = `${leg.mspId}/${leg.legId}`;
        const l = indexed.get(key);
        indexed.delete(key);
        if (!l) {
          differences.push({ kind: 'leg', id: key, field: 'exists', index: undefined, ledger: true });
          continue;
        }
        diff('leg', key, 'case_id', l.case_id, id);
        diff('leg', key, 'role', l.role, leg.role);
        diff('leg', key, 'posted_at', iso(l.posted_at), iso(leg.postedAt));
        diff('leg', key, 'is_own', l.is_own, leg.mspId === institution);
      }
      for (const key of indexed.keys())
        differences.push({ kind: 'leg', id: key, field: 'exists', index: true, ledger: undefined });
    });
  }

  let breaksChecked = 0;
  for (let after = ''; ;) {
    const page = await breaksAfter(pool, after, PAGE);
    if (page.length === 0) break;
    const ids = page.map((r) => r.break_id);
    after = ids.at(-1) ?? after;
    const transitions = await transitionsOfBreaks(pool, ids);
    const byBreak = new Map<string, IndexedTransition[]>();
    for (const t of transitions) byBreak.set(t.break_id, [...(byBreak.get(t.break_id) ?? []), t]);

    await inParallel(page, concurrency, async (row) => {
      const id = row.break_id;
      const b: BreakRecord | undefined = await orMissing(() => gateway.getBreak(who, id));
      if (!b && !row.is_party) return;
      breaksChecked++;
      if (!b) {
        differences.push({ kind: 'break', id, field: 'exists', index: true, ledger: undefined });
        return;
      }
      diff('break', id, 'case_id', row.case_id, b.caseId);
      diff('break', id, 'finding_key', row.finding_key, b.findingKey);
      diff('break', id, 'reason', row.reason, b.reason);
      diff('break', id, 'status', row.status, b.status);
      diff('break', id, 'parties', [...row.parties].sort(), [...b.parties].sort());
      diff('break', id, 'is_party', row.is_party, b.parties.includes(institution));
      diff('break', id, 'detail', row.detail, b.detail);
      diff('break', id, 'opened_at', iso(row.opened_at), iso(b.openedAt));
      diff('break', id, 'updated_at', iso(row.updated_at), iso(b.updatedAt));
      diff('break', id, 'assignee', row.assignee ?? undefined, b.assignee);
      diff('break', id, 'resolution', row.resolution ?? undefined, b.resolution);
      diff('break', id, 'last_seq', row.last_seq, b.timeline.length - 1);
      const rows = byBreak.get(id) ?? [];
      const n = Math.max(rows.length, b.timeline.length);
      for (let i = 0; i < n; i++) {
        const t = rows[i];
        const e = b.timeline[i];
        const tid = `${id}#${i}`;
        if (!t || !e) {
          differences.push({ kind: 'transition', id: tid, field: 'exists', index: !!t, ledger: !!e });
          continue;
        }
        diff('transition', tid, 'seq', t.seq, e.seq);
        diff('transition', tid, 'action', t.action, e.action);
        diff('transition', tid, 'from', t.from_status, e.from);
        diff('transition', tid, 'to', t.to_status, e.to);
        diff(
          'transition',
          tid,
          'actor',
          [t.actor_msp_id, t.actor_id, t.actor_name],
          [e.actor.mspId, e.actor.id, e.actor.name],
        );
        diff('transition', tid, 'at', iso(t.at), iso(e.at));
        diff('transition', tid, 'tx_id', t.tx_id, e.txId);
        diff('transition', tid, 'comment', t.comment_sealed, e.comment);
        diff('transition', tid, 'assignee', t.assignee ?? undefined, e.assignee);
        diff('transition', tid, 'kind', t.kind ?? undefined, e.kind);
      }
    });
  }

  const ownLegsChecked = await verifyOwnLegs(options, diff, differences);

  // The other way: the ledger's list of this institution's open breaks against the queue.
  const onLedger = new Map<string, BreakRecord>();
  for (let bookmark: string | undefined; ;) {
    const page = await gateway.listOpenBreaks(who, institution, PAGE, bookmark);
    for (const b of page.items) onLedger.set(b.breakId, b);
    if (page.items.length < PAGE || page.bookmark === '' || page.bookmark === bookmark) break;
    bookmark = page.bookmark;
  }
  const inQueue = new Map((await queueEntries(pool)).map((r) => [r.break_id, r]));
  for (const [id, b] of onLedger) {
    const q = inQueue.get(id);
    if (!q) {
      differences.push({ kind: 'open-break', id, field: 'exists', index: undefined, ledger: b.status });
      continue;
    }
    diff('open-break', id, 'status', q.status, b.status);
    diff('open-break', id, 'reason', q.reason, b.reason);
  }
  for (const [id, q] of inQueue)
    if (!onLedger.has(id))
      differences.push({ kind: 'open-break', id, field: 'exists', index: q.status, ledger: undefined });

  return {
    checkpoint,
    casesChecked,
    breaksChecked,
    ownLegsChecked,
    openBreaksOnLedger: onLedger.size,
    differences,
  };
}

/**
 * The institution's own legs: each one the index knows publicly (checked against the ledger above) must have its
 * plaintext row, field for field what the institution's private collection on the ledger holds; a row for a leg
 * the index does not know is a difference too.
 */
async function verifyOwnLegs(
  options: VerifyOptions,
  diff: (kind: DifferenceKind, id: string, field: string, index: unknown, ledger: unknown) => void,
  differences: Difference[],
): Promise<number> {
  const { pool, gateway, who, institution } = options;
  let checked = 0;
  for (let after = ''; ;) {
    const page = await ownLegsAfter(pool, institution, after, PAGE);
    if (page.length === 0) break;
    after = page.at(-1)?.leg_id ?? after;
    const onLedger = await readOwnLegsEach(gateway, who, page);
    page.forEach((row, i) => {
      checked++;
      const id = `${institution}/${row.leg_id}`;
      const leg = onLedger[i];
      if (leg === undefined) {
        differences.push({
          kind: 'own-leg',
          id,
          field: 'exists',
          index: row.reference !== null,
          ledger: undefined,
        });
        return;
      }
      if (row.reference === null) {
        differences.push({ kind: 'own-leg', id, field: 'exists', index: undefined, ledger: true });
        return;
      }
      const amount = typeof leg.amountMinor === 'bigint' ? leg.amountMinor.toString() : leg.amountMinor;
      diff('own-leg', id, 'case_id', row.own_case_id, row.case_id);
      diff('own-leg', id, 'reference', row.reference, leg.reference);
      diff('own-leg', id, 'role', row.role, leg.role);
      diff('own-leg', id, 'branch', row.branch ?? undefined, leg.branch);
      diff('own-leg', id, 'route', row.route, leg.route);
      diff('own-leg', id, 'amount_minor', row.amount_minor, amount);
      diff('own-leg', id, 'currency', row.currency, leg.currency);
      diff('own-leg', id, 'value_date', row.value_date, leg.valueDate);
      diff('own-leg', id, 'payer_ref', row.payer_ref, leg.payerRef);
      diff('own-leg', id, 'payee_ref', row.payee_ref, leg.payeeRef);
      diff('own-leg', id, 'outcome', row.outcome, leg.outcome);
    });
  }
  for (const legId of await ownLegsWithoutLeg(pool))
    differences.push({
      kind: 'own-leg',
      id: `${institution}/${legId}`,
      field: 'exists',
      index: true,
      ledger: undefined,
    });
  return checked;
}

/** The ledger's own legs for `rows`, in order; undefined where the ledger has none (read one by one then). */
async function readOwnLegsEach(
  gateway: Pick<LedgerGateway, 'readOwnLegs'>,
  who: Identity,
  rows: readonly { leg_id: string; case_id: string }[],
): Promise<(LegInput | undefined)[]> {
  const refs = rows.map((r) => ({ caseId: r.case_id, legId: r.leg_id }));
  try {
    return await gateway.readOwnLegs(who, refs);
  } catch (e) {
    if (!(e instanceof LedgerRejected && e.code === 'LEG_NOT_FOUND')) throw e;
  }
  const out: (LegInput | undefined)[] = [];
  for (const ref of refs) {
    try {
      out.push((await gateway.readOwnLegs(who, [ref]))[0]);
    } catch (e) {
      if (!(e instanceof LedgerRejected && e.code === 'LEG_NOT_FOUND')) throw e;
      out.push(undefined);
    }
  }
  return out;
}
