import type { CsvMapping } from './csv';
import type { LedgerLeg } from './compare';
import type { ReportRequest } from './report';
import type { IngestLimits, StatementErrorCode } from './statementLine';

/** What the upload is, as the caller declared it. */
export type UploadSpec =
  { readonly format: 'camt' | 'mt940' } | { readonly format: 'csv'; readonly mapping: CsvMapping };

export interface WorkerJob {
  readonly upload: UploadSpec;
  readonly limits?: IngestLimits;
  readonly request: ReportRequest;
}

/**
 * Main thread to worker. Every message names its job: a worker reused for the next upload ignores what was
 * still on its way for the last one (a chunk it had asked for before it refused the file, say).
 */
export type ToWorker =
  | { readonly t: 'start'; readonly id: number; readonly job: WorkerJob }
  | { readonly t: 'chunk'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly t: 'end'; readonly id: number }
  /** The ledger's legs of the period, in batches; `last` on the final one (which may be empty). */
  | { readonly t: 'ledger'; readonly id: number; readonly legs: LedgerLeg[]; readonly last: boolean };

/** Worker to main thread. */
export type FromWorker =
  /** Started; `tid` is the thread's id on Linux, where the main thread reads its CPU time from /proc. */
  | { readonly t: 'ready'; readonly tid?: number }
  | { readonly t: 'pull' }
  | { readonly t: 'period'; readonly from: string; readonly to: string }
  | { readonly t: 'done'; readonly report: Record<string, unknown> }
  | {
      readonly t: 'rejected';
      readonly code: StatementErrorCode;
      readonly at: number | string;
      readonly detail: string;
    }
  | { readonly t: 'error'; readonly message: string };
