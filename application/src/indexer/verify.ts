import type pg from 'pg';

import type { BreakRecord, PersonRef } from '../../../chaincode/src/core/breakMachine';
import type { CaseRecord, SealedBreak } from '../../../chaincode/src/api/reconciliation';
import { blindBreak, openSealedBreak } from '../../../chaincode/src/ledger/breakPeople';
import { referenceOfCase } from '../readModel/caseReferences';
import { unnamedActor } from './projection';
import type { Identity, LedgerGateway, LegInput } from '../ledger/ledgerGateway';
import { LedgerRejected } from '../ledger/ledgerGateway';
import { readCheckpoint, type Checkpoint } from '../readModel/checkpoint';
import { verifyReceivables, type ReceivablesLedgerPages } from './receivablesVerify';
import {
  breaksAfter,
  casesAfter,
  legsOfCases,
  ownLegsAfter,
  ownLegsWithoutLeg,
  queueEntries,
  transitionsOfBreaks,
  type IndexedBreak,
  type IndexedCase,
  type IndexedLeg,
  type IndexedOwnLeg,
  type IndexedTransition,
} from '../readModel/read/verifyReads';

export type DifferenceKind =
  'case' | 'leg' | 'own-leg' | 'break' | 'transition' | 'open-break' | 'receivable';

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
  /** Receivables' records compared both ways with what the ledger lets the node index (0: no such index). */
  readonly receivablesChecked: number;
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
  /** Receivables' records on the ledger as this person may index them (a node that keeps them). */
  readonly receivables?: ReceivablesLedgerPages;
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

/** A keyset listing read page by page (each after the last key of the one before) until a page is empty. */
async function* pages<T>(
  read: (after: string) => Promise<T[]>,
  keyOf: (row: T) => string,
): AsyncGenerator<T[]> {
  for (let after = ''; ;) {
    const page = await read(after);
    const last = page.at(-1);
    if (last === undefined) return;
    yield page;
    after = keyOf(last);
  }
}

function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(keyOf(row), [...(groups.get(keyOf(row)) ?? []), row]);
  return groups;
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

/** The differences found so far; `diff` records one when the two values differ, `absent` one side missing. */
class Differences {
  readonly list: Difference[] = [];

  diff(kind: DifferenceKind, id: string, field: string, index: unknown, ledger: unknown): void {
    if (!same(index, ledger)) this.list.push({ kind, id, field, index, ledger });
  }

  exists(kind: DifferenceKind, id: string, index: unknown, ledger: unknown): void {
    this.list.push({ kind, id, field: 'exists', index, ledger });
  }
}

/** What each comparison needs: the options, the collector, and how many ledger queries may run at once. */
interface Run extends VerifyOptions {
  readonly found: Differences;
  readonly parallel: number;
}

/**
 * Compares the index with the ledger and reports every difference: each indexed case (with its legs) and
 * break (with its transitions) that the ledger shows this person (its institution's, or every one to an
 * auditor) against what the ledger answers now, the institution's own legs' plaintext against its private
 * collection, and the institution's open-break queue both ways against the ledger's own list. Run it with the
 * indexer caught up (or stopped): a change committed after the checkpoint shows as a difference until it is
 * indexed.
 */
export async function verifyIndex(options: VerifyOptions): Promise<VerifyReport> {
  const run: Run = { ...options, found: new Differences(), parallel: options.concurrency ?? 8 };
  const checkpoint = await readCheckpoint(options.pool);
  const casesChecked = await verifyCases(run);
  const breaksChecked = await verifyBreaks(run);
  const ownLegsChecked = await verifyOwnLegs(run);
  const openBreaksOnLedger = await verifyQueue(run);
  const receivables = options.receivables
    ? await verifyReceivables(options.pool, options.institution, options.receivables)
    : { checked: 0, differences: [] };
  return {
    checkpoint,
    casesChecked,
    breaksChecked,
    ownLegsChecked,
    openBreaksOnLedger,
    receivablesChecked: receivables.checked,
    differences: [...run.found.list, ...receivables.differences],
  };
}

/**
 * Checks every indexed row of one kind (a case, a break) that the ledger shows this person against the ledger's
 * record, page by page, with the rows each page's records hold (a case's legs, a break's timeline); returns how
 * many it checked. The ledger shows a record only to its parties and auditors: one of another institution, known
 * to this index from the public changes, cannot be checked by a person who is neither, and is skipped.
 */
