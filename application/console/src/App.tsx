import { useCallback, useEffect, useId, useState, type ReactNode, type SyntheticEvent } from 'react';

import {
  ApiFailure,
  call,
  login,
  logout,
  savedSession,
  type BreakRecord,
  type Dashboard,
  type OpenCase,
  type QueueItem,
  type User,
} from './api';
import {
  formatAge,
  formatDate,
  formatDateTime,
  formatInteger,
  formatMoney,
  formatPercent,
  type Locale,
} from './format';
import { codeLabel, translator, type Translate } from './i18n';
import { BREAK_STATUSES, RESOLUTION_KINDS } from '../../../chaincode/src/core/breakMachine';
import { MATCH_FIELDS } from '../../../chaincode/src/core/leg';
import { BREAK_REASONS } from '../../../chaincode/src/core/matching';

// The closed lists come from the chaincode's pure core, so the console offers exactly what the ledger accepts.
const REASONS = BREAK_REASONS;
const STATUSES = BREAK_STATUSES;
const KINDS = RESOLUTION_KINDS;
const LEG_FIELDS = MATCH_FIELDS;

type View =
  | { readonly name: 'queue' }
  | { readonly name: 'break'; readonly breakId: string }
  | { readonly name: 'dashboard' }
  | { readonly name: 'provenance' };

interface Ctx {
  readonly locale: Locale;
  readonly t: Translate;
  readonly user: User;
}

const message = (e: unknown): string =>
  e instanceof ApiFailure ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e);

function ErrorBox({ error }: { readonly error: string | undefined }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}

export function App() {
  const [locale, setLocale] = useState<Locale>(() =>
    localStorage.getItem('tallystick.locale') === 'zh-CN' ? 'zh-CN' : 'en',
  );
  const [user, setUser] = useState<User | undefined>(() => savedSession()?.user);
  const [view, setView] = useState<View>({ name: 'queue' });
  const t = translator(locale);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t('appName');
    localStorage.setItem('tallystick.locale', locale);
  }, [locale, t]);

  const languagePicker = (
    <label className="lang">
      {t('language')}{' '}
      <select
        value={locale}
        onChange={(e) => {
          setLocale(e.target.value === 'zh-CN' ? 'zh-CN' : 'en');
        }}
      >
        <option value="en">English</option>
        <option value="zh-CN">中文</option>
      </select>
    </label>
  );

  if (!user) {
    return (
      <main className="login">
        <h1>{t('appName')}</h1>
        {languagePicker}
        <Login t={t} onLogin={setUser} />
      </main>
    );
  }
  const ctx: Ctx = { locale, t, user };
  const nav = (target: View, label: string) => (
    <button
      type="button"
      aria-current={view.name === target.name ? 'page' : undefined}
      onClick={() => {
        setView(target);
      }}
    >
      {label}
    </button>
  );
  return (
    <>
      <header>
        <h1>{t('appName')}</h1>
        <nav aria-label={t('navigation')}>
          {nav({ name: 'queue' }, t('navQueue'))}
          {nav({ name: 'dashboard' }, t('navDashboard'))}
          {nav({ name: 'provenance' }, t('navProvenance'))}
        </nav>
        <span className="who">
          {t('loggedInAs')} <strong>{user.enrollmentId}</strong> · {user.mspId} ·{' '}
          {user.roles.map((r) => r).join(', ')}
        </span>
        {languagePicker}
        <button
          type="button"
          onClick={() => {
            void logout().finally(() => {
              setUser(undefined);
            });
          }}
        >
          {t('logout')}
        </button>
      </header>
      <main>
        {view.name === 'queue' && (
          <Queue
            ctx={ctx}
            onOpen={(breakId) => {
              setView({ name: 'break', breakId });
            }}
          />
        )}
        {view.name === 'break' && <BreakDetail ctx={ctx} breakId={view.breakId} />}
        {view.name === 'dashboard' && <DashboardView ctx={ctx} />}
        {view.name === 'provenance' && <Provenance ctx={ctx} />}
      </main>
    </>
  );
}

