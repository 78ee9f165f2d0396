import { randomUUID } from 'node:crypto';

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import express, { type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import { hasAnyRole, type Role } from '../../../chaincode/src/core/actor';
import {
  ACTION_ROLES,
  RESOLUTION_KINDS,
  type ResolutionKind,
} from '../../../chaincode/src/core/breakMachine';
import { LIMITS } from '../../../chaincode/src/core/limits';
import type { Enroller } from '../identity/enroller';
import { readCertificate } from '../identity/certificate';
import { tokenIssuer, type SessionStore, type Session } from '../identity/sessions';
import type { FileWallet } from '../identity/wallet';
import type { BlockIndexer } from '../indexer/blockIndexer';
import { listAuditBreaks } from '../indexer/auditBreaks';
import { verifyIndex } from '../indexer/verify';
import type { DecisionAction, LedgerGateway, LegInput } from '../ledger/ledgerGateway';
import { dashboard } from './dashboard';
import { ApiError, toErrorResponse } from './errors';
import { cleanPathAndQuery, jsonBody, methodNotAllowed, securityHeaders } from './guards';
import { checkLegs } from './legProblems';
import { LiveFeed } from './live';
import { CERTIFICATE_REFUSALS, isSystem, presentedCertificate, signingCredentialFor } from './mutualTls';
import { openApiDocument } from './openapi';
import { provenanceCsv, withBlocks } from './provenance';
import {
  BULK_BREAKS_MAX,
  colleagues,
  deleteView,
  listViews,
  parseViewQuery,
  queuePage,
  saveView,
  viewName,
} from './queue';
import { CursorSeal } from './cursorSeal';
import { LOGIN_LIMITS, RateLimiter } from './rateLimit';
import { ledgerExtract, statementReport } from './statements';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** Idempotency-Key: the ledger's key pattern, with room for the suffix a bulk request adds per break. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._~:-]{1,100}$/;

/** How long a post waits for the index to hold what it committed before answering anyway. */
const INDEX_WAIT_MS = 10_000;

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

const str = (v: unknown, field: string, max = 256): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new ApiError('VALIDATION_FAILED', `${field} is required: a string of 1-${max} characters`, {
      field,
    });
  }
  return v;
};
const optStr = (v: unknown, field: string, max: number = LIMITS.commentMax): string | undefined =>
  v === undefined || v === null || v === '' ? undefined : str(v, field, max);
const body = (req: Request): Record<string, unknown> => {
  const b: unknown = req.body;
  if (b === undefined) return {};
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw new ApiError('VALIDATION_FAILED', 'the request body must be a JSON object');
  return b as Record<string, unknown>;
};

/**
 * Runs every field's check and throws all their refusals at once (the first as `error`, all in `errors`), so a
 * client fixes a request in one round trip; returns each check's value when none refused.
 */
function fields<T extends unknown[]>(...checks: { [K in keyof T]: () => T[K] }): T {
  const values: unknown[] = [];
  const refused: ApiError[] = [];
  for (const check of checks) {
    try {
      values.push(check());
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'VALIDATION_FAILED') throw e;
      refused.push(e);
      values.push(undefined);
    }
  }
  const first = refused[0];
  if (first === undefined) return values as T;
  if (refused.length === 1) throw first;
  throw new ApiError(
    first.code,
    `${first.message} (and ${refused.length - 1} more: see errors)`,
    first.details,
    refused.flatMap((e) => {
      const field = (e.details as { field?: unknown } | undefined)?.field;
      return [{ code: e.code, message: e.message, ...(typeof field === 'string' ? { field } : {}) }];
    }),
  );
}

