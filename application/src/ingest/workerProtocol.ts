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

/** Main thread to worker. */
export type ToWorker =
  | { readonly t: 'start'; readonly job: WorkerJob }
  | { readonly t: 'chunk'; readonly bytes: Uint8Array }
  | { readonly t: 'end' }
  | { readonly t: 'ledger'; readonly legs: LedgerLeg[] };

/** Worker to main thread. */
export type FromWorker =
  | { readonly t: 'ready' }
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