function Login({ t, onLogin }: { readonly t: Translate; readonly onLogin: (u: User) => void }) {
  const [enrollmentId, setEnrollmentId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    login(enrollmentId, secret)
      .then(onLogin)
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <form onSubmit={submit} aria-label={t('login')}>
      <label>
        {t('enrollmentId')}
        <input
          name="enrollmentId"
          autoComplete="username"
          required
          value={enrollmentId}
          onChange={(e) => {
            setEnrollmentId(e.target.value);
          }}
        />
      </label>
      <label>
        {t('secret')}
        <input
          name="secret"
          type="password"
          autoComplete="current-password"
          required
          value={secret}
          onChange={(e) => {
            setSecret(e.target.value);
          }}
        />
      </label>
      <button type="submit" disabled={busy}>
        {t('login')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function Select({
  label,
  value,
  options,
  onChange,
  any,
}: {
  readonly label: string;
  readonly value: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly onChange: (v: string) => void;
  readonly any?: string;
}) {
  return (
    <label>
      {label}{' '}
      <select
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
    </label>
  );
}

function Queue({ ctx, onOpen }: { readonly ctx: Ctx; readonly onOpen: (breakId: string) => void }) {
  const { t, locale } = ctx;
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState('');
  const [pageSize, setPageSize] = useState('50');
  // The cursor of the page shown (none: the first); the server pages by (opened at, break id), never by offset.
  const [cursor, setCursor] = useState<string>();
  const [page, setPage] = useState<{ items: readonly QueueItem[]; nextCursor: string | null }>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const q = new URLSearchParams({ limit: pageSize });
    if (reason) q.set('reason', reason);
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    let live = true;
    call<{ items: QueueItem[]; nextCursor: string | null }>('GET', `/v1/queue?${q.toString()}`)
      .then((p) => {
        if (live) {
          setPage(p);
          setError(undefined);
        }
      })
      .catch((e: unknown) => {
        if (live) setError(message(e));
      });
    return () => {
      live = false;
    };
  }, [reason, status, cursor, pageSize]);

  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t('queueTitle')}</h2>
      <div className="filters">
        <Select
          label={t('reason')}
          value={reason}
          any={t('any')}
          options={REASONS.map((r) => ({ value: r, label: codeLabel(locale, r) }))}
          onChange={(v) => {
            setReason(v);
            setCursor(undefined);
          }}
        />
        <Select
          label={t('status')}
          value={status}
          any={t('any')}
          options={STATUSES.map((s) => ({ value: s, label: codeLabel(locale, s) }))}
          onChange={(v) => {
            setStatus(v);
            setCursor(undefined);
          }}
        />
        <Select
          label={t('pageSize')}
          value={pageSize}
          options={['10', '25', '50', '100', '200'].map((n) => ({
            value: n,
            label: formatInteger(locale, n),
          }))}
          onChange={(v) => {
            setPageSize(v);
            setCursor(undefined);
          }}
        />
      </div>
      <ErrorBox error={error} />
      {!page && !error && <p>{t('loading')}</p>}
      {page && page.items.length === 0 && <p>{t('noBreaks')}</p>}
      {page && page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('breakId')}</th>
              <th scope="col">{t('reason')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('age')}</th>
              <th scope="col">{t('opened')}</th>
              <th scope="col">{t('assignee')}</th>
              <th scope="col">
                <span className="sr-only">{t('open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((b) => (
              <tr key={b.breakId}>
                <td className="mono">{b.breakId}</td>
                <td>{codeLabel(locale, b.reason)}</td>
                <td>{codeLabel(locale, b.status)}</td>
                <td>{formatAge(locale, b.ageMs)}</td>
                <td>{formatDateTime(locale, b.openedAt)}</td>
                <td>{b.assignee ? `${b.assignee.name} (${b.assignee.mspId})` : t('none')}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`${t('open')} ${b.breakId}`}
                    onClick={() => {
                      onOpen(b.breakId);
                    }}
                  >
                    {t('open')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button
          type="button"
          disabled={!cursor}
          onClick={() => {
            setCursor(undefined);
          }}
        >
          {t('firstPage')}
        </button>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => {
            setCursor(page?.nextCursor ?? undefined);
          }}
        >
          {t('nextPage')}
        </button>
      </div>
    </section>
  );
}

