// The node's REST API as the console uses it. The session token lives in sessionStorage: it ends with the tab.

export interface User {
  readonly enrollmentId: string;
  readonly mspId: string;
  readonly roles: readonly string[];
}

export interface PersonRef {
  readonly mspId: string;
  readonly id: string;
  readonly name: string;
}

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

export interface TimelineEntry {
  readonly seq: number;
  readonly action: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: PersonRef;
  readonly at: string;
  readonly txId: string;
  readonly comment: string;
  readonly assignee?: string;
  readonly kind?: string;
}

export interface BreakRecord {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: string;
  readonly detail: { readonly fields?: readonly string[] };
  readonly parties: readonly string[];
  readonly status: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly assignee?: PersonRef;
  readonly proposal?: { readonly kind: string; readonly proposer: PersonRef; readonly approver?: PersonRef };
  readonly acceptedBy: readonly string[];
  readonly resolution?: string;
  readonly timeline: readonly TimelineEntry[];
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
}

export interface ProvenanceEntry {
  readonly txId: string;
  readonly timestamp?: string;
  readonly [key: string]: unknown;
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
const USER_KEY = 'tallystick.user';

export function savedSession(): { token: string; user: User } | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const user = sessionStorage.getItem(USER_KEY);
  return token && user ? { token, user: JSON.parse(user) as User } : undefined;
}

export async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const payload = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string };
  };
  if (!res.ok) {
    if (res.status === 401) sessionStorage.removeItem(TOKEN_KEY);
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
