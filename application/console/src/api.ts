// The node's REST API as the console uses it. The session token lives in sessionStorage: it ends with the tab.

// The change stream's event, as the node defines it.
export type { IndexedEvent } from '../../src/http/indexedEvent';

// The API's shapes, declared once with the node's routes (application/src/http/routes/shapes.ts): the same
// schemas the node validates with and its OpenAPI document publishes. Never a hand-written copy here.
export type {
  User,
  Break as BreakRecord,
  SealedBreak,
  PersonRef,
  TimelineEntry,
  QueueItem,
  QueuePage,
  ViewQuery,
  SavedView,
  SavedViews,
  People,
  BulkAssignResult as BulkResult,
  AuditBreaksPage,
  VerifyReport,
  Provenance,
  CommittedLegs,
  OpenCase,
  Dashboard,
  ProvenanceEntry,
  StatementLine,
  StatementReport,
  Problem,
  BreakAttachment,
  BreakAttachments,
} from '../../src/http/apiTypes';
import type { OpenCase, Problem, Session, StatementReport, User } from '../../src/http/apiTypes';

/** A leg's plaintext, as its own institution reads it in an opened case. */
export type LegDetail = OpenCase['legs'][number]['detail'];
/** A leg on the ledger as a statement report shows it. */
export type LedgerLeg = StatementReport['onlyOnLedger'][number];

/** An API refusal: the stable code for programs, the message for people. */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'tallystick.token';
/** Dispatched on window when the node answers 401: the app shows the login form again. */
export const SESSION_ENDED = 'tallystick:session-ended';
const USER_KEY = 'tallystick.user';

export function savedSession(): { token: string; user: User } | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const user = sessionStorage.getItem(USER_KEY);
  return token && user ? { token, user: JSON.parse(user) as User } : undefined;
}

/** The node refused the session (idle, expired, logged out elsewhere): forget it and go back to the login form. */
export function sessionEnded(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  window.dispatchEvent(new Event(SESSION_ENDED));
}

export function authHeader(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Tries of one change when the node cannot be reached or is unavailable (503), all under one idempotency key. */
const CHANGE_ATTEMPTS = 3;

export async function call<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  // A change carries one idempotency key for all its tries: a retry after a lost answer returns the first
  // result from the ledger instead of acting twice.
  const key = method === 'GET' ? undefined : crypto.randomUUID();
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key === undefined ? {} : { 'idempotency-key': key }),
          ...authHeader(),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      if (key === undefined || attempt >= CHANGE_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
      continue;
    }
    if (res.status === 503 && key !== undefined && attempt < CHANGE_ATTEMPTS) {
      await new Promise((r) => setTimeout(r, 500 * attempt));
      continue;
    }
    return answer<T>(res);
  }
}

/** A file as the request body (a statement, an attachment), with its own content type and any other headers. */
export async function upload<T>(
  path: string,
  file: Blob,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers, ...authHeader() },
    body: file,
  });
  return answer<T>(res);
}

/**
 * A text download (CSV) fetched with the session, saved through a temporary object URL. With a body it is a
 * POST (the queue's export: its search may be a payment reference, which never goes in a URL). Answers the
 * response's headers.
 */
export async function download(path: string, fileName: string, body?: unknown): Promise<Headers> {
  const res = await fetch(
    path,
    body === undefined
      ? { headers: authHeader() }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeader() },
          body: JSON.stringify(body),
        },
  );
  if (!res.ok) await answer(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
  return res.headers;
}

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const payload: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401) {
      sessionEnded();
    }
    // Problem details (RFC 9457): the stable code for the program, the detail for the person.
    const problem = payload as Partial<Problem>;
    throw new ApiFailure(
      problem.code ?? 'HTTP_' + String(res.status),
      problem.detail ?? res.statusText,
      res.status,
    );
  }
  return payload as T;
}

export async function login(enrollmentId: string, secret: string): Promise<User> {
  const r = await call<Session>('POST', '/v1/sessions', { enrollmentId, secret });
  sessionStorage.setItem(TOKEN_KEY, r.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(r.user));
  return r.user;
}

export async function logout(): Promise<void> {
  try {
    await call('DELETE', '/v1/sessions/current');
  } finally {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  }
}
