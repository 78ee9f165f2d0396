import { useCallback, useEffect, useRef, useState, type ReactNode, type SyntheticEvent } from 'react';

import {
  call,
  login,
  logout,
  savedSession,
  SESSION_ENDED,
  type Dashboard,
  type IndexedEvent,
  type User,
} from './api';
import { Audit } from './Audit';
import { BreakDetail } from './BreakDetail';
import { formatDate, formatDateTime, formatInteger, formatMoney, formatPercent, type Locale } from './format';
import { codeLabel, translator, type Translate } from './i18n';
import { useLiveIndex } from './live';
import { Queue } from './Queue';
import { useRoute } from './navigation';
import { hrefOf, type Route } from './route';
import { Statements } from './Statements';
import { ErrorBox, Fact, message, type Ctx, type Live } from './ui';

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
