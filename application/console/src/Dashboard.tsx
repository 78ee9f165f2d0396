import { useCallback, useEffect, useRef, useState } from 'react';

import { call, type Dashboard } from './api';
import { formatDate, formatDateTime, formatInteger, formatMoney, formatPercent } from './format';
import { codeLabel } from './i18n';
import { ErrorBox, Fact, message, type Ctx } from './ui';

type Day = Dashboard['days'][number];

/** The institution's day, its service level, funds in transit and open breaks, refreshed after every block. */
export function DashboardView({ ctx }: { readonly ctx: Ctx }) {
  const { t } = ctx;
  const { data, error } = useDashboard(ctx.live.blocks);
  const today = data?.days[0];
  return (
    <section aria-labelledby="dash-title">
      <h2 id="dash-title">{t('dashboardTitle')}</h2>
      <p className="help">{t('liveNote')}</p>
      <ErrorBox error={error} />
      {today && <TodayTiles ctx={ctx} today={today} />}
      {data?.serviceLevel && <ServiceLevelTiles ctx={ctx} serviceLevel={data.serviceLevel} />}
      <InTransit ctx={ctx} rows={data?.inTransitByCounterparty} />
      <OpenByReason ctx={ctx} rows={data?.openBreaksByReason} />
      {data && data.days.length > 0 && <LastDays ctx={ctx} days={data.days} />}
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

function TodayTiles({ ctx, today }: { readonly ctx: Ctx; readonly today: Day }) {
  const { t, locale } = ctx;
  const opened = Number(today.cases_opened);
  const matched = Number(today.cases_matched);
  return (
    <dl className="tiles">
      <Fact label={t('today')}>{formatDate(locale, today.day)}</Fact>
      <Fact label={t('legsPosted')}>{formatInteger(locale, today.legs_posted)}</Fact>
      <Fact label={t('casesOpened')}>{formatInteger(locale, opened)}</Fact>
      <Fact label={t('matchRate')}>{opened ? formatPercent(locale, matched / opened) : t('none')}</Fact>
      <Fact label={t('breaksOpened')}>{formatInteger(locale, today.breaks_opened)}</Fact>
      <Fact label={t('breaksResolved')}>{formatInteger(locale, today.breaks_resolved)}</Fact>
    </dl>
  );
}

function ServiceLevelTiles({
  ctx,
  serviceLevel,
}: {
  readonly ctx: Ctx;
  readonly serviceLevel: NonNullable<Dashboard['serviceLevel']>;
}) {
  const { t, locale } = ctx;
  return (
    <>
      <h3>{t('serviceLevel')}</h3>
      <dl className="tiles" data-testid="service-level">
        <Fact label={t('missingLegBreaks')}>{formatInteger(locale, serviceLevel.missingLegBreaks)}</Fact>
        <Fact label={t('overdueCases')}>{formatInteger(locale, serviceLevel.overdueCases)}</Fact>
        <Fact label={t('oldestOpen')}>
          {serviceLevel.oldestOpenAt ? formatDateTime(locale, serviceLevel.oldestOpenAt) : t('none')}
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
      <h3>{t('inTransitTitle')}</h3>
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
                <th scope="row">{r.counterparty}</th>
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

/** The last days' counters, as a chart and as the table screen readers read. */
function LastDays({ ctx, days }: { readonly ctx: Ctx; readonly days: readonly Day[] }) {
  const { t, locale } = ctx;
  return (
    <>
      <h3>{t('lastDays')}</h3>
      <DaysChart ctx={ctx} days={days} />
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
          {days.map((d) => (
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
