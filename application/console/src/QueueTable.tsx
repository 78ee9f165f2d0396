import type { QueueItem } from './api';
import { formatAge, formatDate, formatDateTime, formatList, formatMoney } from './format';
import { codeLabel, institutionName, type MessageKey } from './i18n';
import type { Sort, View } from './queueView';
import { hrefOf } from './route';
import type { Ctx } from './ui';

/** How a closed break was resolved, in words ("CLEARED": the ledger cleared it, the difference gone). */
function resolutionLabel(ctx: Ctx, resolution: string | null): string {
  if (resolution === null) return '';
  return resolution === 'CLEARED' ? ctx.t('cleared') : codeLabel(ctx.locale, resolution);
}

/** A column header that sorts by its column: a button (keyboard and screen reader), the state in aria-sort. */
function SortHeader({
  label,
  sort,
  view,
  onSort,
}: {
  readonly label: string;
  readonly sort: Sort;
  readonly view: View;
  readonly onSort: (sort: Sort) => void;
}) {
  const active = view.sort === sort;
  return (
    <th scope="col" aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button
        type="button"
        className="sort"
        onClick={() => {
          onSort(sort);
        }}
      >
        {label}
      </button>
    </th>
  );
}

/** Age with its service-level flag: at risk after an hour, breached after a day (the server decides). */
function AgeCell({ ctx, item }: { readonly ctx: Ctx; readonly item: QueueItem }) {
  const flag = item.serviceLevel;
  return (
    <td className={`age sla-${flag.toLowerCase()}`} title={ctx.t('slaHelp')}>
      {formatAge(ctx.locale, item.ageMs)}
      {flag === 'WITHIN' ? (
        <span className="sr-only"> ({ctx.t('sla_WITHIN')})</span>
      ) : (
        <span className="sla-flag" data-testid="sla-flag">
          {' '}
          {ctx.t(`sla_${flag}` as MessageKey)}
        </span>
      )}
      {item.escalated && (
        <span className="badge" data-testid="escalated-flag">
          {' '}
          {ctx.t('escalatedBadge')}
        </span>
      )}
    </td>
  );
}

function Row({
  ctx,
  item,
  closed,
  mayAssign,
  selected,
  onToggle,
}: {
  readonly ctx: Ctx;
  readonly item: QueueItem;
  readonly closed: boolean;
  readonly mayAssign: boolean;
  readonly selected: boolean;
  readonly onToggle: (breakId: string) => void;
}) {
  const { t, locale, live, timeZone } = ctx;
  const b = item;
  const fresh = live.changed.has(b.breakId);
  return (
    <tr className={fresh ? 'fresh' : undefined}>
      <td>
        <input
          type="checkbox"
          disabled={!mayAssign || closed}
          aria-label={`${t('select')} ${b.breakId}`}
          checked={selected}
          onChange={() => {
            onToggle(b.breakId);
          }}
        />
      </td>
      <td className="mono small">
        {b.breakId}
        {fresh && <span className="badge live-badge"> {t('liveBadge')}</span>}
      </td>
      <td>
        {codeLabel(locale, b.reason)}
        {b.rootCause && <span className="small help"> · {codeLabel(locale, b.rootCause)}</span>}
      </td>
      <td>{closed ? resolutionLabel(ctx, b.resolution) : codeLabel(locale, b.status)}</td>
      <td className="num" data-testid="amount">
        {b.amountMinor !== null && b.currency !== null ? (
          formatMoney(locale, b.amountMinor, b.currency)
        ) : (
          <span className="help">{t('noOwnLeg')}</span>
        )}
      </td>
      <td>{b.currency ?? ''}</td>
      <td>
        {formatList(
          locale,
          b.counterparties.map((m) => institutionName(locale, m)),
        )}
      </td>
      <td>{b.valueDate ? formatDate(locale, b.valueDate) : ''}</td>
      <td className="small reference">{b.ownReference ?? ''}</td>
      <AgeCell ctx={ctx} item={b} />
      <td className="small">{formatDateTime(locale, timeZone, b.updatedAt, 'short')}</td>
      <td>{b.assignee ? b.assignee.name : t('none')}</td>
      <td>
        <a
          className="button"
          href={hrefOf({ name: 'break', breakId: b.breakId })}
          aria-label={`${t('open')} ${b.breakId}`}
        >
          {t('open')}
        </a>
      </td>
    </tr>
  );
}

/**
 * The queue's page as a table: the own leg's amount, currency, value date and reference, the counterparties, age
 * with its service-level flag; each sortable column's header sorts by it (again: the other way).
 */
export function QueueTable({
  ctx,
  items,
  view,
  onSort,
  mayAssign,
  selected,
  setSelected,
}: {
  readonly ctx: Ctx;
  readonly items: readonly QueueItem[];
  readonly view: View;
  readonly onSort: (sort: Sort) => void;
  readonly mayAssign: boolean;
  readonly selected: ReadonlySet<string>;
  readonly setSelected: (s: ReadonlySet<string>) => void;
}) {
  const { t } = ctx;
  const closed = view.status === 'RESOLVED';
  const allSelected = items.length > 0 && items.every((b) => selected.has(b.breakId));
  const header = (label: string, sort: Sort) => (
    <SortHeader label={label} sort={sort} view={view} onSort={onSort} />
  );
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  return (
    <table data-testid="queue" className="queue">
      <thead>
        <tr>
          <th scope="col">
            <input
              type="checkbox"
              disabled={!mayAssign || closed}
              aria-label={t('selectPage')}
              checked={allSelected}
              onChange={() => {
                setSelected(allSelected ? new Set() : new Set(items.map((b) => b.breakId)));
              }}
            />
          </th>
          <th scope="col">{t('breakId')}</th>
          {header(t('reason'), 'reason')}
          {closed ? <th scope="col">{t('resolution')}</th> : header(t('status'), 'status')}
          {header(t('amount'), 'amount')}
          {header(t('sort_currency'), 'currency')}
          {header(t('counterpartyColumn'), 'counterparty')}
          {header(t('sort_valueDate'), 'valueDate')}
          {header(t('ownReference'), 'reference')}
          {header(t('age'), 'age')}
          {header(t('updated'), 'updated')}
          <th scope="col">{t('assignee')}</th>
          <th scope="col">
            <span className="sr-only">{t('open')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((b) => (
          <Row
            key={b.breakId}
            ctx={ctx}
            item={b}
            closed={closed}
            mayAssign={mayAssign}
            selected={selected.has(b.breakId)}
            onToggle={toggle}
          />
        ))}
      </tbody>
    </table>
  );
}