async function verifyEach<Row extends { readonly is_party: boolean }, Part, Record>(
  run: Run,
  kind: 'case' | 'break',
  o: {
    readonly rowsAfter: (after: string) => Promise<Row[]>;
    readonly idOf: (row: Row) => string;
    readonly partsOf: (ids: string[]) => Promise<Map<string, Part[]>>;
    readonly onLedger: (id: string) => Promise<Record | undefined>;
    readonly compare: (row: Row, record: Record, parts: readonly Part[]) => void;
  },
): Promise<number> {
  let checked = 0;
  for await (const page of pages(o.rowsAfter, o.idOf)) {
    const partsById = await o.partsOf(page.map(o.idOf));
    await inParallel(page, run.parallel, async (row) => {
      const id = o.idOf(row);
      const record = await o.onLedger(id);
      if (!record && !row.is_party) return;
      checked++;
      if (!record) run.found.exists(kind, id, true, undefined);
      else o.compare(row, record, partsById.get(id) ?? []);
    });
  }
  return checked;
}

/** Every indexed case the ledger shows this person, with its legs. */
function verifyCases(run: Run): Promise<number> {
  const { pool, gateway, who } = run;
  return verifyEach<IndexedCase, IndexedLeg, CaseRecord>(run, 'case', {
    rowsAfter: (after) => casesAfter(pool, after, PAGE),
    idOf: (r) => r.case_id,
    partsOf: async (ids) => groupBy(await legsOfCases(pool, ids), (l) => l.case_id),
    onLedger: (id) => orMissing(() => gateway.getCase(who, id)),
    compare: (row, c, legs) => {
      compareCase(run, row, c, legs);
    },
  });
}

function compareCase(
  { institution, found }: Run,
  row: IndexedCase,
  c: CaseRecord,
  legs: readonly IndexedLeg[],
): void {
  const id = row.case_id;
  found.diff('case', id, 'status', row.status, c.status);
  found.diff('case', id, 'parties', [...row.parties].sort(), [...c.parties].sort());
  found.diff('case', id, 'is_party', row.is_party, c.parties.includes(institution));
  found.diff('case', id, 'expected', row.expected, c.expected);
  found.diff('case', id, 'leg_count', row.leg_count, c.legs.length);
  found.diff('case', id, 'opened_at', iso(row.opened_at), iso(c.openedAt));
  found.diff('case', id, 'updated_at', iso(row.updated_at), iso(c.updatedAt));
  found.diff('case', id, 'due_at', iso(row.due_at), iso(c.dueAtMs));
  const indexed = new Map(legs.map((l) => [`${l.msp_id}/${l.leg_id}`, l]));
  for (const leg of c.legs) {
    const key = `${leg.mspId}/${leg.legId}`;
    const l = indexed.get(key);
    indexed.delete(key);
    if (!l) {
      found.exists('leg', key, undefined, true);
      continue;
    }
    found.diff('leg', key, 'case_id', l.case_id, id);
    found.diff('leg', key, 'role', l.role, leg.role);
    found.diff('leg', key, 'posted_at', iso(l.posted_at), iso(leg.postedAt));
    found.diff('leg', key, 'is_own', l.is_own, leg.mspId === institution);
  }
  for (const key of indexed.keys()) found.exists('leg', key, true, undefined);
}

/** Every indexed break the ledger shows this person, with its timeline. */
function verifyBreaks(run: Run): Promise<number> {
  const { pool, gateway, who } = run;
  return verifyEach<IndexedBreak, IndexedTransition, BreakRecord>(run, 'break', {
    rowsAfter: (after) => breaksAfter(pool, after, PAGE),
    idOf: (r) => r.break_id,
    partsOf: async (ids) => groupBy(await transitionsOfBreaks(pool, ids), (t) => t.break_id),
    onLedger: async (id) => {
      const sealed = await orMissing(() => gateway.getBreak(who, id));
      return sealed === undefined ? undefined : asIndexed(run, sealed);
    },
    compare: (row, b, timeline) => {
      compareBreak(run, row, b, timeline);
    },
  });
}

/**
 * The break as the index should hold it: its persons named with the reference the node holds for its case, or,
 * without one, as the ledger holds them (sealed, as the projection keeps them: `unnamedActor`).
 */
async function asIndexed({ pool, institution }: Run, sealed: SealedBreak): Promise<BreakRecord> {
  const reference = sealed.parties.includes(institution)
    ? await referenceOfCase(pool, institution, sealed.caseId)
    : undefined;
  if (reference !== undefined) return openSealedBreak(sealed, reference);
  const { assignee: _named, ...blind } = blindBreak(sealed);
  return {
    ...blind,
    // compared with the index's jsonb as it is: the sealed persons stand where the assignee will
    ...(sealed.people === '' ? {} : { assignee: { sealed: sealed.people } as unknown as PersonRef }),
    timeline: blind.timeline.map((e, i) => ({ ...e, actor: unnamedActor(sealed.timeline[i]?.people ?? '') })),
  };
}

