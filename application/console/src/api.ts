// The node's REST API as the console uses it. The session token lives in sessionStorage: it ends with the tab.

// The change stream's event, as the node defines it.
export type { IndexedEvent } from '../../src/http/indexedEvent';

export interface User {
  readonly enrollmentId: string;
  readonly mspId: string;
  readonly roles: readonly string[];
}

// A break as the node returns it: the ledger's own record type, so the console reads what the chaincode writes.
export type { BreakRecord, PersonRef, TimelineEntry } from '../../../chaincode/src/core/breakMachine';

export interface QueueItem {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: string;
  readonly status: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly ageMs: number;
  readonly assignee: { readonly mspId: string; readonly name: string } | null;
}

export interface LegDetail {
  readonly legId: string;
  readonly role: string;
  readonly branch?: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly valueDate: string;
  readonly payerRef: string;
  readonly payeeRef: string;
  readonly outcome: string;
}

export interface OpenCase {
  readonly case: { readonly caseId: string; readonly status: string };
  readonly legs: readonly { readonly legId: string; readonly mspId: string; readonly detail: LegDetail }[];
}

export interface Dashboard {
  readonly days: readonly Readonly<Record<string, string>>[];
  readonly openBreaksByReason: readonly {
    readonly reason: string;
    readonly open: string;
    readonly older_than_1h: string;
    readonly older_than_1d: string;
  }[];
  readonly inTransitByCounterparty?: readonly {
    readonly counterparty: string;
    /** null: breaks without a leg of this institution, whose amount it does not know */
    readonly currency: string | null;
    readonly breaks: string;
    readonly amountMinor: string;
  }[];
  readonly serviceLevel?: {
    readonly overdueCases: string;
    readonly missingLegBreaks: string;
    readonly oldestOpenAt: string | null;
  };
}

export interface ProvenanceEntry {
  readonly version: number;
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
  readonly blockNumber: string | null;
  readonly txIndex: number | null;
  readonly signer: { readonly mspId: string; readonly subject: string; readonly issuer: string } | null;
}

export interface QueuePage {
  readonly items: readonly QueueItem[];
  readonly nextCursor: string | null;
  readonly total?: number;
}

/** The queue's filters and order as a saved view keeps them (never a search: it may be a payment reference). */
export interface ViewQuery {
  readonly reason?: string;
  readonly status?: string;
  readonly assignee?: string;
  readonly sort?: string;
  readonly order?: string;
  readonly limit?: number;
}

export interface SavedView {
  readonly name: string;
  readonly query: ViewQuery;
}

export interface BulkResult {
  readonly assigned: number;
  readonly results: readonly {
    readonly breakId: string;
    readonly ok: boolean;
    readonly error?: { readonly code: string; readonly message: string };
  }[];
}

export interface StatementLine {
  readonly at: number | string;
  readonly side: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly valueDate?: string;
  readonly uetr?: string;
  readonly endToEndId?: string;
  readonly legId?: string;
}

export interface LedgerLeg {
  readonly legId: string;
  readonly reference: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly valueDate: string;
}

export interface StatementReport {
  readonly period: { readonly from: string; readonly to: string };
  readonly counts: Readonly<Record<string, number>>;
  readonly onlyInMyBooks: readonly StatementLine[];
  readonly onlyOnLedger: readonly LedgerLeg[];
  readonly fieldDifferences: readonly {
    readonly line: StatementLine;
    readonly leg: LedgerLeg;
    readonly differences: readonly {
      readonly field: string;
      readonly mine: string;
      readonly ledger: string;
    }[];
  }[];
  readonly proposedLegs?:
    readonly Readonly<Record<string, unknown>>[] | { readonly problems: readonly unknown[] };
}

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

/** A file as the request body (a statement), with its own content type. */
export async function upload<T>(path: string, file: Blob, contentType: string): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': contentType, ...authHeader() },
    body: file,
  });
  return answer<T>(res);
}

/** A text download (CSV) fetched with the session, saved through a temporary object URL. */
export async function download(path: string, fileName: string): Promise<void> {
  const res = await fetch(path, { headers: authHeader() });
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
}

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const payload = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string };
  };
  if (!res.ok) {
    if (res.status === 401) {
      sessionEnded();
    }
    throw new ApiFailure(
      payload.error?.code ?? 'HTTP_' + String(res.status),
      payload.error?.message ?? res.statusText,
      res.status,
    );
  }
  return payload as T;
}

export async function login(enrollmentId: string, secret: string): Promise<User> {
  const r = await call<{ token: string; user: User }>('POST', '/v1/sessions', { enrollmentId, secret });
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
