import type { TObject, TSchema } from '@sinclair/typebox';
import type { Request, Response, Router } from 'express';

import { hasAnyRole } from '../../../../chaincode/src/core/actor';
import type { Session } from '../../identity/sessions';
import { ApiError, type Problem } from '../errors';
import { STREAMED, type AnyRoute, type RouteContext } from './route';
import { problemsOf, refuse, type Part } from './validate';

/** The express path of an OpenAPI path: `/breaks/{breakId}` → `/breaks/:breakId`. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/** What every handler of an app shares; `session` and `pool` are filled per request. */
export type AppContext = Omit<RouteContext, 'req' | 'res' | 'requestId' | 'session' | 'pool'>;

/** The caller, set by the authentication in front of `auth: 'session'` routes. */
export const sessionOf = (req: Request): Session | undefined =>
  (req as Request & { session?: Session }).session;
export const requestIdOf = (req: Request): string =>
  (req as Request & { requestId?: string }).requestId ?? '';

/** Header values by the schema's canonical names (`Idempotency-Key`), absent ones left out. */
function headersOf(req: Request, schema: TObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(schema.properties)) {
    const v = req.get(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The checked input of a request, or every problem of it at once. */
function inputOf(r: AnyRoute, req: Request, session: Session | undefined) {
  const params = { ...(req.params as Record<string, string>) };
  // An empty query parameter (`?reason=`, as a form sends an unset filter) is as if it were absent.
  const query = Object.fromEntries(
    Object.entries(req.query as Record<string, unknown>).filter(([, v]) => v !== ''),
  );
  const headers = r.headers ? headersOf(req, r.headers as TObject) : {};
  const raw: unknown = r.upload ? undefined : req.body;
  const parts: Part[] = [];
  if (r.params) parts.push({ schema: r.params as TObject, from: 'text', value: params });
  if (r.query) parts.push({ schema: r.query as TObject, from: 'text', value: query });
  const bodyProblems: Problem[] = [];
  if (r.body && !r.upload) {
    const required = r.bodyRequired ?? true;
    if (raw === undefined && required)
      bodyProblems.push({ code: 'VALIDATION_FAILED', field: 'body', message: 'a JSON body is required' });
    else if (raw !== undefined && r.checkBody === undefined)
      parts.push({ schema: r.body as TSchema, from: 'json', value: raw });
  }
  const problems = [...problemsOf(parts), ...bodyProblems];
  if (r.headers)
    problems.push(...problemsOf([{ schema: r.headers as TObject, from: 'text', value: headers }]));
  refuse(problems);
  // The closer check (a leg's core parsers) runs once the rest is known good: its codes are the core's own.
  if (r.body && r.checkBody && raw !== undefined) r.checkBody(raw, session);
  return { params, query, headers, body: raw ?? (r.body && !(r.bodyRequired ?? true) ? {} : undefined) };
}

/** Mounts the routes on `router` in order, each with its checks before its handler. */
export function mountRoutes(
  router: Pick<Router, 'get' | 'post' | 'put' | 'delete'>,
  routes: readonly AnyRoute[],
  app: AppContext,
): void {
  for (const r of routes) {
    router[r.method](expressPath(r.path), async (req: Request, res: Response) => {
      const session = sessionOf(req);
      if (r.roles && session) {
        const ok = hasAnyRole(
          { mspId: session.mspId, id: '', name: session.enrollmentId, roles: session.roles },
          r.roles.anyOf,
        );
        if (!ok)
          throw new ApiError('FORBIDDEN', `${r.roles.what} needs the role ${r.roles.anyOf.join(' or ')}`);
      }
      const pool = app.deps.index?.pool;
      if (r.index && pool === undefined)
        throw new ApiError('INDEX_UNAVAILABLE', 'this node runs without an off-chain index');
      const input = inputOf(r, req, session);
      const ctx: RouteContext = {
        ...app,
        req,
        res,
        requestId: requestIdOf(req),
        // Only session routes read these; they are there when read (authentication and the index check above).
        session: session as Session,
        pool: pool as NonNullable<typeof pool>,
      };
      const reply: unknown = await r.handle(input, ctx);
      if (reply === STREAMED) return;
      const { status, body, headers } = reply as {
        status: number;
        body?: unknown;
        headers?: Record<string, string>;
      };
      for (const [k, v] of Object.entries(headers ?? {})) res.setHeader(k, v);
      const spec = (r.responses as Record<number, { media?: string } | undefined>)[status];
      if (body === undefined) res.status(status).end();
      else if (spec?.media !== undefined && spec.media !== 'application/json') {
        if (!res.hasHeader('content-type')) res.setHeader('content-type', `${spec.media}; charset=utf-8`);
        res.status(status).send(body);
      } else res.status(status).json(body);
    });
  }
}
