import { randomUUID } from 'node:crypto';

import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

import type { LogEntry } from './createApp';
import { ApiError, PROBLEM_JSON, toErrorResponse, type ErrorBody } from './errors';
import { CERTIFICATE_REFUSALS } from './mutualTls';
import { taggedRequestId } from './requestLog';

/** What a 401 says about the scheme (RFC 6750); `error` only when a token was presented. */
const BEARER_REALM = 'Bearer realm="tallystick"';
/** The challenge a node with mutual TLS adds (no registered HTTP scheme names TLS client certificates). */
const MUTUAL_TLS_REALM = 'MutualTLS realm="tallystick"';
/** A message as a quoted-string of a header: printable ASCII only (a certificate's subject may hold anything). */
const quoted = (message: string) => message.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");

/** The last handler before the errors: no route took the request. */
export function notFound(req: Request): never {
  throw new ApiError('NOT_FOUND', `no route ${req.method} ${req.path}`);
}

/**
 * Every failure as problem details (errors.ts decides the status and body), a 401 with its challenges, and a
 * 5xx logged with the request id the answer carries.
 */
export function problemResponse(log: (e: LogEntry) => void, mutualTls: boolean): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = taggedRequestId(req) ?? randomUUID();
    const { status, body: payload } = toErrorResponse(err, requestId);
    if (status === 401) res.setHeader('www-authenticate', challenges(req, payload, mutualTls));
    if (status >= 500)
      log({
        level: 'error',
        msg: 'request failed',
        requestId,
        error: err instanceof Error ? err.message : String(err),
      });
    res.status(status).type(PROBLEM_JSON).json(payload);
  };
}

/** The WWW-Authenticate challenges of a 401. */
function challenges(req: Request, payload: ErrorBody, mutualTls: boolean): string[] {
  // RFC 6750: the scheme always; an error code only when a token was presented and refused.
  const reason = (payload.details as { reason?: unknown } | undefined)?.reason;
  const byCertificate = typeof reason === 'string' && CERTIFICATE_REFUSALS.has(reason);
  const presented =
    !byCertificate && /^Bearer \S/.test(req.get('authorization') ?? '') && req.path !== '/v1/sessions';
  const out = [
    presented
      ? `${BEARER_REALM}, error="invalid_token", error_description="${quoted(payload.detail)}"`
      : BEARER_REALM,
  ];
  // With mutual TLS the certificate is the other way in; a refused one is named with its reason.
  if (mutualTls)
    out.push(
      byCertificate
        ? `${MUTUAL_TLS_REALM}, error="invalid_certificate", error_description="${quoted(payload.detail)}"`
        : MUTUAL_TLS_REALM,
    );
  return out;
}
