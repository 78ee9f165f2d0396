import { useCallback, useEffect, useState, type ReactNode, type SyntheticEvent } from 'react';

import { call, login, logout, savedSession, SESSION_ENDED, type IndexedEvent, type User } from './api';
import { Audit } from './Audit';
import { BlacklistAlertBanner, BlacklistNavLink, BlacklistScreen } from './blacklist/BlacklistScreen';
import { BreakDetail } from './BreakDetail';
import { DashboardView } from './Dashboard';
import {
  formatList,
  INSTITUTION_TIME_ZONE,
  TIME_ZONES,
  timeZoneLabel,
  validTimeZone,
  type Locale,
} from './format';
import { codeLabel, institutionName, translator, type Translate } from './i18n';
import { useLiveIndex, type LiveState } from './live';
import { Queue } from './Queue';
import { receivablesCode } from './receivables/receivablesMessages';
import { ReceivablesNavLink, ReceivablesScreen } from './receivables/ReceivablesScreen';
import { useRoute } from './navigation';
import { hrefOf, type Route } from './route';
import { Statements } from './Statements';
import { ErrorBox, message, type Ctx, type Live } from './ui';

/** Where the person's time-zone choice is kept in this browser. */
const TIME_ZONE_KEY = 'tallystick.timeZone';

/**
 * The language the console opens in: the person's choice kept in this browser, else the first of the browser's
 * preferred languages the console speaks (a browser set to Chinese opens in 简体中文), else English.
 */
function initialLocale(): Locale {
  const chosen = localStorage.getItem('tallystick.locale');
  if (chosen === 'zh-CN' || chosen === 'en') return chosen;
  for (const tag of navigator.languages) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

export function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const [user, setUser] = useState<User | undefined>(() => savedSession()?.user);
  const [timeZone, setTimeZone] = useState(() => validTimeZone(localStorage.getItem(TIME_ZONE_KEY)));
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

  const node = useInstitution();
  // The consortium's name for the node's institution in the chosen language; the node's own name otherwise.
  const institution =
    node === undefined
      ? undefined
      : node.mspId !== undefined && institutionName(locale, node.mspId) !== node.mspId
        ? institutionName(locale, node.mspId)
        : node.name;
  const appTitle = institution === undefined ? t('appName') : `${institution} · ${t('appName')}`;
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = appTitle;
    localStorage.setItem('tallystick.locale', locale);
  }, [locale, appTitle]);
  useEffect(() => {
    localStorage.setItem(TIME_ZONE_KEY, timeZone);
  }, [timeZone]);

  const languagePicker = (
    <label className="lang">
      <span className="sr-only">{t('language')}</span>
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

  const timeZonePicker = (
    <label
      className="lang"
      title={`${t('timeZone')}: ${t('institutionZone', { zone: INSTITUTION_TIME_ZONE })}`}
    >
      <span className="sr-only">{t('timeZone')}</span>
      <select
        value={timeZone}
        data-testid="time-zone"
        onChange={(e) => {
          setTimeZone(validTimeZone(e.target.value));
        }}
      >
        {TIME_ZONES.map((z) => (
          <option key={z} value={z}>
            {timeZoneLabel(locale, z)}
          </option>
        ))}
      </select>
    </label>
  );

  if (!user) {
    return (
      <main className="login">
        <h1>{appTitle}</h1>
        {languagePicker}
        <Login t={t} onLogin={setUser} />
      </main>
    );
  }
  return (
    <Shell
      locale={locale}
      timeZone={timeZone}
      t={t}
      user={user}
      pickers={
        <>
          {languagePicker}
          {timeZonePicker}
        </>
      }
      onLogout={() => {
        setUser(undefined);
      }}
    />
  );
}

/**
 * The name of the institution whose node serves this console (its health answer says it, no login needed), so
 * the title and the login page say whose node this is: five nodes look alike otherwise.
 */
