import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import {
  DISPUTE_STATUSES,
  DISPUTE_TRANSITIONS,
  type DisputeStatus,
} from '../../../chaincode/src/core/blacklist/dispute';
import type { SubjectType } from '../../../chaincode/src/core/subject';
import type { DisputeChange } from '../../../chaincode/src/ledger/blacklistEvents';
import { inTransaction } from '../db/pool';
import type { AlertDraft, disputeChangesOf, ownChangesOf, WatchedKey } from '../blacklistAlerts/matcher';

/** A watch as the node lists it: never an identifier, only its type, the institution's label and key versions. */
export interface Watch {
  readonly watchId: string;
  readonly type: SubjectType;
  readonly label: string | null;
  readonly keyVersions: readonly number[];
  readonly addedBy: string;
  readonly addedAt: string;
}

export interface Alert {
  readonly alertId: string;
  readonly watchId: string;
  /** The watch's label, when the watch is still there. */
  readonly label: string | null;
  readonly subjectType: string | null;
  readonly blockNumber: string;
  readonly txIndex: number;
  readonly txId: string;
  readonly at: string;
  readonly subjectKey: string;
  readonly uploader: string;
  readonly category: string;
  readonly status: string;
  readonly expiresOn: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
}

export interface WatchToAdd {
  readonly type: SubjectType;
  readonly label: string | null;
  /** The subject's keys under every version the node holds (`SubjectKeyring.keysForIdentifier`). */
  readonly keys: readonly { readonly keyVersion: number; readonly subjectKey: string }[];
}

/** Limits of the watchlist (named, enforced by the routes and here). */
export const WATCH_LIMITS = {
  /** Watches added in one request. */
  addMax: 1_000,
  /** Watches one institution keeps. */
  watchesMax: 1_000_000,
  labelMax: 80,
  pageMax: 500,
} as const;

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const day = (v: unknown): string =>
  v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);

/** The block after which a watch added now raises alerts: the last block the follower has read (-1: none yet). */
export async function followerBlock(db: pg.Pool | pg.PoolClient, mspId: string): Promise<bigint> {
  const r = await db.query<{ next_block: string }>(
    'SELECT next_block FROM blacklist_watch_checkpoint WHERE msp_id = $1',
    [mspId],
  );
  const next = r.rows[0]?.next_block;
  return next === undefined ? -1n : BigInt(next) - 1n;
}

/**
 * Adds watches in one SQL transaction. A subject already watched (any of its keys) is not added again: its
 * existing watch is answered UNCHANGED (the label is left as it was).
 */
