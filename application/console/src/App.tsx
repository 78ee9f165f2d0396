import { useCallback, useEffect, useId, useRef, useState, type ReactNode, type SyntheticEvent } from 'react';

import {
  ApiFailure,
  call,
  login,
  logout,
  savedSession,
  SESSION_ENDED,
  type BreakRecord,
  type Dashboard,
  type IndexedEvent,
  type OpenCase,
  type People,
  type User,
} from './api';
import { Audit } from './Audit';
import { formatDate, formatDateTime, formatInteger, formatMoney, formatPercent, type Locale } from './format';
import { codeLabel, translator, type Translate } from './i18n';
import { useLiveIndex } from './live';
import { Queue } from './Queue';
import { useRoute } from './navigation';
import { hrefOf, type Route } from './route';
import { Statements } from './Statements';
import { ErrorBox, Fact, message, Select, type Ctx, type Live } from './ui';
import { parseRoles, type Actor, type Role } from '../../../chaincode/src/core/actor';
import {
  allowedActions,
  COMMENT_REQUIRED,
  RESOLUTION_KINDS,
  type PersonAction,
} from '../../../chaincode/src/core/breakMachine';
import { MATCH_FIELDS } from '../../../chaincode/src/core/leg';

// The closed lists come from the chaincode's pure core, so the console offers exactly what the ledger accepts.
const KINDS = RESOLUTION_KINDS;
const LEG_FIELDS = MATCH_FIELDS;

export function App() {
  const [locale, setLocale] = useState<Locale>(() =>
    localStorage.getItem('tallystick.locale') === 'zh-CN' ? 'zh-CN' : 'en',
  );
  const [user, setUser] = useState<User | undefined>(() => savedSession()?.user);
  const t = translator(locale);
  useEffect(() => {
    const ended = () => {
      setUser(undefined);
    };
    window.addEventListener(SESSION_ENDED, ended);
    return () => {
      window.removeEventListener(SESSION_ENDED, ended);
    };
  }, []);

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
  return (
    <Shell
      locale={locale}
      t={t}
      user={user}
      languagePicker={languagePicker}
      onLogout={() => {
        setUser(undefined);
      }}
    />
  );
}

