import { Type } from '@sinclair/typebox';

import { decideAccess } from '../../../../chaincode/src/core/receivables/access';
import { partyLabel, receivablesActorOf } from '../../../../chaincode/src/core/receivables/parties';
import { readCertificate } from '../../identity/certificate';
import type { Session } from '../../identity/sessions';
import {
  listReceivables,
  RECEIVABLES_PAGE_MAX,
  tokenTree,
  type ListedRecord as Listed,
} from '../../readModel/receivablesIndex';
import { listingCursors } from '../cursorSeal';
import { ApiError } from '../errors';
import { ListPage, Me, RECORD_KINDS, Tree } from './receivablesShapes';
import { route } from './route';
import { Int, OneOf, Str } from './schema';
import type { Shape } from './schema';

/**
 * Each person's receivables from the node's own index (docs/RECEIVABLES.md, "The index"): the rows whose viewers
 * name the person's enterprise (its bank, for a financier); an auditor sees every row the node indexed. Who a
 * person is comes from the certificate's `enterpriseId` and `roles`, and the access table's READ decides who may
 * list at all, as the chaincode decides who may read.
 */

/** The person as receivables see them: the actor from the certificate (INVALID_INPUT for a mixed one). */
function actorOf(session: Session) {
  const { attributes } = readCertificate(session.identity.certificatePem);
  let actor;
  try {
    actor = receivablesActorOf(
      { id: session.enrollmentId, mspId: session.mspId, name: session.enrollmentId },
      attributes.enterpriseId,
      attributes.roles,
    );
  } catch (e) {
    throw new ApiError('INVALID_INPUT', e instanceof Error ? e.message : String(e));
  }
  return actor;
}

/** The party whose rows `session` sees: a label, or null for an auditor (every row). */
export function receivablesViewerOf(session: Session): string | null {
  const actor = actorOf(session);
  if (actor.roles.includes('auditor')) return null;
  const self =
    actor.enterpriseId === null
      ? { kind: 'BANK' as const, mspId: actor.mspId }
      : { enterpriseId: actor.enterpriseId, kind: 'ENTERPRISE' as const, mspId: actor.mspId };
  const d = decideAccess(actor, 'READ', [self]);
  if (!d.allowed) throw new ApiError(d.code, d.message);
  return partyLabel(self);
}

const Flag = OneOf(['true', 'false'] as const);
const Day = Str({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'a day YYYY-MM-DD' });

const listed = (r: Listed) => r as Shape<typeof ListPage>['items'][number];

