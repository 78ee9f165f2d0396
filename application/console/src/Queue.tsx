import { useEffect, useState, type SyntheticEvent } from 'react';

import {
  call,
  type BulkResult,
  type People,
  type QueuePage,
  type SavedView,
  type SavedViews,
  type ViewQuery,
} from './api';
import { formatAge, formatDateTime, formatInteger } from './format';
import { codeLabel } from './i18n';
import { hrefOf } from './route';
import { ErrorBox, message, Pager, Select, type Ctx } from './ui';
import { BREAK_STATUSES } from '../../../chaincode/src/core/breakMachine';
import { BREAK_REASONS } from '../../../chaincode/src/core/matching';

const SORTS = ['age', 'updated', 'reason', 'status'] as const;
const SORT_COLUMN: Record<string, string> = {
  age: 'opened',
  updated: 'updated',
  reason: 'reason',
  status: 'status',
};

interface View {
  readonly reason: string;
  readonly status: string;
  readonly assignee: string;
  readonly sort: string;
  readonly order: string;
  readonly limit: string;
}

const DEFAULT_VIEW: View = { reason: '', status: '', assignee: '', sort: 'age', order: 'asc', limit: '50' };

const toQuery = (v: View): ViewQuery => ({
  ...(v.reason ? { reason: v.reason } : {}),
  ...(v.status ? { status: v.status } : {}),
  ...(v.assignee ? { assignee: v.assignee } : {}),
  sort: v.sort,
  order: v.order,
  limit: Number(v.limit),
});

const fromQuery = (q: ViewQuery): View => ({
  reason: q.reason ?? '',
  status: q.status ?? '',
  assignee: q.assignee ?? '',
  sort: q.sort ?? 'age',
  order: q.order ?? 'asc',
  limit: String(q.limit ?? 50),
});

/**
 * The work queue: the institution's open breaks from its index, filtered, sorted and paged on the server (keyset
 * cursors: as fast on page 2,000 as on page 1), searched by break id, case id or payment reference (sent in a
 * POST body, never in the URL), refreshed live as blocks are indexed. Select breaks to assign them in one go.
 */
