import { useEffect, useState, type SyntheticEvent } from 'react';

import { BREAK_STATUSES } from '../../../chaincode/src/core/breakMachine';

import {
  call,
  download,
  type AuditBreaksPage,
  type Provenance,
  type ProvenanceEntry,
  type VerifyReport,
} from './api';
import { formatDateTime, formatInteger, formatList, type Locale } from './format';
import { codeLabel, institutionName, type Translate } from './i18n';
import { navigate } from './navigation';
import { hrefOf } from './route';
import { ErrorBox, message, Pager, Select, type Ctx } from './ui';

type Kind = 'case' | 'break' | 'leg';

const statusOf = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && 'status' in value ? String(value.status) : undefined;

/**
 * The auditor's view: the complete history of a case, break or leg as the ledger keeps it — every version with
 * its transaction id, block number, time and the certificate that signed it — exported to CSV; and a check that
 * this node's index agrees with the ledger. The record shown is in the URL (#/audit/break/brk-…): ids are public.
 */
export function Audit({
  ctx,
  kind: routeKind,
  id: routeId,
}: {
  readonly ctx: Ctx;
  readonly kind: Kind | undefined;
  readonly id: string | undefined;
}) {
  const { t, user } = ctx;
  const { history, error, exportCsv } = useProvenance(routeKind, routeId);
  const mayVerify = user.roles.includes('auditor') || user.roles.includes('admin');
  return (
    <section aria-labelledby="prov-title">
      <h2 id="prov-title">{t('provenanceTitle')}</h2>
      <ProvenanceForm
        t={t}
        routeKind={routeKind}
        routeId={routeId}
        exportable={history !== undefined && history.length > 0}
        onExport={exportCsv}
      />
      <ErrorBox error={error} />
      <ProvenanceHistory ctx={ctx} history={history} />

      {mayVerify && <AllBreaks ctx={ctx} />}

      <IndexCheck ctx={ctx} mayVerify={mayVerify} />
    </section>
  );
}

/** The history of the record the URL names, loaded when the URL changes, and its export to CSV. */
function useProvenance(routeKind: Kind | undefined, routeId: string | undefined) {
  const [history, setHistory] = useState<readonly ProvenanceEntry[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!routeKind || !routeId) {
      setHistory(undefined);
      return;
    }
    let current = true;
    setError(undefined);
    call<Provenance>('GET', `/v1/provenance/${routeKind}/${encodeURIComponent(routeId)}`)
      .then((r) => {
        if (current) setHistory(r.history);
      })
      .catch((err: unknown) => {
        if (current) {
          setHistory(undefined);
          setError(message(err));
        }
      });
    return () => {
      current = false;
    };
  }, [routeKind, routeId]);

  const exportCsv = () => {
    if (!routeKind || !routeId) return;
    download(
      `/v1/provenance/${routeKind}/${encodeURIComponent(routeId)}?format=csv`,
      `provenance-${routeKind}-${routeId.replace(/[^\w.-]/g, '_')}.csv`,
    ).catch((err: unknown) => {
      setError(message(err));
    });
  };
  return { history, error, exportCsv };
}

/** Which record to show: the fields follow the URL, and Show puts the choice in the URL. */
function ProvenanceForm({
  t,
  routeKind,
  routeId,
  exportable,
  onExport,
}: {
  readonly t: Translate;
  readonly routeKind: Kind | undefined;
  readonly routeId: string | undefined;
  readonly exportable: boolean;
  readonly onExport: () => void;
}) {
  const [kind, setKind] = useState<Kind>(routeKind ?? 'break');
  const [id, setId] = useState(routeId ?? '');
  useEffect(() => {
    if (!routeKind || !routeId) return;
    setKind(routeKind);
    setId(routeId);
  }, [routeKind, routeId]);

  const show = (e: SyntheticEvent) => {
    e.preventDefault();
    navigate({ name: 'audit', kind, id: id.trim() });
  };
  return (
    <form onSubmit={show} className="inline">
      <Select
        label={t('kind')}
        value={kind}
        options={(['case', 'break', 'leg'] as const).map((k) => ({ value: k, label: t(`kind_${k}`) }))}
        onChange={(v) => {
          setKind(v === 'case' || v === 'leg' ? v : 'break');
        }}
      />
      <label>
        {t('id')}{' '}
        <input
          name="id"
          required
          aria-describedby="prov-help"
          value={id}
          onChange={(e) => {
            setId(e.target.value);
          }}
        />
      </label>
      <button type="submit">{t('show')}</button>
      <button type="button" disabled={!exportable} onClick={onExport}>
        {t('exportCsv')}
      </button>
      <p id="prov-help" className="help">
        {t('provenanceHelp')}
      </p>
    </form>
  );
}

