import { useEffect, useId, useState, type SyntheticEvent } from 'react';

import { formatInteger } from './format';
import { codeLabel, institutionName, type MessageKey } from './i18n';
import { minorUnitsOf, PAGE_SIZES, SORTS, type View } from './queueView';
import { Select, type Ctx } from './ui';
import { BREAK_STATUSES } from '../../../chaincode/src/core/breakMachine';
import { BREAK_REASONS } from '../../../chaincode/src/core/matching';
import { ROOT_CAUSES } from '../../../chaincode/src/core/rootCause';

/** Currencies offered in the filter besides those the queue shows (ISO 4217). */
const COMMON_CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'];

/** The search: a break id, case id or payment reference, sent in a POST body and never kept in the URL. */
export function QueueSearch({
  ctx,
  search,
  onSearch,
}: {
  readonly ctx: Ctx;
  readonly search: string;
  readonly onSearch: (search: string) => void;
}) {
  const { t } = ctx;
  const [input, setInput] = useState(search);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    onSearch(input.trim());
  };
  return (
    <form className="filters" onSubmit={submit} role="search" aria-label={t('search')}>
      <label>
        {t('search')}{' '}
        <input
          name="search"
          type="search"
          autoComplete="off"
          aria-describedby="search-help"
          value={input}
          onChange={(e) => {
            setInput(e.target.value);
          }}
        />
      </label>
      <button type="submit">{t('find')}</button>
      {search && (
        <button
          type="button"
          onClick={() => {
            setInput('');
            onSearch('');
          }}
        >
          {t('clearSearch')}
        </button>
      )}
      <span id="search-help" className="help">
        {t('searchHelp')}
      </span>
    </form>
  );
}

/**
 * A text field whose value reaches the view only when it is one (an amount in the currency's minor units), so a
 * half-typed "12." filters nothing; the field follows the view when it changes from elsewhere (a link, a view).
 */
function AmountField({
  label,
  value,
  currency,
  disabled,
  describedBy,
  onChange,
}: {
  readonly label: string;
  readonly value: string;
  readonly currency: string;
  readonly disabled: boolean;
  readonly describedBy: string | undefined;
  readonly onChange: (v: string) => void;
}) {
  const [text, setText] = useState(value);
  useEffect(() => {
    setText(value);
  }, [value]);
  return (
    <label>
      {label}{' '}
      <input
        inputMode="decimal"
        size={10}
        disabled={disabled}
        aria-describedby={describedBy}
        value={text}
        onChange={(e) => {
          const v = e.target.value.trim();
          setText(e.target.value);
          if (v === '' || minorUnitsOf(v, currency) !== undefined) onChange(v);
        }}
      />
    </label>
  );
}

function DateField({
  label,
  value,
  onChange,
}: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (v: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <input
        type="date"
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
    </label>
  );
}

interface FilterProps {
  readonly ctx: Ctx;
  readonly view: View;
  readonly change: (patch: Partial<View>) => void;
}