/** An express application for one institution's node (no listen: the caller decides where). */
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
  const loginLimiter = new RateLimiter(
    deps.loginRateLimit?.perSec ?? LOGIN_LIMITS.perId.perSec,
    deps.loginRateLimit?.burst ?? LOGIN_LIMITS.perId.burst,
  );
  const loginClientLimiter = new RateLimiter(
    deps.loginClientRateLimit?.perSec ?? LOGIN_LIMITS.perClient.perSec,
    deps.loginClientRateLimit?.burst ?? LOGIN_LIMITS.perClient.burst,
  );
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

  app.get('/healthz', (_req, res) => {
    const cp = deps.index?.indexer?.checkpoint;
    res.json({
      status: 'ok',
      mspId: deps.mspId,
      ledger: deps.gateway.backend,
      ...(deps.index
        ? { index: cp ? { block: cp.blockNumber.toString(), txIndex: cp.txIndex } : { block: null } }
        : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });

  const v1 = express.Router();
  v1.use(cleanPathAndQuery);
  v1.use(methodNotAllowed(v1));
  // The statement upload streams its own body (any format); every other body is JSON.
  v1.use(jsonBody({ limit: '8mb', skip: (path) => path === '/statements' }));

  v1.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  v1.post('/sessions', async (req, res) => {
    const b = body(req);
    const [enrollmentId, secret] = fields(
      () => str(b.enrollmentId, 'enrollmentId', 64),
      () => str(b.secret, 'secret', 256),
    );
    const client = req.ip ?? '';
    // Both buckets are charged on every attempt: a client spraying ids runs out of its own bucket. A login that
    // succeeds gives the client's token back, so many people behind one address (an office) are not held up.
    const wait = Math.max(loginClientLimiter.take(client), loginLimiter.take(`${client}|${enrollmentId}`));
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      throw new ApiError('RATE_LIMITED', 'too many login attempts; try again later');
    }
    let identity;
    try {
      identity = await deps.enroller.enroll(enrollmentId, secret);
      loginClientLimiter.giveBack(client);
    } catch {
      // Never say whether the id or the secret was wrong.
      throw new ApiError('LOGIN_FAILED', 'enrolment id or secret is wrong');
    }
    if (identity.mspId !== deps.mspId)
      throw new ApiError(
        'WRONG_NODE',
        `this node serves ${deps.mspId}; log in at your own institution's node`,
      );
    const facts = readCertificate(identity.certificatePem);
    if (deps.mutualTls && isSystem(facts.roles)) {
      // A system's secret, sent over a connection presenting its own client certificate, provisions the ledger
      // signing credential the node keeps for it; from then on the certificate alone authenticates it.
      const presented = presentedCertificate(req.socket, deps.mspId);
      if (presented.kind === 'verified' && presented.facts.enrollmentId === enrollmentId) {
        await deps.wallet.put(enrollmentId, identity);
        res.status(201).json({
          authentication: 'mutualTLS',
          user: { enrollmentId, mspId: identity.mspId, roles: facts.roles },
        });
        return;
      }
      if (!deps.mutualTls.systemPasswordLogins)
        throw new ApiError(
          'UNAUTHENTICATED',
          `password logins of systems are off at this node: ${enrollmentId} authenticates with its client certificate (mutual TLS); send this login over a connection presenting that certificate to provision its signing credential`,
          { reason: 'SYSTEM_PASSWORD_LOGIN_OFF' },
        );
    }
    await deps.wallet.put(enrollmentId, identity);
    const { token, expiresAt } = await deps.sessions.open({
      enrollmentId,
      mspId: identity.mspId,
      roles: facts.roles,
      identity,
    });
    res.status(201).json({
      token,
      expiresAt: expiresAt.toISOString(),
      user: { enrollmentId, mspId: identity.mspId, roles: facts.roles },
    });
  });

  /**
   * The identity of a request over a verified client certificate, acting on the ledger with the signing
   * credential the node keeps for it; roles from the certificate (equal to the credential's). Undefined when
   * the connection presents no certificate; a 401 naming the reason when it presents one that is refused.
   */
  const certificateSession = async (req: Request): Promise<Session | undefined> => {
    if (!deps.mutualTls) return undefined;
    const presented = presentedCertificate(req.socket, deps.mspId);
    if (presented.kind === 'none') return undefined;
    if (presented.kind === 'refused')
      throw new ApiError('UNAUTHENTICATED', presented.message, { reason: presented.reason });
    const { facts } = presented;
    const stored = await deps.wallet.get(facts.enrollmentId).catch(() => undefined);
    const now = Date.now();
    const credential = signingCredentialFor(facts, stored, deps.mspId, now);
    if (!credential.ok)
      throw new ApiError('UNAUTHENTICATED', credential.message, { reason: credential.reason });
    return {
      enrollmentId: facts.enrollmentId,
      mspId: deps.mspId,
      roles: facts.roles,
      identity: credential.identity,
      createdAt: now,
      lastSeenAt: now,
    };
  };
  const systemPasswordsOff = deps.mutualTls?.systemPasswordLogins === false;

  // Everything below needs a session, or (mutual TLS) a client certificate.
  v1.use(async (req: Request, res: Response, next: NextFunction) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!token) {
      const byCertificate = await certificateSession(req);
      if (!byCertificate)
        throw new ApiError(
          'UNAUTHENTICATED',
          deps.mutualTls
            ? 'authenticate with your client certificate (mutual TLS), or log in first (Authorization: Bearer <token>)'
            : 'log in first (Authorization: Bearer <token>)',
        );
      const wait = limiter.take(`${byCertificate.mspId}|${byCertificate.enrollmentId}|certificate`);
      if (wait > 0) {
        res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
        throw new ApiError('RATE_LIMITED', 'too many requests');
      }
      (req as Authed).session = byCertificate;
      next();
      return;
    }
    const issuer = tokenIssuer(token);
    if (issuer !== undefined && issuer !== deps.mspId)
      throw new ApiError(
        'UNAUTHENTICATED',
        `this token was issued by another node (${issuer}'s); this node serves ${deps.mspId}: log in here, or send it to ${issuer}'s node`,
        { reason: 'OTHER_NODE', issuer },
      );
    const session = issuer === undefined ? undefined : await deps.sessions.resume(token);
    if (!session)
      throw new ApiError(
        'UNAUTHENTICATED',
        issuer === undefined
          ? 'this is not a session token of a Tallystick node; log in (POST /v1/sessions) for one'
          : 'the session has expired or ended; log in again',
      );
    // A system's session opened before its password logins were switched off ends with them.
    if (systemPasswordsOff && isSystem(session.roles)) {
      await deps.sessions.close(token);
      throw new ApiError(
        'UNAUTHENTICATED',
        'password sessions of systems are off at this node: authenticate with your client certificate (mutual TLS)',
        { reason: 'SYSTEM_PASSWORD_LOGIN_OFF' },
      );
    }
    // Keyed by the session, not its token: no token is kept in memory in the clear.
    const wait = limiter.take(`${session.mspId}|${session.enrollmentId}|${session.createdAt}`);
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      throw new ApiError('RATE_LIMITED', 'too many requests');
    }
    (req as Authed).session = session;
    next();
  });
  const who = (req: Request) => (req as Authed).session;
  const needRole = (req: Request, roles: readonly Role[], what: string) => {
    const s = who(req);
    if (!hasAnyRole({ mspId: s.mspId, id: '', name: s.enrollmentId, roles: s.roles }, roles)) {
      throw new ApiError('FORBIDDEN', `${what} needs the role ${roles.join(' or ')}`);
    }
  };
  const counted = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      const r = await work();
      ledgerTx.inc({ operation, outcome: 'committed' });
      return r;
    } catch (e) {
      ledgerTx.inc({ operation, outcome: 'refused' });
      throw e;
    }
  };

  v1.get('/me', (req, res) => {
    const s = who(req);
    res.json({ enrollmentId: s.enrollmentId, mspId: s.mspId, roles: s.roles });
  });
  v1.delete('/sessions/current', async (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    // A caller by certificate has no session to end (its streams end with its connection).
    if (token !== undefined) {
      await deps.sessions.close(token);
      live.endSession(token);
    }
    res.status(204).end();
  });

  const post = async (req: Request, legs: LegInput[]) => {
    const r = await counted('postLegs', () => deps.gateway.postLegs(who(req).identity, legs));
    // The index takes the node's own legs from the ledger with their block (exactly once, with the block's
    // rows). Answer once the index holds them, so that what this caller posted is in its extract and queue
    // when it reads them next; the ledger is the record, so an index running behind delays, never fails, this.
    const indexer = deps.index?.indexer;
    // A retry whose legs were all there already (UNCHANGED) committed nothing new to wait for.
    if (indexer && r.result.some((l) => l.outcome === 'POSTED')) {
      await indexer.waitFor(r, INDEX_WAIT_MS).catch((e: unknown) => {
        log({
          level: 'warn',
          msg: 'posted legs committed; the index has not caught up yet',
          txId: r.txId,
          error: e instanceof Error ? e.message : String(e),
        });
      });
    }
    return r;
  };
  v1.post('/legs', async (req, res) => {
    const leg = body(req);
    checkLegs([leg], who(req).mspId);
    res.status(201).json(await post(req, [leg as unknown as LegInput]));
  });
  v1.post('/legs/batch', async (req, res) => {
    const legs = body(req).legs;
    if (!Array.isArray(legs))
      throw new ApiError('VALIDATION_FAILED', 'legs must be an array of legs', { field: 'legs' });
    checkLegs(legs, who(req).mspId);
    res.status(201).json(await post(req, legs as LegInput[]));
  });
  v1.post('/sweep', async (req, res) => {
    const limitRaw = body(req).limit ?? LIMITS.sweepMax;
    if (typeof limitRaw !== 'number')
      throw new ApiError('VALIDATION_FAILED', 'limit must be a number', { field: 'limit' });
    res.json(await counted('sweep', () => deps.gateway.sweep(who(req).identity, limitRaw)));
  });

  v1.get('/cases/:caseId', async (req, res) => {
    res.json(await deps.gateway.getCase(who(req).identity, str(req.params.caseId, 'caseId', 64)));
  });
  // POST, not GET: the payment reference is a secret and must not appear in URLs or access logs.
  v1.post('/cases/open', async (req, res) => {
    res.json(await deps.gateway.readCase(who(req).identity, str(body(req).reference, 'reference', 64)));
  });

  const cursors = new CursorSeal();
  v1.get('/breaks', async (req, res) => {
    const s = who(req);
    const mspId = typeof req.query.mspId === 'string' ? req.query.mspId : s.mspId;
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSizeMax) {
      throw new ApiError('VALIDATION_FAILED', `limit must be 1-${LIMITS.pageSizeMax}`, { field: 'limit' });
    }
    // The cursor is sealed to this person and this listing (institution and page size).
    const binding = `${s.mspId}|${s.enrollmentId}|breaks|${mspId}|${limit}`;
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : '';
    const bookmark = cursor === '' ? '' : cursors.open(binding, cursor);
    if (bookmark === undefined)
      throw new ApiError('VALIDATION_FAILED', 'cursor is not one this listing gave you', { field: 'cursor' });
    const page = await deps.gateway.listOpenBreaks(s.identity, mspId, limit, bookmark);
    res.json({
      items: page.items,
      nextCursor: page.bookmark === '' ? null : cursors.seal(binding, page.bookmark),
    });
  });
  v1.get('/breaks/:breakId', async (req, res) => {
    res.json(await deps.gateway.getBreak(who(req).identity, str(req.params.breakId, 'breakId', 64)));
  });
  v1.post('/breaks/:breakId/open', async (req, res) => {
    res.json(
      await deps.gateway.getBreak(
        who(req).identity,
        str(req.params.breakId, 'breakId', 64),
        str(body(req).reference, 'reference', 64),
      ),
    );
  });
  /** The request's Idempotency-Key header (what a retry names its first attempt by), checked. */
  const idempotencyKey = (req: Request): string | undefined => {
    const key = req.get('idempotency-key');
    if (key === undefined) return undefined;
    if (!IDEMPOTENCY_KEY.test(key))
      throw new ApiError(
        'VALIDATION_FAILED',
        'the Idempotency-Key header must be 1-100 letters, digits or . _ ~ : - (a UUID will do)',
        { field: 'Idempotency-Key' },
      );
    return key;
  };
  const actionOptions = (req: Request, b: Record<string, unknown>, suffix = '') => {
    const comment = optStr(b.comment, 'comment');
    const reference = optStr(b.reference, 'reference', 64);
    const key = idempotencyKey(req);
    return {
      ...(comment ? { comment } : {}),
      ...(reference ? { reference } : {}),
      ...(key ? { idempotencyKey: `${key}${suffix}` } : {}),
    };
  };
  // Bulk: each break is its own transaction signed by the person; one refusal does not stop the others.
  v1.post('/breaks/assign', async (req, res) => {
    needRole(req, ACTION_ROLES.ASSIGN, 'assigning a break');
    const b = body(req);
    const [ids, assignee] = fields(
      () => {
        const ids = b.breakIds;
        if (
          !Array.isArray(ids) ||
          ids.length === 0 ||
          ids.length > BULK_BREAKS_MAX ||
          !ids.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64)
        )
          throw new ApiError(
            'VALIDATION_FAILED',
            `breakIds must be an array of 1-${BULK_BREAKS_MAX} break ids`,
            { field: 'breakIds' },
          );
        return ids as string[];
      },
      () => str(b.assignee, 'assignee', 64),
      () => actionOptions(req, {}),
    );
    const results = [];
    for (const breakId of new Set(ids)) {
      try {
        // One request, one key: each break's assignment is named by the key and the break.
        const r = await counted('assignBreak', () =>
          deps.gateway.assignBreak(
            who(req).identity,
            breakId,
            assignee,
            actionOptions(req, {}, `:${breakId}`),
          ),
        );
        results.push({
          breakId,
          ok: true,
          status: r.result.status,
          txId: r.txId,
          blockNumber: r.blockNumber.toString(),
        });
      } catch (e) {
        const { body: failure } = toErrorResponse(e, (req as Authed).requestId);
        results.push({
          breakId,
          ok: false,
          error: { code: failure.error.code, message: failure.error.message },
        });
      }
    }
    res.json({ assigned: results.filter((r) => r.ok).length, results });
  });
  v1.post('/breaks/:breakId/assign', async (req, res) => {
    needRole(req, ACTION_ROLES.ASSIGN, 'assigning a break');
    const b = body(req);
    const [breakId, assignee, options] = fields(
      () => str(req.params.breakId, 'breakId', 64),
      () => str(b.assignee, 'assignee', 64),
      () => actionOptions(req, b),
    );
    res.json(
      await counted('assignBreak', () =>
        deps.gateway.assignBreak(who(req).identity, breakId, assignee, options),
      ),
    );
  });
  v1.post('/breaks/:breakId/propose', async (req, res) => {
    const b = body(req);
    const [kind, breakId, options] = fields(
      () => {
        const kind = str(b.kind, 'kind', 32);
        if (!(RESOLUTION_KINDS as readonly string[]).includes(kind))
          throw new ApiError('VALIDATION_FAILED', `kind must be one of ${RESOLUTION_KINDS.join(', ')}`, {
            field: 'kind',
          });
        return kind as ResolutionKind;
      },
      () => str(req.params.breakId, 'breakId', 64),
      () => actionOptions(req, b),
    );
    res.json(
      await counted('proposeResolution', () =>
        deps.gateway.proposeResolution(who(req).identity, breakId, kind, options),
      ),
    );
  });
  for (const action of ['approve', 'accept', 'reject', 'resolve', 'comment'] as const) {
    v1.post(`/breaks/:breakId/${action}`, async (req, res) => {
      const breakId = str(req.params.breakId, 'breakId', 64);
      const decision = action.toUpperCase() as DecisionAction;
      res.json(
        await counted('decideBreak', () =>
          deps.gateway.decideBreak(who(req).identity, breakId, decision, actionOptions(req, body(req))),
        ),
      );
    });
  }

  // The index's reads are the institution's business: anyone of it with a role (the ledger's own reads decide
  // for themselves, in the chaincode). An identity without a role attribute reads nothing here.
  const index = (req?: Request) => {
    if (req) needRole(req, ['submitter', 'reconciler', 'approver', 'auditor', 'admin'], 'reading the index');
    if (!deps.index) throw new ApiError('INDEX_UNAVAILABLE', 'this node runs without an off-chain index');
    return deps.index;
  };
  v1.get('/queue', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const page = await queuePage(index(req).pool, who(req), parseViewQuery(q), {
      now: new Date(),
      ...(typeof q.cursor === 'string' ? { cursor: q.cursor } : {}),
      ...(q.count === 'true' ? { count: true } : {}),
    });
    res.json({
      items: page.items,
      nextCursor: page.next ?? null,
      ...(page.total !== undefined ? { total: page.total } : {}),
    });
  });
  // POST: the search may be a payment reference, which must never appear in a URL or an access log.
  v1.post('/queue/search', async (req, res) => {
    const b = body(req);
    const page = await queuePage(index(req).pool, who(req), parseViewQuery(b), {
      now: new Date(),
      ...(typeof b.cursor === 'string' && b.cursor !== '' ? { cursor: b.cursor } : {}),
      ...(b.search !== undefined && b.search !== '' ? { search: str(b.search, 'search', 64) } : {}),
      ...(b.count === true ? { count: true } : {}),
    });
    res.json({
      items: page.items,
      nextCursor: page.next ?? null,
      ...(page.total !== undefined ? { total: page.total } : {}),
    });
  });
  v1.get('/views', async (req, res) => {
    res.json({ items: await listViews(index(req).pool, who(req)) });
  });
  v1.put('/views/:name', async (req, res) => {
    res.json(await saveView(index(req).pool, who(req), viewName(req.params.name), body(req).query));
  });
  v1.delete('/views/:name', async (req, res) => {
    if (!(await deleteView(index(req).pool, who(req), viewName(req.params.name))))
      throw new ApiError('NOT_FOUND', `no saved view ${req.params.name}`);
    res.status(204).end();
  });
  v1.get('/people', async (req, res) => {
    res.json({ items: await colleagues(index(req).pool, who(req).mspId, who(req).enrollmentId) });
  });
  // Server-sent events: after each block the index commits, the breaks of this institution that changed.
  v1.get('/events', (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    index(req);
    const opened = live.open(res, { mspId: who(req).mspId, token }, deps.index?.indexer?.checkpoint);
    if (opened === 'closing') throw new ApiError('INDEX_UNAVAILABLE', 'the node is shutting down');
    if (opened === 'full')
      throw new ApiError('RATE_LIMITED', 'too many live streams on this node; try again later');
  });
  // My books against the ledger: the statement file is the body, streamed into the parser.
  v1.post('/statements', async (req, res) => {
    // Those who keep the books (the system that posts legs, the people who reconcile) compare them.
    needRole(req, ['submitter', 'reconciler'], 'comparing a statement with the ledger');
    res.json(await statementReport(req, index(req).pool, who(req).mspId));
  });
  v1.get('/statements/ledger', async (req, res) => {
    // The institution's own legs in plaintext (amounts, accounts): for those who keep the books, as the upload.
    needRole(req, ['submitter', 'reconciler'], 'downloading the ledger extract');
    const { csv, from, to } = await ledgerExtract(index(req).pool, who(req).mspId, req.query);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="ledger-${who(req).mspId}-${from}-${to}.csv"`);
    res.send(csv);
  });
  v1.get('/dashboard', async (req, res) => {
    res.json(await dashboard(index(req).pool, who(req).mspId));
  });
  // The auditor's way in: every break the index knows (public facts), newest change first.
  v1.get('/audit/breaks', async (req, res) => {
    needRole(req, ['auditor', 'admin'], 'listing every break');
    const q = req.query as Record<string, unknown>;
    const view = parseViewQuery({ reason: q.reason, status: q.status, limit: q.limit });
    try {
      const page = await listAuditBreaks(index().pool, {
        pageSize: view.limit ?? 50,
        ...(typeof q.cursor === 'string' && q.cursor !== '' ? { after: q.cursor } : {}),
        ...(view.reason ? { reason: view.reason } : {}),
        ...(view.status ? { status: view.status } : {}),
      });
      res.json({ items: page.items, nextCursor: page.next ?? null });
    } catch (e) {
      if (e instanceof RangeError)
        throw new ApiError('VALIDATION_FAILED', 'cursor is not one this node gave', { field: 'cursor' });
      throw e;
    }
  });
  v1.get('/index/verify', async (req, res) => {
    needRole(req, ['auditor', 'admin'], 'verifying the index');
    const report = await verifyIndex({
      pool: index().pool,
      gateway: deps.gateway,
      who: who(req).identity,
      institution: deps.mspId,
    });
    res.json(report);
  });

  v1.get('/provenance/:kind/:id', async (req, res) => {
    const kind = req.params.kind;
    if (kind !== 'case' && kind !== 'break' && kind !== 'leg')
      throw new ApiError('VALIDATION_FAILED', 'kind must be case, break or leg', { field: 'kind' });
    const format = req.query.format ?? 'json';
    if (format !== 'json' && format !== 'csv')
      throw new ApiError('VALIDATION_FAILED', 'format must be json or csv', { field: 'format' });
    const id = str(req.params.id, 'id', 140);
    const history = await withBlocks(
      deps.index?.pool,
      await deps.gateway.history(who(req).identity, kind, id),
    );
    if (format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader(
        'content-disposition',
        `attachment; filename="provenance-${kind}-${id.replace(/[^\w.-]/g, '_')}.csv"`,
      );
      res.send(provenanceCsv(kind, id, history));
      return;
    }
    res.json({ kind, id, history });
  });

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
      const reason = (payload.error.details as { reason?: unknown } | undefined)?.reason;
      const byCertificate = typeof reason === 'string' && CERTIFICATE_REFUSALS.has(reason);
      const presented =
        !byCertificate && /^Bearer \S/.test(req.get('authorization') ?? '') && req.path !== '/v1/sessions';
      const challenges = [
        presented
          ? `${BEARER_REALM}, error="invalid_token", error_description="${quoted(payload.error.message)}"`
          : BEARER_REALM,
      ];
      // With mutual TLS the certificate is the other way in; a refused one is named with its reason.
      if (deps.mutualTls)
        challenges.push(
          byCertificate
            ? `${MUTUAL_TLS_REALM}, error="invalid_certificate", error_description="${quoted(payload.error.message)}"`
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
    res.status(status).json(payload);
  });
  return app;
}
