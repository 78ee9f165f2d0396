// Small pieces the blacklist pages share: the identifier fields, an entry table, the cross-validation line.
import { useId } from 'react';

import type { Locale } from '../format';
import { formatDate } from '../format';
import type { BlacklistQueryAnswer } from './blacklistApi';
import { SUBJECT_TYPES } from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';

export function IdentifierFields({
  b,
  locale,
  type,
  setType,
  identifier,
  setIdentifier,
}: {
  readonly b: BlacklistText;
  readonly locale: Locale;
  readonly type: string;
  readonly setType: (v: string) => void;
  readonly identifier: string;
  readonly setIdentifier: (v: string) => void;
}) {
  const typeId = useId();
  const idId = useId();
  return (
    <>
      <span className="field">
        <label htmlFor={typeId}>{b('type')}</label>
        <select
          id={typeId}
          name="type"
          value={type}
          onChange={(e) => {
            setType(e.target.value);
          }}
        >
          {SUBJECT_TYPES.map((t) => (
            <option key={t} value={t}>
              {codeText(locale, t)}
            </option>
          ))}
        </select>
      </span>
      <span className="field">
        <label htmlFor={idId}>{b('identifier')}</label>
        {/* Not remembered by the browser: an identifier is personal data. */}
        <input
          id={idId}
          name="identifier"
          autoComplete="off"
          required
          value={identifier}
          onChange={(e) => {
            setIdentifier(e.target.value);
          }}
        />
      </span>
      <p className="help small">{b('identifierHelp')}</p>
    </>
  );
}

type Result = BlacklistQueryAnswer['result'];

export function CrossValidation({
  b,
  locale,
  result,
}: {
  readonly b: BlacklistText;
  readonly locale: Locale;
  readonly result: Result;
}) {
  const cv = result.crossValidation;
  return (
    <p data-testid="cross-validation">
      <strong>{b('crossValidation')}:</strong> {b('institutionsList', { n: cv.institutions })}
      {cv.categories.length > 0 &&
        ` · ${b('inCategories', {
          list: cv.categories
            .map((c) => `${codeText(locale, c)} × ${String(cv.institutionsByCategory[c] ?? 0)}`)
            .join(', '),
        })}`}
    </p>
  );
}

export function EntryTable({
  b,
  locale,
  result,
}: {
  readonly b: BlacklistText;
  readonly locale: Locale;
  readonly result: Result;
}) {
  if (result.entries.length === 0) return <p>{b('noEntries')}</p>;
  return (
    <table aria-label={b('tabSearch')}>
      <thead>
        <tr>
          <th>{b('uploader')}</th>
          <th>{b('category')}</th>
          <th>{b('severity')}</th>
          <th>{b('indicators')}</th>
          <th>{b('status')}</th>
          <th>{b('listedAt')}</th>
          <th>{b('expiresOn')}</th>
          <th>{b('transaction')}</th>
        </tr>
      </thead>
      <tbody>
        {result.entries.map((e) => (
          <tr key={`${e.subjectKey}:${e.uploader}:${e.category}`}>
            <td>{e.uploader}</td>
            <td>{codeText(locale, e.category)}</td>
            <td>{codeText(locale, e.severity)}</td>
            <td className="small">{e.indicators.join(', ')}</td>
            <td>
              <span className="badge">{codeText(locale, e.status)}</span>
            </td>
            <td>{formatDate(locale, e.listedAt)}</td>
            <td>{e.expiresOn}</td>
            <td className="mono small" title={e.txId}>
              {e.txId.slice(0, 16)}…
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
