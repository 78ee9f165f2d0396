import { useEffect, useState } from 'react';

import { call, download, type QueuePage } from './api';
import { dayIn } from './dueDate';
import { replaceRoute } from './navigation';
import { QueueFilters, QueueSearch } from './QueueFilters';
import { QueueTable } from './QueueTable';
import { urlFiltersOf, sortedBy, toQuery, viewOf, type View } from './queueView';
import { QueueBulkBar, QueueViews } from './QueueViews';
import { usePeople } from './people';
import { ErrorBox, message, Pager, type Ctx } from './ui';

/** Rows one export holds at most (the node's QUEUE_EXPORT_ROWS_MAX). */
const EXPORT_ROWS_MAX = 10_000;

/** Values state that belongs to one view: it starts over when the view (or the search) changes. */
function usePerView<T>(key: string, initial: () => T): [T, (update: (v: T) => T) => void] {
  const [state, setState] = useState(() => ({ key, value: initial() }));
  const value = state.key === key ? state.value : initial();
  const set = (update: (v: T) => T) => {
    setState((s) => ({ key, value: update(s.key === key ? s.value : initial()) }));
  };
  return [value, set];
}

/** What the queue has shown so far of counterparties and currencies: the filters offer them. */
function useSeen(page: QueuePage | undefined): { counterparties: string[]; currencies: string[] } {
  const [seen, setSeen] = useState<{ counterparties: string[]; currencies: string[] }>({
    counterparties: [],
    currencies: [],
  });
  useEffect(() => {
    if (!page) return;
    setSeen((s) => {
      const counterparties = new Set([...s.counterparties, ...page.items.flatMap((i) => i.counterparties)]);
      const currencies = new Set([
        ...s.currencies,
        ...page.items.flatMap((i) => (i.currency ? [i.currency] : [])),
      ]);
      return counterparties.size === s.counterparties.length && currencies.size === s.currencies.length
        ? s
        : { counterparties: [...counterparties].sort(), currencies: [...currencies].sort() };
    });
  }, [page]);
  return seen;
}

/** The page a request names, fetched again when a block changes one of the institution's breaks. */
function useQueuePage(
  request: string,
  liveBreaks: number,
  reloads: number,
): { page: QueuePage | undefined; error: string | undefined; setError: (e: string | undefined) => void } {
  const [page, setPage] = useState<QueuePage>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    call<QueuePage>('POST', '/v1/queue/search', JSON.parse(request))
      .then((p) => {
        if (current) {
          setPage(p);
          setError(undefined);
        }
      })
      .catch((e: unknown) => {
        if (current) setError(message(e));
      });
    return () => {
      current = false;
    };
  }, [request, liveBreaks, reloads]);
  return { page, error, setError };
}

/** How many breaks match, and the export of them all as CSV (a POST: the body may hold a search by reference). */
function QueueTotal({
  ctx,
  page,
  closed,
  body,
  viewKey,
  onError,
}: {
  readonly ctx: Ctx;
  readonly page: QueuePage | undefined;
  readonly closed: boolean;
  readonly body: object;
  readonly viewKey: string;
  readonly onError: (e: string) => void;
}) {
  const { t, user } = ctx;
  const [note, setNote] = usePerView<string | undefined>(viewKey, () => undefined);
  const exportCsv = () => {
    setNote(() => undefined);
    const day = dayIn(new Date().toISOString(), ctx.timeZone);
    download('/v1/queue/export', `queue-${user.mspId}-${day}.csv`, body)
      .then((headers) => {
        const n = Math.min(page?.total ?? 0, EXPORT_ROWS_MAX);
        setNote(() => t(headers.get('x-truncated') === 'true' ? 'exportTruncated' : 'exported', { n }));
      })
      .catch((e: unknown) => {
        onError(message(e));
      });
  };
  return (
    <div className="filters">
      {page?.total !== undefined && (
        <p className="help" data-testid="queue-total">
          {t(closed ? 'closedMatching' : 'matching', { n: page.total })}
        </p>
      )}
      <button type="button" disabled={!page || page.total === 0} onClick={exportCsv}>
        {t('exportQueue')}
      </button>
      {note && (
        <span role="status" className="help">
          {note}
        </span>
      )}
    </div>
  );
}

