import { useCallback, useEffect, useRef, useState } from 'react';

import { call, type Dashboard } from './api';
import { formatDate, formatDateTime, formatInteger, formatMoney, formatPercent } from './format';
import { codeLabel, institutionName } from './i18n';
import { ErrorBox, Fact, message, type Ctx } from './ui';

type Day = Dashboard['own']['days'][number];

/**
 * The institution's own work first: its latest day, its service level, funds in transit and its open breaks by
 * reason and age, its last days; then the network's figures, apart and labelled as the consortium's totals.
 * Refreshed after every block.
 */
export function DashboardView({ ctx }: { readonly ctx: Ctx }) {
  const { t, locale, user } = ctx;
  const { data, error } = useDashboard(ctx.live.blocks);
  const ownToday = data?.own.days[0];
  const networkToday = data?.network.days[0];
  return (
    <section aria-labelledby="dash-title">
      <h2 id="dash-title">{t('dashboardTitle')}</h2>
      <p className="help">{t('liveNote')}</p>
      <ErrorBox error={error} />
      <section aria-labelledby="own-title" className="dash-part" data-testid="own">
        <h3 id="own-title">{t('ownTitle', { institution: institutionName(locale, user.mspId) })}</h3>
        <p className="help">{t('ownHelp')}</p>
        {ownToday && <DayTiles ctx={ctx} day={ownToday} testId="own-today" />}
        {data && <ServiceLevelTiles ctx={ctx} serviceLevel={data.serviceLevel} />}
        <InTransit ctx={ctx} rows={data?.inTransitByCounterparty} />
        <OpenByReason ctx={ctx} rows={data?.openBreaksByReason} />
        {data && data.own.days.length > 0 && (
          <LastDays ctx={ctx} days={data.own.days} title={t('ownLastDays')} testId="own-days" chart />
        )}
      </section>
      <section aria-labelledby="network-title" className="dash-part network" data-testid="network">
        <h3 id="network-title">{t('networkTitle')}</h3>
        <p className="help">{t('networkHelp')}</p>
        {networkToday && <DayTiles ctx={ctx} day={networkToday} testId="network-today" />}
        {data && data.network.days.length > 0 && (
          <LastDays ctx={ctx} days={data.network.days} title={t('networkLastDays')} testId="network-days" />
        )}
      </section>
    </section>
  );
}

/**
 * The dashboard, fetched again after every block the index commits (pushed by the node, no polling). While one
 * fetch is out, further blocks only mark it stale: at most one more follows, however fast blocks come.
 */
function useDashboard(blocks: number) {
  const [data, setData] = useState<Dashboard>();
  const [error, setError] = useState<string>();
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
  useEffect(refresh, [refresh, blocks]);
  return { data, error };
}

/** A day's figures as tiles: legs, cases by their status now, match rate, breaks opened and resolved. */
function DayTiles({ ctx, day, testId }: { readonly ctx: Ctx; readonly day: Day; readonly testId: string }) {
  const { t, locale } = ctx;
  const opened = Number(day.casesOpened);
  const matched = Number(day.casesMatched);
  return (
    <dl className="tiles" data-testid={testId}>
      <Fact label={t('dayUtc')}>{formatDate(locale, day.day)}</Fact>
      <Fact label={t('legsPosted')}>{formatInteger(locale, day.legsPosted)}</Fact>
      <Fact label={t('casesOpened')}>{formatInteger(locale, opened)}</Fact>
      <Fact label={t('casesMatched')}>{formatInteger(locale, matched)}</Fact>
      <Fact label={t('casesBroken')}>{formatInteger(locale, day.casesBroken)}</Fact>
      <Fact label={t('casesPending')}>{formatInteger(locale, day.casesPending)}</Fact>
      <Fact label={t('matchRate')}>{opened ? formatPercent(locale, matched / opened) : t('none')}</Fact>
      <Fact label={t('breaksOpened')}>{formatInteger(locale, day.breaksOpened)}</Fact>
      <Fact label={t('breaksResolved')}>{formatInteger(locale, day.breaksResolved)}</Fact>
    </dl>
  );
}