export function Queue({
  ctx,
  filters,
}: {
  readonly ctx: Ctx;
  /** The filters the URL names (a reload or a shared link keeps them). */
  readonly filters: Readonly<Record<string, string>> | undefined;
}) {
  const { t, locale, user, live } = ctx;
  const [view, setView] = useState<View>(() => ({ ...DEFAULT_VIEW, ...filters }));
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  // Cursors of the pages before the one shown (the first page has none): Previous pops one.
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [page, setPage] = useState<QueuePage>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [people, setPeople] = useState<readonly string[]>([user.enrollmentId]);
  const [bulkAssignee, setBulkAssignee] = useState(user.enrollmentId);
  const [bulkNote, setBulkNote] = useState<string>();
  const [bulkError, setBulkError] = useState<string>();
  const [views, setViews] = useState<readonly SavedView[]>([]);
  const [viewName, setViewName] = useState('');
  const [activeView, setActiveView] = useState('');
  const [busy, setBusy] = useState(false);
  const [reloads, setReloads] = useState(0);

  const change = (patch: Partial<View>) => {
    setView((v) => ({ ...v, ...patch }));
    setCursors([undefined]);
    setSelected(new Set());
    setActiveView('');
  };

  // The filters and order go in the URL (never the search): replaced, not pushed, so Back leaves the queue.
  useEffect(() => {
    const changed = Object.fromEntries(
      Object.entries(view).filter(([k, v]) => v !== DEFAULT_VIEW[k as keyof View] && v !== ''),
    );
    window.history.replaceState(null, '', hrefOf({ name: 'queue', filters: changed }));
  }, [view]);

  useEffect(() => {
    let current = true;
    call<QueuePage>('POST', '/v1/queue/search', {
      ...toQuery(view),
      ...(search ? { search } : {}),
      ...(cursor ? { cursor } : {}),
      count: true,
    })
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
    // live.breaks: a block changed one of the institution's breaks; the page is fetched again, same cursor.
  }, [view, search, cursor, live.breaks, reloads]);

  useEffect(() => {
    call<People>('GET', '/v1/people')
      .then((r) => {
        setPeople(r.items);
      })
      .catch(() => undefined);
    call<SavedViews>('GET', '/v1/views')
      .then((r) => {
        setViews(r.items);
      })
      .catch(() => undefined);
  }, []);

  const submitSearch = (e: SyntheticEvent) => {
    e.preventDefault();
    setSearch(searchInput.trim());
    setCursors([undefined]);
    setSelected(new Set());
  };

  const applyView = (name: string) => {
    const v = views.find((x) => x.name === name);
    setActiveView(name);
    setViewName(name);
    setView(v ? fromQuery(v.query) : DEFAULT_VIEW);
    setCursors([undefined]);
    setSelected(new Set());
  };

  const saveView = (e: SyntheticEvent) => {
    e.preventDefault();
    const name = viewName.trim();
    if (!name) return;
    call<SavedView>('PUT', `/v1/views/${encodeURIComponent(name)}`, { query: toQuery(view) })
      .then((saved) => {
        setViews((vs) =>
          [...vs.filter((x) => x.name !== saved.name), saved].sort((a, b) => (a.name < b.name ? -1 : 1)),
        );
        setActiveView(saved.name);
        setError(undefined);
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  };

  const deleteView = () => {
    if (!activeView) return;
    call('DELETE', `/v1/views/${encodeURIComponent(activeView)}`)
      .then(() => {
        setViews((vs) => vs.filter((x) => x.name !== activeView));
        setActiveView('');
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  };

  const assignSelected = () => {
    setBusy(true);
    setBulkNote(undefined);
    setBulkError(undefined);
    call<BulkResult>('POST', '/v1/breaks/assign', { breakIds: [...selected], assignee: bulkAssignee })
      .then((r) => {
        setBulkNote(
          t('bulkAssigned')
            .replace('{n}', formatInteger(locale, r.assigned))
            .replace('{of}', formatInteger(locale, r.results.length))
            .replace('{who}', bulkAssignee),
        );
        const failed = r.results.filter((x) => !x.ok);
        if (failed.length > 0)
          setBulkError(failed.map((x) => `${x.breakId}: ${x.error.message} (${x.error.code})`).join('; '));
        setSelected(new Set());
        setReloads((n) => n + 1);
      })
      .catch((err: unknown) => {
        setBulkError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const items = page?.items ?? [];
  // Assigning needs a reconciler or an approver (the ledger's rule); others see no bulk bar and no checkboxes.
  const mayAssign = user.roles.includes('reconciler') || user.roles.includes('approver');
  const allSelected = items.length > 0 && items.every((b) => selected.has(b.breakId));
  const toggle = (id: string) => {
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const sortedBy = (column: string) =>
    SORT_COLUMN[view.sort] === column ? (view.order === 'asc' ? 'ascending' : 'descending') : undefined;

  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t('queueTitle')}</h2>
      <form className="filters" onSubmit={submitSearch} role="search" aria-label={t('search')}>
        <label>
          {t('search')}{' '}
          <input
            name="search"
            type="search"
            autoComplete="off"
            aria-describedby="search-help"
            value={searchInput}
            onChange={(e) => {
              setSearchInput(e.target.value);
            }}
          />
        </label>
        <button type="submit">{t('find')}</button>
        {search && (
          <button
            type="button"
            onClick={() => {
              setSearchInput('');
              setSearch('');
              setCursors([undefined]);
            }}
          >
            {t('clearSearch')}
          </button>
        )}
        <span id="search-help" className="help">
          {t('searchHelp')}
        </span>
      </form>
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
          label={t('status')}
          value={view.status}
          any={t('any')}
          options={BREAK_STATUSES.filter((s) => s !== 'RESOLVED').map((s) => ({
            value: s,
            label: codeLabel(locale, s),
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
          label={t('sortBy')}
          value={view.sort}
          options={SORTS.map((s) => ({ value: s, label: t(`sort_${s}`) }))}
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
          options={['10', '25', '50', '100', '200'].map((n) => ({
            value: n,
            label: formatInteger(locale, n),
          }))}
          onChange={(v) => {
            change({ limit: v });
          }}
        />
      </div>
      <form className="filters views" onSubmit={saveView} aria-label={t('savedViews')}>
        <Select
          label={t('savedView')}
          value={activeView}
          any={t('noView')}
          options={views.map((v) => ({ value: v.name, label: v.name }))}
          onChange={applyView}
        />
        <label>
          {t('viewName')}{' '}
          <input
            name="viewName"
            maxLength={64}
            value={viewName}
            onChange={(e) => {
              setViewName(e.target.value);
            }}
          />
        </label>
        <button type="submit" disabled={!viewName.trim()}>
          {t('saveView')}
        </button>
        <button type="button" disabled={!activeView} onClick={deleteView}>
          {t('deleteView')}
        </button>
      </form>
      <ErrorBox error={error} />
      {mayAssign && (
        <div className="bulk filters" aria-label={t('bulkActions')} role="group">
          <span aria-live="polite">{t('selected').replace('{n}', formatInteger(locale, selected.size))}</span>
          <Select
            label={t('assignSelectedTo')}
            value={bulkAssignee}
            options={people.map((p) => ({
              value: p,
              label: p === user.enrollmentId ? `${p} (${t('me')})` : p,
            }))}
            onChange={setBulkAssignee}
          />
          <button type="button" disabled={busy || selected.size === 0} onClick={assignSelected}>
            {t('assignSelected')}
          </button>
        </div>
      )}
      {bulkNote && (
        <p role="status" className="notice">
          {bulkNote}
        </p>
      )}
      <ErrorBox error={bulkError} />
      {page?.total !== undefined && (
        <p className="help" data-testid="queue-total">
          {t('matching').replace('{n}', formatInteger(locale, page.total))}
        </p>
      )}
      {!page && !error && <p>{t('loading')}</p>}
      {page && items.length === 0 && <p>{t('noBreaks')}</p>}
      {items.length > 0 && (
        <table data-testid="queue">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  disabled={!mayAssign}
                  aria-label={t('selectPage')}
                  checked={allSelected}
                  onChange={() => {
                    setSelected(allSelected ? new Set() : new Set(items.map((b) => b.breakId)));
                  }}
                />
              </th>
              <th scope="col">{t('breakId')}</th>
              <th scope="col" aria-sort={sortedBy('reason')}>
                {t('reason')}
              </th>
              <th scope="col" aria-sort={sortedBy('status')}>
                {t('status')}
              </th>
              <th scope="col">{t('age')}</th>
              <th scope="col" aria-sort={sortedBy('opened')}>
                {t('opened')}
              </th>
              <th scope="col" aria-sort={sortedBy('updated')}>
                {t('updated')}
              </th>
              <th scope="col">{t('assignee')}</th>
              <th scope="col">
                <span className="sr-only">{t('open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((b) => (
              <tr key={b.breakId} className={live.changed.has(b.breakId) ? 'fresh' : undefined}>
                <td>
                  <input
                    type="checkbox"
                    disabled={!mayAssign}
                    aria-label={`${t('select')} ${b.breakId}`}
                    checked={selected.has(b.breakId)}
                    onChange={() => {
                      toggle(b.breakId);
                    }}
                  />
                </td>
                <td className="mono">
                  {b.breakId}
                  {live.changed.has(b.breakId) && <span className="badge live-badge"> {t('liveBadge')}</span>}
                </td>
                <td>{codeLabel(locale, b.reason)}</td>
                <td>{codeLabel(locale, b.status)}</td>
                <td>{formatAge(locale, b.ageMs)}</td>
                <td>{formatDateTime(locale, b.openedAt)}</td>
                <td>{formatDateTime(locale, b.updatedAt)}</td>
                <td>{b.assignee ? `${b.assignee.name} (${b.assignee.mspId})` : t('none')}</td>
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
            ))}
          </tbody>
        </table>
      )}
      <Pager t={t} cursors={cursors} setCursors={setCursors} nextCursor={page?.nextCursor} withPrevious />
    </section>
  );
}