/** Every version of the record, oldest first, with the block and the certificate that signed it. */
function ProvenanceHistory({
  ctx,
  history,
}: {
  readonly ctx: Ctx;
  readonly history: readonly ProvenanceEntry[] | undefined;
}) {
  const { t, locale, timeZone } = ctx;
  return (
    <>
      {history?.length === 0 && <p>{t('noRecord')}</p>}
      {history && history.length > 0 && (
        <table data-testid="provenance">
          <thead>
            <tr>
              <th scope="col">{t('version')}</th>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('block')}</th>
              <th scope="col">{t('txId')}</th>
              <th scope="col">{t('signer')}</th>
              <th scope="col">{t('status')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => {
              const status = statusOf(h.value);
              return (
                <tr key={h.txId}>
                  <td>{formatInteger(locale, h.version)}</td>
                  <td>{formatDateTime(locale, timeZone, h.timestamp)}</td>
                  <td>
                    {h.blockNumber === null
                      ? t('notIndexed')
                      : `${formatInteger(locale, h.blockNumber)} · ${formatInteger(locale, h.txIndex ?? 0)}`}
                  </td>
                  <td className="mono small">{h.txId}</td>
                  <td className="signer">
                    <Signer t={t} locale={locale} signer={h.signer} />
                  </td>
                  <td>{h.isDelete ? t('deleted') : status ? codeLabel(locale, status) : t('none')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

function Signer({
  t,
  locale,
  signer,
}: {
  readonly t: Translate;
  readonly locale: Locale;
  readonly signer: ProvenanceEntry['signer'];
}) {
  return signer ? (
    <>
      <strong>{institutionName(locale, signer.mspId)}</strong> ({signer.mspId})
      <br />
      <span className="mono small">{signer.subject}</span>
      <br />
      <span className="mono small">
        {t('issuer')} {signer.issuer}
      </span>
    </>
  ) : (
    t('notIndexed')
  );
}

/** Asks the node to compare its index with the ledger (auditors and admins only) and shows what differs. */
function IndexCheck({ ctx, mayVerify }: { readonly ctx: Ctx; readonly mayVerify: boolean }) {
  const { t } = ctx;
  const [verify, setVerify] = useState<VerifyReport>();
  const [verifyError, setVerifyError] = useState<string>();
  const [checking, setChecking] = useState(false);
  const check = () => {
    setChecking(true);
    setVerifyError(undefined);
    call<VerifyReport>('GET', '/v1/index/verify')
      .then(setVerify)
      .catch((err: unknown) => {
        setVerify(undefined);
        setVerifyError(message(err));
      })
      .finally(() => {
        setChecking(false);
      });
  };
  return (
    <>
      <h3>{t('indexCheck')}</h3>
      <p className="help">{t('indexCheckHelp')}</p>
      <button type="button" disabled={checking || !mayVerify} onClick={check}>
        {checking ? t('checking') : t('checkIndex')}
      </button>
      {!mayVerify && <span className="help"> {t('indexCheckRole')}</span>}
      <ErrorBox error={verifyError} />
      {verify && <VerifyResult ctx={ctx} verify={verify} />}
    </>
  );
}

function VerifyResult({ ctx, verify }: { readonly ctx: Ctx; readonly verify: VerifyReport }) {
  const { t, locale } = ctx;
  return (
    <div role="status" className={verify.differences.length === 0 ? 'notice' : 'error'} data-testid="verify">
      {t(verify.differences.length === 0 ? 'indexAgrees' : 'indexDiffers', {
        cases: verify.casesChecked,
        breaks: verify.breaksChecked,
        n: verify.differences.length,
        block: verify.checkpoint ? formatInteger(locale, verify.checkpoint.blockNumber) : '—',
      })}
      {verify.differences.length > 0 && (
        <ul>
          {verify.differences.slice(0, 50).map((d) => (
            <li key={`${d.kind}-${d.id}-${d.field}`}>
              {d.kind} {d.id} {d.field}: {JSON.stringify(d.index)} ≠ {JSON.stringify(d.ledger)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Every break the node's index knows, newest change first: where an auditor, party to none, starts; an
 * administrator's institution's own (the node lists no other institution's to them).
 */
function AllBreaks({ ctx }: { readonly ctx: Ctx }) {
  const { t, locale, live } = ctx;
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<readonly string[]>(['']);
  const cursor = cursors[cursors.length - 1] ?? '';
  const [page, setPage] = useState<AuditBreaksPage>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    const q = new URLSearchParams({ limit: '20' });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    call<AuditBreaksPage>('GET', `/v1/audit/breaks?${q.toString()}`)
      .then((p) => {
        if (current) {
          setPage(p);
          setError(undefined);
        }
      })
      .catch((err: unknown) => {
        if (current) setError(message(err));
      });
    return () => {
      current = false;
    };
  }, [status, cursor, live.blocks]);
  return (
    <>
      <h3>{t(ctx.user.roles.includes('auditor') ? 'allBreaks' : 'ownBreaks')}</h3>
      <div className="filters">
        <Select
          label={t('status')}
          value={status}
          any={t('any')}
          options={BREAK_STATUSES.map((s) => ({ value: s, label: codeLabel(locale, s) }))}
          onChange={(v) => {
            setStatus(v);
            setCursors(['']);
          }}
        />
      </div>
      <ErrorBox error={error} />
      {page && page.items.length === 0 && <p>{t('noRecord')}</p>}
      {page && page.items.length > 0 && <AuditBreaksTable ctx={ctx} items={page.items} />}
      <Pager t={t} cursors={cursors} setCursors={setCursors} nextCursor={page?.nextCursor} />
    </>
  );
}

function AuditBreaksTable({ ctx, items }: { readonly ctx: Ctx; readonly items: AuditBreaksPage['items'] }) {
  const { t, locale, timeZone } = ctx;
  return (
    <table data-testid="all-breaks">
      <thead>
        <tr>
          <th scope="col">{t('breakId')}</th>
          <th scope="col">{t('reason')}</th>
          <th scope="col">{t('status')}</th>
          <th scope="col">{t('parties')}</th>
          <th scope="col">{t('updated')}</th>
          <th scope="col">{t('blockNumber')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((b) => (
          <tr key={b.breakId}>
            <td className="mono">
              <a href={hrefOf({ name: 'audit', kind: 'break', id: b.breakId })}>{b.breakId}</a>
            </td>
            <td>{codeLabel(locale, b.reason)}</td>
            <td>{codeLabel(locale, b.status)}</td>
            <td>
              {formatList(
                locale,
                b.parties.map((m) => institutionName(locale, m)),
              )}
            </td>
            <td>{formatDateTime(locale, timeZone, b.updatedAt)}</td>
            <td>{formatInteger(locale, b.blockNumber)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