/** The screens of a logged-in person, the live stream from the node's index, and the navigation between them. */
function Shell({
  locale,
  t,
  user,
  languagePicker,
  onLogout,
}: {
  readonly locale: Locale;
  readonly t: Translate;
  readonly user: User;
  readonly languagePicker: ReactNode;
  readonly onLogout: () => void;
}) {
  // An auditor is party to no break: the queue is empty for them, so they start in the audit view. Decided before
  // the first render (useState's initialiser), so the route below reads it.
  useState(() => {
    const staff = user.roles.some((r) => r === 'reconciler' || r === 'approver' || r === 'submitter');
    if (!staff && ['', '#', '#/'].includes(window.location.hash))
      window.history.replaceState(null, '', hrefOf({ name: 'audit' }));
    return true;
  });
  const route = useRoute();
  const [live, setLive] = useState<Live>({ blocks: 0, breaks: 0, last: undefined, changed: new Set() });
  const liveState = useLiveIndex(
    useCallback((e: IndexedEvent) => {
      setLive((l) => ({
        blocks: l.blocks + 1,
        breaks: l.breaks + (e.breaks.length > 0 ? 1 : 0),
        last: e,
        changed: e.breaks.length > 0 ? new Set([...l.changed, ...e.breaks.map((b) => b.breakId)]) : l.changed,
      }));
    }, []),
  );
  const ctx: Ctx = { locale, t, user, live };
  const nav = (target: Route, label: string) => (
    <a className="nav" href={hrefOf(target)} aria-current={route.name === target.name ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <h1>{t('appName')}</h1>
        <nav aria-label={t('navigation')}>
          {nav({ name: 'queue' }, t('navQueue'))}
          {nav({ name: 'dashboard' }, t('navDashboard'))}
          {nav({ name: 'statements' }, t('navStatements'))}
          {nav({ name: 'audit' }, t('navProvenance'))}
        </nav>
        <span className={`live live-${liveState}`} role="status" data-testid="live-state">
          {t(
            liveState === 'live'
              ? 'liveOn'
              : liveState === 'offline'
                ? 'liveOff'
                : liveState === 'paused'
                  ? 'livePaused'
                  : 'liveConnecting',
          )}
        </span>
        <span className="who">
          {t('loggedInAs')} <strong>{user.enrollmentId}</strong> · {user.mspId} · {user.roles.join(', ')}
        </span>
        {languagePicker}
        <button
          type="button"
          onClick={() => {
            void logout().finally(onLogout);
          }}
        >
          {t('logout')}
        </button>
      </header>
      <main>
        {route.name === 'queue' && <Queue ctx={ctx} filters={route.filters} />}
        {route.name === 'break' && <BreakDetail key={route.breakId} ctx={ctx} breakId={route.breakId} />}
        {route.name === 'dashboard' && <DashboardView ctx={ctx} />}
        {route.name === 'statements' && <Statements ctx={ctx} />}
        {route.name === 'audit' && <Audit ctx={ctx} kind={route.kind} id={route.id} />}
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
  const [people, setPeople] = useState<readonly string[]>([]);
  useEffect(() => {
    call<People>('GET', '/v1/people')
      .then((r) => {
        setPeople(r.items);
      })
      .catch(() => undefined);
  }, []);

  const [publicBrk, setPublicBrk] = useState<BreakRecord>();
  const loadPublic = useCallback(() => {
    call<BreakRecord>('GET', `/v1/breaks/${encodeURIComponent(breakId)}`)
      .then(setPublicBrk)
      .catch((err: unknown) => {
        setError(message(err));
      });
  }, [breakId]);
  useEffect(loadPublic, [loadPublic]);
  const caseId = publicBrk?.caseId;

  const load = useCallback(
    async (ref: string) => {
      const [brk, kase] = await Promise.all([
        call<BreakRecord>('POST', `/v1/breaks/${encodeURIComponent(breakId)}/open`, { reference: ref }),
        // the break's own case: a reference has one case per route declared for it
        call<OpenCase>('POST', '/v1/cases/open', {
          reference: ref,
          ...(caseId === undefined ? {} : { caseId }),
        }),
      ]);
      setOpened({ brk, kase, reference: ref });
    },
    [breakId, caseId],
  );

  // The node opens the case itself when it holds the reference (one of the institution's own legs is in it, or
  // someone here gave the reference before); only otherwise does the person paste it, once.
  const [needReference, setNeedReference] = useState(false);
  useEffect(() => {
    if (caseId === undefined || opened !== undefined) return;
    let current = true;
    call<OpenCase>('POST', '/v1/cases/open', { caseId })
      .then((kase) => (current ? load(kase.reference) : undefined))
      .catch((err: unknown) => {
        if (!current) return;
        if (err instanceof ApiFailure && err.code === 'REFERENCE_NEEDED') setNeedReference(true);
        else setError(message(err));
      });
    return () => {
      current = false;
    };
  }, [caseId, opened, load]);

  const open = (e: SyntheticEvent) => {
    e.preventDefault();
    setError(undefined);
    load(reference.trim()).catch((err: unknown) => {
      setError(message(err));
    });
  };

  // Another person (here or at a counterparty) acted on this break: show the new state without a reload.
  const { last } = ctx.live;
  const openedReference = opened?.reference;
  useEffect(() => {
    if (!last?.breaks.some((b) => b.breakId === breakId)) return;
    if (openedReference === undefined) loadPublic();
    else load(openedReference).catch(() => undefined);
  }, [last, breakId, openedReference, load, loadPublic]);

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
        // The notice comes with the break as the ledger now has it, so what it says and what shows agree; a
        // failed reload still reports the committed action (the live stream brings the new state later).
        await load(opened.reference).catch(() => undefined);
        setNotice(true);
      })
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  // Before the reference is given: the break's public facts and timeline from the ledger (comments stay sealed).
  const brk = opened?.brk ?? publicBrk;
  const sealed = !opened;
  const legs = opened?.kase.legs ?? [];
  // What the person may do now is the core's own decision (allowedActions: the chaincode's rules, run here on the
  // record the ledger returned), so the console offers exactly what the ledger would take. An action that needs a
  // comment waits for one.
  const roles = parseRoles(user.roles.join(','));
  const mayAct = roles.includes('reconciler') || roles.includes('approver');
  const mayPropose = roles.includes('reconciler');
  const mayApprove = roles.includes('approver');
  const can = brk ? allowedActions(brk, actorOf(user, roles, brk)) : undefined;
  const offered = (a: PersonAction) =>
    can?.[a].allowed === true && (!COMMENT_REQUIRED.has(a) || comment.trim() !== '');
  const allowed = {
    assign: offered('ASSIGN'),
    propose: offered('PROPOSE'),
    approve: offered('APPROVE'),
    accept: offered('ACCEPT'),
    reject: offered('REJECT'),
    resolve: offered('RESOLVE'),
  };
  const iProposed = can?.APPROVE.allowed === false && can.APPROVE.code === 'SELF_APPROVAL';
  const differing = new Set<string>(brk?.detail.fields ?? []);
  for (const f of LEG_FIELDS) {
    if (new Set(legs.map((l) => l.detail[f])).size > 1) differing.add(f);
  }

  return (
    <section aria-labelledby="break-title">
      <p className="crumbs">
        <a href={hrefOf({ name: 'queue' })}>{t('backToQueue')}</a> ·{' '}
        <a href={hrefOf({ name: 'audit', kind: 'break', id: breakId })}>{t('breakProvenance')}</a>
      </p>
      <h2 id="break-title">
        {t('breakTitle')} <span className="mono">{breakId}</span>
      </h2>
      {needReference && !opened && (
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
      )}
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

          {sealed && <p className="help">{t('openToSee')}</p>}
          {!sealed && <h3>{t('legs')}</h3>}
          {!sealed && (
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
          )}

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
                  <td>{sealed && e.comment ? <em className="help">{t('sealedComment')}</em> : e.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>{t('actions')}</h3>
          <p role="status" className="help next-step" data-testid="next-step">
            {nextStep(ctx, brk)}
          </p>
          {sealed ? null : !mayAct ? (
            <p className="help">{t('readOnlyRole')}</p>
          ) : (
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
                    list={`${refId}-people`}
                    value={assignee}
                    onChange={(e) => {
                      setAssignee(e.target.value);
                    }}
                  />
                </label>
                <datalist id={`${refId}-people`}>
                  {people.map((p) => (
                    <option key={p} value={p} />
                  ))}
                </datalist>
                <button
                  type="button"
                  disabled={!allowed.assign}
                  onClick={() => {
                    act('assign', { assignee });
                  }}
                >
                  {t('assign')}
                </button>
                {mayPropose && (
                  <>
                    <Select
                      label={t('proposeKind')}
                      value={kind}
                      options={KINDS.map((k) => ({ value: k, label: codeLabel(locale, k) }))}
                      onChange={setKind}
                    />
                    <button
                      type="button"
                      disabled={!allowed.propose}
                      onClick={() => {
                        act('propose', { kind });
                      }}
                    >
                      {t('propose')}
                    </button>
                  </>
                )}
              </div>
              <div className="row">
                {(['approve', 'accept', 'reject', 'resolve'] as const)
                  .filter((a) => a !== 'approve' || mayApprove)
                  .map((a) => (
                    <button
                      type="button"
                      key={a}
                      disabled={!allowed[a]}
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
              {iProposed && <p className="help">{t('fourEyesHint')}</p>}
            </fieldset>
          )}
        </>
      )}
    </section>
  );
}

/**
 * The person as the ledger knows them, for allowedActions: their certificate identity is the one the break's
 * record shows for their institution and enrolment id (ids are unique within an institution's CA); someone the
 * record does not name yet cannot be its proposer, so any id of theirs decides the same.
 */
function actorOf(user: User, roles: readonly Role[], b: BreakRecord): Actor {
  const named = [
    b.assignee,
    b.proposal?.proposer,
    b.proposal?.approver,
    ...b.timeline.map((e) => e.actor),
  ].find((p) => p?.mspId === user.mspId && p.name === user.enrollmentId);
  return {
    mspId: user.mspId,
    id: named?.id ?? `console:${user.mspId}:${user.enrollmentId}`,
    name: user.enrollmentId,
    roles,
  };
}

/** Who has the break now: what the workflow waits for, in words (four eyes, then every other party). */
function nextStep({ t }: Ctx, b: BreakRecord): string {
  const proposer = b.proposal?.proposer.mspId ?? '';
  switch (b.status) {
    case 'OPEN':
      return t('nextAssign');
    case 'ASSIGNED':
      return t('nextPropose').replace('{who}', b.assignee ? `${b.assignee.name} (${b.assignee.mspId})` : '');
    case 'PROPOSED':
      return t('nextApprove').replace('{msp}', proposer);
    case 'APPROVED':
      return t('nextAccept').replace(
        '{msps}',
        b.parties.filter((p) => p !== proposer && !b.acceptedBy.includes(p)).join(', '),
      );
    case 'ACCEPTED':
      return t('nextResolve').replace('{msp}', proposer);
    case 'RESOLVED':
      return t('nextNone');
  }
}

/**
 * Breaks opened and resolved per day, oldest on the left, as an SVG bar chart. Decorative for screen readers,
 * which read the same figures in the table below it (the chart's label says so).
 */
function DaysChart({ ctx, days }: { readonly ctx: Ctx; readonly days: Dashboard['days'] }) {
  const { t, locale } = ctx;
  const series = [...days].reverse().map((d) => ({
    day: d.day,
    opened: Number(d.breaks_opened),
    resolved: Number(d.breaks_resolved),
  }));
  const max = Math.max(1, ...series.map((d) => Math.max(d.opened, d.resolved)));
  const width = 1000;
  const height = 160;
  const slot = width / Math.max(series.length, 1);
  const bar = Math.min(28, slot / 3);
  const y = (v: number) => height - 20 - (v / max) * (height - 40);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${String(width)} ${String(height)}`}
        role="img"
        aria-label={t('daysChart')}
        data-testid="days-chart"
      >
        {series.map((d, i) => {
          const x = i * slot + slot / 2;
          return (
            <g key={d.day}>
              <rect
                className="opened"
                x={x - bar - 1}
                y={y(d.opened)}
                width={bar}
                height={height - 20 - y(d.opened)}
              >
                <title>{`${formatDate(locale, d.day)}: ${t('breaksOpened')} ${formatInteger(locale, d.opened)}`}</title>
              </rect>
              <rect
                className="resolved"
                x={x + 1}
                y={y(d.resolved)}
                width={bar}
                height={height - 20 - y(d.resolved)}
              >
                <title>{`${formatDate(locale, d.day)}: ${t('breaksResolved')} ${formatInteger(locale, d.resolved)}`}</title>
              </rect>
              <text x={x} y={height - 4} textAnchor="middle">
                {formatDate(locale, d.day)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="key opened" /> {t('breaksOpened')} <span className="key resolved" />{' '}
        {t('breaksResolved')}
      </figcaption>
    </figure>
  );
}

function DashboardView({ ctx }: { readonly ctx: Ctx }) {
  const { t, locale } = ctx;
  const [data, setData] = useState<Dashboard>();
  const [error, setError] = useState<string>();
  // Fetched again after every block the index commits (pushed by the node, no polling). While one fetch is out,
  // further blocks only mark it stale: at most one more follows, however fast blocks come.
  const fetching = useRef<{ inFlight: boolean; stale: boolean; mounted: boolean }>({
    inFlight: false,
    stale: false,
    mounted: true,
  });
  const refresh = useCallback(() => {
    const f = fetching.current;
    if (f.inFlight) {
      f.stale = true;
      return;
    }
    f.inFlight = true;
    call<Dashboard>('GET', '/v1/dashboard')
      .then((d) => {
        if (f.mounted) {
          setData(d);
          setError(undefined);
        }
      })
      .catch((e: unknown) => {
        if (f.mounted) setError(message(e));
      })
      .finally(() => {
        f.inFlight = false;
        if (f.stale && f.mounted) {
          f.stale = false;
          refresh();
        }
      });
  }, []);
  useEffect(() => {
    const f = fetching.current;
    f.mounted = true;
    return () => {
      f.mounted = false;
    };
  }, []);
  useEffect(refresh, [refresh, ctx.live.blocks]);
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
          <Fact label={t('today')}>{formatDate(locale, today.day)}</Fact>
          <Fact label={t('legsPosted')}>{formatInteger(locale, today.legs_posted)}</Fact>
          <Fact label={t('casesOpened')}>{formatInteger(locale, opened)}</Fact>
          <Fact label={t('matchRate')}>{opened ? formatPercent(locale, matched / opened) : t('none')}</Fact>
          <Fact label={t('breaksOpened')}>{formatInteger(locale, today.breaks_opened)}</Fact>
          <Fact label={t('breaksResolved')}>{formatInteger(locale, today.breaks_resolved)}</Fact>
        </dl>
      )}
      {data?.serviceLevel && (
        <>
          <h3>{t('serviceLevel')}</h3>
          <dl className="tiles" data-testid="service-level">
            <Fact label={t('missingLegBreaks')}>
              {formatInteger(locale, data.serviceLevel.missingLegBreaks)}
            </Fact>
            <Fact label={t('overdueCases')}>{formatInteger(locale, data.serviceLevel.overdueCases)}</Fact>
            <Fact label={t('oldestOpen')}>
              {data.serviceLevel.oldestOpenAt
                ? formatDateTime(locale, data.serviceLevel.oldestOpenAt)
                : t('none')}
            </Fact>
          </dl>
        </>
      )}
      <h3>{t('inTransitTitle')}</h3>
      <p className="help">{t('inTransitHelp')}</p>
      {data?.inTransitByCounterparty.length === 0 && <p>{t('nothing')}</p>}
      {data?.inTransitByCounterparty && data.inTransitByCounterparty.length > 0 && (
        <table data-testid="in-transit">
          <thead>
            <tr>
              <th scope="col">{t('counterpartyCol')}</th>
              <th scope="col">{t('breaksCol')}</th>
              <th scope="col">{t('ownAmount')}</th>
            </tr>
          </thead>
          <tbody>
            {data.inTransitByCounterparty.map((r) => (
              <tr key={`${r.counterparty}-${r.currency ?? ''}`}>
                <th scope="row">{r.counterparty}</th>
                <td>{formatInteger(locale, r.breaks)}</td>
                <td>{r.currency ? formatMoney(locale, r.amountMinor, r.currency) : t('amountUnknown')}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
      {data && data.days.length > 0 && <h3>{t('lastDays')}</h3>}
      {data && data.days.length > 0 && <DaysChart ctx={ctx} days={data.days} />}
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
                <th scope="row">{formatDate(locale, d.day)}</th>
                <td>{formatInteger(locale, d.legs_posted)}</td>
                <td>{formatInteger(locale, d.cases_opened)}</td>
                <td>{formatInteger(locale, d.cases_matched)}</td>
                <td>{formatInteger(locale, d.breaks_opened)}</td>
                <td>{formatInteger(locale, d.breaks_resolved)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
