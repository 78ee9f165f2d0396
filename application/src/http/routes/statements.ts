import { Type } from '@sinclair/typebox';

import { EXTRACT_ROWS_MAX, ledgerExtract, statementReport } from '../statements';
import { route } from './route';
import { OneOf, Str } from './schema';
import { StatementReport } from './shapes';

/** Those who keep the books (the system that posts legs, the people who reconcile) compare them. */
const BOOKKEEPERS = ['submitter', 'reconciler'] as const;
const MspId = Str({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'an MSP id' });
const ValueDate = Type.String({ format: 'date', description: 'a value date YYYY-MM-DD' });

/** My books against the ledger: a statement compared with my legs, and my legs as a statement. */
export const statementRoutes = [
  route({
    operationId: 'compareStatement',
    method: 'post',
    path: '/statements',
    summary: 'Compare my books (a statement file) with my legs on the ledger',
    description:
      'The body is the file itself (camt.052/053/054 XML, MT940/MT950, or CSV with a header row; a CSV mapping other than reference,amount,currency,valueDate,side,payerRef,payeeRef,legId goes in the x-csv-mapping header as JSON). Needs the submitter or reconciler role. Each statement is compared with your legs of its value dates in its account and currency only (a leg whose payer or payee account is the statement account; by currency alone when no leg names that account, as `scopes` says; every currency for a CSV); the rest are counted in `counts.outOfScope`. Your legs that did not settle (FAILED, TIMED_OUT) are listed apart in `notSettled`, never as differences. Lines end with CRLF, LF or CR, mixed. Parsed and compared in a worker thread with named limits (application/src/ingest/README.md). A statement refused as it is (not well-formed, any DOCTYPE, balances or entry count that do not add up, an impossible date, an MT940 amount with a dot, a CSV cell a spreadsheet would run as a formula, a shape limit crossed) is 400 with `details.code` and `details.at`, the line or element that is wrong; a malformed x-csv-mapping is 400 naming the part in `details.field`; a file over its size, time or memory budget is 413; a second upload of the institution while one runs is 429. A CSV cell guarded with an apostrophe (as the ledger extract writes `-`, `+`, `=`, `@`, TAB or CR first) is read without it. With counterparty (and clearing) the report proposes the legs to post for what is only in my books; post them with /legs/batch.',
    tags: ['statements'],
    auth: 'session',
    roles: { anyOf: BOOKKEEPERS, what: 'comparing a statement with the ledger' },
    index: true,
    query: Type.Object({
      format: OneOf(['camt', 'mt940', 'csv']),
      counterparty: Type.Optional(MspId),
      clearing: Type.Optional(MspId),
    }),
    headers: Type.Object({
      'x-csv-mapping': Type.Optional(
        Type.String({
          maxLength: 8192,
          description:
            'CSV only: JSON { columns: { reference, amount, currency, valueDate, side?, bookingDate?, payerRef?, payeeRef?, legId?, status? }, sideValues?: { credit: [...], debit: [...] }, delimiter?, statementId?, account? }, checked whole (unknown keys refused)',
        }),
      ),
    }),
    upload: ['application/xml', 'text/plain', 'text/csv'],
    responses: { 200: { description: 'the difference report', schema: StatementReport } },
    errors: [413, 429],
    handle: async ({ query }, { req, pool, session }) => ({
      status: 200 as const,
      body: await statementReport(req, query, pool, session.mspId),
    }),
  }),
  route({
    operationId: 'getLedgerExtract',
    method: 'get',
    path: '/statements/ledger',
    summary: "Your institution's own legs on the ledger for a range of value dates, as a CSV statement",
    description: `The columns the statement upload reads by default (reference, amount in major units, currency, valueDate, side, payerRef, payeeRef, legId): the ledger's side of a reconciliation, to set beside your books. Debtor and creditor legs only; at most ${String(EXTRACT_ROWS_MAX)} rows. A cell a spreadsheet would run as a formula (first character =, +, -, @, TAB or CR) is written with an apostrophe before it, which the upload takes off again: the extract uploaded as it is compares without a difference.`,
    tags: ['statements'],
    auth: 'session',
    roles: { anyOf: BOOKKEEPERS, what: 'downloading the ledger extract' },
    index: true,
    query: Type.Object({
      from: ValueDate,
      to: Type.Optional(
        Type.String({ format: 'date', description: 'a value date YYYY-MM-DD, not before from' }),
      ),
    }),
    responses: {
      200: { description: 'the legs as a CSV statement', media: 'text/csv', schema: Type.String() },
    },
    handle: async ({ query }, { pool, session }) => {
      const { csv, from, to } = await ledgerExtract(pool, session.mspId, query);
      return {
        status: 200 as const,
        body: csv,
        headers: {
          'content-disposition': `attachment; filename="ledger-${session.mspId}-${from}-${to}.csv"`,
        },
      };
    },
  }),
];
