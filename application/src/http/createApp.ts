import { randomUUID } from 'node:crypto';

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import express, { type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { Enroller } from '../identity/enroller';
import type { SessionStore, Session } from '../identity/sessions';
import type { FileWallet } from '../identity/wallet';
import type { BlockIndexer } from '../indexer/blockIndexer';
import type { LedgerGateway } from '../ledger/ledgerGateway';
import { authentication } from './authenticate';
import { ApiError, PROBLEM_JSON, toErrorResponse } from './errors';
import { cleanPathAndQuery, jsonBody, methodNotAllowed, securityHeaders } from './guards';
import { LiveFeed } from './live';
import { CERTIFICATE_REFUSALS } from './mutualTls';
import { openApiDocument } from './openapi';
import { RateLimiter } from './rateLimit';
import { ROUTES } from './routes';
import { mountRoutes, type AppContext } from './routes/mount';
import { expressPath } from './routes/mount';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface AppDeps {
  /** The institution this node serves: people of other institutions cannot log in here. */
  readonly mspId: string;
  readonly gateway: LedgerGateway;
  readonly enroller: Enroller;
  readonly wallet: FileWallet;
  readonly sessions: SessionStore;
  readonly log?: (entry: LogEntry) => void;
  readonly rateLimit?: { readonly perSec: number; readonly burst: number };
  /** Login attempts per (client address, enrolment id); default LOGIN_LIMITS.perId. */
  readonly loginRateLimit?: { readonly perSec: number; readonly burst: number };
  /** Login attempts per client address, whatever the id; default LOGIN_LIMITS.perClient. */
  readonly loginClientRateLimit?: { readonly perSec: number; readonly burst: number };
  /** The node's off-chain index (PostgreSQL): the work queue, the dashboard, own legs in plaintext. */
  readonly index?: { readonly pool: pg.Pool; readonly indexer?: BlockIndexer };
  /**
   * The change stream to browsers (server-sent events at /v1/events). The caller that starts the indexer later
   * passes one, attaches the indexer to it and closes it on shutdown; without one the app makes its own and
   * follows `index.indexer` if there is one.
   */
  readonly live?: LiveFeed;
  /** The built web console (application/console/dist); served at `/` when the folder exists. */
  readonly consoleDir?: string;
  /**
   * Set when the node serves HTTPS asking for client certificates (listen's `tls`): a request over a verified
   * certificate of the institution's CA is that identity's, without a session (mutualTls.ts). With
   * `systemPasswordLogins: false` a system (role submitter) authenticates only so; people keep their logins.
   */
  readonly mutualTls?: { readonly systemPasswordLogins: boolean };
}

/** Where `npm run build` puts the console, seen from this file in the sources or in dist/. */
function builtConsoleDir(): string | undefined {
  return [
    join(__dirname, '../../console/dist'),
    join(__dirname, '../../../../application/console/dist'),
  ].find((d) => existsSync(join(d, 'index.html')));
}

/** What a 401 says about the scheme (RFC 6750); `error` only when a token was presented. */
const BEARER_REALM = 'Bearer realm="tallystick"';
/** The challenge a node with mutual TLS adds (no registered HTTP scheme names TLS client certificates). */
const MUTUAL_TLS_REALM = 'MutualTLS realm="tallystick"';
/** A message as a quoted-string of a header: printable ASCII only (a certificate's subject may hold anything). */
const quoted = (message: string) => message.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");

type Authed = Request & { session: Session; requestId: string };

/**
 * An express application for one institution's node (no listen: the caller decides where). It composes what
 * every request meets (security headers, request id, metrics and logs, clean paths, JSON bodies, 405, the
 * authentication) and mounts the routes declared in routes/; what each route takes and answers is declared there.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const log =
    deps.log ??
    ((e: LogEntry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'tallystick_http_requests_total',
    help: 'HTTP requests',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tallystick_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const ledgerTx = new Counter({
    name: 'tallystick_ledger_transactions_total',
    help: 'Ledger transactions submitted by this node',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const live =
    deps.live ??
    (() => {
      const feed = new LiveFeed();
      if (deps.index?.indexer) feed.attach(deps.index.indexer);
      return feed;
    })();
  const limiter = new RateLimiter(deps.rateLimit?.perSec ?? 200, deps.rateLimit?.burst ?? 400);
  // Sessions are kept in the wallet's folder (sealed with its key) so that a restart logs nobody out.
  // (A node built only to serve the console has neither.)
  const [sessions, wallet] = [
    deps.sessions as SessionStore | undefined,
    deps.wallet as FileWallet | undefined,
  ];
  if (sessions !== undefined && wallet !== undefined)
    sessions.keepIn(wallet, (e) => {
      log({
        level: 'warn',
        msg: 'could not sweep expired sessions',
        error: e instanceof Error ? e.message : String(e),
      });
    });

  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.set('json replacer', (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    (req as Authed).requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path
        ? `${req.baseUrl}${(req.route as { path: string }).path}`
        : 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
      const s = (req as Partial<Authed>).session;
      log({
        level: res.statusCode >= 500 ? 'error' : 'info',
        msg: 'request',
        requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        ...(s ? { user: s.enrollmentId, mspId: s.mspId } : {}),
      });
    });
    next();
  });

  const state = new Map<string, unknown>();
  const context: AppContext = {
    deps,
    live,
    registry,
    document: openApiDocument,
    log,
    counted: async (operation, work) => {
      try {
        const r = await work();
        ledgerTx.inc({ operation, outcome: 'committed' });
        return r;
      } catch (e) {
        ledgerTx.inc({ operation, outcome: 'refused' });
        throw e;
      }
    },
    state: <T>(key: string, make: () => T): T => {
      if (!state.has(key)) state.set(key, make());
      return state.get(key) as T;
    },
  };
  const isPublic = (r: (typeof ROUTES)[number]) => r.auth === 'public';

  // /healthz and /metrics, beside the console.
  mountRoutes(
    app,
    ROUTES.filter((r) => r.mount === 'root'),
    context,
  );

  const v1 = express.Router();
  v1.use(cleanPathAndQuery);
  v1.use(methodNotAllowed(v1));
  // A route that takes a file streams its own body (any format); every other body is JSON.
  const uploads = new Set(ROUTES.filter((r) => r.upload).map((r) => expressPath(r.path)));
  v1.use(jsonBody({ limit: '8mb', skip: (path) => uploads.has(path) }));
  const api = ROUTES.filter((r) => r.mount !== 'root');
  mountRoutes(v1, api.filter(isPublic), context);
  // Everything below needs a session, or (mutual TLS) a client certificate.
  v1.use(authentication(deps, limiter));
  mountRoutes(
    v1,
    api.filter((r) => !isPublic(r)),
    context,
  );

  app.use('/v1', v1);
  const consoleDir = deps.consoleDir ?? builtConsoleDir();
  if (consoleDir !== undefined && existsSync(join(consoleDir, 'index.html'))) {
    app.use(express.static(consoleDir, { index: 'index.html', fallthrough: true }));
  }
  // /healthz and /metrics with another method: 405, as under /v1.
  app.use(methodNotAllowed(app.router as unknown as express.Router));
  app.use((req: Request) => {
    throw new ApiError('NOT_FOUND', `no route ${req.method} ${req.path}`);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = (req as Partial<Authed>).requestId ?? randomUUID();
    const { status, body: payload } = toErrorResponse(err, requestId);
    if (status === 401) {
      // RFC 6750: the scheme always; an error code only when a token was presented and refused.
      const reason = (payload.details as { reason?: unknown } | undefined)?.reason;
      const byCertificate = typeof reason === 'string' && CERTIFICATE_REFUSALS.has(reason);
      const presented =
        !byCertificate && /^Bearer \S/.test(req.get('authorization') ?? '') && req.path !== '/v1/sessions';
      const challenges = [
        presented
          ? `${BEARER_REALM}, error="invalid_token", error_description="${quoted(payload.detail)}"`
          : BEARER_REALM,
      ];
      // With mutual TLS the certificate is the other way in; a refused one is named with its reason.
      if (deps.mutualTls)
        challenges.push(
          byCertificate
            ? `${MUTUAL_TLS_REALM}, error="invalid_certificate", error_description="${quoted(payload.detail)}"`
            : MUTUAL_TLS_REALM,
        );
      res.setHeader('www-authenticate', challenges);
    }
    if (status >= 500)
      log({
        level: 'error',
        msg: 'request failed',
        requestId,
        error: err instanceof Error ? err.message : String(err),
      });
    res.status(status).type(PROBLEM_JSON).json(payload);
  });
  return app;
}