function useInstitution(): { readonly name: string; readonly mspId: string | undefined } | undefined {
  const [node, setNode] = useState<{ readonly name: string; readonly mspId: string | undefined }>();
  useEffect(() => {
    let current = true;
    fetch('/healthz')
      .then(async (res) => (res.ok ? ((await res.json()) as { institution?: unknown; mspId?: unknown }) : {}))
      .then((h) => {
        if (current && typeof h.institution === 'string')
          setNode({ name: h.institution, mspId: typeof h.mspId === 'string' ? h.mspId : undefined });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);
  return node;
}

/** The screens of a logged-in person, the live stream from the node's index, and the navigation between them. */
function Shell({
  locale,
  timeZone,
  t,
  user,
  pickers,
  onLogout,
}: {
  readonly locale: Locale;
  readonly timeZone: string;
  readonly t: Translate;
  readonly user: User;
  readonly pickers: ReactNode;
  readonly onLogout: () => void;
}) {
  useStartScreen(user);
  const route = useRoute();
  const { live, liveState } = useLive();
  const ctx: Ctx = { locale, timeZone, t, user, live };
  // The reconciliation's screens (and the blacklist's, which takes the same roles) are for people with one of its
  // roles; an enterprise's people have only receivables roles, which /v1/receivables/me names.
  const reconciles = user.roles.length > 0;
  const receivablesRoles = useReceivablesRoles(!reconciles);
  const roleNames = reconciles
    ? formatList(
        locale,
        user.roles.map((r) => codeLabel(locale, r)),
      )
    : formatList(
        locale,
        receivablesRoles.map((r) => receivablesCode(locale, r)),
      );
  // One line at 1280 px in both languages (the browser test measures it): the labels of the pickers and of the
  // person are read by screen readers, the institution's name (whose node this is) stays in sight.
  return (
    <>
      <header>
        <h1>
          <span className="institution">{institutionName(locale, user.mspId)}</span>{' '}
          <span className="sr-only"> · {t('appName')}</span>
        </h1>
        {reconciles && <Navigation t={t} route={route} />}
        {reconciles && <BlacklistNavLink locale={locale} active={route.name === 'blacklist'} />}
        <ReceivablesNavLink locale={locale} active={route.name === 'receivables'} />
        <LiveIndicator t={t} liveState={liveState} />
        <span className="who" title={`${user.enrollmentId} · ${user.mspId} · ${roleNames}`}>
          <span className="sr-only">{t('loggedInAs')} </span>
          <strong>{user.enrollmentId}</strong> · {roleNames}
        </span>
        {pickers}
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
        <BlacklistAlertBanner ctx={ctx} />
        <Screen ctx={ctx} route={route} />
      </main>
    </>
  );
}

/**
 * Where a person starts: staff in the queue; an auditor (party to no break: the queue is empty for them) in the
 * audit view; a person with no role of the reconciliation's (an enterprise's finance staff) in receivables.
 * Decided before the first render (useState's initialiser), so the route read after it sees it: call it before
 * useRoute.
 */
function useStartScreen(user: User): void {
  useState(() => {
    const staff = user.roles.some((r) => r === 'reconciler' || r === 'approver' || r === 'submitter');
    if (!staff && ['', '#', '#/'].includes(window.location.hash))
      window.history.replaceState(
        null,
        '',
        hrefOf(user.roles.length === 0 ? { name: 'receivables', tab: 'wallet' } : { name: 'audit' }),
      );
    return true;
  });
}

/** The person's receivables roles, read when `wanted` (their reconciliation roles, if any, are in the session). */
function useReceivablesRoles(wanted: boolean): readonly string[] {
  const [roles, setRoles] = useState<readonly string[]>([]);
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    call<{ roles: readonly string[] }>('GET', '/v1/receivables/me')
      .then((me) => {
        if (current) setRoles(me.roles);
      })
      .catch(() => undefined); // the receivables screen says what is wrong
    return () => {
      current = false;
    };
  }, [wanted]);
  return roles;
}

/** The node's change stream, counted: what the screens refetch on and the queue marks. */
function useLive(): { readonly live: Live; readonly liveState: LiveState } {
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
  return { live, liveState };
}

function Navigation({ t, route }: { readonly t: Translate; readonly route: Route }) {
  const nav = (target: Route, label: string) => (
    <a className="nav" href={hrefOf(target)} aria-current={route.name === target.name ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <nav aria-label={t('navigation')}>
      {nav({ name: 'queue' }, t('navQueue'))}
      {nav({ name: 'dashboard' }, t('navDashboard'))}
      {nav({ name: 'statements' }, t('navStatements'))}
      {nav({ name: 'audit' }, t('navProvenance'))}
    </nav>
  );
}

function LiveIndicator({ t, liveState }: { readonly t: Translate; readonly liveState: LiveState }) {
  if (liveState === 'refused') return null;
  return (
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
  );
}

/** The screen the URL names. */
function Screen({ ctx, route }: { readonly ctx: Ctx; readonly route: Route }) {
  return (
    <>
      {route.name === 'queue' && <Queue ctx={ctx} filters={route.filters} />}
      {route.name === 'break' && <BreakDetail key={route.breakId} ctx={ctx} breakId={route.breakId} />}
      {route.name === 'dashboard' && <DashboardView ctx={ctx} />}
      {route.name === 'statements' && <Statements ctx={ctx} />}
      {route.name === 'audit' && <Audit ctx={ctx} kind={route.kind} id={route.id} />}
      {route.name === 'blacklist' && <BlacklistScreen ctx={ctx} tab={route.tab} />}
      {route.name === 'receivables' && <ReceivablesScreen ctx={ctx} tab={route.tab} />}
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
