// The policy in force and its proposals; for auditors, a subject key's query log and an entry's history.
import { useEffect, useId, useState, type SyntheticEvent } from 'react';

import { formatDateTime, INSTITUTION_TIME_ZONE } from '../format';
import { ErrorBox, message, type Ctx } from '../ui';
import {
  call,
  type BlacklistPolicyVersion,
  type BlacklistProposal,
  type BlacklistProposalStep,
} from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';
import { Done, Table, TextField, useSending } from './parts';
import { institutionName } from '../i18n';

function Proposals({
  ctx,
  b,
  policy,
}: {
  readonly ctx: Ctx;
  readonly b: BlacklistText;
  readonly policy: BlacklistPolicyVersion | undefined;
}) {
  const { locale } = ctx;
  const jsonId = useId();
  const [proposalId, setProposalId] = useState('');
  const [json, setJson] = useState('');
  const [proposal, setProposal] = useState<BlacklistProposal>();
  const [done, setDone] = useState<string>();
  const { error, setError, send } = useSending();
  useEffect(() => {
    if (policy && json === '') setJson(JSON.stringify(policy.policy, null, 2));
  }, [policy, json]);
  const step = (r: BlacklistProposalStep) => {
    setDone(
      b('proposalStep', { outcome: codeText(locale, r.result.outcome), tx: `${r.txId.slice(0, 16)}…` }),
    );
    setProposal({ proposal: r.result.proposal, status: r.result.status });
  };
  const propose = (e: SyntheticEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      setError(message(err));
      return;
    }
    send(
      () =>
        call<BlacklistProposalStep>('POST', '/v1/blacklist/policy/proposals', { proposalId, policy: parsed }),
      step,
    );
  };
  const path = `/v1/blacklist/policy/proposals/${encodeURIComponent(proposalId)}`;
  const lookUp = () => {
    send(() => call<BlacklistProposal>('GET', path), setProposal);
  };
  const approve = () => {
    send(() => call<BlacklistProposalStep>('POST', `${path}/approve`), step);
  };
  return (
    <section aria-label={b('proposals')}>
      <h3>{b('proposals')}</h3>
      <form onSubmit={propose} aria-label={b('proposals')}>
        <TextField
          label={b('proposalId')}
          name="proposalId"
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._-]*"
          value={proposalId}
          onChange={setProposalId}
        />
        <div className="actions">
          <button type="button" disabled={!proposalId} onClick={lookUp}>
            {b('lookUp')}
          </button>
          <button type="button" disabled={!proposalId} onClick={approve}>
            {b('approve')}
          </button>
        </div>
        <details>
          <summary>{b('propose')}</summary>
          <label htmlFor={jsonId}>{b('proposalJson')}</label>
          <textarea
            id={jsonId}
            name="policy"
            rows={12}
            cols={80}
            className="mono small"
            value={json}
            onChange={(e) => {
              setJson(e.target.value);
            }}
          />
          <button type="submit" disabled={!proposalId}>
            {b('propose')}
          </button>
        </details>
      </form>
      <Done text={done} />
      <ErrorBox error={error} />
      {proposal && (
        <dl className="facts" data-testid="proposal">
          <div>
            <dt>{b('proposalId')}</dt>
            <dd>{proposal.proposal.proposalId}</dd>
          </div>
          <div>
            <dt>{b('status')}</dt>
            <dd>{codeText(locale, proposal.status)}</dd>
          </div>
          <div>
            <dt>{b('baseVersion')}</dt>
            <dd>{proposal.proposal.baseVersion}</dd>
          </div>
          <div>
            <dt>{b('proposedBy')}</dt>
            <dd>
              {proposal.proposal.proposedBy.name} ·{' '}
              {institutionName(locale, proposal.proposal.proposedBy.mspId)}
            </dd>
          </div>
          <div>
            <dt>{b('approvals')}</dt>
            <dd>
              {proposal.proposal.approvals
                .map((a) => `${institutionName(locale, a.mspId)} (${a.name})`)
                .join(', ') || '—'}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}

export function BlacklistPolicyView({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const [policy, setPolicy] = useState<BlacklistPolicyVersion>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<BlacklistPolicyVersion>('GET', '/v1/blacklist/policy')
      .then(setPolicy)
      .catch((e: unknown) => {
        setError(message(e));
      });
  }, []);
  const p = policy?.policy;
  return (
    <>
      <section aria-label={b('policy')}>
        <h3>
          {b('policy')}{' '}
          {policy && <span className="badge">{`${b('version')} ${String(policy.version)}`}</span>}
        </h3>
        <ErrorBox error={error} />
        {policy && p && (
          <>
            <p className="small">
              {policy.adoptedAt === null
                ? b('genesis')
                : `${formatDateTime(locale, INSTITUTION_TIME_ZONE, policy.adoptedAt)} · ${b('adoptedBy')}: ${policy.approvedBy.join(', ')}`}
            </p>
            <Table
              b={b}
              label={b('policy')}
              testId="policy-categories"
              headers={['category', 'indicatorsMin', 'listingDaysMax']}
              items={Object.entries(p.categories)}
              rowKey={([c]) => c}
              row={([c, v]) => (
                <>
                  <td>{codeText(locale, c)}</td>
                  <td>{v.indicatorsMin}</td>
                  <td>{v.listingDaysMax}</td>
                </>
              )}
            />
            <dl className="facts">
              <div>
                <dt>{b('indicators')}</dt>
                <dd className="small">{p.indicators.join(', ')}</dd>
              </div>
              <div>
                <dt>{b('purposes')}</dt>
                <dd className="small">{p.purposes.join(', ')}</dd>
              </div>
              <div>
                <dt>{b('exempt')}</dt>
                <dd className="small">{p.exemptPurposes.join(', ')}</dd>
              </div>
              <div>
                <dt>{b('metering')}</dt>
                <dd className="small">
                  {Object.entries(p.metering)
                    .map(([k, v]) => `${k} ${String(v)}`)
                    .join(' · ')}
                </dd>
              </div>
              <div>
                <dt>{b('disputes')}</dt>
                <dd className="small">
                  {Object.entries(p.disputes)
                    .map(([k, v]) => `${k} ${String(v)}`)
                    .join(' · ')}
                </dd>
              </div>
            </dl>
          </>
        )}
      </section>
      <Proposals ctx={ctx} b={b} policy={policy} />
    </>
  );
}