export async function addWatches(
  pool: pg.Pool,
  mspId: string,
  who: string,
  now: Date,
  items: readonly WatchToAdd[],
): Promise<{ watchId: string; outcome: 'ADDED' | 'UNCHANGED' }[]> {
  return inTransaction(pool, async (client) => {
    // Serialises adders of one institution, so that two adds of one subject make one watch.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('blacklist_watches:' || $1)::bigint)", [mspId]);
    const count = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM blacklist_watches WHERE msp_id = $1',
      [mspId],
    );
    if (Number(count.rows[0]?.n ?? 0) + items.length > WATCH_LIMITS.watchesMax)
      throw new Error(`an institution keeps at most ${String(WATCH_LIMITS.watchesMax)} watches`);
    const since = await followerBlock(client, mspId);
    const out: { watchId: string; outcome: 'ADDED' | 'UNCHANGED' }[] = [];
    for (const item of items) {
      const existing = await client.query<{ watch_id: string }>(
        `SELECT w.watch_id FROM blacklist_watch_keys k JOIN blacklist_watches w USING (watch_id)
          WHERE w.msp_id = $1 AND k.subject_key = ANY($2::text[]) LIMIT 1`,
        [mspId, item.keys.map((k) => k.subjectKey)],
      );
      const found = existing.rows[0]?.watch_id;
      if (found !== undefined) {
        out.push({ watchId: found, outcome: 'UNCHANGED' });
        continue;
      }
      const watchId = `w-${randomUUID()}`;
      await client.query(
        `INSERT INTO blacklist_watches (watch_id, msp_id, subject_type, label, added_by, added_at, since_block)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [watchId, mspId, item.type, item.label, who, now.toISOString(), since.toString()],
      );
      for (const k of item.keys)
        await client.query(
          'INSERT INTO blacklist_watch_keys (watch_id, key_version, subject_key) VALUES ($1, $2, $3)',
          [watchId, k.keyVersion, k.subjectKey],
        );
      out.push({ watchId, outcome: 'ADDED' });
    }
    return out;
  });
}

export async function removeWatch(pool: pg.Pool, mspId: string, watchId: string): Promise<boolean> {
  const r = await pool.query('DELETE FROM blacklist_watches WHERE msp_id = $1 AND watch_id = $2', [
    mspId,
    watchId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

/** The institution's watches, newest first (offset paging: a watchlist is read by people, a page at a time). */
export async function listWatches(
  pool: pg.Pool,
  mspId: string,
  limit: number,
  offset: number,
): Promise<{ total: number; items: Watch[] }> {
  const [total, rows] = await Promise.all([
    pool.query<{ n: string }>('SELECT count(*) AS n FROM blacklist_watches WHERE msp_id = $1', [mspId]),
    pool.query<{
      watch_id: string;
      subject_type: SubjectType;
      label: string | null;
      added_by: string;
      added_at: Date;
      versions: number[];
    }>(
      `SELECT w.watch_id, w.subject_type, w.label, w.added_by, w.added_at,
              array_agg(k.key_version ORDER BY k.key_version) AS versions
         FROM blacklist_watches w JOIN blacklist_watch_keys k USING (watch_id)
        WHERE w.msp_id = $1
        GROUP BY w.watch_id
        ORDER BY w.added_at DESC, w.watch_id
        LIMIT $2 OFFSET $3`,
      [mspId, limit, offset],
    ),
  ]);
  return {
    total: Number(total.rows[0]?.n ?? 0),
    items: rows.rows.map((r) => ({
      watchId: r.watch_id,
      type: r.subject_type,
      label: r.label,
      keyVersions: r.versions.map(Number),
      addedBy: r.added_by,
      addedAt: iso(r.added_at),
    })),
  };
}

/** The watches of the given subject keys (what a batch of blocks names). */
export async function watchedKeys(
  client: pg.PoolClient,
  mspId: string,
  subjectKeys: readonly string[],
): Promise<WatchedKey[]> {
  if (subjectKeys.length === 0) return [];
  const r = await client.query<{ watch_id: string; subject_key: string; since_block: string }>(
    `SELECT k.watch_id, k.subject_key, w.since_block FROM blacklist_watch_keys k JOIN blacklist_watches w USING (watch_id)
      WHERE w.msp_id = $1 AND k.subject_key = ANY($2::text[])`,
    [mspId, [...subjectKeys]],
  );
  return r.rows.map((x) => ({
    watchId: x.watch_id,
    subjectKey: x.subject_key,
    sinceBlock: BigInt(x.since_block),
  }));
}

const ALERT_COLUMNS = `a.alert_id, a.watch_id, w.label, w.subject_type, a.block_number, a.tx_index, a.tx_id, a.at,
  a.subject_key, a.uploader, a.category, a.status, a.expires_on, a.acknowledged_at, a.acknowledged_by`;

interface AlertRow {
  alert_id: string;
  watch_id: string;
  label: string | null;
  subject_type: string | null;
  block_number: string;
  tx_index: number;
  tx_id: string;
  at: Date;
  subject_key: string;
  uploader: string;
  category: string;
  status: string;
  expires_on: Date | string;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

const alertOf = (r: AlertRow): Alert => ({
  alertId: r.alert_id,
  watchId: r.watch_id,
  label: r.label,
  subjectType: r.subject_type,
  blockNumber: r.block_number,
  txIndex: r.tx_index,
  txId: r.tx_id,
  at: iso(r.at),
  subjectKey: r.subject_key,
  uploader: r.uploader,
  category: r.category,
  status: r.status,
  expiresOn: day(r.expires_on),
  acknowledgedAt: r.acknowledged_at === null ? null : iso(r.acknowledged_at),
  acknowledgedBy: r.acknowledged_by,
});

/** Writes the alerts of a batch (a replayed one writes nothing twice); answers the new ones. */
export async function insertAlerts(
  client: pg.PoolClient,
  mspId: string,
  drafts: readonly AlertDraft[],
): Promise<Alert[]> {
  const ids: string[] = [];
  for (const d of drafts) {
    const r = await client.query<{ alert_id: string }>(
      `INSERT INTO blacklist_alerts (msp_id, watch_id, block_number, tx_index, tx_id, at, subject_key, uploader,
                                     category, status, expires_on)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT DO NOTHING RETURNING alert_id`,
      [
        mspId,
        d.watchId,
        d.blockNumber.toString(),
        d.txIndex,
        d.txId,
        d.at,
        d.entry.subjectKey,
        d.entry.uploader,
        d.entry.category,
        d.entry.status,
        d.entry.expiresOn,
      ],
    );
    const id = r.rows[0]?.alert_id;
    if (id !== undefined) ids.push(id);
  }
  if (ids.length === 0) return [];
  const rows = await client.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM blacklist_alerts a LEFT JOIN blacklist_watches w USING (watch_id)
      WHERE a.alert_id = ANY($1::bigint[]) ORDER BY a.alert_id`,
    [ids],
  );
  return rows.rows.map(alertOf);
}

export async function listAlerts(
  pool: pg.Pool,
  mspId: string,
  options: { readonly limit: number; readonly open: boolean; readonly before?: string },
): Promise<{ items: Alert[]; open: number }> {
  const [rows, open] = await Promise.all([
    pool.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM blacklist_alerts a LEFT JOIN blacklist_watches w USING (watch_id)
        WHERE a.msp_id = $1 AND ($2::boolean IS FALSE OR a.acknowledged_at IS NULL)
          AND ($3::bigint IS NULL OR a.alert_id < $3::bigint)
        ORDER BY a.alert_id DESC LIMIT $4`,
      [mspId, options.open, options.before ?? null, options.limit],
    ),
    pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM blacklist_alerts WHERE msp_id = $1 AND acknowledged_at IS NULL',
      [mspId],
    ),
  ]);
  return { items: rows.rows.map(alertOf), open: Number(open.rows[0]?.n ?? 0) };
}

/** Marks an alert seen (once: acknowledging again keeps the first person and time). Undefined: no such alert. */
export async function acknowledgeAlert(
  pool: pg.Pool,
  mspId: string,
  alertId: string,
  who: string,
  now: Date,
): Promise<Alert | undefined> {
  await pool.query(
    `UPDATE blacklist_alerts SET acknowledged_at = $4, acknowledged_by = $3
      WHERE msp_id = $1 AND alert_id = $2::bigint AND acknowledged_at IS NULL`,
    [mspId, alertId, who, now.toISOString()],
  );
  const r = await pool.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM blacklist_alerts a LEFT JOIN blacklist_watches w USING (watch_id)
      WHERE a.msp_id = $1 AND a.alert_id = $2::bigint`,
    [mspId, alertId],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : alertOf(row);
}

export async function readNextBlock(pool: pg.Pool, mspId: string): Promise<bigint | undefined> {
  const r = await pool.query<{ next_block: string }>(
    'SELECT next_block FROM blacklist_watch_checkpoint WHERE msp_id = $1',
    [mspId],
  );
  const v = r.rows[0]?.next_block;
  return v === undefined ? undefined : BigInt(v);
}

export async function writeNextBlock(
  db: pg.Pool | pg.PoolClient,
  mspId: string,
  next: bigint,
): Promise<void> {
  await db.query(
    `INSERT INTO blacklist_watch_checkpoint (msp_id, next_block) VALUES ($1, $2)
     ON CONFLICT (msp_id) DO UPDATE SET next_block = GREATEST(blacklist_watch_checkpoint.next_block, EXCLUDED.next_block)`,
    [mspId, next.toString()],
  );
}

/** Projects the institution's own entry changes (newest state per entry; a replay writes the same). */
export async function writeOwnEntries(
  client: pg.PoolClient,
  mspId: string,
  changes: ReturnType<typeof ownChangesOf>,
): Promise<void> {
  for (const { notice, entry } of changes)
    await client.query(
      `INSERT INTO blacklist_own_entries (msp_id, subject_key, category, key_version, status, expires_on, first_tx_id,
                                          first_at, last_tx_id, last_at, last_block)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $8, $9)
       ON CONFLICT (msp_id, subject_key, category) DO UPDATE SET
         key_version = EXCLUDED.key_version, status = EXCLUDED.status, expires_on = EXCLUDED.expires_on,
         last_tx_id = EXCLUDED.last_tx_id, last_at = EXCLUDED.last_at, last_block = EXCLUDED.last_block
       WHERE blacklist_own_entries.last_block <= EXCLUDED.last_block`,
      [
        mspId,
        entry.subjectKey,
        entry.category,
        entry.keyVersion,
        entry.status,
        entry.expiresOn,
        notice.changes.txId,
        notice.changes.at,
        notice.blockNumber.toString(),
      ],
    );
}

export interface OwnEntry {
  readonly subjectKey: string;
  readonly category: string;
  readonly keyVersion: number;
  readonly status: string;
  readonly expiresOn: string;
  readonly firstTxId: string;
  readonly listedAt: string;
  readonly lastTxId: string;
  readonly changedAt: string;
}

/** The institution's contributions: counts by status and category, and its entries, newest change first. */
export async function listOwnEntries(
  pool: pg.Pool,
  mspId: string,
  limit: number,
  offset: number,
): Promise<{
  total: number;
  byStatus: Record<string, number>;
  byCategory: Record<string, number>;
  items: OwnEntry[];
}> {
  const [counts, rows] = await Promise.all([
    pool.query<{ status: string; category: string; n: string }>(
      `SELECT status, category, count(*) AS n FROM blacklist_own_entries WHERE msp_id = $1 GROUP BY status, category`,
      [mspId],
    ),
    pool.query<{
      subject_key: string;
      category: string;
      key_version: number;
      status: string;
      expires_on: Date | string;
      first_tx_id: string;
      first_at: Date;
      last_tx_id: string;
      last_at: Date;
    }>(
      `SELECT subject_key, category, key_version, status, expires_on, first_tx_id, first_at, last_tx_id, last_at
         FROM blacklist_own_entries WHERE msp_id = $1
        ORDER BY last_block DESC, subject_key, category LIMIT $2 OFFSET $3`,
      [mspId, limit, offset],
    ),
  ]);
  const byStatus: Record<string, number> = {};
  const byCategory: Record<string, number> = {};
  let total = 0;
  for (const c of counts.rows) {
    const n = Number(c.n);
    total += n;
    byStatus[c.status] = (byStatus[c.status] ?? 0) + n;
    byCategory[c.category] = (byCategory[c.category] ?? 0) + n;
  }
  return {
    total,
    byStatus,
    byCategory,
    items: rows.rows.map((r) => ({
      subjectKey: r.subject_key,
      category: r.category,
      keyVersion: r.key_version,
      status: r.status,
      expiresOn: day(r.expires_on),
      firstTxId: r.first_tx_id,
      listedAt: iso(r.first_at),
      lastTxId: r.last_tx_id,
      changedAt: iso(r.last_at),
    })),
  };
}

/** Projects dispute changes (newest change per dispute; a replay writes the same row). */
export async function writeDisputes(
  client: pg.PoolClient,
  mspId: string,
  changes: ReturnType<typeof disputeChangesOf>,
): Promise<void> {
  for (const { notice, dispute: d } of changes)
    await client.query(
      `INSERT INTO blacklist_disputes (msp_id, dispute_id, subject_key, uploader, category, disputer, status, deadline,
                                       in_vote, opened_tx_id, opened_at, last_tx_id, last_at, last_block, last_tx_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7 = 'VOTING', $9, $10, $9, $10, $11, $12)
       ON CONFLICT (msp_id, dispute_id) DO UPDATE SET
         status = EXCLUDED.status, deadline = EXCLUDED.deadline,
         in_vote = blacklist_disputes.in_vote OR EXCLUDED.in_vote,
         last_tx_id = EXCLUDED.last_tx_id, last_at = EXCLUDED.last_at, last_block = EXCLUDED.last_block,
         last_tx_index = EXCLUDED.last_tx_index
       WHERE (blacklist_disputes.last_block, blacklist_disputes.last_tx_index)
          <= (EXCLUDED.last_block, EXCLUDED.last_tx_index)`,
      [
        mspId,
        d.disputeId,
        d.subjectKey,
        d.uploader,
        d.category,
        d.disputer,
        d.status,
        d.deadline,
        notice.changes.txId,
        notice.changes.at,
        notice.blockNumber.toString(),
        notice.txIndex,
      ],
    );
}

/** A dispute as the node's index lists it (the ledger's record, with votes and steps, is `GET …/disputes/{id}`). */
export interface ListedDispute extends DisputeChange {
  readonly inVote: boolean;
  readonly openedTxId: string;
  readonly openedAt: string;
  readonly lastTxId: string;
  readonly changedAt: string;
}

/** The statuses of a dispute still open: those the core's lifecycle table allows a step in (the others are decided). */
export const OPEN_DISPUTE_STATUSES: readonly DisputeStatus[] = DISPUTE_STATUSES.filter(
  (s) => Object.keys(DISPUTE_TRANSITIONS[s]).length > 0,
);

/**
 * The disputes the index holds that match `where` (all given conditions), newest change first: about an entry of
 * `uploader`, opened by `disputer`, once in a vote; `statuses` (empty: any).
 */
export async function listDisputes(
  pool: pg.Pool,
  mspId: string,
  where: {
    readonly uploader?: string;
    readonly disputer?: string;
    readonly inVote?: boolean;
    readonly statuses: readonly string[];
  },
  limit: number,
  offset: number,
): Promise<{ total: number; items: ListedDispute[] }> {
  const filter = `msp_id = $1 AND ($2::text IS NULL OR uploader = $2) AND ($3::text IS NULL OR disputer = $3)
    AND ($4::boolean IS NULL OR in_vote = $4) AND (cardinality($5::text[]) = 0 OR status = ANY($5::text[]))`;
  const params = [
    mspId,
    where.uploader ?? null,
    where.disputer ?? null,
    where.inVote ?? null,
    [...where.statuses],
  ];
  const [total, rows] = await Promise.all([
    pool.query<{ n: string }>(`SELECT count(*) AS n FROM blacklist_disputes WHERE ${filter}`, params),
    pool.query<{
      dispute_id: string;
      subject_key: string;
      uploader: string;
      category: string;
      disputer: string;
      status: DisputeStatus;
      deadline: Date | string | null;
      in_vote: boolean;
      opened_tx_id: string;
      opened_at: Date;
      last_tx_id: string;
      last_at: Date;
    }>(
      `SELECT dispute_id, subject_key, uploader, category, disputer, status, deadline, in_vote, opened_tx_id,
              opened_at, last_tx_id, last_at
         FROM blacklist_disputes WHERE ${filter}
        ORDER BY last_block DESC, last_tx_index DESC, dispute_id LIMIT $6 OFFSET $7`,
      [...params, limit, offset],
    ),
  ]);
  return {
    total: Number(total.rows[0]?.n ?? 0),
    items: rows.rows.map((r) => ({
      disputeId: r.dispute_id,
      subjectKey: r.subject_key,
      uploader: r.uploader,
      category: r.category,
      disputer: r.disputer,
      status: r.status,
      deadline: r.deadline === null ? null : day(r.deadline),
      inVote: r.in_vote,
      openedTxId: r.opened_tx_id,
      openedAt: iso(r.opened_at),
      lastTxId: r.last_tx_id,
      changedAt: iso(r.last_at),
    })),
  };
}
