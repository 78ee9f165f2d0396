// The shared blacklist's pages (issue 19 item 9): one screen, a tab per task, the tab in the URL (#/blacklist/<tab>).
import { useEffect, useState } from 'react';

import { hrefOf, type BlacklistTab } from '../route';
import { ErrorBox, type Ctx } from '../ui';
import { ALERT_EVENT, call, type BlacklistAlert, type BlacklistMember } from './blacklistApi';
import { blacklistText, codeText, type BlacklistText } from './blacklistMessages';
import { BlacklistDisputes } from './BlacklistDisputes';
import { BlacklistAudit, BlacklistPolicyView } from './BlacklistPolicy';
import { BlacklistReport, BlacklistSearch } from './BlacklistSearch';
import { BlacklistUpload } from './BlacklistUpload';
import { Done, useSending } from './parts';
import { BlacklistAlertsAndWatch, BlacklistContributionsView } from './BlacklistWatch';
import { institutionName } from '../i18n';

const TABS: readonly {
  readonly tab: BlacklistTab;
  readonly label: Parameters<ReturnType<typeof blacklistText>>[0];
}[] = [
  { tab: 'search', label: 'tabSearch' },
  { tab: 'upload', label: 'tabUpload' },
  { tab: 'mine', label: 'tabMine' },
  { tab: 'disputes', label: 'tabDisputes' },
  { tab: 'report', label: 'tabReport' },
  { tab: 'watch', label: 'tabWatch' },
  { tab: 'policy', label: 'tabPolicy' },
  { tab: 'audit', label: 'tabAudit' },
];

export function BlacklistScreen({ ctx, tab }: { readonly ctx: Ctx; readonly tab: BlacklistTab }) {
  const b = blacklistText(ctx.locale);
  return (
    <section aria-labelledby="blacklist-title">
      <h2 id="blacklist-title">{b('title')}</h2>
      <nav aria-label={b('tabs')} className="row">
        {TABS.map((t) => (
          <a
            key={t.tab}
            className="nav"
            href={hrefOf({ name: 'blacklist', tab: t.tab })}
            aria-current={t.tab === tab ? 'page' : undefined}
          >
            {b(t.label)}
          </a>
        ))}
      </nav>
      <Membership ctx={ctx} b={b} />
      {tab === 'search' && <BlacklistSearch ctx={ctx} b={b} />}
      {tab === 'upload' && <BlacklistUpload ctx={ctx} b={b} />}
      {tab === 'mine' && <BlacklistContributionsView ctx={ctx} b={b} />}
      {tab === 'disputes' && <BlacklistDisputes ctx={ctx} b={b} />}
      {tab === 'report' && <BlacklistReport ctx={ctx} b={b} />}
      {tab === 'watch' && <BlacklistAlertsAndWatch ctx={ctx} b={b} />}
      {tab === 'policy' && <BlacklistPolicyView ctx={ctx} b={b} />}
      {tab === 'audit' && <BlacklistAudit ctx={ctx} b={b} />}
    </section>
  );
}

/**
 * Whether the person's institution has joined (the chaincode refuses a non-member's searches and uploads): if
 * not, says so, and offers an administrator the join (an auditor reads without joining, so sees nothing here).
 */
function Membership({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const [members, setMembers] = useState<readonly BlacklistMember[]>();
  const [done, setDone] = useState<string>();
  const { busy, error, send } = useSending();
  useEffect(() => {
    call<BlacklistMember[]>('GET', '/v1/blacklist/members')
      .then(setMembers)
      .catch(() => {
        setMembers(undefined);
      });
  }, [done]);
  if (done !== undefined) return <Done text={done} />;
  if (!members || ctx.user.roles.includes('auditor') || members.some((m) => m.mspId === ctx.user.mspId))
    return null;
  return (
    <div role="status" className="notice" data-testid="blacklist-membership">
      <p>{b('notMember')}</p>
      {ctx.user.roles.includes('admin') ? (
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            send(
              () => call<{ txId: string }>('POST', '/v1/blacklist/join', {}),
              (r) => {
                setDone(b('joined', { tx: r.txId }));
              },
            );
          }}
        >
          {b('joinNow')}
        </button>
      ) : (
        <p className="help">{b('askAdmin')}</p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** The header's link to the blacklist, in the pages' own words. */
export function BlacklistNavLink({
  locale,
  active,
}: {
  readonly locale: Ctx['locale'];
  readonly active: boolean;
}) {
  return (
    <a
      className="nav"
      href={hrefOf({ name: 'blacklist', tab: 'search' })}
      aria-current={active ? 'page' : undefined}
    >
      {blacklistText(locale)('nav')}
    </a>
  );
}

/** A banner for each alert the live stream brings while the console is open, on any screen. */
export function BlacklistAlertBanner({ ctx }: { readonly ctx: Pick<Ctx, 'locale'> }) {
  const [alert, setAlert] = useState<BlacklistAlert>();
  useEffect(() => {
    const on = (e: Event) => {
      setAlert((e as CustomEvent<BlacklistAlert>).detail);
    };
    window.addEventListener(ALERT_EVENT, on);
    return () => {
      window.removeEventListener(ALERT_EVENT, on);
    };
  }, []);
  if (!alert) return null;
  const b = blacklistText(ctx.locale);
  return (
    <p role="alert" className="notice" data-testid="blacklist-alert">
      {b('newAlert', {
        uploader: institutionName(ctx.locale, alert.uploader),
        label: alert.label ?? '—',
        category: codeText(ctx.locale, alert.category),
      })}{' '}
      <a
        href={hrefOf({ name: 'blacklist', tab: 'watch' })}
        onClick={() => {
          setAlert(undefined);
        }}
      >
        {b('showAlerts')}
      </a>
    </p>
  );
}
