import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Request, Response } from 'express';
import type pg from 'pg';
import type { Registry } from 'prom-client';

import type { Role } from '../../../../chaincode/src/core/actor';
import type { Session } from '../../identity/sessions';
import type { AppDeps, LogEntry } from '../createApp';
import type { LiveFeed } from '../live';
import type { Shape } from './schema';

/**
 * A route of the API, declared once: method, path, who may call it, what it takes and what it answers. From
 * these declarations come the server's validation (routes/validate.ts), the OpenAPI document (../openapi.ts)
 * and the types the console and the CLI use (../apiTypes.ts). A module of routes is an array of them.
 */
export interface RouteSpec<
  P extends TObject | undefined = TObject | undefined,
  Q extends TObject | undefined = TObject | undefined,
  H extends TObject | undefined = TObject | undefined,
  B extends TSchema | undefined = TSchema | undefined,
  R extends Responses = Responses,
> {
  /** Unique, camelCase: the generated clients' method name. */
  readonly operationId: string;
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style (`/breaks/{breakId}`), below `mount` (`/v1` unless said otherwise). */
  readonly path: string;
  /** `root`: served beside the console (/healthz, /metrics), not under /v1. */
  readonly mount?: 'v1' | 'root';
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** `public`: no session needed (login, this document, health); `session`: a session or a client certificate. */
  readonly auth: 'public' | 'session';
  /** Any one of these roles; refused with 403 FORBIDDEN naming `what` otherwise. */
  readonly roles?: { readonly anyOf: readonly Role[]; readonly what: string };
  /** Reads the node's off-chain index: 503 INDEX_UNAVAILABLE on a node without one. */
  readonly index?: boolean;
  readonly params?: P;
  readonly query?: Q;
  /** Request headers by their canonical name (`Idempotency-Key`); matched case-insensitively. */
  readonly headers?: H;
  readonly body?: B;
  /** A JSON body must be sent (default: when `body` is given). */
  readonly bodyRequired?: boolean;
  /**
   * Checks the body instead of the schema, when a closer check than JSON Schema decides (a leg: the core's
   * parsers, with the core's codes). The schema still describes the body in the document.
   */
  readonly checkBody?: (body: unknown, session: Session | undefined) => void;
  /** The body is a file streamed to the handler, not JSON (the statement upload): its media types. */
  readonly upload?: readonly string[];
  readonly responses: R;
  /** Error statuses beyond those every route of its kind can answer (400, 401, 403, 415, 429, 503: added). */
  readonly errors?: readonly number[];
  readonly handle: (input: Input<P, Q, H, B>, ctx: RouteContext) => Promise<Reply<R>> | Reply<R>;
}

export interface ResponseSpec {
  readonly description: string;
  /** The body's schema; absent: no body (204). */
  readonly schema?: TSchema;
  /** Default application/json. */
  readonly media?:
    'application/json' | 'text/csv' | 'text/plain' | 'text/event-stream' | 'application/octet-stream';
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: TSchema }>>;
  /** Another media type the same answer may come in (provenance as CSV); the handler then answers it itself. */
  readonly also?: { readonly media: 'text/csv'; readonly schema: TSchema };
}
export type Responses = Readonly<Record<number, ResponseSpec>>;

type Of<S> = S extends TSchema ? Static<S> : undefined;
export interface Input<P, Q, H, B> {
  readonly params: Of<P>;
  readonly query: Of<Q>;
  readonly headers: Of<H>;
  readonly body: Of<B>;
}

/** What a handler answers: one of its declared statuses with that status's body, or that it answered itself. */
export type Reply<R extends Responses> =
  | {
      [K in keyof R & number]: R[K]['schema'] extends TSchema
        ? {
            readonly status: K;
            readonly body: Shape<R[K]['schema']>;
            readonly headers?: Readonly<Record<string, string>>;
          }
        : { readonly status: K };
    }[keyof R & number]
  | typeof STREAMED;

/** A handler that took over the response (a server-sent event stream) answers this. */
export const STREAMED = Symbol('streamed');

/** What a handler has besides its input: the node's parts, the caller, and the request for what only it knows. */
export interface RouteContext {
  readonly deps: AppDeps;
  readonly req: Request;
  readonly res: Response;
  readonly requestId: string;
  /** The caller (on `auth: 'session'` routes). */
  readonly session: Session;
  /** The index's pool (on `index: true` routes). */
  readonly pool: pg.Pool;
  readonly live: LiveFeed;
  /** The node's Prometheus metrics. */
  readonly registry: Registry;
  /** The OpenAPI document of the routes (../openapi.ts). */
  readonly document: object;
  readonly log: (entry: LogEntry) => void;
  /** Runs a ledger transaction, counting it as committed or refused in the node's metrics. */
  readonly counted: <T>(operation: string, work: () => Promise<T>) => Promise<T>;
  /** Per-app state a route module keeps (a cursor key), made once per app by `make`. */
  readonly state: <T>(key: string, make: () => T) => T;
}

/** Declares a route, inferring its types from its schemas (the declaration is returned as it is). */
export function route<
  P extends TObject | undefined = undefined,
  Q extends TObject | undefined = undefined,
  H extends TObject | undefined = undefined,
  B extends TSchema | undefined = undefined,
  const R extends Responses = Responses,
>(spec: RouteSpec<P, Q, H, B, R>): RouteSpec<P, Q, H, B, R> {
  return spec;
}

/** A route of any shape, as the mounting and the document read it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any, any>;
