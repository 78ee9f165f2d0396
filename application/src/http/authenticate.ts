import type { NextFunction, Request, Response } from 'express';

import { tokenIssuer, type Session } from '../identity/sessions';
import { ApiError } from './errors';
import { isSystem, presentedCertificate, signingCredentialFor } from './mutualTls';
import type { RateLimiter } from './rateLimit';
import type { AppDeps } from './createApp';

/** The bearer token of a request, if it sends one. */
export const bearerToken = (req: Request): string | undefined =>
  /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];

/**
 * The identity of a request over a verified client certificate, acting on the ledger with the signing
 * credential the node keeps for it; roles from the certificate (equal to the credential's). Undefined when
 * the connection presents no certificate; a 401 naming the reason when it presents one that is refused.
 */
async function certificateSession(deps: AppDeps, req: Request): Promise<Session | undefined> {
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
}

/**
 * In front of every `auth: 'session'` route: a session token (or, with mutual TLS, a client certificate) names
 * the caller, who is then held to the per-caller rate limit. Sets `req.session`.
 */
export function authentication(deps: AppDeps, limiter: RateLimiter) {
  const systemPasswordsOff = deps.mutualTls?.systemPasswordLogins === false;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    const limit = (key: string) => {
      const wait = limiter.take(key);
      if (wait > 0) {
        res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
        throw new ApiError('RATE_LIMITED', 'too many requests');
      }
    };
    if (!token) {
      const byCertificate = await certificateSession(deps, req);
      if (!byCertificate)
        throw new ApiError(
          'UNAUTHENTICATED',
          deps.mutualTls
            ? 'authenticate with your client certificate (mutual TLS), or log in first (Authorization: Bearer <token>)'
            : 'log in first (Authorization: Bearer <token>)',
        );
      limit(`${byCertificate.mspId}|${byCertificate.enrollmentId}|certificate`);
      (req as Request & { session: Session }).session = byCertificate;
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
    limit(`${session.mspId}|${session.enrollmentId}|${session.createdAt}`);
    (req as Request & { session: Session }).session = session;
    next();
  };
}