/**
 * The work queue: the institution's breaks from its index (open ones, or the closed ones with their resolution),
 * filtered, sorted and paged on the server (keyset cursors: as fast on page 2,000 as on page 1), searched by break
 * id, case id or payment reference (sent in a POST body, never in the URL), exported as CSV, refreshed live as
 * blocks are indexed. The URL holds the filters and order and is their one source: a link to a filtered queue
 * applies at once, and every change here replaces the URL.
 */
export function Queue({
  ctx,
  filters,
}: {
  readonly ctx: Ctx;
  /** The filters the URL names. */
  readonly filters: Readonly<Record<string, string>> | undefined;
}) {
  const { t, user, live } = ctx;
  const view = viewOf(filters);
  const [search, setSearch] = useState('');
  const viewKey = `${JSON.stringify(view)}\u0000${search}`;
  // Cursors of the pages before the one shown (the first page has none): Previous pops one.
  const [cursors, setCursors] = usePerView<readonly (string | undefined)[]>(viewKey, () => [undefined]);
  const cursor = cursors[cursors.length - 1];
  const [selected, setSelected] = usePerView<ReadonlySet<string>>(viewKey, () => new Set());
  const [reloads, setReloads] = useState(0);
  const body = { ...toQuery(view), ...(search ? { search } : {}) };
  // The page's request as text: fetched again when it changes (or a block changes a break), not at every render.
  const request = JSON.stringify({ ...body, ...(cursor ? { cursor } : {}), count: true });
  const { page, error, setError } = useQueuePage(request, live.breaks, reloads);
  const people = usePeople([user.enrollmentId]);
  const seen = useSeen(page);
  const show = (next: View) => {
    replaceRoute({ name: 'queue', filters: urlFiltersOf(next) });
  };
  const change = (patch: Partial<View>) => {
    show({ ...view, ...patch });
  };
  const items = page?.items ?? [];
  const closed = view.status === 'RESOLVED';
  // Assigning needs a reconciler or an approver (the ledger's rule); others see no bulk bar and no checkboxes.
  const mayAssign = user.roles.includes('reconciler') || user.roles.includes('approver');

  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t(closed ? 'closedTitle' : 'queueTitle')}</h2>
      <QueueSearch ctx={ctx} search={search} onSearch={setSearch} />
      <QueueFilters ctx={ctx} view={view} change={change} people={people} seen={seen} />
      <QueueViews ctx={ctx} view={view} apply={show} />
      <ErrorBox error={error} />
      {mayAssign && !closed && (
        <QueueBulkBar
          ctx={ctx}
          people={people}
          selected={selected}
          onDone={() => {
            setSelected(() => new Set());
            setReloads((n) => n + 1);
          }}
        />
      )}
      <QueueTotal ctx={ctx} page={page} closed={closed} body={body} viewKey={viewKey} onError={setError} />
      {!page && !error && <p>{t('loading')}</p>}
      {page && items.length === 0 && <p>{t(closed ? 'noClosedBreaks' : 'noBreaks')}</p>}
      {items.length > 0 && (
        <QueueTable
          ctx={ctx}
          items={items}
          view={view}
          onSort={(sort) => {
            change(sortedBy(view, sort));
          }}
          mayAssign={mayAssign}
          selected={selected}
          setSelected={(s) => {
            setSelected(() => s);
          }}
        />
      )}
      <Pager t={t} cursors={cursors} setCursors={setCursors} nextCursor={page?.nextCursor} withPrevious />
    </section>
  );
}
