import type { TObject, TSchema } from '@sinclair/typebox';

import { PROBLEM_JSON, STATUS_OF } from './errors';
import { JSON_DEPTH_MAX } from './guards';
import { CERTIFICATE_REFUSALS } from './mutualTls';
import { ROUTES } from './routes';
import type { AnyRoute, ResponseSpec } from './routes/route';
import { componentName } from './routes/schema';
import { Problem } from './routes/shapes';

/**
 * The OpenAPI 3.1 document of the node, made from the route declarations (routes/): every operation with its
 * operationId, parameters, body and answers, and every shared shape once under `components.schemas`. Nothing
 * here is written by hand but the prose about the API as a whole.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A schema as plain JSON, with every named component (routes/schema.ts `component`) replaced by a reference to
 * it and collected in `components`.
 */
function plain(schema: unknown, components: Map<string, Json>, top = true): Json {
  if (Array.isArray(schema)) return schema.map((s) => plain(s, components, false));
  if (typeof schema !== 'object' || schema === null) return schema as Json;
  const name = componentName(schema);
  if (name !== undefined && !top) {
    if (!components.has(name)) {
      components.set(name, null); // reserved: a component that refers to itself stops here
      components.set(name, plain(schema, components, true));
    }
    return { $ref: `#/components/schemas/${name}` };
  }
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = plain(v, components, false);
  return out;
}

/** A schema where it stands in an operation: a component by reference, anything else inline. */
const schemaAt = (schema: TSchema, components: Map<string, Json>): Json => plain(schema, components, false);

/** Headers some error answers carry. */
const ERROR_HEADERS: Record<number, Record<string, Json> | undefined> = {
  401: {
    'WWW-Authenticate': {
      description: `always \`Bearer realm="tallystick"\`; with \`error="invalid_token", error_description="…"\` when a token was sent and refused (RFC 6750). A node with mutual TLS adds \`MutualTLS realm="tallystick"\`, with \`error="invalid_certificate", error_description="…"\` when a client certificate was refused (\`details.reason\`: ${[...CERTIFICATE_REFUSALS].join(', ')})`,
      schema: { type: 'string' },
    },
  },
  405: { Allow: { description: 'the methods the path serves', schema: { type: 'string' } } },
  429: {
    'Retry-After': { description: 'seconds until the next attempt may pass', schema: { type: 'integer' } },
  },
};

function errorAnswer(status: number): Json {
  const headers = ERROR_HEADERS[status];
  const codes = Object.entries(STATUS_OF)
    .filter(([, v]) => v === status)
    .map(([k]) => k);
  return {
    description: `problem details (${codes.join(', ')})`,
    ...(headers ? { headers } : {}),
    content: { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** The error statuses an operation can answer: those of its kind, and those it names. */
export function errorStatuses(r: AnyRoute): number[] {
  const statuses = new Set<number>([400, ...(r.errors ?? [])]);
  if (r.auth === 'session') statuses.add(401).add(429);
  if (r.roles) statuses.add(403);
  if (r.index) statuses.add(503);
  if (r.body && !r.upload) statuses.add(415);
  if (r.upload) statuses.add(413);
  return [...statuses].sort((a, b) => a - b);
}

function parameters(r: AnyRoute, components: Map<string, Json>): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query' | 'header', schema: TObject | undefined) => {
    if (!schema) return;
    const required = new Set(schema.required ?? []);
    for (const [name, s] of Object.entries(schema.properties)) {
      const description = (s as { description?: unknown }).description;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: plain(s, components, false),
      });
    }
  };
  add('path', r.params as TObject | undefined);
  add('query', r.query as TObject | undefined);
  add('header', r.headers as TObject | undefined);
  return out;
}

function answer(spec: ResponseSpec, components: Map<string, Json>): Json {
  const media = spec.media ?? 'application/json';
  const content: Record<string, Json> = {};
  if (spec.schema) content[media] = { schema: schemaAt(spec.schema, components) };
  if (spec.also) content[spec.also.media] = { schema: schemaAt(spec.also.schema, components) };
  const headers = spec.headers
    ? Object.fromEntries(
        Object.entries(spec.headers).map(([k, h]) => [
          k,
          { description: h.description, schema: plain(h.schema, components) },
        ]),
      )
    : undefined;
  return {
    description: spec.description,
    ...(headers ? { headers } : {}),
    ...(spec.schema ? { content } : {}),
  };
}

