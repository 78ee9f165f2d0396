import { useId, useState, type SyntheticEvent } from 'react';

import { call, download, upload, type CommittedLegs, type StatementLine, type StatementReport } from './api';
import { dayIn } from './dueDate';
import { formatDate, formatInteger, formatMoney } from './format';
import { codeLabel, institutionName, knownInstitutions, type Translate } from './i18n';
import { STATEMENT_HEAD_BYTES, statementFormatOf } from './statementFormat';
import { ErrorBox, Fact, message, Select, type Ctx } from './ui';

const CONTENT_TYPE: Record<string, string> = {
  camt: 'application/xml',
  mt940: 'text/plain',
  csv: 'text/csv',
};

const lineRef = (l: StatementLine) => l.uetr ?? l.endToEndId ?? l.legId ?? '';

/**
 * My books against the ledger: the person uploads the institution's statement (camt.052/053/054, MT940/MT950
 * or CSV), the node compares it with the institution's own legs and reports what is only in the books, only on
 * the ledger, or different. The legs missing from the ledger can then be posted, signed by the person (the
 * ledger takes legs only from people or systems with the submitter role).
 */
export function Statements({ ctx }: { readonly ctx: Ctx }) {
  const { t, locale, user } = ctx;
  const fileId = useId();
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState('csv');
  const [counterparty, setCounterparty] = useState('');
  const [clearing, setClearing] = useState('');
  const [report, setReport] = useState<StatementReport>();
  const [error, setError] = useState<string>();
  const [posted, setPosted] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Today in the person's time zone (at 07:00 in Shanghai the UTC date is still yesterday's).
  const [extractFrom, setExtractFrom] = useState(() => dayIn(new Date().toISOString(), ctx.timeZone));
  const [extractTo, setExtractTo] = useState('');

  const extract = (e: SyntheticEvent) => {
    e.preventDefault();
    setError(undefined);
    const q = new URLSearchParams({ from: extractFrom });
    if (extractTo) q.set('to', extractTo);
    download(
      `/v1/statements/ledger?${q.toString()}`,
      `ledger-${user.mspId}-${extractFrom}-${extractTo || extractFrom}.csv`,
    ).catch((err: unknown) => {
      setError(message(err));
    });
  };

  const compare = (e: SyntheticEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setPosted(undefined);
    const q = new URLSearchParams({ format });
    if (counterparty) q.set('counterparty', counterparty);
    if (clearing) q.set('clearing', clearing);
    upload<StatementReport>(`/v1/statements?${q.toString()}`, file, CONTENT_TYPE[format] ?? 'text/plain')
      .then(setReport)
      .catch((err: unknown) => {
        setReport(undefined);
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const legs = report?.proposedLegs;
  const problems = legs && 'problems' in legs ? legs.problems : undefined;
  const proposed = legs && !('problems' in legs) ? legs : undefined;

  const post = () => {
    if (!proposed || proposed.length === 0) return;
    setBusy(true);
    setError(undefined);
    call<CommittedLegs>('POST', '/v1/legs/batch', {
      legs: proposed,
    })
      .then((r) => {
        setPosted(t('legsPostedIn', { n: r.result.length, block: r.blockNumber, tx: r.txId }));
      })
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const counts = report?.counts;
  // The institutions a missing leg's route may name besides the person's own, by name in the chosen language.
  const others = knownInstitutions()
    .filter((m) => m !== user.mspId && m !== 'AuditorMSP')
    .map((m) => ({ value: m, label: institutionName(locale, m) }));
  return (
    <section aria-labelledby="statements-title">
      <h2 id="statements-title">{t('statementsTitle')}</h2>
      <p className="help">{t('statementsHelp')}</p>
      <form onSubmit={extract} className="filters views" aria-label={t('ledgerExtract')}>
        <label>
          {t('valueDateFrom')}{' '}
          <input
            name="from"
            type="date"
            required
            value={extractFrom}
            onChange={(e) => {
              setExtractFrom(e.target.value);
            }}
          />
        </label>
        <label>
          {t('valueDateTo')}{' '}
          <input
            name="to"
            type="date"
            value={extractTo}
            onChange={(e) => {
              setExtractTo(e.target.value);
            }}
          />
        </label>
        <button type="submit">{t('downloadLedger')}</button>
        <span className="help">{t('ledgerExtractHelp')}</span>
      </form>
      <form onSubmit={compare} className="filters" aria-label={t('uploadStatement')}>
        <label htmlFor={fileId}>{t('statementFile')}</label>
        <input
          id={fileId}
          name="statement"
          type="file"
          required
          accept=".xml,.txt,.sta,.mt940,.csv,text/csv,application/xml,text/plain"
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            setFile(chosen);
            if (!chosen) return;
            // The format the file shows (its start, else its name): the person may still pick another.
            void chosen
              .slice(0, STATEMENT_HEAD_BYTES)
              .text()
              .catch(() => '')
              .then((head) => {
                const found = statementFormatOf(chosen.name, head);
                if (found) setFormat(found);
              });
          }}
        />
        <Select
          label={t('format')}
          value={format}
          options={[
            { value: 'camt', label: 'camt.052 / 053 / 054' },
            { value: 'mt940', label: 'MT940 / MT950' },
            { value: 'csv', label: 'CSV' },
          ]}
          onChange={setFormat}
        />
        <Select
          label={t('counterparty')}
          value={counterparty}
          options={others}
          any={t('none')}
          onChange={setCounterparty}
        />
        <Select
          label={t('clearing')}
          value={clearing}
          options={others}
          any={t('none')}
          onChange={setClearing}
        />
        <button type="submit" disabled={busy || !file}>
          {t('compare')}
        </button>
      </form>
      <ErrorBox error={error} />
      {posted && (
        <p role="status" className="notice">
          {posted}
        </p>
      )}
      {report && counts && (
        <>
          <h3>
            {t('differenceReport')} · {formatDate(locale, report.period.from)} –{' '}
            {formatDate(locale, report.period.to)}
          </h3>
          <dl className="tiles" data-testid="statement-counts">
            <Fact label={t('statementLines')}>{formatInteger(locale, counts.lines)}</Fact>
            <Fact label={t('matched')}>{formatInteger(locale, counts.matched)}</Fact>
            <Fact label={t('onlyInMyBooks')}>{formatInteger(locale, counts.onlyInMyBooks)}</Fact>
            <Fact label={t('onlyOnLedger')}>{formatInteger(locale, counts.onlyOnLedger)}</Fact>
            <Fact label={t('fieldDifferences')}>{formatInteger(locale, counts.fieldDifferences)}</Fact>
            <Fact label={t('notSettled')}>{formatInteger(locale, counts.notSettled)}</Fact>
            <Fact label={t('notBooked')}>{formatInteger(locale, counts.notBooked)}</Fact>
            <Fact label={t('outOfScope')}>{formatInteger(locale, counts.outOfScope)}</Fact>
          </dl>
          <ScopeList scopes={report.scopes} t={t} />

          <h3>{t('onlyInMyBooks')}</h3>
          {report.onlyInMyBooks.length === 0 ? (
            <p>{t('nothing')}</p>
          ) : (
            <table data-testid="only-in-books">
              <thead>
                <tr>
                  <th scope="col">{t('line')}</th>
                  <th scope="col">{t('reference')}</th>
                  <th scope="col">{t('side')}</th>
                  <th scope="col">{codeLabel(locale, 'amountMinor')}</th>
                  <th scope="col">{codeLabel(locale, 'valueDate')}</th>
                </tr>
              </thead>
              <tbody>
                {report.onlyInMyBooks.map((l) => (
                  <tr key={`${String(l.at)}-${lineRef(l)}`}>
                    <td>{String(l.at)}</td>
                    <td className="mono">{lineRef(l)}</td>
                    <td>{t(l.side === 'DEBIT' ? 'debit' : 'credit')}</td>
                    <td>{formatMoney(locale, l.amountMinor, l.currency)}</td>
                    <td>{l.valueDate ? formatDate(locale, l.valueDate) : t('none')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {proposed && proposed.length > 0 && (
            <div className="row">
              <button type="button" disabled={busy} onClick={post}>
                {t('postMissing', { n: proposed.length })}
              </button>
              {!user.roles.includes('submitter') && <span className="help">{t('postNeedsSubmitter')}</span>}
            </div>
          )}
          {!proposed && !problems && report.onlyInMyBooks.length > 0 && (
            <p className="help">{t('nameCounterparty')}</p>
          )}
          {problems && (
            <p role="alert" className="error">
              {t('cannotPost')} {JSON.stringify(problems.slice(0, 5))}
            </p>
          )}

          <h3>{t('onlyOnLedger')}</h3>
          {report.onlyOnLedger.length === 0 ? (
            <p>{t('nothing')}</p>
          ) : (
            <table data-testid="only-on-ledger">
              <thead>
                <tr>
                  <th scope="col">{t('legId')}</th>
                  <th scope="col">{t('reference')}</th>
                  <th scope="col">{codeLabel(locale, 'amountMinor')}</th>
                  <th scope="col">{codeLabel(locale, 'valueDate')}</th>
                </tr>
              </thead>
              <tbody>
                {report.onlyOnLedger.map((l) => (
                  <tr key={l.legId}>
                    <td className="mono">{l.legId}</td>
                    <td className="mono">{l.reference}</td>
                    <td>{formatMoney(locale, l.amountMinor, l.currency)}</td>
                    <td>{formatDate(locale, l.valueDate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h3>{t('fieldDifferences')}</h3>
          {report.fieldDifferences.length === 0 ? (
            <p>{t('nothing')}</p>
          ) : (
            <table data-testid="field-differences">
              <thead>
                <tr>
                  <th scope="col">{t('legId')}</th>
                  <th scope="col">{t('field')}</th>
                  <th scope="col">{t('inMyBooks')}</th>
                  <th scope="col">{t('onTheLedger')}</th>
                </tr>
              </thead>
              <tbody>
                {report.fieldDifferences.flatMap((m) =>
                  m.differences.map((d) => (
                    <tr key={`${m.leg.legId}-${d.field}`} className="differs">
                      <td className="mono">{m.leg.legId}</td>
                      <th scope="row">{codeLabel(locale, d.field)}</th>
                      <td>
                        {d.field === 'amountMinor' ? formatMoney(locale, d.mine, m.line.currency) : d.mine}
                      </td>
                      <td>
                        {d.field === 'amountMinor' ? formatMoney(locale, d.ledger, m.leg.currency) : d.ledger}
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          )}

          <h3>{t('notSettled')}</h3>
          <p className="help">{t('notSettledHelp')}</p>
          <NotSettledTable rows={report.notSettled} ctx={ctx} />
        </>
      )}
    </section>
  );
}

/** Which of the institution's legs each statement was compared with (its account and currency). */
function ScopeList({ scopes, t }: { readonly scopes: StatementReport['scopes']; readonly t: Translate }) {
  if (scopes.length === 0) return null;
  const text = (s: StatementReport['scopes'][number]) => {
    const currency = s.currency ?? '';
    if (s.account !== undefined && s.accountOnLedger)
      return t('scopeAccount', { account: s.account, currency });
    if (s.account !== undefined && s.currency !== undefined)
      return t('scopeAccountUnknown', { account: s.account, currency });
    return s.currency !== undefined ? t('scopeCurrency', { currency }) : t('scopeAll');
  };
  return (
    <p className="help" data-testid="statement-scope">
      {t('scopeTitle')}:{' '}
      {scopes
        .slice(0, 5)
        .map((s) => `${s.statementId ? `${s.statementId}: ` : ''}${text(s)}`)
        .join('; ')}
      {scopes.length > 5 ? '; …' : ''}
    </p>
  );
}

/** My legs that did not settle, with the line of my books that names each, if any. */
function NotSettledTable({ rows, ctx }: { readonly rows: StatementReport['notSettled']; readonly ctx: Ctx }) {
  const { t, locale } = ctx;
  if (rows.length === 0) return <p>{t('nothing')}</p>;
  return (
    <table data-testid="not-settled">
      <thead>
        <tr>
          <th scope="col">{t('legId')}</th>
          <th scope="col">{t('reference')}</th>
          <th scope="col">{t('outcome')}</th>
          <th scope="col">{codeLabel(locale, 'amountMinor')}</th>
          <th scope="col">{codeLabel(locale, 'valueDate')}</th>
          <th scope="col">{t('inMyBooksLine')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((n) => (
          <tr key={n.leg.legId}>
            <td className="mono">{n.leg.legId}</td>
            <td className="mono">{n.leg.reference}</td>
            <td>{codeLabel(locale, n.leg.outcome)}</td>
            <td>{formatMoney(locale, n.leg.amountMinor, n.leg.currency)}</td>
            <td>{formatDate(locale, n.leg.valueDate)}</td>
            <td>{n.line ? String(n.line.at) : t('notInMyBooks')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
