import { createHash, randomBytes } from 'node:crypto';

import type { Role } from '../../../chaincode/src/core/actor';
import type { Identity } from '../ledger/ledgerGateway';

export interface Session {
  readonly enrollmentId: string;
  readonly mspId: string;
  readonly roles: readonly Role[];
  readonly identity: Identity;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface SessionPolicy {
  /** A session ends this long after login, whatever happens. */
  readonly absoluteMs: number;
  /** ... or this long after its last request. */
  readonly idleMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { absoluteMs: 8 * 3600_000, idleMs: 30 * 60_000 };

/**
 * Bearer sessions held in memory. Only a hash of each token is kept, so a memory dump yields no usable token;
 * the clock is injected so tests control expiry.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: () => number,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  create(s: Omit<Session, 'createdAt' | 'lastSeenAt'>): { token: string; expiresAt: Date } {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock();
    this.sessions.set(hash(token), { ...s, createdAt: now, lastSeenAt: now });
    this.prune(now);
    return { token, expiresAt: new Date(now + Math.min(this.policy.absoluteMs, this.policy.idleMs)) };
  }

  /** The live session of a token, refreshed; undefined if unknown or expired (and then forgotten). */
  touch(token: string): Session | undefined {
    const key = hash(token);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock();
    if (now - s.createdAt >= this.policy.absoluteMs || now - s.lastSeenAt >= this.policy.idleMs) {
      this.sessions.delete(key);
      return undefined;
    }
    s.lastSeenAt = now;
    return s;
  }

  end(token: string): boolean {
    return this.sessions.delete(hash(token));
  }

  private prune(now: number): void {
    for (const [k, s] of this.sessions) {
      if (now - s.createdAt >= this.policy.absoluteMs || now - s.lastSeenAt >= this.policy.idleMs)
        this.sessions.delete(k);
    }
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
