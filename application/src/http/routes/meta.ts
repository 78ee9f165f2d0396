import { Type } from '@sinclair/typebox';

import { Health } from './shapes';
import { route } from './route';

/** The node about itself: this document, its health, its metrics. */
export const metaRoutes = [
  route({
    operationId: 'getOpenApiDocument',
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tags: ['meta'],
    auth: 'public',
    responses: {
      200: {
        description: 'OpenAPI 3.1',
        schema: Type.Object({}, { description: 'an OpenAPI 3.1 document' }),
      },
    },
    handle: (_input, ctx) => ({ status: 200 as const, body: ctx.document }),
  }),
  route({
    operationId: 'getHealth',
    method: 'get',
    path: '/healthz',
    mount: 'root',
    summary: 'Whether the node serves, which ledger it uses, and where its index stands',
    tags: ['meta'],
    auth: 'public',
    responses: { 200: { description: 'serving', schema: Health } },
    handle: (_input, { deps }) => {
      const cp = deps.index?.indexer?.checkpoint;
      return {
        status: 200 as const,
        body: {
          status: 'ok' as const,
          mspId: deps.mspId,
          institution: deps.institutionName ?? deps.mspId,
          ledger: deps.gateway.backend,
          ...(deps.index
            ? { index: cp ? { block: cp.blockNumber.toString(), txIndex: cp.txIndex } : { block: null } }
            : {}),
        },
      };
    },
  }),
  route({
    operationId: 'getMetrics',
    method: 'get',
    path: '/metrics',
    mount: 'root',
    summary: 'Prometheus metrics (requests, their durations, ledger transactions, the process)',
    tags: ['meta'],
    auth: 'public',
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        media: 'text/plain',
        schema: Type.String(),
      },
    },
    handle: async (_input, { registry }) => ({
      status: 200 as const,
      body: await registry.metrics(),
      headers: { 'content-type': registry.contentType },
    }),
  }),
];
