import { Type } from '@sinclair/typebox';

import { BREAK_STATUSES } from '../../../../chaincode/src/core/breakMachine';
import { BREAK_REASONS } from '../../../../chaincode/src/core/matching';
import { ROOT_CAUSES } from '../../../../chaincode/src/core/rootCause';
import {
  BREAK_AGE_AT_RISK_MS,
  BREAK_AGE_BREACHED_MS,
  OPEN_BREAKS_PAGE_SIZE_MAX,
  QUEUE_SORTS,
  SERVICE_LEVELS,
} from '../../readModel/read/queue';
import { component, Int, Nullable, Obj, OneOf, Str, Time } from './schema';

/**
 * The shapes of the work queue (its filters, rows and pages, saved views, colleagues), declared once here and
 * named in the OpenAPI document like every shape of `shapes.ts`, which re-exports them.
 */

const ValueDate = (description: string) => Type.String({ format: 'date', description });
const AmountMinor = (description: string) =>
  Str({
    pattern: '^(0|[1-9][0-9]{0,17})$',
    description: `${description}: integer minor units, a decimal string`,
  });

/** The queue's filters and order, as GET /queue takes them and a saved view keeps them. */
export const ViewQuery = component(
  'ViewQuery',
  Type.Object(
    {
      reason: Type.Optional(OneOf(BREAK_REASONS)),
      status: Type.Optional(
        OneOf(
          BREAK_STATUSES,
          'RESOLVED lists the closed breaks, with their resolution; any other, open ones',
        ),
      ),
      assignee: Type.Optional(
        Str({
          max: 64,
          pattern: '^[\\w.@-]+$',
          description: 'me, none or an enrolment id (letters, digits, . _ @ -, at most 64)',
        }),
      ),
      currency: Type.Optional(
        Str({ pattern: '^[A-Z]{3}$', description: "your leg's currency, ISO 4217 (three capitals)" }),
      ),
      counterparty: Type.Optional(
        Str({ max: 64, pattern: '^[\\w.-]+$', description: "one of the break's other parties (an MSP id)" }),
      ),
      valueDateFrom: Type.Optional(ValueDate("your leg's value date from (YYYY-MM-DD, included)")),
      valueDateTo: Type.Optional(ValueDate("your leg's value date to (YYYY-MM-DD, included)")),
      amountMinorMin: Type.Optional(AmountMinor("your leg's amount from (included)")),
      amountMinorMax: Type.Optional(AmountMinor("your leg's amount to (included)")),
      rootCause: Type.Optional(
        OneOf(ROOT_CAUSES, "the root cause: an open break's proposal's, a closed break's agreed one"),
      ),
      escalated: Type.Optional(
        Type.Boolean({
          description: 'true: only breaks past their due date (by ledger time); false: the others',
        }),
      ),
      sort: Type.Optional(OneOf(QUEUE_SORTS)),
      order: Type.Optional(OneOf(['asc', 'desc'])),
      limit: Type.Optional(Int({ min: 1, max: OPEN_BREAKS_PAGE_SIZE_MAX })),
    },
    { additionalProperties: false },
  ),
);
export const QueueItem = component(
  'QueueItem',
  Obj({
    breakId: Type.String(),
    caseId: Type.String(),
    reason: OneOf(BREAK_REASONS),
    status: OneOf(BREAK_STATUSES),
    resolution: Nullable(Type.String({ description: 'how a closed break was resolved (null while open)' })),
    openedAt: Time(),
    updatedAt: Time(),
    ageMs: Int({
      description: 'milliseconds since the break opened; for a closed break, from opening to resolution',
    }),
    serviceLevel: OneOf(
      SERVICE_LEVELS,
      `the age against the service level: AT_RISK from ${String(BREAK_AGE_AT_RISK_MS)} ms, BREACHED from ${String(BREAK_AGE_BREACHED_MS)} ms`,
    ),
    assignee: Nullable(Obj({ mspId: Type.String(), name: Type.String() })),
    counterparties: Type.Array(Type.String(), {
      description: "the break's other parties (MSP ids, sorted)",
    }),
    amountMinor: Nullable(
      Str({
        pattern: '^[0-9]+$',
        description: "your leg's amount in minor units (null: your institution has no leg in the case yet)",
      }),
    ),
    currency: Nullable(Type.String({ description: "your leg's currency" })),
    valueDate: Nullable(Type.String({ format: 'date', description: "your leg's value date" })),
    ownReference: Nullable(Type.String({ description: "your leg's payment reference (your own plaintext)" })),
    rootCause: Nullable(
      OneOf(ROOT_CAUSES, "the open proposal's root cause, or the agreed one once resolved"),
    ),
    dueAt: Nullable(Time('when the break is due to be resolved')),
    escalated: Type.Boolean({
      description:
        "past its due date by the ledger's time (the newest transaction the node has indexed) and not resolved",
    }),
  }),
);
export const QueuePage = component(
  'QueuePage',
  Obj({
    items: Type.Array(QueueItem),
    nextCursor: Nullable(Type.String()),
    total: Type.Optional(Int({ description: 'matching breaks, when asked for (`count`)' })),
  }),
);
export const SavedView = component(
  'SavedView',
  Obj({ name: Type.String(), query: ViewQuery, createdAt: Time() }),
);

export const SavedViews = component('SavedViews', Obj({ items: Type.Array(SavedView) }, 'by name'));
export const People = component(
  'People',
  Obj({ items: Type.Array(Type.String()) }, 'enrolment ids of your institution, yourself included'),
);
