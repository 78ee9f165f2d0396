import { expect } from 'vitest';

/**
 * Logs a person of the demo consortium in at a node's API (their secret is `<enrollmentId>-pw`) and returns the
 * session's bearer token; the test fails unless the node answers 201. The node limits logins per id, so a test
 * logs each person in once and keeps the token (`Sessions`).
 */
export async function login(nodeUrl: string, enrollmentId: string): Promise<string> {
  const res = await fetch(`${nodeUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentId, secret: `${enrollmentId}-pw` }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** A test's people and their sessions' tokens, by enrollment id (whichever node each logged in at). */
export class Sessions {
  private readonly tokens = new Map<string, string>();

  async login(nodeUrl: string, enrollmentId: string): Promise<void> {
    this.tokens.set(enrollmentId, await login(nodeUrl, enrollmentId));
  }

  /** The person's token; '' for one not logged in (the node then answers 401). */
  token(enrollmentId: string): string {
    return this.tokens.get(enrollmentId) ?? '';
  }
}

/** What a node answered: its status, headers and text, and the text as JSON when it is JSON. */
export type ApiAnswer = { status: number; headers: Headers; text: string; body: unknown };

/**
 * One call to a node's REST API with a session's bearer token: `json` is sent as application/json, `csv` as
 * text/csv. `path` is the full path (`/v1/...`).
 */
export async function callApi(
  nodeUrl: string,
  token: string,
  method: string,
  path: string,
  send: { json?: unknown; csv?: string } = {},
): Promise<ApiAnswer> {
  const contentType =
    send.csv !== undefined ? 'text/csv' : send.json !== undefined ? 'application/json' : undefined;
  const res = await fetch(`${nodeUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    ...(send.csv !== undefined
      ? { body: send.csv }
      : send.json !== undefined
        ? { body: JSON.stringify(send.json) }
        : {}),
  });
  const text = await res.text();
  const isJson = /json/.test(res.headers.get('content-type') ?? '');
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: isJson && text !== '' ? (JSON.parse(text) as unknown) : undefined,
  };
}

/** A JSON answer's body as the tests read it: any field, and the error's code and message when refused. */
export type JsonBody = Record<string, unknown> & { error?: { code: string; message: string } };

/**
 * One JSON call to a node's API, as a client that always says it sends JSON: `token` (when given) as the
 * bearer, `payload` as the body. The body read back is null unless the answer is JSON.
 */
export async function callJson(
  nodeUrl: string,
  method: string,
  path: string,
  token?: string,
  payload?: unknown,
): Promise<{ status: number; headers: Headers; text: string; body: JsonBody }> {
  const res = await fetch(`${nodeUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  const text = await res.text();
  const isJson = text !== '' && /json/.test(res.headers.get('content-type') ?? '');
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: (isJson ? JSON.parse(text) : null) as JsonBody,
  };
}
