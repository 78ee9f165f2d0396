import { BREAK_REASONS } from '../../../chaincode/src/core/matching';
import { BREAK_STATUSES, RESOLUTION_KINDS } from '../../../chaincode/src/core/breakMachine';
import { LEG_ROLES, MATCH_FIELDS, OUTCOMES } from '../../../chaincode/src/core/leg';
import { QUEUE_SORTS, REFERENCE_PREFIX_MIN } from '../indexer/openBreaks';
import { STATUS_OF } from './errors';
import { JSON_DEPTH_MAX } from './guards';
import { LOGIN_LIMITS } from './rateLimit';
import { BULK_BREAKS_MAX, SAVED_VIEWS_MAX } from './queue';
import { EXTRACT_ROWS_MAX } from './statements';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
/** Headers some error answers carry. */
const ERROR_HEADERS: Record<number, Record<string, unknown> | undefined> = {
  401: {
    'WWW-Authenticate': {
      description:
        'always `Bearer realm="tallystick"`; with `error="invalid_token", error_description="…"` when a token was sent and refused (RFC 6750). A node with mutual TLS adds `MutualTLS realm="tallystick"`, with `error="invalid_certificate", error_description="…"` when a client certificate was refused (`error.details.reason`: CERTIFICATE_NOT_TRUSTED, CERTIFICATE_EXPIRED, CERTIFICATE_REVOKED, CERTIFICATE_NOT_YET_VALID, CERTIFICATE_WITHOUT_ROLE, CERTIFICATE_UNREADABLE, NO_SIGNING_CREDENTIAL, SIGNING_CREDENTIAL_MISMATCH, SYSTEM_PASSWORD_LOGIN_OFF)',
      schema: { type: 'string' },
    },
  },
  405: { Allow: { description: 'the methods the path serves', schema: { type: 'string' } } },
  429: {
    'Retry-After': { description: 'seconds until the next attempt may pass', schema: { type: 'integer' } },
  },
};
const errorAnswer = (s: number) => {
  const headers = ERROR_HEADERS[s];
  return {
    description: `error (${Object.entries(STATUS_OF)
      .filter(([, v]) => v === s)
      .map(([k]) => k)
      .join(', ')})`,
    ...(headers ? { headers } : {}),
    content: json(ref('Error')),
  };
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), errorAnswer(s)]));
const idParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
/** Query filters by reason and status, as the queue and the auditor's list take them. */
const reasonStatusParams = [
  { name: 'reason', in: 'query', required: false, schema: { enum: [...BREAK_REASONS] } },
  { name: 'status', in: 'query', required: false, schema: { enum: [...BREAK_STATUSES] } },
];
/** A keyset page: how many, and where the previous page stopped. */
const pageParams = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
  { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
];
/** What every listing says of a break. */
const breakFacts = {
  breakId: { type: 'string' },
  caseId: { type: 'string' },
  reason: { enum: [...BREAK_REASONS] },
  status: { enum: [...BREAK_STATUSES] },
};
const actionBody = { required: false, content: json(ref('BreakActionInput')) };
const breakAction = (summary: string, description: string) => ({
  summary,
  description,
  tags: ['breaks'],
  parameters: [idParam('breakId', 'the break')],
  requestBody: actionBody,
  responses: {
    '200': { description: 'committed', content: json(ref('CommittedBreak')) },
    ...errors(400, 401, 403, 404, 409, 503),
  },
});

/**
 * Answers every operation can give whatever its route: 400 (a path or query that does not decode or holds a
 * control character), and for a JSON body 415 (not JSON, not UTF-8, an encoding the node does not inflate).
 */
function withCommonAnswers<T extends { paths: Record<string, Record<string, unknown>> }>(doc: T): T {
  for (const ops of Object.values(doc.paths))
    for (const op of Object.values(ops) as {
      requestBody?: { content?: object };
      responses: Record<string, unknown>;
    }[]) {
      op.responses['400'] ??= errorAnswer(400);
      if (op.requestBody?.content && 'application/json' in op.requestBody.content)
        op.responses['415'] ??= errorAnswer(415);
    }
  return doc;
}

