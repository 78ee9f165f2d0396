// Alerts and the watchlist (node-local), and my contributions.
import { useCallback, useEffect, useId, useState, type SyntheticEvent } from 'react';

import { formatDateTime, formatInteger, INSTITUTION_TIME_ZONE } from '../format';
import { ErrorBox, message, Pager, type Ctx } from '../ui';
import {
  ALERT_EVENT,
  call,
  type BlacklistAlerts,
  type BlacklistAllowance,
  type BlacklistContributions,
  type BlacklistWatchAdded,
  type BlacklistWatchlist,
} from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';
import { Done, RowAction, Table, TextField, useSubjectFields } from './parts';
import { institutionName } from '../i18n';

/** Refetches when an alert arrives on the live stream. */
function useAlertTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const on = () => {
      setTick((n) => n + 1);
    };
    window.addEventListener(ALERT_EVENT, on);
    return () => {
      window.removeEventListener(ALERT_EVENT, on);
    };
  }, []);
  return tick;
}

function Alerts({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const tick = useAlertTick();
  const openId = useId();
  const [openOnly, setOpenOnly] = useState(false);
  const [alerts, setAlerts] = useState<BlacklistAlerts>();
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    let current = true;
    call<BlacklistAlerts>('GET', `/v1/blacklist/alerts?limit=100${openOnly ? '&open=true' : ''}`)
      .then((a) => {
        if (current) setAlerts(a);
      })
      .catch((e: unknown) => {
        if (current) setError(message(e));
      });
    return () => {
      current = false;
    };
  }, [openOnly, tick, reload]);
  const ack = (id: string) => {
    call('POST', `/v1/blacklist/alerts/${id}/acknowledge`)
      .then(() => {
        setReload((n) => n + 1);
      })
      .catch((e: unknown) => {
        setError(message(e));
      });
  };
  return (
    <section aria-label={b('alerts')}>
      <h3>
        {b('alerts')} {alerts && <span className="badge">{b('openAlerts', { n: alerts.open })}</span>}
      </h3>
      <p className="help">{b('alertsHelp')}</p>
      <div className="row">
        <input
          id={openId}
          type="checkbox"
          checked={openOnly}
          onChange={(e) => {
            setOpenOnly(e.target.checked);
          }}
        />
        <label htmlFor={openId}>{b('openOnly')}</label>
      </div>
      <ErrorBox error={error} />
      {alerts && alerts.items.length === 0 && <p>{b('noAlerts')}</p>}
      {alerts && alerts.items.length > 0 && (
        <Table
          b={b}
          label={b('alerts')}
          testId="alerts"
          headers={['time', 'labelShort', 'type', 'uploader', 'category', 'status', 'transaction', 'seenBy']}
          items={alerts.items}
          rowKey={(a) => a.alertId}
          rowClass={(a) => (a.acknowledgedAt === null ? 'differs' : undefined)}
          row={(a) => (
            <>
              <td>{formatDateTime(locale, INSTITUTION_TIME_ZONE, a.at, 'short')}</td>
              <td>{a.label ?? '—'}</td>
              <td>{a.subjectType === null ? '—' : codeText(locale, a.subjectType)}</td>
              <td>{institutionName(locale, a.uploader)}</td>
              <td>{codeText(locale, a.category)}</td>
              <td>
                <span className="badge">{codeText(locale, a.status)}</span>
              </td>
              <td className="mono small" title={a.txId}>
                {a.txId.slice(0, 12)}… #{a.blockNumber}
              </td>
              <td>
                {a.acknowledgedBy ?? (
                  <RowAction
                    text={b('acknowledge')}
                    act={() => {
                      ack(a.alertId);
                    }}
                  />
                )}
              </td>
            </>
          )}
        />
      )}
    </section>
  );
}

function Watchlist({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const subject = useSubjectFields(b, locale);
  const [label, setLabel] = useState('');
  const [list, setList] = useState<BlacklistWatchlist>();
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    call<BlacklistWatchlist>('GET', '/v1/blacklist/watchlist?limit=200')
      .then(setList)
      .catch((e: unknown) => {
        setError(message(e));
      });
  }, []);
  useEffect(load, [load]);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setError(undefined);
    call<BlacklistWatchAdded>('POST', '/v1/blacklist/watchlist', {
      items: [
        {
          type: subject.type,
          identifier: subject.identifier,
          ...(label.trim() ? { label: label.trim() } : {}),
        },
      ],
    })
      .then((r) => {
        setDone(b('watched', { added: r.added, unchanged: r.unchanged }));
        subject.clear();
        setLabel('');
        load();
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  };
  const remove = (watchId: string) => {
    call('DELETE', `/v1/blacklist/watchlist/${watchId}`)
      .then(load)
      .catch((err: unknown) => {
        setError(message(err));
      });
  };
  return (
    <section aria-label={b('watchlist')}>
      <h3>
        {b('watchlist')} {list && <span className="badge">{b('watchCount', { n: list.total })}</span>}
      </h3>
      <p className="help">{b('watchHelp')}</p>
      <form className="inline" onSubmit={submit} aria-label={b('watchlist')}>
        {subject.fields}
        <TextField label={b('label')} name="label" maxLength={80} value={label} onChange={setLabel} />
        <button type="submit">{b('watch')}</button>
      </form>
      <Done text={done} />
      <ErrorBox error={error} />
      {list && list.items.length > 0 && (
        <Table
          b={b}
          label={b('watchlist')}
          testId="watchlist"
          headers={['labelShort', 'type', 'keyVersions', 'addedAt', 'addedBy', '']}
          items={list.items}
          rowKey={(w) => w.watchId}
          row={(w) => (
            <>
              <td>{w.label ?? '—'}</td>
              <td>{codeText(locale, w.type)}</td>
              <td>{w.keyVersions.join(', ')}</td>
              <td>{formatDateTime(locale, INSTITUTION_TIME_ZONE, w.addedAt, 'short')}</td>
              <td>{w.addedBy}</td>
              <td>
                <RowAction
                  text={b('unwatch')}
                  act={() => {
                    remove(w.watchId);
                  }}
                />
              </td>
            </>
          )}
        />
      )}
    </section>
  );
}

