// The node's change stream (server-sent events at /v1/events), read with fetch so the session token travels in
// the Authorization header: EventSource cannot set headers, and a token in the URL would land in access logs.
import { useEffect, useRef, useState } from 'react';

import { authHeader, sessionEnded, type IndexedEvent } from './api';
import { sseParser } from './sse';

/** `refused`: the node does not stream to this person (no role of the reconciliation's: an enterprise's people). */
export type LiveState = 'connecting' | 'live' | 'offline' | 'paused' | 'refused';

/**
 * The node ends each stream after a few minutes and a reconnect counts as activity for the session. So that an
 * unattended console still times out, the stream is not renewed after this long without a key or a click; it
 * resumes at the next one.
 */
export const LIVE_IDLE_MS = 20 * 60_000;
let lastActivity = Date.now();
let watching = false;
/** Starts noting keys and clicks (once, at the first live stream: the module itself touches no browser API). */
function watchActivity(): void {
  if (watching) return;
  watching = true;
  for (const type of ['keydown', 'pointerdown'] as const)
    window.addEventListener(type, () => {
      lastActivity = Date.now();
    });
}
const activity = () =>
  new Promise<void>((resolve) => {
    const on = () => {
      window.removeEventListener('keydown', on);
      window.removeEventListener('pointerdown', on);
      resolve();
    };
    window.addEventListener('keydown', on);
    window.addEventListener('pointerdown', on);
  });

/**
 * Follows the stream while mounted and reconnects a second after it ends or fails (the node ends each stream
 * after a few minutes, at logout and at shutdown). `onIndexed` runs for every block the index commits.
 */
export function useLiveIndex(onIndexed: (e: IndexedEvent) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onIndexed);
  handler.current = onIndexed;
  useEffect(() => {
    watchActivity();
    const life = { stopped: false };
    // A function, not the flag itself: the flag changes while this effect's async loop awaits.
    const stopped = () => life.stopped;
    let controller: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      controller = new AbortController();
      try {
        const res = await fetch('/v1/events', { headers: authHeader(), signal: controller.signal });
        if (res.status === 401) {
          // The session is over: the app goes back to the login form (and unmounts this stream).
          sessionEnded();
          return;
        }
        if (res.status === 403) {
          // Not this person's to read: asking again would be refused again.
          setState('refused');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${String(res.status)}`);
        setState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const feed = sseParser((event, data) => {
          if (event === 'indexed') handler.current(JSON.parse(data) as IndexedEvent);
          // A blacklist alert (the node's watchlist matched another member's entry): for its banner and list.
          else if (event === 'blacklist-alert')
            window.dispatchEvent(
              new CustomEvent('tallystick:blacklist-alert', { detail: JSON.parse(data) as unknown }),
            );
        });
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          feed(value);
        }
      } catch {
        // aborted on unmount, or the node is away: reconnect below
      }
      if (stopped()) return;
      if (Date.now() - lastActivity > LIVE_IDLE_MS) {
        setState('paused');
        await activity();
        if (stopped()) return;
      } else setState('offline');
      timer = setTimeout(() => {
        void connect();
      }, 1000);
    };
    void connect();
    return () => {
      life.stopped = true;
      clearTimeout(timer);
      controller?.abort();
    };
  }, []);
  return state;
}
