import { randomUUID } from 'node:crypto';

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import type { Session } from '../identity/sessions';
import type { LogEntry } from './createApp';
import type { NodeMetrics } from './metrics';

/** The default log: one JSON line per entry on standard output, with its time. */
export const stdoutLog = (e: LogEntry): void => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
};

/** What the request id below and the authentication set on a request. */
type Tagged = Request & { session?: Session; requestId?: string };

/** The request id a request carries (set by `requestIdAndLog`), if it got that far. */
export const taggedRequestId = (req: Request): string | undefined => (req as Tagged).requestId;

/**
 * Gives each request an id (the caller's `x-request-id` when it is a plain token, else a new UUID), echoes it,
 * and once the answer is sent counts and times the request by its route and logs one line for it.
 */
export function requestIdAndLog(log: (e: LogEntry) => void, metrics: NodeMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    (req as Tagged).requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path
        ? `${req.baseUrl}${(req.route as { path: string }).path}`
        : 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.duration.observe({ method: req.method, route }, seconds);
      const s = (req as Tagged).session;
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
  };
}
