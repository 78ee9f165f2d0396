// Upload: one entry, or a CSV file with a progress bar (bytes sent, then the node's check and posting).
import { useId, useState, type SyntheticEvent } from 'react';

import { ErrorBox, message, type Ctx } from '../ui';
import {
  call,
  uploadWithProgress,
  type BlacklistBulkReport,
  type BlacklistUploadAnswer,
} from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';
import { IdentifierFields } from './parts';

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
  const ids = {
    category: useId(),
    severity: useId(),
    indicators: useId(),
    summary: useId(),
    docs: useId(),
    expires: useId(),
  };
  const [type, setType] = useState('MOBILE');
  const [identifier, setIdentifier] = useState('');
  const [category, setCategory] = useState('MONEY_MULE');
  const [severity, setSeverity] = useState('HIGH');
  const [indicators, setIndicators] = useState('');
  const [summary, setSummary] = useState('');
  const [docs, setDocs] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    const documentHashes = docs.split(/\s+/).filter((d) => d !== '');
    call<BlacklistUploadAnswer>('POST', '/v1/blacklist/entries', {
      type,
      identifier,
      category,
      severity,
      indicators: indicators.split(/[,;\s]+/).filter((x) => x !== ''),
      summary,
      ...(documentHashes.length > 0 ? { documentHashes } : {}),
      ...(expiresOn ? { expiresOn } : {}),
    })
      .then((r) => {
        const first = r.result[0];
        setDone(
          b('listed', {
            outcome: codeText(locale, first?.outcome ?? ''),
            category: codeText(locale, first?.category ?? category),
            tx: `${(first?.txId ?? r.txId).slice(0, 16)}…`,
          }),
        );
        setIdentifier('');
      })
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <section aria-label={b('uploadOne')}>
      <h3>{b('uploadOne')}</h3>
      <form className="inline" onSubmit={submit} aria-label={b('uploadOne')}>
        <IdentifierFields
          b={b}
          locale={locale}
          type={type}
          setType={setType}
          identifier={identifier}
          setIdentifier={setIdentifier}
        />
        <span className="field">
          <label htmlFor={ids.category}>{b('category')}</label>
          <select
            id={ids.category}
            name="category"
            value={category}
            onChange={(e) => {
              setCategory(e.target.value);
            }}
          >
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {codeText(locale, c)}
              </option>
            ))}
          </select>
        </span>
        <span className="field">
          <label htmlFor={ids.severity}>{b('severity')}</label>
          <select
            id={ids.severity}
            name="severity"
            value={severity}
            onChange={(e) => {
              setSeverity(e.target.value);
            }}
          >
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {codeText(locale, s)}
              </option>
            ))}
          </select>
        </span>
        <span className="field">
          <label htmlFor={ids.indicators}>{b('indicators')}</label>
          <input
            id={ids.indicators}
            name="indicators"
            required
            placeholder="POLICE_REPORT, MULE_PATTERN"
            value={indicators}
            onChange={(e) => {
              setIndicators(e.target.value);
            }}
          />
        </span>
        <span className="field">
          <label htmlFor={ids.summary}>{b('summary')}</label>
          <input
            id={ids.summary}
            name="summary"
            required
            maxLength={2000}
            value={summary}
            onChange={(e) => {
              setSummary(e.target.value);
            }}
          />
        </span>
        <span className="field">
          <label htmlFor={ids.docs}>{b('documentHashes')}</label>
          <textarea
            id={ids.docs}
            name="documentHashes"
            rows={2}
            value={docs}
            onChange={(e) => {
              setDocs(e.target.value);
            }}
          />
        </span>
        <span className="field">
          <label htmlFor={ids.expires}>{b('expiresOn')}</label>
          <input
            id={ids.expires}
            name="expiresOn"
            type="date"
            value={expiresOn}
            onChange={(e) => {
              setExpiresOn(e.target.value);
            }}
          />
        </span>
        <button type="submit" disabled={busy}>
          {b('listIt')}
        </button>
      </form>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <ErrorBox error={error} />
    </section>
  );
}

function Bulk({ b }: { readonly b: BlacklistText }) {
  const fileId = useId();
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<{ sent: number; total: number }>();
  const [report, setReport] = useState<BlacklistBulkReport>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    setProgress({ sent: 0, total: file.size });
    uploadWithProgress<BlacklistBulkReport>('/v1/blacklist/entries/bulk', file, (sent, total) => {
      setProgress({ sent, total });
    })
      .then(setReport)
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
        setProgress(undefined);
      });
  };
  const pct = progress ? Math.floor((progress.sent / Math.max(progress.total, 1)) * 100) : 0;
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
          <label>
            {pct < 100 ? `${b('sending')} ${String(pct)}%` : b('posting')}
            <progress max={100} value={pct} />
          </label>
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
            <table aria-label={b('uploadFile')}>
              <thead>
                <tr>
                  <th>{b('line')}</th>
                  <th>{b('code')}</th>
                  <th>{b('message')}</th>
                </tr>
              </thead>
              <tbody>
                {report.refused.map((r) => (
                  <tr key={r.line}>
                    <td>{r.line}</td>
                    <td className="mono">{r.code}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
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
