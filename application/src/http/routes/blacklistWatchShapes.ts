import { Type } from '@sinclair/typebox';

import { DISPUTE_STATUSES } from '../../../../chaincode/src/core/blacklist/dispute';
import { SUBJECT_TYPES } from '../../../../chaincode/src/core/subject';
import { Identifier } from './blacklistShapes';
import { Decimal, Int, Nullable, Obj, OneOf, Str, Time, type Shape } from './schema';

/**
 * The shapes of the watchlist and alerts routes (routes/blacklistWatch.ts, issue 19 item 5), declared once; no
 * Node imports, so the console and the CLI take their types from here. Not named components of the document
 * (the document's components each have their type in apiTypes.ts; these have theirs below).
 */

export const WATCH_LABEL_MAX = 80;
export const WATCH_ADD_MAX = 1_000;

export const WatchId = Str({ pattern: '^w-[0-9a-f-]{36}$', description: 'a watch id (w-<uuid>)' });
export const AlertId = Str({ pattern: '^[1-9][0-9]{0,18}$', description: 'an alert id' });

export const BlacklistWatch = Obj({
  watchId: Type.String(),
  type: OneOf(SUBJECT_TYPES),
  label: Nullable(Type.String()),
  keyVersions: Type.Array(Type.Integer(), { description: 'the key versions the subject is watched under' }),
  addedBy: Type.String(),
  addedAt: Time(),
});

export const BlacklistWatchlist = Obj({ total: Type.Integer(), items: Type.Array(BlacklistWatch) });

export const BlacklistWatchAdd = Obj({
  items: Type.Array(
    Obj({
      ...Identifier,
      label: Type.Optional(
        Str({
          min: 1,
          max: WATCH_LABEL_MAX,
          description: `your own words for the customer (a customer number), at most ${String(WATCH_LABEL_MAX)} characters; refused if it holds the identifier`,
        }),
      ),
    }),
    { minItems: 1, maxItems: WATCH_ADD_MAX },
  ),
});

export const BlacklistWatchAdded = Obj({
  added: Type.Integer(),
  unchanged: Type.Integer(),
  items: Type.Array(Obj({ watchId: Type.String(), outcome: OneOf(['ADDED', 'UNCHANGED'] as const) })),
});

export const BlacklistAlert = Obj({
  alertId: Type.String(),
  watchId: Type.String(),
  label: Nullable(Type.String({ description: "the watch's label (null once the watch is removed)" })),
  subjectType: Nullable(Type.String()),
  blockNumber: Decimal('the block that holds the change'),
  txIndex: Type.Integer(),
  txId: Type.String(),
  at: Time('ledger time of the change'),
  subjectKey: Type.String(),
  uploader: Type.String({ description: 'the member whose entry changed' }),
  category: Type.String(),
  status: Type.String({ description: 'the entry’s status after the change (ACTIVE: listed)' }),
  expiresOn: Type.String({ format: 'date' }),
  acknowledgedAt: Nullable(Time()),
  acknowledgedBy: Nullable(Type.String()),
});

export const BlacklistAlerts = Obj({
  open: Type.Integer({ description: 'alerts not yet acknowledged' }),
  items: Type.Array(BlacklistAlert),
});

export const AlertsQuery = Type.Object({
  open: Type.Optional(OneOf(['true', 'false'] as const, 'true: only alerts not yet acknowledged')),
  limit: Type.Optional(Int({ min: 1, max: 500, description: 'at most this many (default 100)' })),
  before: Type.Optional(AlertId),
});

export type BlacklistWatchT = Shape<typeof BlacklistWatch>;
export type BlacklistWatchlistT = Shape<typeof BlacklistWatchlist>;
export type BlacklistWatchAddedT = Shape<typeof BlacklistWatchAdded>;
export type BlacklistAlertT = Shape<typeof BlacklistAlert>;
export type BlacklistAlertsT = Shape<typeof BlacklistAlerts>;

export const BlacklistContributions = Obj({
  total: Type.Integer({ description: 'entries your institution has listed (every status)' }),
  byStatus: Type.Record(Type.String(), Type.Integer()),
  byCategory: Type.Record(Type.String(), Type.Integer()),
  items: Type.Array(
    Obj({
      subjectKey: Type.String(),
      category: Type.String(),
      keyVersion: Type.Integer(),
      status: Type.String({
        description: 'as last changed on the ledger (an entry past its expiry day is EXPIRED only when read)',
      }),
      expiresOn: Type.String({ format: 'date' }),
      firstTxId: Type.String({ description: 'the listing transaction' }),
      listedAt: Time(),
      lastTxId: Type.String(),
      changedAt: Time(),
    }),
  ),
});
export type BlacklistContributionsT = Shape<typeof BlacklistContributions>;

/** The dispute boxes of `GET /blacklist/disputes`: about our entries, opened by us, and in a members' vote. */
export const DISPUTE_BOXES = ['against-us', 'opened-by-us', 'to-vote'] as const;
export type DisputeBox = (typeof DISPUTE_BOXES)[number];

export const DisputesQuery = Type.Object({
  box: OneOf(
    DISPUTE_BOXES,
    'against-us: disputes of your institution’s entries; opened-by-us: those your institution opened; to-vote: those that went to a vote of the members',
  ),
  status: Type.Optional(
    OneOf([...DISPUTE_STATUSES, 'OPEN'] as const, 'only this status (OPEN: any not yet decided)'),
  ),
  limit: Type.Optional(Int({ min: 1, max: 500, description: 'at most this many (default 100)' })),
  offset: Type.Optional(Int({ min: 0, max: 1_000_000 })),
});

export const BlacklistListedDispute = Obj({
  disputeId: Type.String(),
  subjectKey: Type.String(),
  uploader: Type.String({ description: 'the member whose entry is disputed' }),
  category: Type.String(),
  disputer: Type.String({ description: 'the member that opened the dispute' }),
  status: OneOf(DISPUTE_STATUSES),
  deadline: Nullable(
    Type.String({
      format: 'date',
      description: 'the last ledger day (UTC) for an answer, a contest or votes; null once decided',
    }),
  ),
  inVote: Type.Boolean({ description: 'the dispute went to a vote of the members' }),
  openedTxId: Type.String(),
  openedAt: Time('ledger time the dispute was opened'),
  lastTxId: Type.String(),
  changedAt: Time('ledger time of its last step'),
});

export const BlacklistDisputeList = Obj({
  total: Type.Integer({ description: 'disputes in the box with this status' }),
  items: Type.Array(BlacklistListedDispute),
});
export type BlacklistDisputeListT = Shape<typeof BlacklistDisputeList>;
export type BlacklistListedDisputeT = Shape<typeof BlacklistListedDispute>;
