// Upload: one entry, or a CSV file with a progress bar (bytes sent, then the node's own progress: lines done of
// the total, and listed, unchanged and refused so far).
import { useEffect, useId, useState, type SyntheticEvent } from 'react';

import { ErrorBox, Select, type Ctx } from '../ui';
import {
  call,
  uploadWithProgress,
  type BlacklistBulkProgress,
  type BlacklistBulkReport,
  type BlacklistUploadAnswer,
} from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';
import { Done, useSubjectFields, codeOptions, Table, TextField, useSending } from './parts';

const CATEGORIES = [
  'CONFIRMED_FRAUD',
  'IDENTITY_FRAUD',
  'MONEY_MULE',
  'SCAM_RECEIVING_ACCOUNT',
  'SERIOUS_DEFAULT',
];
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'];

function One({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const docsId = useId();
  const subject = useSubjectFields(b, locale);
  const [category, setCategory] = useState('MONEY_MULE');
  const [severity, setSeverity] = useState('HIGH');
  const [indicators, setIndicators] = useState('');
  const [summary, setSummary] = useState('');
  const [docs, setDocs] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [done, setDone] = useState<string>();
  const { busy, error, send } = useSending();
  const code = (c: string) => codeText(locale, c);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setDone(undefined);
    const documentHashes = docs.split(/\s+/).filter((d) => d !== '');
    send(
      () =>
        call<BlacklistUploadAnswer>('POST', '/v1/blacklist/entries', {
          type: subject.type,
          identifier: subject.identifier,
          category,
          severity,
          indicators: indicators.split(/[,;\s]+/).filter((x) => x !== ''),
          summary,
          ...(documentHashes.length > 0 ? { documentHashes } : {}),
          ...(expiresOn ? { expiresOn } : {}),
        }),
      (r) => {
        const first = r.result[0];
        setDone(
          b('listed', {
            outcome: code(first?.outcome ?? ''),
            category: code(first?.category ?? category),
            tx: `${(first?.txId ?? r.txId).slice(0, 16)}…`,
          }),
        );
        subject.clear();
      },
    );
  };
  return (
    <section aria-label={b('uploadOne')}>
      <h3>{b('uploadOne')}</h3>
      <form className="inline" onSubmit={submit} aria-label={b('uploadOne')}>
        {subject.fields}
        {(
          [
            ['category', category, setCategory, CATEGORIES],
            ['severity', severity, setSeverity, SEVERITIES],
          ] as const
        ).map(([name, value, set, codes]) => (
          <Select
            key={name}
            label={b(name)}
            name={name}
            value={value}
            onChange={set}
            options={codeOptions(codes, code)}
          />
        ))}
        <TextField
          label={b('indicators')}
          name="indicators"
          required
          placeholder="POLICE_REPORT, MULE_PATTERN"
          value={indicators}
          onChange={setIndicators}
        />
        <TextField
          label={b('summary')}
          name="summary"
          required
          maxLength={2000}
          value={summary}
          onChange={setSummary}
        />
        <span className="field">
          <label htmlFor={docsId}>{b('documentHashes')}</label>
          <textarea
            id={docsId}
            name="documentHashes"
            rows={2}
            value={docs}
            onChange={(e) => {
              setDocs(e.target.value);
            }}
          />
        </span>
        <TextField
          label={b('expiresOn')}
          name="expiresOn"
          type="date"
          value={expiresOn}
          onChange={setExpiresOn}
        />
        <button type="submit" disabled={busy}>
          {b('listIt')}
        </button>
      </form>
      <Done text={done} />
      <ErrorBox error={error} />
    </section>
  );
}

/** How often the page asks the node how far a bulk upload has got. */
const PROGRESS_POLL_MS = 500;

/**
 * The node's progress of the upload named `uploadId` while it runs (lines done of the total, outcomes so far),
 * polled; undefined before the node has it (its answer to an unknown id is 404) and once `uploadId` is undefined.
 */
