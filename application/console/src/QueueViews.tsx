import { useEffect, useState, type SyntheticEvent } from 'react';

import { call, type BulkResult, type SavedView, type SavedViews } from './api';
import { fromQuery, toQuery, type View } from './queueView';
import { ErrorBox, message, Select, type Ctx } from './ui';

/**
 * A person's saved views of the queue (filters and order, never a search), kept per person by the node. The
 * view shown is "active" while the queue shows exactly what it saved.
 */
export function QueueViews({
  ctx,
  view,
  apply,
}: {
  readonly ctx: Ctx;
  readonly view: View;
  readonly apply: (view: View) => void;
}) {
  const { t } = ctx;
  const [views, setViews] = useState<readonly SavedView[]>([]);
  const [viewName, setViewName] = useState('');
  const [error, setError] = useState<string>();
  const current = JSON.stringify(toQuery(view));
  const active = views.find(
    (v) => v.name === viewName.trim() && JSON.stringify(toQuery(fromQuery(v.query))) === current,
  );

  useEffect(() => {
    call<SavedViews>('GET', '/v1/views')
      .then((r) => {
        setViews(r.items);
      })
      .catch(() => undefined);
  }, []);

  const save = (e: SyntheticEvent) => {
    e.preventDefault();
    const name = viewName.trim();
    if (!name) return;
    call<SavedView>('PUT', `/v1/views/${encodeURIComponent(name)}`, { query: toQuery(view) })
      .then((saved) => {
        setViews((vs) =>
          [...vs.filter((x) => x.name !== saved.name), saved].sort((a, b) => (a.name < b.name ? -1 : 1)),
        );
        setError(undefined);
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  };

  const remove = () => {
    if (!active) return;
    call('DELETE', `/v1/views/${encodeURIComponent(active.name)}`)
      .then(() => {
        setViews((vs) => vs.filter((x) => x.name !== active.name));
        setViewName('');
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  };

  return (
    <>
      <form className="filters views" onSubmit={save} aria-label={t('savedViews')}>
        <Select
          label={t('savedView')}
          value={active?.name ?? ''}
          any={t('noView')}
          options={views.map((v) => ({ value: v.name, label: v.name }))}
          onChange={(name) => {
            const v = views.find((x) => x.name === name);
            setViewName(name);
            if (v) apply(fromQuery(v.query));
          }}
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
        <button type="button" disabled={!active} onClick={remove}>
          {t('deleteView')}
        </button>
      </form>
      <ErrorBox error={error} />
    </>
  );
}

/** Assign the selected breaks to oneself or a colleague in one go, each assignment signed on the ledger. */
export function QueueBulkBar({
  ctx,
  people,
  selected,
  onDone,
}: {
  readonly ctx: Ctx;
  readonly people: readonly string[];
  readonly selected: ReadonlySet<string>;
  /** After the assignments: clear the selection and fetch the page again. */
  readonly onDone: () => void;
}) {
  const { t, user } = ctx;
  const [assignee, setAssignee] = useState(user.enrollmentId);
  const [note, setNote] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const assign = () => {
    setBusy(true);
    setNote(undefined);
    setError(undefined);
    call<BulkResult>('POST', '/v1/breaks/assign', { breakIds: [...selected], assignee })
      .then((r) => {
        setNote(t('bulkAssigned', { n: r.assigned, of: r.results.length, who: assignee }));
        const failed = r.results.filter((x) => !x.ok);
        if (failed.length > 0)
          setError(failed.map((x) => `${x.breakId}: ${x.error.message} (${x.error.code})`).join('; '));
        onDone();
      })
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <>
      <div className="bulk filters" aria-label={t('bulkActions')} role="group">
        <span aria-live="polite">{t('selected', { n: selected.size })}</span>
        <Select
          label={t('assignSelectedTo')}
          value={assignee}
          options={people.map((p) => ({
            value: p,
            label: p === user.enrollmentId ? `${p} (${t('me')})` : p,
          }))}
          onChange={setAssignee}
        />
        <button type="button" disabled={busy || selected.size === 0} onClick={assign}>
          {t('assignSelected')}
        </button>
      </div>
      {note && (
        <p role="status" className="notice">
          {note}
        </p>
      )}
      <ErrorBox error={error} />
    </>
  );
}
