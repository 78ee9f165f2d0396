// Small pieces the blacklist pages share: labelled fields, a table, a form's sending state, the identifier
// fields, an entry table, the cross-validation line.
import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';

import type { Locale } from '../format';
import { formatDate } from '../format';
import { message, Select } from '../ui';
import type { BlacklistQueryAnswer } from './blacklistApi';
import { SUBJECT_TYPES } from './blacklistApi';
import { codeText, type BlacklistKey, type BlacklistText } from './blacklistMessages';
import { institutionName } from '../i18n';

/** A labelled text input whose value the page holds. */
export function TextField({
  label,
  value,
  onChange,
  trimmed = false,
  ...input
}: {
  readonly label: string;
  readonly name: string;
  readonly value: string;
  readonly onChange: (v: string) => void;
  /** Spaces typed around the value are dropped as they come (codes, keys, ids). */
  readonly trimmed?: boolean;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>) {
  const id = useId();
  return (
    <span className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => {
          onChange(trimmed ? e.target.value.trim() : e.target.value);
        }}
        {...input}
      />
    </span>
  );
}

/** A button that acts on one row of a table. */
export function RowAction({ text, act }: { readonly text: string; readonly act: () => void }) {
  return (
    <button
      type="button"
      onClick={() => {
        act();
      }}
    >
      {text}
    </button>
  );
}

/** Codes as the options of a `Select`, each shown in the page's words. */
export const codeOptions = (codes: readonly string[], text: (code: string) => string = (c) => c) =>
  codes.map((c) => ({ value: c, label: text(c) }));

/** A table of the pages: its header row in the page's words (an empty key: an empty cell), a row per item. */
export function Table<T>({
  b,
  label,
  testId,
  headers,
  items,
  rowKey,
  rowClass,
  row,
}: {
  readonly b: BlacklistText;
  readonly label: string;
  readonly testId?: string;
  readonly headers: readonly (BlacklistKey | '')[];
  readonly items: readonly T[];
  readonly rowKey: (item: T) => string;
  readonly rowClass?: (item: T) => string | undefined;
  /** The row's cells. */
  readonly row: (item: T) => ReactNode;
}) {
  return (
    <table aria-label={label} data-testid={testId}>
      <thead>
        <tr>
          {headers.map((h, i) => (
            <th key={h === '' ? `empty-${String(i)}` : h}>{h === '' ? null : b(h)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={rowKey(item)} className={rowClass?.(item)}>
            {row(item)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A notice that something was done (for screen readers too), when there is one. */
export function Done({ text }: { readonly text: string | undefined }) {
  if (text === undefined) return null;
  return (
    <p className="notice" role="status">
      {text}
    </p>
  );
}

/**
 * A form's sending state: `send(work, then)` marks it busy and clears the last error; `then` gets the answer;
 * a failure becomes the error the page shows (and `failed`, if given, runs). One send at a time is the page's.
 */
export function useSending() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const send = <T,>(work: () => Promise<T>, then: (answer: T) => void, failed?: () => void) => {
    setBusy(true);
    setError(undefined);
    work()
      .then(then)
      .catch((err: unknown) => {
        failed?.();
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return { busy, error, setError, send };
}

/**
 * A form's subject: the identifier fields with their state. `clear()` empties the identifier once sent: the page
 * keeps no copy of it.
 */
export function useSubjectFields(b: BlacklistText, locale: Locale) {
  const [type, setType] = useState('MOBILE');
  const [identifier, setIdentifier] = useState('');
  const fields = (
    <>
      <Select
        label={b('type')}
        name="type"
        value={type}
        onChange={setType}
        options={codeOptions(SUBJECT_TYPES, (t) => codeText(locale, t))}
      />
      {/* Not remembered by the browser: an identifier is personal data. */}
      <TextField
        label={b('identifier')}
        name="identifier"
        autoComplete="off"
        required
        value={identifier}
        onChange={setIdentifier}
      />
      <p className="help small">{b('identifierHelp')}</p>
    </>
  );
  return {
    type,
    identifier,
    fields,
    clear: () => {
      setIdentifier('');
    },
  };
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

export type ResultEntry = Result['entries'][number];

export function EntryTable({
  b,
  locale,
  result,
  action,
}: {
  readonly b: BlacklistText;
  readonly locale: Locale;
  readonly result: Result;
  /** A last cell per entry (a step the page offers on it). */
  readonly action?: (entry: ResultEntry) => ReactNode;
}) {
  if (result.entries.length === 0) return <p>{b('noEntries')}</p>;
  return (
    <Table
      b={b}
      label={b('tabSearch')}
      headers={[
        'uploader',
        'category',
        'severity',
        'indicators',
        'status',
        'listedAt',
        'expiresOn',
        'transaction',
        ...(action ? (['' as const] as const) : []),
      ]}
      items={result.entries}
      rowKey={(e) => `${e.subjectKey}:${e.uploader}:${e.category}`}
      row={(e) => (
        <>
          <td>{institutionName(locale, e.uploader)}</td>
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
          {action && <td>{action(e)}</td>}
        </>
      )}
    />
  );
}
