// Search (a recorded query) with provenance and cross-validation, and the subject's report of who looked.
import { useId, useState, type SyntheticEvent } from 'react';

import { ErrorBox, message, type Ctx } from '../ui';
import { call, type BlacklistQueryAnswer, type BlacklistSubjectReportAnswer } from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';
import { CrossValidation, EntryTable, IdentifierFields } from './parts';

const PURPOSES = [
  'ACCOUNT_OPENING',
  'CREDIT_DECISION',
  'PAYMENT_SCREENING',
  'FRAUD_INVESTIGATION',
  'LAW_ENFORCEMENT_REQUEST',
];

function ConsentFields({
  b,
  hash,
  setHash,
  expires,
  setExpires,
  required,
}: {
  readonly b: BlacklistText;
  readonly hash: string;
  readonly setHash: (v: string) => void;
  readonly expires: string;
  readonly setExpires: (v: string) => void;
  readonly required: boolean;
}) {
  const h = useId();
  const d = useId();
  return (
    <>
      <span className="field">
        <label htmlFor={h}>{b('consentHash')}</label>
        <input
          id={h}
          name="consentHash"
          pattern="[0-9a-f]{64}"
          size={40}
          required={required}
          value={hash}
          onChange={(e) => {
            setHash(e.target.value.trim().toLowerCase());
          }}
        />
      </span>
      <span className="field">
        <label htmlFor={d}>{b('consentExpires')}</label>
        <input
          id={d}
          name="consentExpires"
          type="date"
          required={required || hash !== ''}
          value={expires}
          onChange={(e) => {
            setExpires(e.target.value);
          }}
        />
      </span>
      <p className="help small">{b('consentHelp')}</p>
    </>
  );
}

export function BlacklistSearch({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const purposeId = useId();
  const [type, setType] = useState('MOBILE');
  const [identifier, setIdentifier] = useState('');
  const [purpose, setPurpose] = useState('FRAUD_INVESTIGATION');
  const [hash, setHash] = useState('');
  const [expires, setExpires] = useState('');
  const [answer, setAnswer] = useState<BlacklistQueryAnswer>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    call<BlacklistQueryAnswer>('POST', '/v1/blacklist/queries', {
      type,
      identifier,
      purpose,
      ...(hash ? { consent: { hash, expiresOn: expires } } : {}),
    })
      .then((a) => {
        setAnswer(a);
        // The identifier leaves the form once asked: the page keeps no copy of it.
        setIdentifier('');
      })
      .catch((err: unknown) => {
        setAnswer(undefined);
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <section aria-label={b('tabSearch')}>
      <form className="inline" onSubmit={submit} aria-label={b('tabSearch')}>
        <IdentifierFields
          b={b}
          locale={locale}
          type={type}
          setType={setType}
          identifier={identifier}
          setIdentifier={setIdentifier}
        />
        <span className="field">
          <label htmlFor={purposeId}>{b('purpose')}</label>
          <select
            id={purposeId}
            name="purpose"
            value={purpose}
            onChange={(e) => {
              setPurpose(e.target.value);
            }}
          >
            {PURPOSES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </span>
        <ConsentFields
          b={b}
          hash={hash}
          setHash={setHash}
          expires={expires}
          setExpires={setExpires}
          required={false}
        />
        <button type="submit" disabled={busy}>
          {busy ? b('searching') : b('search')}
        </button>
      </form>
      <ErrorBox error={error} />
      {answer && (
        <div data-testid="search-result">
          <p className="notice">
            {b('recorded', { tx: answer.txId.slice(0, 16) + '…', block: answer.blockNumber })}
          </p>
          <CrossValidation b={b} locale={locale} result={answer.result} />
          <EntryTable b={b} locale={locale} result={answer.result} />
        </div>
      )}
    </section>
  );
}

export function BlacklistReport({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const [type, setType] = useState('MOBILE');
  const [identifier, setIdentifier] = useState('');
  const [hash, setHash] = useState('');
  const [expires, setExpires] = useState('');
  const [answer, setAnswer] = useState<BlacklistSubjectReportAnswer>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    call<BlacklistSubjectReportAnswer>('POST', '/v1/blacklist/subject-reports', {
      type,
      identifier,
      consent: { hash, expiresOn: expires },
    })
      .then((a) => {
        setAnswer(a);
        setIdentifier('');
      })
      .catch((err: unknown) => {
        setAnswer(undefined);
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <section aria-label={b('report')}>
      <h3>{b('report')}</h3>
      <p className="help">{b('reportHelp')}</p>
      <form className="inline" onSubmit={submit} aria-label={b('report')}>
        <IdentifierFields
          b={b}
          locale={locale}
          type={type}
          setType={setType}
          identifier={identifier}
          setIdentifier={setIdentifier}
        />
        <ConsentFields
          b={b}
          hash={hash}
          setHash={setHash}
          expires={expires}
          setExpires={setExpires}
          required
        />
        <button type="submit" disabled={busy}>
          {b('makeReport')}
        </button>
      </form>
      <ErrorBox error={error} />
      {answer && (
        <div data-testid="report-result">
          <p className="notice">
            {b('recorded', { tx: answer.txId.slice(0, 16) + '…', block: answer.blockNumber })}
          </p>
          <CrossValidation b={b} locale={locale} result={answer.result} />
          <EntryTable b={b} locale={locale} result={answer.result} />
          <h4>{b('looks')}</h4>
          {answer.result.looks.length === 0 ? (
            <p>{b('noLooks')}</p>
          ) : (
            <table aria-label={b('looks')}>
              <thead>
                <tr>
                  <th>{b('day')}</th>
                  <th>{b('institution')}</th>
                  <th>{b('purpose')}</th>
                </tr>
              </thead>
              <tbody>
                {answer.result.looks.map((l) => (
                  <tr key={l.queryId}>
                    <td>{l.on}</td>
                    <td>{l.institution}</td>
                    <td>{codeText(locale, l.purpose)}</td>
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
