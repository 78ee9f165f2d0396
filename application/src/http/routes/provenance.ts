import { Type } from '@sinclair/typebox';

import { provenanceCsv, withBlocks } from '../provenance';
import { route, STREAMED } from './route';
import { OneOf, Str } from './schema';
import { Provenance } from './shapes';

/** Every committed version of a ledger record, with the block and signer of each. */
export const provenanceRoutes = [
  route({
    operationId: 'getProvenance',
    method: 'get',
    path: '/provenance/{kind}/{id}',
    summary:
      'Every committed version of a case, break or leg record: transaction id, time, block, signer; JSON or CSV',
    description:
      "The ledger's history of the key, joined with the node's index for each transaction's block number, position and signer (MSP ID, certificate subject and issuer from the block). `blockNumber` and `signer` are null for a transaction the index has not seen.",
    tags: ['provenance'],
    auth: 'session',
    params: Type.Object({
      kind: OneOf(['case', 'break', 'leg']),
      id: Str({ min: 1, max: 140, description: 'a caseId, a breakId, or mspId:legId' }),
    }),
    query: Type.Object({ format: Type.Optional(OneOf(['json', 'csv'])) }),
    responses: {
      200: {
        description: 'the history, newest version first (`format=csv`: as CSV)',
        schema: Provenance,
        also: { media: 'text/csv', schema: Type.String() },
      },
    },
    errors: [403, 404],
    handle: async ({ params, query }, { deps, session, res }) => {
      const { kind, id } = params;
      const history = await withBlocks(
        deps.index?.pool,
        await deps.gateway.history(session.identity, kind, id),
      );
      if (query.format === 'csv') {
        res.setHeader('content-type', 'text/csv; charset=utf-8');
        res.setHeader(
          'content-disposition',
          `attachment; filename="provenance-${kind}-${id.replace(/[^\w.-]/g, '_')}.csv"`,
        );
        res.send(provenanceCsv(kind, id, history));
        return STREAMED;
      }
      return { status: 200 as const, body: { kind, id, history } };
    },
  }),
];