function BreakDetail({ ctx, breakId }: { readonly ctx: Ctx; readonly breakId: string }) {
  const { t, locale, user } = ctx;
  const refId = useId();
  const [reference, setReference] = useState('');
  const [opened, setOpened] = useState<{ brk: BreakRecord; kase: OpenCase; reference: string }>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState(false);
  const [comment, setComment] = useState('');
  const [assignee, setAssignee] = useState(user.enrollmentId);
  const [kind, setKind] = useState<string>(KINDS[0]);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (ref: string) => {
      const [brk, kase] = await Promise.all([
        call<BreakRecord>('POST', `/v1/breaks/${encodeURIComponent(breakId)}/open`, { reference: ref }),
        call<OpenCase>('POST', '/v1/cases/open', { reference: ref }),
      ]);
      setOpened({ brk, kase, reference: ref });
    },
    [breakId],
  );

  const open = (e: SyntheticEvent) => {
    e.preventDefault();
    setError(undefined);
    load(reference.trim()).catch((err: unknown) => {
      setError(message(err));
    });
  };

  const act = (action: string, extra: Record<string, unknown> = {}) => {
    if (!opened) return;
    setBusy(true);
    setError(undefined);
    setNotice(false);
    call('POST', `/v1/breaks/${encodeURIComponent(breakId)}/${action}`, {
      reference: opened.reference,
      ...(comment.trim() ? { comment: comment.trim() } : {}),
      ...extra,
    })
      .then(async () => {
        setComment('');
        setNotice(true);
        await load(opened.reference);
      })
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const brk = opened?.brk;
  const legs = opened?.kase.legs ?? [];
  const differing = new Set<string>(brk?.detail.fields ?? []);
  for (const f of LEG_FIELDS) {
    if (new Set(legs.map((l) => l.detail[f])).size > 1) differing.add(f);
  }

  return (
    <section aria-labelledby="break-title">
      <h2 id="break-title">
        {t('breakTitle')} <span className="mono">{breakId}</span>
      </h2>
      <form onSubmit={open} className="inline">
        <label htmlFor={refId}>{t('reference')}</label>
        <input
          id={refId}
          name="reference"
          aria-describedby={`${refId}-help`}
          autoComplete="off"
          required
          value={reference}
          onChange={(e) => {
            setReference(e.target.value);
          }}
        />
        <button type="submit">{t('open')}</button>
        <p id={`${refId}-help`} className="help">
          {t('referenceHelp')}
        </p>
      </form>
      <ErrorBox error={error} />
      {notice && (
        <p role="status" className="notice">
          {t('done')}
        </p>
      )}
      {brk && (
        <>
          <dl className="facts">
            <Fact label={t('reason')}>{codeLabel(locale, brk.reason)}</Fact>
            <Fact label={t('status')}>
              <span data-testid="break-status">{codeLabel(locale, brk.status)}</span>
            </Fact>
            <Fact label={t('caseId')}>
              <span className="mono">{brk.caseId}</span>
            </Fact>
            <Fact label={t('opened')}>{formatDateTime(locale, brk.openedAt)}</Fact>
            <Fact label={t('assignee')}>
              {brk.assignee ? `${brk.assignee.name} (${brk.assignee.mspId})` : t('none')}
            </Fact>
            <Fact label={t('proposal')}>
              {brk.proposal
                ? `${codeLabel(locale, brk.proposal.kind)} · ${brk.proposal.proposer.name}${
                    brk.proposal.approver ? ` → ${brk.proposal.approver.name}` : ''
                  }`
                : t('none')}
            </Fact>
            <Fact label={t('acceptedBy')}>
              {brk.acceptedBy.length ? brk.acceptedBy.join(', ') : t('none')}
            </Fact>
            <Fact label={t('parties')}>{brk.parties.join(', ')}</Fact>
          </dl>

          <h3>{t('legs')}</h3>
          <table className="legs">
            <thead>
              <tr>
                <th scope="col">{t('field')}</th>
                {legs.map((l) => (
                  <th scope="col" key={l.legId}>
                    {l.mspId}
                    <br />
                    <span className="mono small">{l.legId}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {LEG_FIELDS.map((f) => (
                <tr key={f} className={differing.has(f) ? 'differs' : undefined}>
                  <th scope="row">
                    {codeLabel(locale, f)}
                    {differing.has(f) && <span className="badge"> {t('differs')}</span>}
                  </th>
                  {legs.map((l) => (
                    <td key={l.legId}>
                      {f === 'amountMinor'
                        ? formatMoney(locale, l.detail.amountMinor, l.detail.currency)
                        : f === 'valueDate'
                          ? formatDate(locale, l.detail.valueDate)
                          : f === 'outcome'
                            ? codeLabel(locale, l.detail.outcome)
                            : l.detail[f]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>

          <h3>{t('timeline')}</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('time')}</th>
                <th scope="col">{t('actor')}</th>
                <th scope="col">{t('action')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('comment')}</th>
              </tr>
            </thead>
            <tbody data-testid="timeline">
              {brk.timeline.map((e) => (
                <tr key={e.seq}>
                  <td>{formatDateTime(locale, e.at)}</td>
                  <td>
                    {e.actor.name} ({e.actor.mspId})
                  </td>
                  <td>
                    {codeLabel(locale, e.action)}
                    {e.assignee ? ` → ${e.assignee}` : ''}
                    {e.kind ? ` · ${codeLabel(locale, e.kind)}` : ''}
                  </td>
                  <td>{codeLabel(locale, e.to)}</td>
                  <td>{e.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>{t('actions')}</h3>
          <fieldset className="actions" disabled={busy}>
            <legend className="sr-only">{t('actions')}</legend>
            <label className="wide">
              {t('comment')}
              <textarea
                name="comment"
                rows={2}
                value={comment}
                onChange={(e) => {
                  setComment(e.target.value);
                }}
              />
            </label>
            <div className="row">
              <label>
                {t('assignTo')}
                <input
                  name="assignee"
                  value={assignee}
                  onChange={(e) => {
                    setAssignee(e.target.value);
                  }}
                />
              </label>
              <button
                type="button"
                onClick={() => {
                  act('assign', { assignee });
                }}
              >
                {t('assign')}
              </button>
              <Select
                label={t('proposeKind')}
                value={kind}
                options={KINDS.map((k) => ({ value: k, label: codeLabel(locale, k) }))}
                onChange={setKind}
              />
              <button
                type="button"
                onClick={() => {
                  act('propose', { kind });
                }}
              >
                {t('propose')}
              </button>
            </div>
            <div className="row">
              {(['approve', 'accept', 'reject', 'resolve'] as const).map((a) => (
                <button
                  type="button"
                  key={a}
                  onClick={() => {
                    act(a);
                  }}
                >
                  {t(a)}
                </button>
              ))}
              <button
                type="button"
                disabled={!comment.trim()}
                onClick={() => {
                  act('comment');
                }}
              >
                {t('addComment')}
              </button>
            </div>
          </fieldset>
        </>
      )}
    </section>
  );
}

function Fact({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function DashboardView({ ctx }: { readonly ctx: Ctx }) {
  const { t, locale } = ctx;
  const [data, setData] = useState<Dashboard>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    // Polled every second for this first slice; the index's change stream (SSE) replaces it later.
    let live = true;
    const tick = () => {
      call<Dashboard>('GET', '/v1/dashboard')
        .then((d) => {
          if (live) {
            setData(d);
            setError(undefined);
          }
        })
        .catch((e: unknown) => {
          if (live) setError(message(e));
        });
    };
    tick();
    const timer = setInterval(tick, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const today = data?.days[0];
  const opened = Number(today?.cases_opened ?? 0);
  const matched = Number(today?.cases_matched ?? 0);
  const maxOpen = Math.max(1, ...(data?.openBreaksByReason.map((r) => Number(r.open)) ?? []));
  return (
    <section aria-labelledby="dash-title">
      <h2 id="dash-title">{t('dashboardTitle')}</h2>
      <p className="help">{t('liveNote')}</p>
      <ErrorBox error={error} />
      {today && (
        <dl className="tiles">
          <Fact label={t('today')}>{formatDate(locale, today.day ?? '')}</Fact>
          <Fact label={t('legsPosted')}>{formatInteger(locale, today.legs_posted ?? '0')}</Fact>
          <Fact label={t('casesOpened')}>{formatInteger(locale, opened)}</Fact>
          <Fact label={t('matchRate')}>{opened ? formatPercent(locale, matched / opened) : t('none')}</Fact>
          <Fact label={t('breaksOpened')}>{formatInteger(locale, today.breaks_opened ?? '0')}</Fact>
          <Fact label={t('breaksResolved')}>{formatInteger(locale, today.breaks_resolved ?? '0')}</Fact>
        </dl>
      )}
      <h3>{t('openByReason')}</h3>
      <table data-testid="by-reason">
        <thead>
          <tr>
            <th scope="col">{t('reason')}</th>
            <th scope="col">{t('open')}</th>
            <th scope="col">{t('olderThan1h')}</th>
            <th scope="col">{t('olderThan1d')}</th>
            <th scope="col">
              <span className="sr-only">{t('chart')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data?.openBreaksByReason.map((r) => (
            <tr key={r.reason}>
              <th scope="row">{codeLabel(locale, r.reason)}</th>
              <td>{formatInteger(locale, r.open)}</td>
              <td>{formatInteger(locale, r.older_than_1h)}</td>
              <td>{formatInteger(locale, r.older_than_1d)}</td>
              <td aria-hidden="true">
                <span className="bar" style={{ width: `${(Number(r.open) / maxOpen) * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.days.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('day')}</th>
              <th scope="col">{t('legsPosted')}</th>
              <th scope="col">{t('casesOpened')}</th>
              <th scope="col">{t('casesMatched')}</th>
              <th scope="col">{t('breaksOpened')}</th>
              <th scope="col">{t('breaksResolved')}</th>
            </tr>
          </thead>
          <tbody>
            {data.days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{formatDate(locale, d.day ?? '')}</th>
                <td>{formatInteger(locale, d.legs_posted ?? '0')}</td>
                <td>{formatInteger(locale, d.cases_opened ?? '0')}</td>
                <td>{formatInteger(locale, d.cases_matched ?? '0')}</td>
                <td>{formatInteger(locale, d.breaks_opened ?? '0')}</td>
                <td>{formatInteger(locale, d.breaks_resolved ?? '0')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Provenance({ ctx }: { readonly ctx: Ctx }) {
  const { t, locale } = ctx;
  const [kind, setKind] = useState('break');
  const [id, setId] = useState('');
  const [history, setHistory] =
    useState<readonly { txId: string; timestamp: string; isDelete: boolean; value: unknown }[]>();
  const [error, setError] = useState<string>();
  const show = (e: SyntheticEvent) => {
    e.preventDefault();
    setError(undefined);
    call<{ history: { txId: string; timestamp: string; isDelete: boolean; value: unknown }[] }>(
      'GET',
      `/v1/provenance/${kind}/${encodeURIComponent(id.trim())}`,
    )
      .then((r) => {
        setHistory(r.history);
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  };
  return (
    <section aria-labelledby="prov-title">
      <h2 id="prov-title">{t('provenanceTitle')}</h2>
      <form onSubmit={show} className="inline">
        <Select
          label={t('kind')}
          value={kind}
          options={['case', 'break', 'leg'].map((k) => ({ value: k, label: k }))}
          onChange={setKind}
        />
        <label>
          {t('id')}{' '}
          <input
            name="id"
            required
            value={id}
            onChange={(e) => {
              setId(e.target.value);
            }}
          />
        </label>
        <button type="submit">{t('show')}</button>
      </form>
      <ErrorBox error={error} />
      {history?.length === 0 && <p>{t('noRecord')}</p>}
      {history && history.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('version')}</th>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('txId')}</th>
              <th scope="col">{t('status')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={h.txId}>
                <td>{formatInteger(locale, i + 1)}</td>
                <td>{formatDateTime(locale, h.timestamp)}</td>
                <td className="mono">{h.txId}</td>
                <td>
                  {typeof h.value === 'object' && h.value !== null && 'status' in h.value
                    ? codeLabel(locale, String(h.value.status))
                    : t('none')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
