import type { BulkProgress, BulkReport } from './bulkUpload';

/** Limits of the node's board of bulk uploads in progress (named, enforced here). */
export const BULK_PROGRESS_LIMITS = {
  /** Uploads one node keeps on its board, running or finished; the oldest finished ones leave first. */
  keptMax: 200,
  /** How long a finished upload's progress stays readable (its report came back with the upload's answer). */
  keptAfterDoneMs: 10 * 60_000,
} as const;

export const BULK_UPLOAD_STATUSES = ['READING', 'POSTING', 'DONE', 'FAILED'] as const;
export type BulkUploadStatus = (typeof BULK_UPLOAD_STATUSES)[number];

/** What a bulk upload has done so far, as the node reports it while the upload runs. */
export interface BulkUploadProgress {
  readonly uploadId: string;
  readonly status: BulkUploadStatus;
  /** Data lines of the file; null until it is read. */
  readonly lines: number | null;
  readonly linesDone: number;
  readonly listed: number;
  readonly unchanged: number;
  readonly refused: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

type Held = { progress: BulkUploadProgress; doneAtMs: number | null };

/**
 * The node's bulk uploads in progress, by the client's upload id, readable by the uploading institution only
 * (another institution's id is unknown to it: `get` answers undefined). In memory: progress is for the person
 * watching the upload, and the report comes back with the upload's own answer. Bounded (`BULK_PROGRESS_LIMITS`).
 */
export class BulkProgressBoard {
  private readonly held = new Map<string, Held>();

  constructor(private readonly clockMs: () => number = () => Date.now()) {}

  /**
   * Starts an upload's progress. RUNNING when the institution already has a running upload of that id (a retry of
   * one still running, or two files under one id): the second is refused, the first goes on. FULL when the board
   * holds its limit of running uploads.
   */
  start(mspId: string, uploadId: string): 'STARTED' | 'RUNNING' | 'FULL' {
    const k = key(mspId, uploadId);
    if (this.held.get(k)?.doneAtMs === null) return 'RUNNING';
    this.held.delete(k);
    this.sweep();
    if (this.held.size >= BULK_PROGRESS_LIMITS.keptMax) return 'FULL';
    this.held.set(k, {
      doneAtMs: null,
      progress: {
        uploadId,
        status: 'READING',
        lines: null,
        linesDone: 0,
        listed: 0,
        unchanged: 0,
        refused: 0,
        startedAt: new Date(this.clockMs()).toISOString(),
        finishedAt: null,
      },
    });
    return 'STARTED';
  }

  update(mspId: string, uploadId: string, p: BulkProgress): void {
    const h = this.held.get(key(mspId, uploadId));
    if (h?.doneAtMs !== null) return;
    h.progress = { ...h.progress, status: 'POSTING', ...p };
  }

  finish(mspId: string, uploadId: string, report: BulkReport | undefined): void {
    const h = this.held.get(key(mspId, uploadId));
    if (h?.doneAtMs !== null) return;
    const now = this.clockMs();
    h.doneAtMs = now;
    h.progress = {
      ...h.progress,
      status: report ? 'DONE' : 'FAILED',
      finishedAt: new Date(now).toISOString(),
      ...(report
        ? {
            lines: report.lines,
            linesDone: report.lines,
            listed: report.listed,
            unchanged: report.unchanged,
            refused: report.refused.length,
          }
        : {}),
    };
  }

  get(mspId: string, uploadId: string): BulkUploadProgress | undefined {
    this.sweep();
    return this.held.get(key(mspId, uploadId))?.progress;
  }

  /** Drops finished uploads past their time, then the oldest finished while over the limit (never a running one). */
  private sweep(): void {
    const now = this.clockMs();
    for (const [k, h] of this.held)
      if (h.doneAtMs !== null && now - h.doneAtMs > BULK_PROGRESS_LIMITS.keptAfterDoneMs) this.held.delete(k);
    for (const [k, h] of this.held) {
      if (this.held.size < BULK_PROGRESS_LIMITS.keptMax) break;
      if (h.doneAtMs !== null) this.held.delete(k);
    }
  }
}

const key = (mspId: string, uploadId: string): string => `${mspId}\n${uploadId}`;
