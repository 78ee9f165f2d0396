// Small pieces every screen uses: the context of the logged-in person, errors, labelled selects, facts.
import { useId, type ReactNode } from 'react';

import { ApiFailure, type IndexedEvent, type User } from './api';
import type { Locale } from './format';
import type { Translate } from './i18n';

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
  readonly t: Translate;
  readonly user: User;
  readonly live: Live;
}

export const message = (e: unknown): string =>
  e instanceof ApiFailure ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e);

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
