import { join } from 'node:path';

import { loadWalletKey, readWalletKeyConfig } from '../identity/walletKey';
import { nodeReaderOf, type LedgerConnection } from '../ledger/connection';
import type { LedgerGateway } from '../ledger/ledgerGateway';
import { ledgerNoticeDirectory, NodeNotices } from './nodeNotices';
import { deriveNoticeKey } from './noticeKey';

/** How often a node whose key registration failed (the ledger unreachable at start) tries again. */
const REGISTER_RETRY_MS = 30_000;

/** The notices of one institution's node, with its key registration running (retried until it succeeds). */
export interface StartedNotices {
  readonly notices: NodeNotices;
  /** Settles once the key is in the directory (or the node stopped trying). */
  readonly registered: Promise<void>;
  close(): void;
}

/**
 * The identity that registers the institution's notice key: its system (what the node posts with), else its
 * admin. An institution with neither (none in the demo) posts no legs and registers no key.
 */
export function noticeRegistrarOf(
  c: Pick<LedgerConnection, 'consortium'>,
  mspId: string,
): string | undefined {
  const org = c.consortium.organisations.find((o) => o.mspId === mspId);
  return (
    org?.users.find((u) => u.roles.includes('submitter')) ?? org?.users.find((u) => u.roles.includes('admin'))
  )?.id;
}

/**
 * Opens the institution's notices at node start: the key derived from the wallet key (noticeKey.ts), the
 * directory read through the node's reader identity, and the key registered when the directory lacks it or holds
 * another (a rotated wallet key). A registration that fails does not stop the node (posting and reading work
 * without it; only the others' notices to this institution wait for it): it is logged and retried.
 */
export async function startNodeNotices(
  c: LedgerConnection,
  mspId: string,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly nodeDir: string;
    readonly log?: (message: string) => void;
    /** Wait before another registration attempt after a failed one (default 30 s). */
    readonly retryMs?: number;
  },
): Promise<StartedNotices | undefined> {
  const reader = nodeReaderOf(c, mspId);
  if (reader === undefined) return undefined;
  const registrar = noticeRegistrarOf(c, mspId);
  const walletKey = await loadWalletKey(readWalletKeyConfig(options.env), join(options.nodeDir, 'wallet'));
  const key = deriveNoticeKey(walletKey, mspId);
  walletKey.fill(0);
  const directory = ledgerNoticeDirectory(
    c.gateway,
    () => c.identity(reader),
    () => c.identity(registrar ?? reader),
  );
  const notices = new NodeNotices(key, directory, {
    ...(options.log ? { log: options.log } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let settle: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const attempt = async (): Promise<void> => {
    try {
      const outcome = await notices.ensureRegistered();
      if (outcome === 'REGISTERED') options.log?.(`notice key of ${mspId} registered in the directory`);
      settle();
    } catch (e) {
      options.log?.(`notice key of ${mspId}: registration failed (retrying): ${String(e)}`);
      if (stopped) {
        settle();
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        void attempt();
      }, options.retryMs ?? REGISTER_RETRY_MS);
      timer.unref();
    }
  };
  if (registrar !== undefined) await attempt();
  else settle();
  return {
    notices,
    registered,
    close() {
      stopped = true;
      clearTimeout(timer);
      settle();
    },
  };
}

/**
 * The node's gateway, posting with notices: every batch of the institution's legs carries, in the transient
 * field `notices`, the notices of its cases for the other institutions on their routes (NodeNotices).
 * Everything else is the gateway as it is (a Proxy, so that no use case needs forwarding by hand).
 */
export function postingWithNotices(gateway: LedgerGateway, notices: NodeNotices): LedgerGateway {
  const postLegs: LedgerGateway['postLegs'] = async (who, legs, options) => {
    // Only the institution's own identities post through its node; another's would address the wrong pairs.
    const byCase = who.mspId === notices.mspId ? await notices.noticesForLegs(legs) : undefined;
    if (byCase === undefined) return gateway.postLegs(who, legs, options);
    return gateway.postLegs(who, legs, { ...options, notices: byCase });
  };
  return new Proxy(gateway, {
    get(target, property) {
      if (property === 'postLegs') return postLegs;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