function compareBreak(
  { institution, found }: Run,
  row: IndexedBreak,
  b: BreakRecord,
  rows: readonly IndexedTransition[],
): void {
  const id = row.break_id;
  found.diff('break', id, 'case_id', row.case_id, b.caseId);
  found.diff('break', id, 'finding_key', row.finding_key, b.findingKey);
  found.diff('break', id, 'reason', row.reason, b.reason);
  found.diff('break', id, 'status', row.status, b.status);
  found.diff('break', id, 'parties', [...row.parties].sort(), [...b.parties].sort());
  found.diff('break', id, 'is_party', row.is_party, b.parties.includes(institution));
  found.diff('break', id, 'detail', row.detail, b.detail);
  found.diff('break', id, 'opened_at', iso(row.opened_at), iso(b.openedAt));
  found.diff('break', id, 'updated_at', iso(row.updated_at), iso(b.updatedAt));
  found.diff('break', id, 'assignee', row.assignee ?? undefined, b.assignee);
  found.diff('break', id, 'resolution', row.resolution ?? undefined, b.resolution);
  found.diff('break', id, 'last_seq', row.last_seq, b.timeline.length - 1);
  const n = Math.max(rows.length, b.timeline.length);
  for (let i = 0; i < n; i++) {
    const t = rows[i];
    const e = b.timeline[i];
    const tid = `${id}#${i}`;
    if (!t || !e) {
      found.exists('transition', tid, !!t, !!e);
      continue;
    }
    found.diff('transition', tid, 'seq', t.seq, e.seq);
    found.diff('transition', tid, 'action', t.action, e.action);
    found.diff('transition', tid, 'from', t.from_status, e.from);
    found.diff('transition', tid, 'to', t.to_status, e.to);
    found.diff(
      'transition',
      tid,
      'actor',
      [t.actor_msp_id, t.actor_id, t.actor_name],
      [e.actor.mspId, e.actor.id, e.actor.name],
    );
    found.diff('transition', tid, 'at', iso(t.at), iso(e.at));
    found.diff('transition', tid, 'tx_id', t.tx_id, e.txId);
    found.diff('transition', tid, 'comment', t.comment_sealed, e.comment);
    found.diff('transition', tid, 'assignee', t.assignee ?? undefined, e.assignee);
    found.diff('transition', tid, 'kind', t.kind ?? undefined, e.kind);
  }
}

/**
 * The institution's own legs: each one the index knows publicly (checked against the ledger above) must have its
 * plaintext row, field for field what the institution's private collection on the ledger holds; a row for a leg
 * the index does not know is a difference too.
 */
async function verifyOwnLegs({ pool, gateway, who, institution, found }: Run): Promise<number> {
  let checked = 0;
  for await (const page of pages(
    (after) => ownLegsAfter(pool, institution, after, PAGE),
    (r) => r.leg_id,
  )) {
    const onLedger = await readOwnLegsEach(gateway, who, page);
    page.forEach((row, i) => {
      checked++;
      const id = `${institution}/${row.leg_id}`;
      const leg = onLedger[i];
      if (leg === undefined) found.exists('own-leg', id, row.reference !== null, undefined);
      else if (row.reference === null) found.exists('own-leg', id, undefined, true);
      else compareOwnLeg(found, id, row, leg);
    });
  }
  for (const legId of await ownLegsWithoutLeg(pool))
    found.exists('own-leg', `${institution}/${legId}`, true, undefined);
  return checked;
}

function compareOwnLeg(found: Differences, id: string, row: IndexedOwnLeg, leg: LegInput): void {
  const amount = typeof leg.amountMinor === 'bigint' ? leg.amountMinor.toString() : leg.amountMinor;
  found.diff('own-leg', id, 'case_id', row.own_case_id, row.case_id);
  found.diff('own-leg', id, 'reference', row.reference, leg.reference);
  found.diff('own-leg', id, 'role', row.role, leg.role);
  found.diff('own-leg', id, 'branch', row.branch ?? undefined, leg.branch);
  found.diff('own-leg', id, 'route', row.route, leg.route);
  found.diff('own-leg', id, 'amount_minor', row.amount_minor, amount);
  found.diff('own-leg', id, 'currency', row.currency, leg.currency);
  found.diff('own-leg', id, 'value_date', row.value_date, leg.valueDate);
  found.diff('own-leg', id, 'payer_ref', row.payer_ref, leg.payerRef);
  found.diff('own-leg', id, 'payee_ref', row.payee_ref, leg.payeeRef);
  found.diff('own-leg', id, 'outcome', row.outcome, leg.outcome);
  found.diff('own-leg', id, 'corrects', row.corrects ?? undefined, leg.corrects);
}

/** The other way: the ledger's list of this institution's open breaks against the queue. Answers its size. */
async function verifyQueue({ pool, gateway, who, institution, found }: Run): Promise<number> {
  const onLedger = new Map<string, SealedBreak>();
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
      found.exists('open-break', id, undefined, b.status);
      continue;
    }
    found.diff('open-break', id, 'status', q.status, b.status);
    found.diff('open-break', id, 'reason', q.reason, b.reason);
  }
  for (const [id, q] of inQueue) if (!onLedger.has(id)) found.exists('open-break', id, q.status, undefined);
  return onLedger.size;
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