interface LoggedQuery {
  readonly queryId: string;
  readonly at: string;
  readonly querier: { readonly mspId: string; readonly name: string };
  readonly purpose: string;
  readonly consentHash: string | null;
  readonly hits: number;
}
interface Version {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
}

export function BlacklistAudit({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  const [subjectKey, setSubjectKey] = useState('');
  const [uploader, setUploader] = useState('');
  const [category, setCategory] = useState('');
  const [log, setLog] = useState<readonly LoggedQuery[]>();
  const [history, setHistory] = useState<readonly Version[]>();
  const { error, send } = useSending();
  const showLog = (e: SyntheticEvent) => {
    e.preventDefault();
    send(() => call<LoggedQuery[]>('GET', `/v1/blacklist/query-log/${subjectKey}`), setLog);
  };
  const showHistory = () => {
    send(
      () =>
        call<Version[]>(
          'GET',
          `/v1/blacklist/entries/${subjectKey}/${encodeURIComponent(uploader)}/${encodeURIComponent(category)}/history`,
        ),
      setHistory,
    );
  };
  return (
    <section aria-label={b('tabAudit')}>
      <form className="inline" onSubmit={showLog} aria-label={b('queryLog')}>
        <TextField
          label={b('subjectKey')}
          name="subjectKey"
          required
          pattern="[0-9a-f]{64}"
          size={66}
          className="mono"
          value={subjectKey}
          onChange={setSubjectKey}
          trimmed
        />
        <button type="submit">{b('queryLog')}</button>
        <TextField label={b('uploader')} name="uploader" value={uploader} onChange={setUploader} trimmed />
        <TextField label={b('category')} name="category" value={category} onChange={setCategory} trimmed />
        <button type="button" disabled={!subjectKey || !uploader || !category} onClick={showHistory}>
          {b('entryHistory')}
        </button>
      </form>
      <p className="help small">
        {b('queryLogHelp')} {b('entryHistoryHelp')}
      </p>
      <ErrorBox error={error} />
      {log && (
        <Table
          b={b}
          label={b('queryLog')}
          testId="query-log"
          headers={['time', 'institution', 'person', 'purpose', 'consent', 'hits', 'transaction']}
          items={log}
          rowKey={(q) => q.queryId}
          row={(q) => (
            <>
              <td>{formatDateTime(locale, INSTITUTION_TIME_ZONE, q.at, 'short')}</td>
              <td>{institutionName(locale, q.querier.mspId)}</td>
              <td>{q.querier.name}</td>
              <td>{codeText(locale, q.purpose)}</td>
              <td className="mono small">
                {q.consentHash === null ? '—' : `${q.consentHash.slice(0, 12)}…`}
              </td>
              <td>{q.hits}</td>
              <td className="mono small" title={q.queryId}>
                {q.queryId.slice(0, 12)}…
              </td>
            </>
          )}
        />
      )}
      {history && (
        <Table
          b={b}
          label={b('entryHistory')}
          testId="entry-history"
          headers={['time', 'status', 'transaction']}
          items={history}
          rowKey={(v) => v.txId}
          row={(v) => (
            <>
              <td>{formatDateTime(locale, INSTITUTION_TIME_ZONE, v.timestamp, 'short')}</td>
              <td>
                {v.isDelete
                  ? b('deleted')
                  : codeText(locale, (v.value as { status?: string } | null)?.status ?? '')}
              </td>
              <td className="mono small">{v.txId}</td>
            </>
          )}
        />
      )}
    </section>
  );
}
