import { createHash, randomBytes } from 'node:crypto';

import type { Role } from '../../../chaincode/src/core/actor';
import type { Identity } from '../ledger/ledgerGateway';
import { readCertificate } from './certificate';

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
 * What a session keeps on disk so that it outlives the process: no token (only its hash names the record), no
 * key, no roles (they are read again from the certificate in the wallet when the session is restored).
 */
export interface SessionRecord {
  readonly enrollmentId: string;
  readonly mspId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

/** Where sessions are kept across restarts: the node's wallet (records sealed with the wallet key). */
export interface SessionRecords {
  saveSession(key: string, record: SessionRecord): Promise<void>;
  loadSession(key: string): Promise<SessionRecord | undefined>;
  removeSession(key: string): Promise<void>;
  sessionKeys(): Promise<string[]>;
  get(enrollmentId: string): Promise<Identity | undefined>;
}

/**
 * A restored session's last request is written at most this often: after a restart its idle time may count
 * from up to this much earlier (so it ends early, never late), and a busy session costs one write a minute.
 */
const LAST_SEEN_WRITE_MS = 60_000;

const TOKEN_PREFIX = 'tsk1';

/**
 * Bearer sessions. Only a hash of each token is kept, so a memory dump or the data folder yields no usable
 * token; the clock is injected so tests control expiry. With `keepIn` (createApp does it with the node's wallet)
 * each session is also written to disk, so a node restart logs nobody out, and logout and expiry still hold.
 *
 * A token names the institution whose node issued it (`tsk1.<base64url MSP ID>.<32 random bytes>`): a node
 * can then tell a caller who brought another node's token where it belongs, instead of "session expired".
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** When each session's lastSeenAt was last written to disk. */
  private readonly written = new Map<string, number>();
  private records: SessionRecords | undefined;

  constructor(
    private readonly clock: () => number,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  /** Keeps sessions in `records` from now on, and forgets the expired ones found there (in the background). */
  keepIn(records: SessionRecords, onError: (e: unknown) => void = () => undefined): void {
    if (this.records === records) return;
    this.records = records;
    void this.sweep(records).catch(onError);
  }

  create(s: Omit<Session, 'createdAt' | 'lastSeenAt'>): { token: string; expiresAt: Date } {
    const token = `${TOKEN_PREFIX}.${Buffer.from(s.mspId).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    const now = this.clock();
    this.sessions.set(hash(token), { ...s, createdAt: now, lastSeenAt: now });
    this.prune(now);
    return { token, expiresAt: new Date(now + Math.min(this.policy.absoluteMs, this.policy.idleMs)) };
  }

  /** `create`, and written to disk before the token is handed out (so a restart right after keeps it). */
  async open(s: Omit<Session, 'createdAt' | 'lastSeenAt'>): Promise<{ token: string; expiresAt: Date }> {
    const created = this.create(s);
    const key = hash(created.token);
    const now = this.clock();
    if (this.records) {
      await this.records.saveSession(key, {
        enrollmentId: s.enrollmentId,
        mspId: s.mspId,
        createdAt: now,
        lastSeenAt: now,
      });
      this.written.set(key, now);
    }
    return created;
  }

  /** The live session of a token, refreshed; undefined if unknown or expired (and then forgotten). */
  touch(token: string): Session | undefined {
    const key = hash(token);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock();
    if (this.isOver(s, now)) {
      this.forget(key);
      return undefined;
    }
    s.lastSeenAt = now;
    return s;
  }

  /**
   * `touch`, looking on disk for a session this process has not seen (one opened before a restart). Its
   * identity comes from the wallet and its roles from that identity's certificate, never from the record.
   */
  async resume(token: string): Promise<Session | undefined> {
    const key = hash(token);
    const records = this.records;
    let s = this.touch(token);
    if (!s && records && !this.sessions.has(key)) {
      const record = await records.loadSession(key).catch(() => undefined);
      const now = this.clock();
      if (record) {
        const over = this.isOver(record, now);
        const identity = over ? undefined : await records.get(record.enrollmentId).catch(() => undefined);
        if (!identity || identity.mspId !== record.mspId) {
          await records.removeSession(key);
          return undefined;
        }
        s = {
          enrollmentId: record.enrollmentId,
          mspId: record.mspId,
          roles: readCertificate(identity.certificatePem).roles,
          identity,
          createdAt: record.createdAt,
          lastSeenAt: now,
        };
        this.sessions.set(key, s);
        this.written.set(key, record.lastSeenAt);
      }
    }
    if (s && records && s.lastSeenAt - (this.written.get(key) ?? 0) >= LAST_SEEN_WRITE_MS) {
      this.written.set(key, s.lastSeenAt);
      await records.saveSession(key, {
        enrollmentId: s.enrollmentId,
        mspId: s.mspId,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
      });
      // A logout while this was being written must not leave the record behind for the next restart.
      if (!this.sessions.has(key)) await records.removeSession(key);
    }
    if (!s && records) {
      // Expired in memory: its record goes too.
      await records.removeSession(key);
    }
    return s;
  }

  end(token: string): boolean {
    const key = hash(token);
    const had = this.sessions.has(key);
    this.forget(key);
    return had;
  }

  /** `end`, and its record removed from disk before the logout is answered. */
  async close(token: string): Promise<void> {
    this.end(token);
    await this.records?.removeSession(hash(token));
  }

  private isOver(s: { createdAt: number; lastSeenAt: number }, now: number): boolean {
    return now - s.createdAt >= this.policy.absoluteMs || now - s.lastSeenAt >= this.policy.idleMs;
  }

  private forget(key: string): void {
    this.sessions.delete(key);
    this.written.delete(key);
  }

  private prune(now: number): void {
    for (const [k, s] of this.sessions) {
      if (this.isOver(s, now)) {
        this.forget(k);
        void this.records?.removeSession(k).catch(() => undefined);
      }
    }
  }

  private async sweep(records: SessionRecords): Promise<void> {
    for (const key of await records.sessionKeys()) {
      const record = await records.loadSession(key).catch(() => undefined);
      if (!record || this.isOver(record, this.clock())) await records.removeSession(key);
    }
  }
}

/** The MSP ID of the node that issued a token, or undefined when it is not one of ours at all. */
export function tokenIssuer(token: string): string | undefined {
  const [prefix, msp, secret, ...rest] = token.split('.');
  if (prefix !== TOKEN_PREFIX || msp === undefined || secret === undefined || rest.length > 0)
    return undefined;
  const mspId = Buffer.from(msp, 'base64url').toString('utf8');
  return /^[A-Za-z][A-Za-z0-9.-]{0,63}$/.test(mspId) ? mspId : undefined;
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
