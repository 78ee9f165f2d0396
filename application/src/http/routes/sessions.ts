import { Type } from '@sinclair/typebox';

import { readCertificate } from '../../identity/certificate';
import { bearerToken } from '../authenticate';
import { ApiError } from '../errors';
import { isSystem, presentedCertificate } from '../mutualTls';
import { LOGIN_LIMITS, RateLimiter } from '../rateLimit';
import { route } from './route';
import { Str } from './schema';
import { MutualTlsProvisioned, Session, User } from './shapes';

const LoginInput = Type.Object({
  enrollmentId: Str({ min: 1, max: 64 }),
  secret: Str({ min: 1, max: 256 }),
});

/** Logging in and out, and who the caller is. */
export const sessionRoutes = [
  route({
    operationId: 'logIn',
    method: 'post',
    path: '/sessions',
    summary: 'Log in with your enrolment id and secret (or provision a system for mutual TLS)',
    description: `Enrols you at your institution's CA; every later transaction is signed with that identity. A wrong id and a wrong secret get the same answer in the same time. Attempts are limited per client address and id (${LOGIN_LIMITS.perId.burst} at once, then one every ${1 / LOGIN_LIMITS.perId.perSec} s) and per client address whatever the id (${LOGIN_LIMITS.perClient.burst} at once, then one every ${1 / LOGIN_LIMITS.perClient.perSec} s; a login that succeeds does not count); beyond either, 429 with Retry-After. The token names the node that issued it: another node answers it 401 saying so. Sessions survive a node restart. On a node with mutual TLS, a system (role submitter) that sends this over a connection presenting its own client certificate gets no token: the node keeps its ledger signing credential (a second enrolment of the same identity) and the certificate alone authenticates it from then on (\`authentication: mutualTLS\`); where password logins of systems are off, that is the only way a system's secret is accepted (401 SYSTEM_PASSWORD_LOGIN_OFF otherwise).`,
    tags: ['sessions'],
    auth: 'public',
    body: LoginInput,
    responses: {
      201: {
        description:
          'a session; or, for a system over its client certificate, its signing credential provisioned',
        schema: Type.Union([Session, MutualTlsProvisioned]),
      },
    },
    errors: [401, 403, 429],
    handle: async ({ body }, { deps, req, res, state }) => {
      const { enrollmentId, secret } = body;
      const limiter = (key: string, limit: { perSec: number; burst: number }) =>
        state(key, () => new RateLimiter(limit.perSec, limit.burst));
      const perId = limiter('loginLimiter', deps.loginRateLimit ?? LOGIN_LIMITS.perId);
      const perClient = limiter('loginClientLimiter', deps.loginClientRateLimit ?? LOGIN_LIMITS.perClient);
      const client = req.ip ?? '';
      // Both buckets are charged on every attempt: a client spraying ids runs out of its own bucket. A login that
      // succeeds gives the client's token back, so many people behind one address (an office) are not held up.
      const wait = Math.max(perClient.take(client), perId.take(`${client}|${enrollmentId}`));
      if (wait > 0) {
        res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
        throw new ApiError('RATE_LIMITED', 'too many login attempts; try again later');
      }
      let identity;
      try {
        identity = await deps.enroller.enroll(enrollmentId, secret);
        perClient.giveBack(client);
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
      const user = { enrollmentId, mspId: identity.mspId, roles: facts.roles };
      if (deps.mutualTls && isSystem(facts.roles)) {
        // A system's secret, sent over a connection presenting its own client certificate, provisions the ledger
        // signing credential the node keeps for it; from then on the certificate alone authenticates it.
        const presented = presentedCertificate(req.socket, deps.mspId);
        if (presented.kind === 'verified' && presented.facts.enrollmentId === enrollmentId) {
          await deps.wallet.put(enrollmentId, identity);
          return { status: 201 as const, body: { authentication: 'mutualTLS' as const, user } };
        }
        if (!deps.mutualTls.systemPasswordLogins)
          throw new ApiError(
            'UNAUTHENTICATED',
            `password logins of systems are off at this node: ${enrollmentId} authenticates with its client certificate (mutual TLS); send this login over a connection presenting that certificate to provision its signing credential`,
            { reason: 'SYSTEM_PASSWORD_LOGIN_OFF' },
          );
      }
      await deps.wallet.put(enrollmentId, identity);
      const { token, expiresAt } = await deps.sessions.open({ ...user, identity });
      return { status: 201 as const, body: { token, expiresAt: expiresAt.toISOString(), user } };
    },
  }),
  route({
    operationId: 'logOut',
    method: 'delete',
    path: '/sessions/current',
    summary: 'Log out',
    tags: ['sessions'],
    auth: 'session',
    responses: { 204: { description: 'ended' } },
    handle: async (_input, { deps, req, live }) => {
      const token = bearerToken(req);
      // A caller by certificate has no session to end (its streams end with its connection).
      if (token !== undefined) {
        await deps.sessions.close(token);
        live.endSession(token);
      }
      return { status: 204 as const };
    },
  }),
  route({
    operationId: 'getMe',
    method: 'get',
    path: '/me',
    summary: 'Who am I',
    tags: ['sessions'],
    auth: 'session',
    responses: { 200: { description: 'the caller', schema: User } },
    handle: (_input, { session }) => ({
      status: 200 as const,
      body: { enrollmentId: session.enrollmentId, mspId: session.mspId, roles: session.roles },
    }),
  }),
];