function ServiceLevelTiles({
  ctx,
  serviceLevel,
}: {
  readonly ctx: Ctx;
  readonly serviceLevel: Dashboard['serviceLevel'];
}) {
  const { t, locale, timeZone } = ctx;
  const resolved = Number(serviceLevel.resolved);
  const within = Number(serviceLevel.resolvedWithin);
  return (
    <>
      <h4>{t('serviceLevel')}</h4>
      <dl className="tiles" data-testid="service-level">
        <Fact label={t('openAtRisk')}>{formatInteger(locale, serviceLevel.openAtRisk)}</Fact>
        <Fact label={t('openBreached')}>{formatInteger(locale, serviceLevel.openBreached)}</Fact>
        <Fact label={t('escalatedBreaks')}>
          <span data-testid="escalated-count">{formatInteger(locale, serviceLevel.escalated)}</span>
        </Fact>
        <Fact label={t('missingLegBreaks')}>{formatInteger(locale, serviceLevel.missingLegBreaks)}</Fact>
        <Fact label={t('overdueCases')}>{formatInteger(locale, serviceLevel.overdueCases)}</Fact>
        <Fact label={t('resolvedWithin')}>
          {t('resolvedWithinOf', { within, resolved })}
          {resolved > 0 && ` · ${formatPercent(locale, within / resolved)}`}
        </Fact>
        <Fact label={t('oldestOpen')}>
          {serviceLevel.oldestOpenAt
            ? formatDateTime(locale, timeZone, serviceLevel.oldestOpenAt)
            : t('none')}
        </Fact>
      </dl>
    </>
  );
}

/** The own amounts of open breaks per counterparty: money on its way that the books cannot close yet. */
function InTransit({
  ctx,
  rows,
}: {
  readonly ctx: Ctx;
  readonly rows: Dashboard['inTransitByCounterparty'] | undefined;
}) {
  const { t, locale } = ctx;
  return (
    <>
      <h4>{t('inTransitTitle')}</h4>
      <p className="help">{t('inTransitHelp')}</p>
      {rows?.length === 0 && <p>{t('nothing')}</p>}
      {rows && rows.length > 0 && (
        <table data-testid="in-transit">
          <thead>
            <tr>
              <th scope="col">{t('counterpartyCol')}</th>
              <th scope="col">{t('breaksCol')}</th>
              <th scope="col">{t('ownAmount')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.counterparty}-${r.currency ?? ''}`}>
                <th scope="row">{institutionName(locale, r.counterparty)}</th>
                <td>{formatInteger(locale, r.breaks)}</td>
                <td>{r.currency ? formatMoney(locale, r.amountMinor, r.currency) : t('amountUnknown')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Open breaks per reason with their ages, and a bar for each (decorative: the figures are in the cells). */
function OpenByReason({
  ctx,
  rows,
}: {
  readonly ctx: Ctx;
  readonly rows: Dashboard['openBreaksByReason'] | undefined;
}) {
  const { t, locale } = ctx;
  const maxOpen = Math.max(1, ...(rows?.map((r) => Number(r.open)) ?? []));
  return (
    <>
      <h4>{t('openByReason')}</h4>
      <table data-testid="by-reason">
        <thead>
          <tr>
            <th scope="col">{t('reason')}</th>
            <th scope="col">{t('openBreaksCol')}</th>
            <th scope="col">{t('olderThan1h')}</th>
            <th scope="col">{t('olderThan1d')}</th>
            <th scope="col">
              <span className="sr-only">{t('chart')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows?.map((r) => (
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
    </>
  );
}

/** The last days' figures, as a table (and, for the institution's own, a chart of its breaks). */
function LastDays({
  ctx,
  days,
  title,
  testId,
  chart = false,
}: {
  readonly ctx: Ctx;
  readonly days: readonly Day[];
  readonly title: string;
  readonly testId: string;
  readonly chart?: boolean;
}) {
  const { t, locale } = ctx;
  return (
    <>
      <h4>{title}</h4>
      {chart && <DaysChart ctx={ctx} days={days} />}
      <table data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t('dayUtc')}</th>
            <th scope="col">{t('legsPosted')}</th>
            <th scope="col">{t('casesOpened')}</th>
            <th scope="col">{t('casesMatched')}</th>
            <th scope="col">{t('casesBroken')}</th>
            <th scope="col">{t('casesPending')}</th>
            <th scope="col">{t('breaksOpened')}</th>
            <th scope="col">{t('breaksResolved')}</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{formatDate(locale, d.day)}</th>
              <td>{formatInteger(locale, d.legsPosted)}</td>
              <td>{formatInteger(locale, d.casesOpened)}</td>
              <td>{formatInteger(locale, d.casesMatched)}</td>
              <td>{formatInteger(locale, d.casesBroken)}</td>
              <td>{formatInteger(locale, d.casesPending)}</td>
              <td>{formatInteger(locale, d.breaksOpened)}</td>
              <td>{formatInteger(locale, d.breaksResolved)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * Breaks opened and resolved per day, oldest on the left, as an SVG bar chart. Decorative for screen readers,
 * which read the same figures in the table below it (the chart's label says so).
 */
function DaysChart({ ctx, days }: { readonly ctx: Ctx; readonly days: readonly Day[] }) {
  const { t, locale } = ctx;
  const series = [...days].reverse().map((d) => ({
    day: d.day,
    opened: Number(d.breaksOpened),
    resolved: Number(d.breaksResolved),
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
