import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

import { ApiError } from './errors';

/**
 * What every request meets before a route: security headers, a JSON body read only when it is UTF-8 JSON of a
 * bounded depth, a path that decodes, no NUL anywhere, and 405 (with Allow) for a known path's wrong method.
 * Each refusal is a 4xx that says what to send instead; none of these inputs may reach a handler.
 */

/** Nesting deeper than this is refused before parsing: no request of the API nests beyond a few levels. */
export const JSON_DEPTH_MAX = 64;

/** The Content-Encodings a JSON body may arrive in (what the body parser inflates). */
const ENCODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);

/**
 * The console is served from the node itself and loads only its own script and style files: no inline script,
 * no framing (clickjacking), no plugins, connections only back to this node.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every answer, console and API alike; API answers are never cached (they carry people's data). */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  // The console's static files set their own (revalidated) caching; everything else is never stored.
  res.setHeader('cache-control', 'no-store');
  next();
}

/**
 * Refuses a path that does not decode (a bad percent-encoding) or holds a NUL or other C0 control character,
 * and the same in any query value: no id, name or filter of this API contains one.
 */
export function cleanPathAndQuery(req: Request, _res: Response, next: NextFunction): void {
  for (const segment of req.path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new ApiError(
        'VALIDATION_FAILED',
        `the path segment ${JSON.stringify(segment.slice(0, 80))} is not valid percent-encoded UTF-8`,
        { field: 'path' },
      );
    }
    if (hasControl(decoded))
      throw new ApiError('VALIDATION_FAILED', 'the path may not contain NUL or other control characters', {
        field: 'path',
      });
  }
  const raw = req.originalUrl.indexOf('?');
  if (raw >= 0) {
    const query = req.originalUrl.slice(raw + 1);
    for (const part of query.split('&')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        throw new ApiError('VALIDATION_FAILED', 'the query string is not valid percent-encoded UTF-8', {
          field: part.split('=')[0]?.slice(0, 40) ?? 'query',
        });
      }
      if (hasControl(decoded))
        throw new ApiError(
          'VALIDATION_FAILED',
          'query values may not contain NUL or other control characters',
          {
            field: decoded.split('=')[0]?.slice(0, 40) ?? 'query',
          },
        );
    }
  }
  next();
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const hasControl = (s: string): boolean => CONTROL.test(s);

/**
 * The JSON body of every route but those that stream their own body (`skip`). A body must say it is JSON
 * (`application/json` or `…+json`, 415 otherwise: a JSON text sent as text/plain is a client's mistake worth
 * naming, not a missing field), in UTF-8 (415 for another charset), in an encoding the node inflates (415),
 * nested at most JSON_DEPTH_MAX deep (400, checked before parsing) and without NUL in any string (400).
 */
export function jsonBody(options: { limit: string; skip: (path: string) => boolean }): RequestHandler[] {
  const skip = (url: string | undefined) => options.skip((url ?? '').split('?')[0] ?? '');
  const check: RequestHandler = (req, _res, next) => {
    if (skip(req.url) || !hasBody(req)) {
      next();
      return;
    }
    const type = req.get('content-type');
    if (type === undefined)
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the body needs Content-Type: application/json');
    const [mediaRaw = '', ...params] = type.split(';');
    const media = mediaRaw.trim().toLowerCase();
    if (media !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(media))
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `this endpoint takes JSON: send Content-Type: application/json, not ${JSON.stringify(media.slice(0, 80))}`,
      );
    for (const p of params) {
      const [name = '', value = ''] = p.split('=');
      if (name.trim().toLowerCase() !== 'charset') continue;
      const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
      if (charset !== 'utf-8' && charset !== 'utf8')
        throw new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          `JSON bodies are UTF-8; charset ${JSON.stringify(charset.slice(0, 40))} is not accepted`,
        );
    }
    const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (!ENCODINGS.has(encoding))
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not accepted (gzip, deflate, br or none)`,
      );
    next();
  };
  // Past the check, every body not skipped is JSON: the parser reads each of them (and no skipped one).
  return [
    check,
    express.json({ limit: options.limit, verify: checkJsonText, type: (req) => !skip(req.url) }),
  ];
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/**
 * One pass over the raw (inflated) bytes before JSON.parse: depth outside strings, and `\u0000` inside them
 * (a raw NUL is already invalid JSON). Structural characters are ASCII, so UTF-8 bytes need no decoding here.
 */
function checkJsonText(_req: unknown, _res: unknown, buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c /* \ */) {
        if (
          buf[i + 1] === 0x75 /* u */ &&
          buf[i + 2] === 0x30 &&
          buf[i + 3] === 0x30 &&
          buf[i + 4] === 0x30 &&
          buf[i + 5] === 0x30
        )
          throw new ApiError('VALIDATION_FAILED', 'strings in the body may not contain NUL (\\u0000)');
        i++;
      } else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > JSON_DEPTH_MAX)
        throw new ApiError('VALIDATION_FAILED', `the JSON body nests deeper than ${JSON_DEPTH_MAX} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean | undefined> };
  match(path: string): boolean;
}

/**
 * 405 with `Allow` when the path is one of `router`'s routes but the method is not (404 stays for unknown
 * paths). Read from the router itself, so it cannot drift from the routes.
 */
export function methodNotAllowed(router: express.Router): RequestHandler {
  return (req, res, next) => {
    const allowed = new Set<string>();
    for (const layer of (router as unknown as { stack: RouteLayer[] }).stack) {
      if (!layer.route || !layer.match(req.path)) continue;
      for (const [m, on] of Object.entries(layer.route.methods))
        if (on && m !== '_all') allowed.add(m.toUpperCase());
    }
    if (allowed.size === 0) {
      next();
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (allowed.has(method) || req.method === 'OPTIONS') {
      next();
      return;
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    res.setHeader('allow', allow);
    throw new ApiError(
      'METHOD_NOT_ALLOWED',
      `${req.method} is not served at ${req.baseUrl}${req.path}; use ${allow}`,
    );
  };
}
