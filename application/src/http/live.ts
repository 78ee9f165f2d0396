import type { Response } from 'express';

import type { BlockIndexer } from '../indexer/blockIndexer';
import type { Checkpoint } from '../readModel/checkpoint';
import type { ChangeNotice } from '../ledger/ledgerGateway';
import type { IndexedEvent } from './indexedEvent';

/** Streams open at once on one node; one more is refused (each console tab holds one). */
export const EVENT_STREAMS_MAX = 200;
/** A stream ends after this long and the browser reconnects (its session is checked again then). */
export const EVENT_STREAM_MAX_MS = 5 * 60_000;
/** A comment line this often keeps proxies from closing an idle stream. */
export const EVENT_HEARTBEAT_MS = 15_000;

interface Stream {
  readonly res: Response;
  readonly mspId: string;
  readonly token: string;
  readonly heartbeat: NodeJS.Timeout;
  readonly expiry: NodeJS.Timeout;
}

/**
 * The node's change stream to browsers (server-sent events): after each batch the indexer commits, every open
 * stream gets an `indexed` event naming the breaks of its institution that changed, so a console refreshes what
 * it shows within the index's own latency. The feed follows an indexer attached at any time (the node may start
 * indexing after it starts serving) and ends every stream on `close()`, so a node shuts down without waiting.
 */
export class LiveFeed {
  private readonly streams = new Set<Stream>();
  private detach: (() => void) | undefined;
  private closed = false;

  get size(): number {
    return this.streams.size;
  }

  attach(indexer: Pick<BlockIndexer, 'onIndexed'>): void {
    this.detach?.();
    this.detach = indexer.onIndexed((checkpoint, notices) => {
      this.publish(checkpoint, notices);
    });
  }

  /** Takes over the response as an event stream, unless the node is closing or has too many open. */
  open(
    res: Response,
    who: { mspId: string; token: string },
    checkpoint: Checkpoint | undefined,
  ): 'open' | 'closing' | 'full' {
    if (this.closed) return 'closing';
    if (this.streams.size >= EVENT_STREAMS_MAX) return 'full';
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    const stream: Stream = {
      res,
      mspId: who.mspId,
      token: who.token,
      heartbeat: setInterval(() => {
        res.write(': ping\n\n');
      }, EVENT_HEARTBEAT_MS),
      expiry: setTimeout(() => {
        this.end(stream);
      }, EVENT_STREAM_MAX_MS),
    };
    stream.heartbeat.unref();
    stream.expiry.unref();
    this.streams.add(stream);
    res.on('close', () => {
      this.drop(stream);
    });
    // Tells the browser to reconnect after 1 s if the stream breaks, and where the index stands.
    res.write(
      `retry: 1000\nevent: hello\ndata: ${JSON.stringify({ block: checkpoint?.blockNumber.toString() ?? null })}\n\n`,
    );
    return 'open';
  }

  /**
   * Sends one named event to every open stream of an institution (a blacklist alert: the node serves one
   * institution, so every stream it holds is that institution's people).
   */
  send(mspId: string, event: string, payload: unknown): void {
    const data = JSON.stringify(payload);
    for (const s of this.streams) if (s.mspId === mspId) s.res.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  /** Ends the streams of one session (its person logged out). */
  endSession(token: string): void {
    for (const s of [...this.streams]) if (s.token === token) this.end(s);
  }

  /** Ends every stream and takes no more: call before closing the server. */
  close(): void {
    this.closed = true;
    this.detach?.();
    this.detach = undefined;
    for (const s of [...this.streams]) this.end(s);
  }

  private publish(checkpoint: Checkpoint, notices: readonly ChangeNotice[]): void {
    if (this.streams.size === 0) return;
    const byInstitution = new Map<string, string>();
    for (const s of this.streams) {
      let payload = byInstitution.get(s.mspId);
      if (payload === undefined) {
        payload = JSON.stringify(eventFor(s.mspId, checkpoint, notices));
        byInstitution.set(s.mspId, payload);
      }
      s.res.write(`event: indexed\ndata: ${payload}\n\n`);
    }
  }

  private end(s: Stream): void {
    this.drop(s);
    s.res.end();
  }

  private drop(s: Stream): void {
    clearInterval(s.heartbeat);
    clearTimeout(s.expiry);
    this.streams.delete(s);
  }
}

/** Pure: the event one institution gets for a committed batch (public facts of its own breaks only). */
export function eventFor(
  mspId: string,
  checkpoint: Pick<Checkpoint, 'blockNumber' | 'txIndex'>,
  notices: readonly ChangeNotice[],
): IndexedEvent {
  const breaks = new Map<string, IndexedEvent['breaks'][number]>();
  for (const n of notices)
    for (const b of n.breaks)
      if (b.parties.includes(mspId))
        breaks.set(b.breakId, {
          breakId: b.breakId,
          caseId: b.caseId,
          reason: b.reason,
          status: b.status,
          action: b.action,
        });
  return {
    block: checkpoint.blockNumber.toString(),
    txIndex: checkpoint.txIndex,
    transactions: notices.length,
    breaks: [...breaks.values()],
  };
}
