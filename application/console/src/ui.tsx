// Small pieces every screen uses: the context of the logged-in person, errors, labelled selects, facts.
import { useId, type ReactNode } from 'react';

import { ApiFailure, type IndexedEvent, type User } from './api';
import type { Locale } from './format';
import type { Translate } from './i18n';
import { serverMessage } from './serverMessages';

export interface Live {
  /** Bumped for every block the index commits (the dashboard refetches). */
  readonly blocks: number;
  /** Bumped when a block changed one of the institution's breaks (the queue and break refetch). */
  readonly breaks: number;
  /** The latest event, to tell whether it concerns what a screen shows. */
  readonly last: IndexedEvent | undefined;
  /** Breaks that changed since this tab opened, newest state: the queue marks them. */
  readonly changed: ReadonlySet<string>;
}

export interface Ctx {
  readonly locale: Locale;
  /** The IANA zone every time is shown in (the person's choice; the institution's by default). */
  readonly timeZone: string;
  readonly t: Translate;
  readonly user: User;
  readonly live: Live;
}

/** The language the page is in (the app sets `<html lang>` to the chosen locale). */
const pageLocale = (): Locale => (document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en');

/**
 * A failure in words of the locale: a refusal by its stable code (serverMessages.ts), with the code for the
 * operators and, in English, the node's own detail (English, naming the specifics); the node out of reach as
 * such. The console never shows the node's English text alone in Chinese.
 */
export function message(e: unknown, locale: Locale = pageLocale()): string {
  if (e instanceof ApiFailure) {
    const text = serverMessage(locale, e.code);
    const detail = locale === 'en' && e.message && e.message !== text ? ` ${e.message}` : '';
    return `${text}${detail} (${e.code})`;
  }
  // fetch rejects with a TypeError when the node cannot be reached at all.
  if (e instanceof TypeError) return `${serverMessage(locale, 'UNREACHABLE')} (${e.message})`;
  return e instanceof Error ? e.message : String(e);
}

export function ErrorBox({ error }: { readonly error: string | undefined }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}

export function Select({
  label,
  value,
  options,
  onChange,
  any,
  name,
}: {
  readonly label: string;
  readonly value: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly onChange: (v: string) => void;
  readonly any?: string;
  readonly name?: string;
}) {
  // The label names the select by id, not by wrapping it: its accessible name is the label alone.
  const id = useId();
  return (
    <span className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      >
        {any !== undefined && <option value="">{any}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </span>
  );
}

export function Fact({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * Keyset paging: `cursors` is the stack of cursors that led to the page shown (the first page's is the empty
 * one), so first and previous only pop it; next pushes the page's `nextCursor`.
 */
export function Pager<C>({
  t,
  cursors,
  setCursors,
  nextCursor,
  withPrevious = false,
}: {
  readonly t: Translate;
  readonly cursors: readonly C[];
  readonly setCursors: (update: (c: readonly C[]) => readonly C[]) => void;
  readonly nextCursor: (C & string) | null | undefined;
  readonly withPrevious?: boolean;
}) {
  return (
    <div className="pager">
      <button
        type="button"
        disabled={cursors.length <= 1}
        onClick={() => {
          setCursors((c) => c.slice(0, 1));
        }}
      >
        {t('firstPage')}
      </button>
      {withPrevious && (
        <button
          type="button"
          disabled={cursors.length <= 1}
          onClick={() => {
            setCursors((c) => c.slice(0, -1));
          }}
        >
          {t('previousPage')}
        </button>
      )}
      <button
        type="button"
        disabled={!nextCursor}
        onClick={() => {
          if (nextCursor) setCursors((c) => [...c, nextCursor]);
        }}
      >
        {t('nextPage')}
      </button>
    </div>
  );
}