function operation(r: AnyRoute, components: Map<string, Json>): Json {
  const params = parameters(r, components);
  const body: Json | undefined = r.upload
    ? {
        required: true,
        content: Object.fromEntries(r.upload.map((m) => [m, { schema: { type: 'string' } }])),
      }
    : r.body
      ? {
          required: r.bodyRequired ?? true,
          content: { 'application/json': { schema: schemaAt(r.body as TSchema, components) } },
        }
      : undefined;
  const responses: Record<string, Json> = {};
  for (const [status, spec] of Object.entries(r.responses as Record<string, ResponseSpec>))
    responses[status] = answer(spec, components);
  for (const status of errorStatuses(r)) responses[String(status)] = errorAnswer(status);
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description === undefined ? {} : { description: r.description }),
    tags: [...r.tags],
    ...(r.auth === 'public' ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body === undefined ? {} : { requestBody: body }),
    responses,
  };
}

const TAGS: Record<string, string> = {
  sessions: 'Logging in and out; who the caller is',
  legs: 'Posting legs to the ledger',
  cases: 'Cases on the ledger, and the sweep of those past their service level',
  breaks: 'Breaks on the ledger and every step of their workflow, each signed by the person',
  queue: "The work queue from the node's index, saved views, colleagues and the change stream",
  statements: 'My books against the ledger',
  audit: "Figures, the auditor's list of every break, and the index checked against the ledger",
  provenance: 'Every committed version of a ledger record',
  meta: 'The node about itself',
  blacklist:
    "The shared blacklist: entries with provenance, recorded queries, the subject's report, the policy under majority (identifiers hashed on the node)",
};

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string } & Record<
    string,
    Json
  >;
  readonly paths: Record<string, Record<string, Json>>;
  readonly components: {
    readonly securitySchemes: Record<string, Json>;
    readonly schemas: Record<string, Json>;
  };
  readonly [key: string]: unknown;
}

/** The OpenAPI document of `routes`. */
export function openApiDocumentOf(routes: readonly AnyRoute[]): OpenApiDocument {
  const components = new Map<string, Json>();
  schemaAt(Problem, components);
  const paths: Record<string, Record<string, Json>> = {};
  // The document describes /v1; /healthz and /metrics (mount: root) are described in docs/API.md.
  for (const r of routes) {
    if (r.mount === 'root') continue;
    const item = (paths[r.path] ??= {});
    item[r.method] = operation(r, components);
  }
  const tags = [...new Set(routes.filter((r) => r.mount !== 'root').flatMap((r) => r.tags))].map((name) => ({
    name,
    description: TAGS[name] ?? name,
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tallystick institution node',
      version: '1.0.0',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description: `One node per member institution. Every write is a ledger transaction signed by the logged-in person. Amounts are integer minor units as decimal strings. Errors are RFC 9457 problem details (\`${PROBLEM_JSON}\`): \`type\`, \`title\`, \`status\`, \`detail\`, the stable \`code\` and \`requestId\`, and \`errors\` listing every problem found (a batch of legs: each bad leg and field; a request: each bad parameter, header and body field), the first being the answer's own; \`error\` repeats code, message, requestId and details for clients written before problem details. Every request: a JSON body needs \`Content-Type: application/json\` in UTF-8 and Content-Encoding gzip, deflate, br or none (415 otherwise), nests at most ${String(JSON_DEPTH_MAX)} levels and holds no NUL (400); a path or query that is not valid percent-encoded UTF-8 or holds a control character is 400; a served path with another method is 405 with \`Allow\`. Every answer carries Content-Security-Policy, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, X-Frame-Options: DENY, Cross-Origin-Opener-Policy: same-origin and Cache-Control: no-store.`,
    },
    servers: [{ url: '/v1' }],
    security: [{ bearer: [] }, { mutualTLS: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a session token from POST /sessions' },
        mutualTLS: {
          type: 'mutualTLS',
          description:
            "A client certificate issued by the node's institution's CA (fabric-ca on Fabric), presented in the TLS handshake, on a node serving HTTPS (TALLYSTICK_TLS_*): the caller is the certificate's identity, with the roles of its attributes, and the node signs its transactions with the signing credential it keeps for that identity (provisioned once: POST /sessions over that certificate). Certificates of another CA, expired, revoked (with the CA's revocation list configured), without a role, or without a matching signing credential: 401.",
        },
      },
      schemas: Object.fromEntries([...components].sort(([a], [b]) => (a < b ? -1 : 1))),
    },
  };
}

/** The document this node serves at /v1/openapi.json. */
export const openApiDocument = openApiDocumentOf(ROUTES);