/** The break's own facts: reason, status (RESOLVED: the closed breaks), assignee, counterparty, currency. */
function BreakFilters({
  ctx,
  view,
  change,
  people,
  seen,
}: FilterProps & {
  readonly people: readonly string[];
  readonly seen: { readonly counterparties: readonly string[]; readonly currencies: readonly string[] };
}) {
  const { t, locale, user } = ctx;
  const withCurrent = (list: readonly string[], current: string) =>
    [...new Set([...list, ...(current ? [current] : [])])].sort().map((c) => ({ value: c, label: c }));
  return (
    <div className="filters">
      <Select
        label={t('reason')}
        value={view.reason}
        any={t('any')}
        options={BREAK_REASONS.map((r) => ({ value: r, label: codeLabel(locale, r) }))}
        onChange={(v) => {
          change({ reason: v });
        }}
      />
      <Select
        label={t('rootCause')}
        value={view.rootCause}
        any={t('any')}
        options={ROOT_CAUSES.map((c) => ({ value: c, label: codeLabel(locale, c) }))}
        onChange={(v) => {
          change({ rootCause: v });
        }}
      />
      <Select
        label={t('escalatedFilter')}
        value={view.escalated}
        any={t('any')}
        options={[
          { value: 'true', label: t('escalatedOnly') },
          { value: 'false', label: t('notEscalated') },
        ]}
        onChange={(v) => {
          change({ escalated: v });
        }}
      />
      <Select
        label={t('status')}
        value={view.status}
        any={t('any')}
        options={BREAK_STATUSES.map((s) => ({
          value: s,
          label: s === 'RESOLVED' ? t('status_RESOLVED_closed') : codeLabel(locale, s),
        }))}
        onChange={(v) => {
          change({ status: v });
        }}
      />
      <Select
        label={t('assignee')}
        value={view.assignee}
        any={t('any')}
        options={[
          { value: 'me', label: t('me') },
          { value: 'none', label: t('unassigned') },
          ...people.filter((p) => p !== user.enrollmentId).map((p) => ({ value: p, label: p })),
        ]}
        onChange={(v) => {
          change({ assignee: v });
        }}
      />
      <Select
        label={t('counterpartyColumn')}
        value={view.counterparty}
        any={t('any')}
        options={withCurrent(seen.counterparties, view.counterparty).map((o) => ({
          value: o.value,
          label: institutionName(locale, o.value),
        }))}
        onChange={(v) => {
          change({ counterparty: v });
        }}
      />
      <Select
        label={t('sort_currency')}
        value={view.currency}
        any={t('any')}
        options={withCurrent([...COMMON_CURRENCIES, ...seen.currencies], view.currency)}
        onChange={(v) => {
          // Amounts are in the currency's units: without one, they go.
          change({ currency: v, ...(v ? {} : { amountMin: '', amountMax: '' }) });
        }}
      />
    </div>
  );
}

/** The own leg's value date and amount ranges (amounts in major units of the chosen currency). */
function LegFilters({ ctx, view, change }: FilterProps) {
  const { t } = ctx;
  const amountHelp = useId();
  const describedBy = view.currency ? undefined : amountHelp;
  return (
    <div className="filters">
      <DateField
        label={t('filterValueDateFrom')}
        value={view.valueDateFrom}
        onChange={(v) => {
          change({ valueDateFrom: v });
        }}
      />
      <DateField
        label={t('filterValueDateTo')}
        value={view.valueDateTo}
        onChange={(v) => {
          change({ valueDateTo: v });
        }}
      />
      <AmountField
        label={t('amountFrom')}
        value={view.amountMin}
        currency={view.currency}
        disabled={!view.currency}
        describedBy={describedBy}
        onChange={(v) => {
          change({ amountMin: v });
        }}
      />
      <AmountField
        label={t('amountTo')}
        value={view.amountMax}
        currency={view.currency}
        disabled={!view.currency}
        describedBy={describedBy}
        onChange={(v) => {
          change({ amountMax: v });
        }}
      />
      {!view.currency && (
        <span id={amountHelp} className="help">
          {t('amountNeedsCurrency')}
        </span>
      )}
    </div>
  );
}

/** Sort and order (also set by a click on a column's header) and the page size. */
function OrderControls({ ctx, view, change }: FilterProps) {
  const { t, locale } = ctx;
  return (
    <div className="filters">
      <Select
        label={t('sortBy')}
        value={view.sort}
        options={SORTS.map((s) => ({ value: s, label: t(`sort_${s}` as MessageKey) }))}
        onChange={(v) => {
          change({ sort: v });
        }}
      />
      <Select
        label={t('order')}
        value={view.order}
        options={[
          { value: 'asc', label: t(view.sort === 'age' ? 'oldestFirst' : 'ascending') },
          { value: 'desc', label: t(view.sort === 'age' ? 'newestFirst' : 'descending') },
        ]}
        onChange={(v) => {
          change({ order: v });
        }}
      />
      <Select
        label={t('pageSize')}
        value={view.limit}
        options={PAGE_SIZES.map((n) => ({ value: n, label: formatInteger(locale, n) }))}
        onChange={(v) => {
          change({ limit: v });
        }}
      />
    </div>
  );
}

/** The queue's filters and order: each change goes to the URL, which the screen follows. */
export function QueueFilters(
  props: FilterProps & {
    readonly people: readonly string[];
    /** Counterparties and currencies seen in the queue so far, offered besides the common ones. */
    readonly seen: { readonly counterparties: readonly string[]; readonly currencies: readonly string[] };
  },
) {
  return (
    <>
      <BreakFilters {...props} />
      <LegFilters {...props} />
      <OrderControls {...props} />
    </>
  );
}
