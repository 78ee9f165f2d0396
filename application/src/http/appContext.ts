import type { SessionStore } from '../identity/sessions';
import type { FileWallet } from '../identity/wallet';
import type { AppDeps, LogEntry } from './createApp';
import { LiveFeed } from './live';
import type { NodeMetrics } from './metrics';
import { openApiDocument } from './openapi';
import type { AppContext } from './routes/mount';

/**
 * What every route of one node shares: its deps, the change stream to browsers, the metrics, the OpenAPI
 * document, the log, and state a route module keeps for the app's life (`state`, made on first use).
 */
export function createAppContext(
  deps: AppDeps,
  log: (e: LogEntry) => void,
  metrics: NodeMetrics,
): AppContext {
  const state = new Map<string, unknown>();
  return {
    deps,
    live: deps.live ?? liveFeedOf(deps),
    registry: metrics.registry,
    document: openApiDocument,
    log,
    counted: async (operation, work) => {
      try {
        const r = await work();
        metrics.ledgerTx.inc({ operation, outcome: 'committed' });
        return r;
      } catch (e) {
        metrics.ledgerTx.inc({ operation, outcome: 'refused' });
        throw e;
      }
    },
    state: <T>(key: string, make: () => T): T => {
      if (!state.has(key)) state.set(key, make());
      return state.get(key) as T;
    },
  };
}

/** The app's own change stream when the caller passes none: it follows the index's indexer, if there is one. */
function liveFeedOf(deps: AppDeps): LiveFeed {
  const feed = new LiveFeed();
  if (deps.index?.indexer) feed.attach(deps.index.indexer);
  return feed;
}

/**
 * Sessions are kept in the wallet's folder (sealed with its key) so that a restart logs nobody out.
 * (A node built only to serve the console has neither.)
 */
export function keepSessionsInWallet(deps: AppDeps, log: (e: LogEntry) => void): void {
  const [sessions, wallet] = [
    deps.sessions as SessionStore | undefined,
    deps.wallet as FileWallet | undefined,
  ];
  if (sessions !== undefined && wallet !== undefined)
    sessions.keepIn(wallet, (e) => {
      log({
        level: 'warn',
        msg: 'could not sweep expired sessions',
        error: e instanceof Error ? e.message : String(e),
      });
    });
}