export const receivablesIndexRoutes = [
  route({
    operationId: 'getReceivablesMe',
    method: 'get',
    path: '/receivables/me',
    summary: 'Who the signed-in person is in receivables: their enterprise (or bank) and receivables roles',
    description:
      "From the certificate's `enterpriseId` and `roles` attributes, as the chaincode reads them. `party` is how the lists name them (`<code>@<MSP>`, or the MSP ID for a bank's staff); null for an auditor (who sees every record) and for a person without a receivables role.",
    tags: ['receivables'],
    auth: 'session',
    responses: { 200: { description: 'the person', schema: Me } },
    handle: (_input, { session }) => {
      const actor = actorOf(session);
      const party =
        actor.roles.includes('auditor') || actor.roles.length === 0
          ? null
          : actor.enterpriseId === null
            ? actor.mspId
            : `${actor.enterpriseId}@${actor.mspId}`;
      return {
        status: 200 as const,
        body: { mspId: actor.mspId, enterpriseId: actor.enterpriseId, roles: [...actor.roles], party },
      };
    },
  }),
  route({
    operationId: 'listReceivables',
    method: 'get',
    path: '/receivables/records',
    summary: "The signed-in person's trades, tokens, parts, moves, payments or financings (from the index)",
    description:
      "One kind at a time, filtered, newest change first (or by due date: a maturity calendar), keyset pages. An enterprise's people see the records naming their enterprise (a part: its branch up to the root and every holder below; a token: everyone who sees a part of it); a financier those naming the bank (the parts it financed or is offered); an auditor every record the node indexed. `mine=true` keeps what the person's enterprise (or bank) holds now. Needs a receivables role (ROLE_REQUIRED otherwise).",
    tags: ['receivables'],
    auth: 'session',
    index: true,
    query: Type.Object({
      kind: OneOf(RECORD_KINDS),
      status: Type.Optional(Str({ max: 200, description: 'statuses, comma-separated (HELD,OFFERED)' })),
      mine: Type.Optional(Flag),
      holder: Type.Optional(Str({ max: 100, description: 'a party: `<code>@<MSP>` or `<MSP>`' })),
      tokenId: Type.Optional(Str({ max: 64 })),
      tradeId: Type.Optional(Str({ max: 64 })),
      currency: Type.Optional(Str({ pattern: '^[A-Z]{3}$' })),
      dueFrom: Type.Optional(Day),
      dueTo: Type.Optional(Day),
      longTerm: Type.Optional(Flag),
      order: Type.Optional(OneOf(['newest', 'due'] as const)),
      limit: Type.Optional(Int({ min: 1, max: RECEIVABLES_PAGE_MAX })),
      cursor: Type.Optional(Str({ max: 2048, description: 'nextCursor of the previous page' })),
    }),
    responses: { 200: { description: 'one page', schema: ListPage } },
    handle: async ({ query }, ctx) => {
      const { pool, session } = ctx;
      const cursors = listingCursors(ctx, 'receivables', query);
      const after = cursors.position();
      const viewer = receivablesViewerOf(session);
      if (query.mine === 'true' && viewer === null)
        throw new ApiError('VALIDATION_FAILED', 'an auditor holds nothing: mine=true is for parties', {
          field: 'mine',
        });
      const holder = query.mine === 'true' ? (viewer ?? undefined) : query.holder;
      try {
        const page = await listReceivables(pool, {
          kind: query.kind,
          viewer,
          limit: query.limit ?? 50,
          ...(query.status ? { statuses: query.status.split(',').map((x) => x.trim()) } : {}),
          ...(holder !== undefined ? { holder } : {}),
          ...(query.tokenId !== undefined ? { tokenId: query.tokenId } : {}),
          ...(query.tradeId !== undefined ? { tradeId: query.tradeId } : {}),
          ...(query.currency !== undefined ? { currency: query.currency } : {}),
          ...(query.dueFrom !== undefined ? { dueFrom: query.dueFrom } : {}),
          ...(query.dueTo !== undefined ? { dueTo: query.dueTo } : {}),
          ...(query.longTerm !== undefined ? { longTerm: query.longTerm === 'true' } : {}),
          ...(query.order !== undefined ? { order: query.order } : {}),
          ...(after !== undefined ? { after } : {}),
        });
        return {
          status: 200 as const,
          body: { items: page.items.map(listed), nextCursor: cursors.cursor(page.next) },
        };
      } catch (e) {
        if (e instanceof RangeError)
          throw new ApiError('VALIDATION_FAILED', 'cursor is not one this listing gave', { field: 'cursor' });
        throw e;
      }
    },
  }),
  route({
    operationId: 'getReceivablesTree',
    method: 'get',
    path: '/receivables/tree',
    summary: "A token's tree as the signed-in person may see it (from the index)",
    description:
      "The token and its parts that the person may see, each naming its parent, so a part traces back to the root, the core enterprise and the original trade. Read from the node's index, not the ledger.",
    tags: ['receivables'],
    auth: 'session',
    index: true,
    query: Type.Object({ tokenId: Str({ min: 1, max: 64 }) }),
    responses: {
      200: {
        description: 'the tree (token null and no parts: the index shows this person nothing of it)',
        schema: Tree,
      },
    },
    handle: async ({ query }, { pool, session }) => {
      const tree = await tokenTree(pool, query.tokenId, receivablesViewerOf(session));
      return {
        status: 200 as const,
        body: { token: tree.token ? listed(tree.token) : null, parts: tree.parts.map(listed) },
      };
    },
  }),
];