/** The OpenAPI 3.1 description of /v1; a test holds it to the routes the application really serves. */
export const openApiDocument = withCommonAnswers({
  openapi: '3.1.0',
  info: {
    title: 'Tallystick institution node',
    version: '1.0.0',
    description: `One node per member institution. Every write is a ledger transaction signed by the logged-in person. Amounts are integer minor units as decimal strings. Errors: \`{ error: { code, message, requestId }, errors: [{ code, message, field }] }\` with a stable code; \`errors\` lists every problem found (a batch of legs: each bad leg and field), the first being \`error\`. Every request: a JSON body needs \`Content-Type: application/json\` in UTF-8 and Content-Encoding gzip, deflate, br or none (415 otherwise), nests at most ${JSON_DEPTH_MAX} levels and holds no NUL (400); a path or query that is not valid percent-encoded UTF-8 or holds a control character is 400; a served path with another method is 405 with \`Allow\`. Every answer carries Content-Security-Policy, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, X-Frame-Options: DENY, Cross-Origin-Opener-Policy: same-origin and Cache-Control: no-store.`,
  },
  servers: [{ url: '/v1' }],
  security: [{ bearer: [] }, { mutualTLS: [] }],
  tags: [
    { name: 'sessions' },
    { name: 'legs' },
    { name: 'cases' },
    { name: 'breaks' },
    { name: 'provenance' },
    { name: 'meta' },
  ],
  paths: {
    '/openapi.json': {
      get: {
        summary: 'This document',
        tags: ['meta'],
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
      },
    },
    '/sessions': {
      post: {
        summary: 'Log in with your enrolment id and secret (or provision a system for mutual TLS)',
        description: `Enrols you at your institution's CA; every later transaction is signed with that identity. A wrong id and a wrong secret get the same answer in the same time. Attempts are limited per client address and id (${LOGIN_LIMITS.perId.burst} at once, then one every ${1 / LOGIN_LIMITS.perId.perSec} s) and per client address whatever the id (${LOGIN_LIMITS.perClient.burst} at once, then one every ${1 / LOGIN_LIMITS.perClient.perSec} s; a login that succeeds does not count); beyond either, 429 with Retry-After. The token names the node that issued it: another node answers it 401 saying so. Sessions survive a node restart. On a node with mutual TLS, a system (role submitter) that sends this over a connection presenting its own client certificate gets no token: the node keeps its ledger signing credential (a second enrolment of the same identity) and the certificate alone authenticates it from then on (\`authentication: mutualTLS\`); where password logins of systems are off, that is the only way a system's secret is accepted (401 SYSTEM_PASSWORD_LOGIN_OFF otherwise).`,
        tags: ['sessions'],
        security: [],
        requestBody: { required: true, content: json(ref('LoginInput')) },
        responses: {
          '201': {
            description:
              'a session; or, for a system over its client certificate, its signing credential provisioned',
            content: json({ oneOf: [ref('Session'), ref('MutualTlsProvisioned')] }),
          },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    '/sessions/current': {
      delete: {
        summary: 'Log out',
        tags: ['sessions'],
        responses: { '204': { description: 'ended' }, ...errors(401) },
      },
    },
    '/me': {
      get: {
        summary: 'Who am I',
        tags: ['sessions'],
        responses: { '200': { description: 'the session user', content: json(ref('User')) }, ...errors(401) },
      },
    },
    '/legs': {
      post: {
        summary: 'Post one leg',
        description:
          "Idempotent by legId: the same leg again is UNCHANGED; a different leg under the same id is IDEMPOTENCY_CONFLICT. Answered once the node's index holds the committed leg (its own legs are read back from the institution's private collection with their block), so the ledger extract and the queue show it at once; an index running behind delays the answer by at most 10 s, never fails it.",
        tags: ['legs'],
        requestBody: { required: true, content: json(ref('LegInput')) },
        responses: {
          '201': { description: 'committed', content: json(ref('CommittedLegs')) },
          ...errors(400, 401, 403, 409, 413, 503),
        },
      },
    },
    '/legs/batch': {
      post: {
        summary: 'Post up to 1000 legs in one transaction, all or nothing',
        tags: ['legs'],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['legs'],
            properties: { legs: { type: 'array', maxItems: 1000, items: ref('LegInput') } },
          }),
        },
        responses: {
          '201': { description: 'committed', content: json(ref('CommittedLegs')) },
          ...errors(400, 401, 403, 409, 413, 503),
        },
      },
    },
    '/sweep': {
      post: {
        summary: 'Flag cases past their service level with legs missing',
        tags: ['cases'],
        requestBody: {
          required: false,
          content: json({
            type: 'object',
            properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
          }),
        },
        responses: {
          '200': { description: 'committed', content: json({ type: 'object' }) },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    '/cases/{caseId}': {
      get: {
        summary: 'A case as every member sees it (hashes, parties, statuses)',
        tags: ['cases'],
        parameters: [idParam('caseId', 'sha256 of the payment reference, hex')],
        responses: {
          '200': { description: 'public record', content: json(ref('Case')) },
          ...errors(401, 404),
        },
      },
    },
    '/cases/open': {
      post: {
        summary: 'A case with its legs and comments opened (parties only)',
        description: 'The reference travels in the body, never in a URL.',
        tags: ['cases'],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['reference'],
            properties: { reference: { type: 'string' } },
          }),
        },
        responses: {
          '200': { description: 'opened case', content: json({ type: 'object' }) },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/breaks': {
      get: {
        summary: 'Open breaks of an institution, a page at a time',
        tags: ['breaks'],
        parameters: [
          {
            name: 'mspId',
            in: 'query',
            required: false,
            description: 'default: your institution; others need the auditor role',
            schema: { type: 'string' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'nextCursor of the previous page',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'a page',
            content: json({
              type: 'object',
              properties: {
                items: { type: 'array', items: ref('Break') },
                nextCursor: { type: ['string', 'null'] },
              },
            }),
          },
          ...errors(400, 401, 403),
        },
      },
    },
    '/breaks/{breakId}': {
      get: {
        summary: 'A break (comments sealed)',
        tags: ['breaks'],
        parameters: [idParam('breakId', 'the break')],
        responses: { '200': { description: 'break', content: json(ref('Break')) }, ...errors(401, 404) },
      },
    },
    '/breaks/{breakId}/open': {
      post: {
        summary: 'A break with its comments opened (parties only)',
        tags: ['breaks'],
        parameters: [idParam('breakId', 'the break')],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['reference'],
            properties: { reference: { type: 'string' } },
          }),
        },
        responses: {
          '200': { description: 'break', content: json(ref('Break')) },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/breaks/{breakId}/assign': {
      post: {
        ...breakAction(
          'Assign to yourself or a colleague',
          'OPEN/ASSIGNED → ASSIGNED; reconciler or approver of a party.',
        ),
        requestBody: {
          required: true,
          content: json({
            allOf: [
              ref('BreakActionInput'),
              { type: 'object', required: ['assignee'], properties: { assignee: { type: 'string' } } },
            ],
          }),
        },
      },
    },
    '/breaks/{breakId}/propose': {
      post: {
        ...breakAction(
          'Propose a resolution',
          "ASSIGNED → PROPOSED; a reconciler of the assignee's institution; comment required.",
        ),
        requestBody: {
          required: true,
          content: json({
            allOf: [
              ref('BreakActionInput'),
              {
                type: 'object',
                required: ['kind', 'comment', 'reference'],
                properties: { kind: { enum: [...RESOLUTION_KINDS] } },
              },
            ],
          }),
        },
      },
    },
    '/breaks/{breakId}/approve': {
      post: breakAction(
        'Approve (four eyes)',
        'PROPOSED → APPROVED; an approver of the proposing institution other than the proposer.',
      ),
    },
    '/breaks/{breakId}/accept': {
      post: breakAction('Accept as a counterparty', 'APPROVED → ACCEPTED once every other party accepted.'),
    },
    '/breaks/{breakId}/reject': {
      post: breakAction('Reject', 'PROPOSED/APPROVED → OPEN; comment required.'),
    },
    '/breaks/{breakId}/resolve': {
      post: breakAction(
        'Resolve once the correction is booked',
        'ACCEPTED → RESOLVED; the proposing institution; comment required.',
      ),
    },
    '/breaks/{breakId}/comment': { post: breakAction('Comment', 'Any status; comment required.') },
    '/queue': {
      get: {
        summary:
          "The work queue from the node's index: open breaks with age, filtered and sorted, keyset pages",
        tags: ['breaks'],
        parameters: [
          ...reasonStatusParams,
          {
            name: 'assignee',
            in: 'query',
            required: false,
            description: '`me`, `none`, or an enrolment id of this institution',
            schema: { type: 'string' },
          },
          { name: 'sort', in: 'query', required: false, schema: { enum: [...QUEUE_SORTS], default: 'age' } },
          { name: 'order', in: 'query', required: false, schema: { enum: ['asc', 'desc'], default: 'asc' } },
          ...pageParams,
          {
            name: 'count',
            in: 'query',
            required: false,
            description: '`true` adds `total`, the number of matching open breaks',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
        ],
        responses: {
          '200': { description: 'a page (default: oldest first)', content: json(ref('QueuePage')) },
          ...errors(400, 401, 503),
        },
      },
    },
    '/statements': {
      post: {
        summary: 'Compare my books (a statement file) with my legs on the ledger',
        description:
          'The body is the file itself (camt.052/053/054 XML, MT940/MT950, or CSV with a header row; a CSV mapping other than reference,amount,currency,valueDate,side,payerRef,payeeRef,legId goes in the x-csv-mapping header as JSON). Needs the submitter or reconciler role. Parsed and compared in a worker thread with named limits (application/src/ingest/README.md). A statement refused as it is (not well-formed, any DOCTYPE, balances or entry count that do not add up, an impossible date, an MT940 amount with a dot, a CSV cell a spreadsheet would run as a formula, a shape limit crossed) is 400 with `details.code` and `details.at`, the line or element that is wrong; a malformed x-csv-mapping is 400 naming the part in `details.field`; a file over its size, time or memory budget is 413; a second upload of the institution while one runs is 429. A CSV cell guarded with an apostrophe (as the ledger extract writes `-`, `+`, `=`, `@`, TAB or CR first) is read without it. With counterparty (and clearing) the report proposes the legs to post for what is only in my books; post them with /legs/batch.',
        tags: ['legs'],
        parameters: [
          { name: 'format', in: 'query', required: true, schema: { enum: ['camt', 'mt940', 'csv'] } },
          { name: 'counterparty', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'clearing', in: 'query', required: false, schema: { type: 'string' } },
          {
            name: 'x-csv-mapping',
            in: 'header',
            required: false,
            description:
              'CSV only: JSON { columns: { reference, amount, currency, valueDate, side?, bookingDate?, payerRef?, payeeRef?, legId?, status? }, sideValues?: { credit: [...], debit: [...] }, delimiter?, statementId?, account? }, checked whole (unknown keys refused)',
            schema: { type: 'string', maxLength: 8192 },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/xml': { schema: { type: 'string' } },
            'text/plain': { schema: { type: 'string' } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        responses: {
          '200': { description: 'difference report', content: json({ type: 'object' }) },
          ...errors(400, 401, 403, 413, 429, 503),
        },
      },
    },
    '/statements/ledger': {
      get: {
        summary: "Your institution's own legs on the ledger for a range of value dates, as a CSV statement",
        description: `The columns the statement upload reads by default (reference, amount in major units, currency, valueDate, side, payerRef, payeeRef, legId): the ledger's side of a reconciliation, to set beside your books. Debtor and creditor legs only; at most ${String(EXTRACT_ROWS_MAX)} rows. A cell a spreadsheet would run as a formula (first character =, +, -, @, TAB or CR) is written with an apostrophe before it, which the upload takes off again: the extract uploaded as it is compares without a difference.`,
        tags: ['legs'],
        parameters: [
          { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
          { name: 'to', in: 'query', required: false, schema: { type: 'string', format: 'date' } },
        ],
        responses: {
          '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    '/queue/search': {
      post: {
        summary:
          'The work queue searched: by break id, case id, or payment reference (in the body, never a URL)',
        description: `\`search\` is a break id (or its beginning, \`brk-…\`), a case id (64 hex digits), or a payment reference: the exact reference finds its case by hash; from ${String(REFERENCE_PREFIX_MIN)} characters, the beginning of one of this institution's own legs' references finds those cases too. The other fields are those of GET /queue.`,
        tags: ['breaks'],
        requestBody: {
          required: true,
          content: json({
            allOf: [
              ref('ViewQuery'),
              {
                type: 'object',
                properties: {
                  search: { type: 'string', maxLength: 64 },
                  cursor: { type: 'string' },
                  count: { type: 'boolean' },
                },
              },
            ],
          }),
        },
        responses: {
          '200': { description: 'a page', content: json(ref('QueuePage')) },
          ...errors(400, 401, 503),
        },
      },
    },
    '/views': {
      get: {
        summary: "Your saved views of the queue (this person's, on this node)",
        tags: ['breaks'],
        responses: {
          '200': {
            description: 'views by name',
            content: json({
              type: 'object',
              properties: { items: { type: 'array', items: ref('SavedView') } },
            }),
          },
          ...errors(401, 503),
        },
      },
    },
    '/views/{name}': {
      put: {
        summary: `Save (or replace) a view: the queue's filters and order (at most ${String(SAVED_VIEWS_MAX)} per person)`,
        tags: ['breaks'],
        parameters: [idParam('name', 'the view name, 1-64 characters')],
        requestBody: {
          required: true,
          content: json({ type: 'object', required: ['query'], properties: { query: ref('ViewQuery') } }),
        },
        responses: {
          '200': { description: 'saved', content: json(ref('SavedView')) },
          ...errors(400, 401, 503),
        },
      },
      delete: {
        summary: 'Delete one of your saved views',
        tags: ['breaks'],
        parameters: [idParam('name', 'the view name')],
        responses: { '204': { description: 'deleted' }, ...errors(400, 401, 404, 503) },
      },
    },
    '/people': {
      get: {
        summary: 'People of your institution the index has seen at work (for assigning to a colleague)',
        tags: ['breaks'],
        responses: {
          '200': {
            description: 'enrolment ids',
            content: json({
              type: 'object',
              properties: { items: { type: 'array', items: { type: 'string' } } },
            }),
          },
          ...errors(401, 503),
        },
      },
    },
    '/events': {
      get: {
        summary:
          'Server-sent events: after each block the index commits, the breaks of your institution that changed',
        description:
          'text/event-stream. `hello` on connect (`{ block }`), then `indexed` (`{ block, txIndex, transactions, breaks: [{ breakId, caseId, reason, status, action }] }`) after each committed batch; a comment every 15 s. Authenticate with the Authorization header (fetch with a streaming body; never a token in the URL). A stream ends after 5 minutes, at logout and at shutdown; reconnect.',
        tags: ['breaks'],
        responses: {
          '200': {
            description: 'the stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors(401, 429, 503),
        },
      },
    },
    '/breaks/assign': {
      post: {
        summary: `Assign up to ${String(BULK_BREAKS_MAX)} breaks to one person: one signed transaction per break`,
        description:
          'One refusal does not stop the others: each result says committed or the refusal with its code.',
        tags: ['breaks'],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['breakIds', 'assignee'],
            properties: {
              breakIds: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: BULK_BREAKS_MAX },
              assignee: { type: 'string' },
            },
          }),
        },
        responses: {
          '200': {
            description: 'per break',
            content: json({
              type: 'object',
              properties: {
                assigned: { type: 'integer' },
                results: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      breakId: { type: 'string' },
                      ok: { type: 'boolean' },
                      status: { enum: [...BREAK_STATUSES] },
                      txId: { type: 'string' },
                      blockNumber: { type: 'string' },
                      error: {
                        type: 'object',
                        properties: { code: { type: 'string' }, message: { type: 'string' } },
                      },
                    },
                  },
                },
              },
            }),
          },
          ...errors(400, 401, 403),
        },
      },
    },
    '/dashboard': {
      get: {
        summary:
          'Volume, matches and breaks per day; open breaks by reason and age; funds in transit by counterparty (own legs); service level (from the index)',
        tags: ['breaks'],
        responses: {
          '200': { description: 'figures', content: json({ type: 'object' }) },
          ...errors(401, 503),
        },
      },
    },
    '/audit/breaks': {
      get: {
        summary:
          'Every break the index knows, whoever its parties: public facts, newest change first (auditor or admin)',
        tags: ['provenance'],
        parameters: [...reasonStatusParams, ...pageParams],
        responses: {
          '200': {
            description: 'a page',
            content: json({
              type: 'object',
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      ...breakFacts,
                      parties: { type: 'array', items: { type: 'string' } },
                      openedAt: { type: 'string' },
                      updatedAt: { type: 'string' },
                      lastAction: { type: 'string' },
                      blockNumber: { type: 'string' },
                    },
                  },
                },
                nextCursor: { type: ['string', 'null'] },
              },
            }),
          },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    '/index/verify': {
      get: {
        summary: "Compare the node's index with the ledger; every difference (auditor or admin)",
        tags: ['provenance'],
        responses: {
          '200': {
            description: 'report',
            content: json({
              type: 'object',
              required: [
                'casesChecked',
                'breaksChecked',
                'ownLegsChecked',
                'openBreaksOnLedger',
                'differences',
              ],
              properties: {
                casesChecked: { type: 'integer' },
                breaksChecked: { type: 'integer' },
                ownLegsChecked: {
                  type: 'integer',
                  description:
                    "own legs whose plaintext in the index was compared with the institution's private collection on the ledger",
                },
                openBreaksOnLedger: { type: 'integer' },
                differences: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['kind', 'id', 'field'],
                    properties: {
                      kind: { enum: ['case', 'leg', 'own-leg', 'break', 'transition', 'open-break'] },
                      id: { type: 'string' },
                      field: { type: 'string' },
                      index: {},
                      ledger: {},
                    },
                  },
                },
              },
            }),
          },
          ...errors(401, 403, 503),
        },
      },
    },
    '/provenance/{kind}/{id}': {
      get: {
        summary:
          'Every committed version of a case, break or leg record: transaction id, time, block, signer; JSON or CSV',
        description:
          "The ledger's history of the key, joined with the node's index for each transaction's block number, position and signer (MSP ID, certificate subject and issuer from the block). `blockNumber` and `signer` are null for a transaction the index has not seen.",
        tags: ['provenance'],
        parameters: [
          { name: 'kind', in: 'path', required: true, schema: { enum: ['case', 'break', 'leg'] } },
          idParam('id', 'caseId, breakId, or mspId:legId'),
          {
            name: 'format',
            in: 'query',
            required: false,
            schema: { enum: ['json', 'csv'], default: 'json' },
          },
        ],
        responses: {
          '200': {
            description: 'history, newest version first',
            content: {
              ...json({
                type: 'object',
                properties: {
                  kind: { type: 'string' },
                  id: { type: 'string' },
                  history: { type: 'array', items: ref('ProvenanceEntry') },
                },
              }),
              'text/csv': { schema: { type: 'string' } },
            },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'a session token from POST /sessions' },
      mutualTLS: {
        type: 'mutualTLS',
        description:
          "A client certificate issued by the node's institution's CA (fabric-ca on Fabric), presented in the TLS handshake, on a node serving HTTPS (TALLYSTICK_TLS_*): the caller is the certificate's identity, with the roles of its attributes, and the node signs its transactions with the signing credential it keeps for that identity (provisioned once: POST /sessions over that certificate). Certificates of another CA, expired, revoked (with the CA's revocation list configured), without a role, or without a matching signing credential: 401.",
      },
    },
    schemas: {
      ViewQuery: {
        type: 'object',
        properties: {
          reason: { enum: [...BREAK_REASONS] },
          status: { enum: [...BREAK_STATUSES] },
          assignee: { type: 'string', description: '`me`, `none` or an enrolment id' },
          sort: { enum: [...QUEUE_SORTS] },
          order: { enum: ['asc', 'desc'] },
          limit: { type: 'integer', minimum: 1, maximum: 200 },
        },
      },
      SavedView: {
        type: 'object',
        properties: { name: { type: 'string' }, query: ref('ViewQuery'), createdAt: { type: 'string' } },
      },
      QueuePage: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                ...breakFacts,
                openedAt: { type: 'string' },
                updatedAt: { type: 'string' },
                ageMs: { type: 'integer' },
                assignee: {
                  type: ['object', 'null'],
                  properties: { mspId: { type: 'string' }, name: { type: 'string' } },
                },
              },
            },
          },
          nextCursor: { type: ['string', 'null'] },
          total: { type: 'integer' },
        },
      },
      ProvenanceEntry: {
        type: 'object',
        properties: {
          version: { type: 'integer' },
          txId: { type: 'string' },
          timestamp: { type: 'string' },
          isDelete: { type: 'boolean' },
          value: {},
          blockNumber: { type: ['string', 'null'] },
          txIndex: { type: ['integer', 'null'] },
          signer: {
            type: ['object', 'null'],
            properties: {
              mspId: { type: 'string' },
              subject: { type: 'string' },
              issuer: { type: 'string' },
            },
          },
        },
      },
      Error: {
        type: 'object',
        required: ['error', 'errors'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'requestId'],
            properties: {
              code: { enum: Object.keys(STATUS_OF) },
              message: { type: 'string' },
              requestId: { type: 'string' },
              details: {},
            },
          },
          errors: {
            type: 'array',
            description: 'every problem found, the first being `error` (at most 100)',
            items: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { enum: Object.keys(STATUS_OF) },
                message: { type: 'string' },
                field: { type: 'string', description: 'where, e.g. `legs[3].currency`' },
              },
            },
          },
        },
      },
      LoginInput: {
        type: 'object',
        required: ['enrollmentId', 'secret'],
        properties: { enrollmentId: { type: 'string' }, secret: { type: 'string', format: 'password' } },
      },
      User: {
        type: 'object',
        properties: {
          enrollmentId: { type: 'string' },
          mspId: { type: 'string' },
          roles: {
            type: 'array',
            items: { enum: ['submitter', 'reconciler', 'approver', 'auditor', 'admin'] },
          },
        },
      },
      Session: {
        type: 'object',
        properties: {
          token: { type: 'string' },
          expiresAt: { type: 'string', format: 'date-time' },
          user: ref('User'),
        },
      },
      MutualTlsProvisioned: {
        type: 'object',
        required: ['authentication', 'user'],
        properties: { authentication: { const: 'mutualTLS' }, user: ref('User') },
      },
      RouteStop: {
        type: 'object',
        required: ['mspId', 'role'],
        properties: { mspId: { type: 'string' }, role: { enum: [...LEG_ROLES] } },
      },
      LegInput: {
        type: 'object',
        required: ['legId', 'reference', 'role', 'route', ...MATCH_FIELDS],
        additionalProperties: false,
        properties: {
          legId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
          reference: { type: 'string', description: 'UETR (lowercase UUID v4) or EndToEndId' },
          role: { enum: [...LEG_ROLES] },
          branch: { type: 'string', pattern: '^[A-Za-z0-9]{1,11}$' },
          route: { type: 'array', minItems: 2, maxItems: 6, items: ref('RouteStop') },
          amountMinor: {
            type: 'string',
            pattern: '^[1-9][0-9]{0,17}$',
            description: 'integer minor units as a decimal string',
          },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          valueDate: { type: 'string', format: 'date' },
          payerRef: { type: 'string' },
          payeeRef: { type: 'string' },
          outcome: { enum: [...OUTCOMES] },
        },
      },
      CommittedLegs: {
        type: 'object',
        properties: {
          txId: { type: 'string' },
          blockNumber: { type: 'string' },
          result: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                legId: { type: 'string' },
                caseId: { type: 'string' },
                outcome: { enum: ['POSTED', 'UNCHANGED'] },
                caseStatus: { enum: ['PENDING', 'MATCHED', 'BROKEN'] },
              },
            },
          },
        },
      },
      Case: {
        type: 'object',
        properties: {
          caseId: { type: 'string' },
          parties: { type: 'array', items: { type: 'string' } },
          status: { enum: ['PENDING', 'MATCHED', 'BROKEN'] },
          legs: { type: 'array' },
          breaks: { type: 'array' },
        },
      },
      Break: {
        type: 'object',
        properties: {
          ...breakFacts,
          parties: { type: 'array', items: { type: 'string' } },
          timeline: { type: 'array' },
        },
      },
      BreakActionInput: {
        type: 'object',
        properties: {
          comment: { type: 'string', maxLength: 2000 },
          reference: {
            type: 'string',
            description: 'the payment reference; needed with a comment, which is sealed for the parties',
          },
        },
      },
      CommittedBreak: {
        type: 'object',
        properties: { txId: { type: 'string' }, blockNumber: { type: 'string' }, result: ref('Break') },
      },
    },
  },
});