export function BlacklistAlertsAndWatch({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  return (
    <>
      <Alerts ctx={ctx} b={b} />
      <Watchlist ctx={ctx} b={b} />
    </>
  );
}

/** Entries a page of the contributions shows. */
const CONTRIBUTIONS_PAGE = 50;

export function BlacklistContributionsView({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale, t } = ctx;
  const [mine, setMine] = useState<BlacklistContributions>();
  const [allowance, setAllowance] = useState<BlacklistAllowance | null>();
  const [error, setError] = useState<string>();
  // Offsets of the pages opened so far (the first is 0): the Pager's cursors.
  const [offsets, setOffsets] = useState<readonly string[]>(['0']);
  const offset = offsets[offsets.length - 1] ?? '0';
  useEffect(() => {
    call<BlacklistContributions>(
      'GET',
      `/v1/blacklist/contributions?limit=${String(CONTRIBUTIONS_PAGE)}&offset=${offset}`,
    )
      .then(setMine)
      .catch((e: unknown) => {
        setError(message(e));
      });
  }, [offset]);
  useEffect(() => {
    // The allowance is the metering's (issue 19 item 4): shown when the node offers it.
    call<BlacklistAllowance>('GET', '/v1/blacklist/allowance')
      .then(setAllowance)
      .catch(() => {
        setAllowance(null);
      });
  }, []);
  const counts = (r: Readonly<Record<string, number>>) =>
    Object.entries(r)
      .map(([k, n]) => `${codeText(locale, k)}: ${formatInteger(locale, n)}`)
      .join(' · ') || '—';
  return (
    <section aria-label={b('tabMine')}>
      <h3>{b('mine')}</h3>
      <p className="help">{b('mineHelp')}</p>
      <ErrorBox error={error} />
      {mine && (
        <dl className="facts" data-testid="contributions">
          <div>
            <dt>{b('total')}</dt>
            <dd>{formatInteger(locale, mine.total)}</dd>
          </div>
          <div>
            <dt>{b('byStatus')}</dt>
            <dd>{counts(mine.byStatus)}</dd>
          </div>
          <div>
            <dt>{b('byCategory')}</dt>
            <dd>{counts(mine.byCategory)}</dd>
          </div>
          <div>
            <dt>{b('allowance')}</dt>
            <dd className="small">
              {allowance === undefined
                ? '…'
                : allowance === null
                  ? b('allowanceNone')
                  : b('allowanceLine', {
                      remaining: formatInteger(locale, allowance.remaining),
                      allowance: formatInteger(locale, allowance.allowance),
                      used: formatInteger(locale, allowance.used),
                      renewsAt: formatDateTime(
                        locale,
                        INSTITUTION_TIME_ZONE,
                        allowance.period.renewsAt,
                        'short',
                      ),
                      listed: formatInteger(locale, allowance.listed),
                      confirmed: formatInteger(locale, allowance.confirmed),
                      revoked: formatInteger(locale, allowance.revoked),
                    })}
            </dd>
          </div>
        </dl>
      )}
      {mine && mine.items.length === 0 && <p>{b('none')}</p>}
      {mine && mine.items.length > 0 && (
        <Table
          b={b}
          label={b('mine')}
          headers={['category', 'status', 'listedAt', 'expiresOn', 'subjectKey', 'transaction']}
          items={mine.items}
          rowKey={(e) => `${e.subjectKey}:${e.category}`}
          row={(e) => (
            <>
              <td>{codeText(locale, e.category)}</td>
              <td>
                <span className="badge">{codeText(locale, e.status)}</span>
              </td>
              <td>{formatDateTime(locale, INSTITUTION_TIME_ZONE, e.listedAt, 'short')}</td>
              <td>{e.expiresOn}</td>
              <td className="mono small" title={e.subjectKey}>
                {e.subjectKey.slice(0, 12)}…
              </td>
              <td className="mono small" title={e.firstTxId}>
                {e.firstTxId.slice(0, 12)}…
              </td>
            </>
          )}
        />
      )}
      {mine && mine.total > CONTRIBUTIONS_PAGE && (
        <Pager
          t={t}
          cursors={offsets}
          setCursors={setOffsets}
          nextCursor={
            Number(offset) + CONTRIBUTIONS_PAGE < mine.total
              ? String(Number(offset) + CONTRIBUTIONS_PAGE)
              : null
          }
          withPrevious
        />
      )}
    </section>
  );
}