function useNodeProgress(uploadId: string | undefined): BlacklistBulkProgress | undefined {
  const [progress, setProgress] = useState<BlacklistBulkProgress>();
  useEffect(() => {
    setProgress(undefined);
    if (uploadId === undefined) return;
    let stopped = false;
    const poll = () => {
      call<BlacklistBulkProgress>('GET', `/v1/blacklist/bulk-uploads/${encodeURIComponent(uploadId)}`)
        .then((p) => {
          if (!stopped) setProgress(p);
        })
        .catch(() => undefined); // not there yet, or a lost answer: the next poll asks again
    };
    const timer = setInterval(poll, PROGRESS_POLL_MS);
    poll();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [uploadId]);
  return progress;
}

function Bulk({ b }: { readonly b: BlacklistText }) {
  const fileId = useId();
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<{ sent: number; total: number }>();
  const [uploadId, setUploadId] = useState<string>();
  const node = useNodeProgress(uploadId);
  const [report, setReport] = useState<BlacklistBulkReport>();
  const { busy, error, send } = useSending();
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (!file) return;
    const id = crypto.randomUUID();
    setReport(undefined);
    setProgress({ sent: 0, total: file.size });
    setUploadId(id);
    const ended = () => {
      setProgress(undefined);
      setUploadId(undefined);
    };
    send(
      () =>
        uploadWithProgress<BlacklistBulkReport>(
          '/v1/blacklist/entries/bulk',
          file,
          (sent, total) => {
            setProgress({ sent, total });
          },
          { 'Upload-Id': id },
        ),
      (r) => {
        ended();
        setReport(r);
      },
      ended,
    );
  };
  const sentPct = progress ? Math.floor((progress.sent / Math.max(progress.total, 1)) * 100) : 0;
  const posting = node?.status === 'POSTING' && node.lines !== null ? node : undefined;
  const linesPct = posting ? Math.floor((posting.linesDone / Math.max(posting.lines ?? 0, 1)) * 100) : 0;
  return (
    <section aria-label={b('uploadFile')}>
      <h3>{b('uploadFile')}</h3>
      <p className="help">{b('fileHelp')}</p>
      <form className="inline" onSubmit={submit} aria-label={b('uploadFile')}>
        <span className="field">
          <label htmlFor={fileId}>{b('file')}</label>
          <input
            id={fileId}
            name="file"
            type="file"
            accept=".csv,text/csv"
            required
            onChange={(e) => {
              setFile(e.target.files?.[0]);
            }}
          />
        </span>
        <button type="submit" disabled={busy || !file}>
          {b('send')}
        </button>
      </form>
      {progress && (
        <div data-testid="bulk-progress">
          {sentPct < 100 ? (
            <label>
              {`${b('sending')} ${String(sentPct)}%`}
              <progress max={100} value={sentPct} />
            </label>
          ) : posting ? (
            <label data-testid="bulk-lines">
              {b('bulkProgress', {
                done: posting.linesDone,
                lines: posting.lines ?? 0,
                listed: posting.listed,
                unchanged: posting.unchanged,
                refused: posting.refused,
              })}
              <progress max={100} value={linesPct} />
            </label>
          ) : (
            <label>
              {node?.status === 'READING' ? b('checkingLines') : b('posting')}
              <progress />
            </label>
          )}
        </div>
      )}
      <ErrorBox error={error} />
      {report && (
        <div data-testid="bulk-report">
          <p className="notice" role="status">
            {b('bulkDone', {
              lines: report.lines,
              listed: report.listed,
              unchanged: report.unchanged,
              refused: report.refused.length,
            })}
          </p>
          {report.refused.length > 0 && (
            <Table
              b={b}
              label={b('uploadFile')}
              headers={['line', 'code', 'message']}
              items={report.refused}
              rowKey={(r) => String(r.line)}
              row={(r) => (
                <>
                  <td>{r.line}</td>
                  <td className="mono">{r.code}</td>
                  <td>{r.message}</td>
                </>
              )}
            />
          )}
        </div>
      )}
    </section>
  );
}

export function BlacklistUpload({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  return (
    <>
      <One ctx={ctx} b={b} />
      <Bulk b={b} />
    </>
  );
}
