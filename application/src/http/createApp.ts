import express from 'express';
import type pg from 'pg';

import type { NodeBlacklist } from '../blacklist/nodeBlacklist';
import type { PersonDirectory } from '../identity/directory';
import type { Enroller } from '../identity/enroller';
import type { SessionStore } from '../identity/sessions';
import type { FileWallet } from '../identity/wallet';
import type { BlockIndexer } from '../indexer/blockIndexer';
import type { LedgerGateway } from '../ledger/ledgerGateway';
import { createAppContext, keepSessionsInWallet } from './appContext';
import { authentication } from './authenticate';
import { consoleFiles } from './consoleFiles';
import { cleanPathAndQuery, jsonBody, methodNotAllowed, securityHeaders } from './guards';
import type { LiveFeed } from './live';
import { createNodeMetrics } from './metrics';
import { notFound, problemResponse } from './problemResponse';
import { RateLimiter } from './rateLimit';
import { requestIdAndLog, stdoutLog } from './requestLog';
import { ROUTES } from './routes';
import { mountRoutes, type AppContext } from './routes/mount';
import type { PartyNodeDirectory } from '../attachments/partyFetch';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface AppDeps {
  /** The institution this node serves: people of other institutions cannot log in here. */
  readonly mspId: string;
  /** The institution's name for people (the console's title and login page); its MSP ID when absent. */
  readonly institutionName?: string;
  readonly gateway: LedgerGateway;
  readonly enroller: Enroller;
  /**
   * The institution's reconcilers and approvers (identity/directory.ts): a break is assigned only to one of them
   * (422 UNKNOWN_PERSON otherwise), and GET /v1/people lists them. Absent: any name is taken.
   */
  readonly people?: PersonDirectory;
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
  /**
   * The shared blacklist on this node (application/src/blacklist/nodeBlacklist.ts): its use cases, the
   * consortium's subject keys, the node's evidence-salt secret. Absent: /v1/blacklist answers 503
   * BLACKLIST_UNAVAILABLE.
   */
  readonly blacklist?: NodeBlacklist;
  /** The built web console (application/console/dist); served at `/` when the folder exists. */
  readonly consoleDir?: string;
  /**
   * Set when the node serves HTTPS asking for client certificates (listen's `tls`): a request over a verified
   * certificate of the institution's CA is that identity's, without a session (mutualTls.ts). With
   * `systemPasswordLogins: false` a system (role submitter) authenticates only so; people keep their logins.
   */
  readonly mutualTls?: { readonly systemPasswordLogins: boolean };
  /**
   * The time the node's receivables submissions carry (routes/receivables.ts), for tests on the embedded
   * network that reach a maturity date; absent (always on Fabric): the proposal's own time.
   */
  readonly receivablesClock?: () => Date;
  /**
   * The consortium's nodes (MSP ID → URL and the institution's CA certificate): where this node fetches a file
   * another party attached to a break, and whose people may fetch the files this node's institution attached
   * (attachments/partyFetch.ts). Absent: attachments stay on the node that holds them.
   */
  readonly partyNodes?: PartyNodeDirectory;
}

/**
 * An express application for one institution's node (no listen: the caller decides where). It composes what
 * every request meets (security headers, request id, metrics and logs, clean paths, JSON bodies, 405, the
 * authentication) and mounts the routes declared in routes/; what each route takes and answers is declared there.
 * The pieces it composes live beside it: `requestLog.ts` (request id, metrics, one log line), `problemResponse.ts`
 * (errors as problem details, 401 challenges), `consoleFiles.ts`, `appContext.ts` (what the routes share) and
 * `metrics.ts`.
 */
export function createApp(deps: AppDeps): express.Express {
  const log = deps.log ?? stdoutLog;
  const metrics = createNodeMetrics();
  const context = createAppContext(deps, log, metrics);
  const limiter = new RateLimiter(deps.rateLimit?.perSec ?? 200, deps.rateLimit?.burst ?? 400);
  keepSessionsInWallet(deps, log);

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.set('json replacer', (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  app.use(requestIdAndLog(log, metrics));
  // /healthz and /metrics, beside the console.
  mountRoutes(
    app,
    ROUTES.filter((r) => r.mount === 'root'),
    context,
  );
  app.use('/v1', apiRouter(deps, context, limiter));
  const consoleServing = consoleFiles(deps.consoleDir);
  if (consoleServing !== undefined) app.use(consoleServing);
  // /healthz and /metrics with another method: 405, as under /v1.
  app.use(methodNotAllowed(app.router as unknown as express.Router));
  app.use(notFound);
  app.use(problemResponse(log, deps.mutualTls !== undefined));
  return app;
}

/** The API under /v1: its guards, the public routes, then the authentication and every other route. */
function apiRouter(deps: AppDeps, context: AppContext, limiter: RateLimiter): express.Router {
  const isPublic = (r: (typeof ROUTES)[number]) => r.auth === 'public';
  const v1 = express.Router();
  v1.use(cleanPathAndQuery);
  v1.use(methodNotAllowed(v1));
  // A route that takes a file streams its own body (any format); every other body is JSON.
  // A path template's parameters match one segment each (`/breaks/{breakId}/attachments`).
  const uploads = ROUTES.filter((r) => r.upload).map(
    (r) => new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`),
  );
  v1.use(jsonBody({ limit: '8mb', skip: (path) => uploads.some((u) => u.test(path)) }));
  const api = ROUTES.filter((r) => r.mount !== 'root');
  mountRoutes(v1, api.filter(isPublic), context);
  // Everything below needs a session, or (mutual TLS) a client certificate.
  v1.use(authentication(deps, limiter));
  mountRoutes(
    v1,
    api.filter((r) => !isPublic(r)),
    context,
  );
  return v1;
}
