// The receivables policy in force and its proposals (issue 20, policy governance), read-only: a governing bank's
// admin proposes and approvers approve through the API or `tallystick receivables propose-policy | approve-policy`.
import { useEffect, useState } from 'react';

import type { Shape } from '../../../src/http/routes/schema';
import type * as R from '../../../src/http/routes/receivablesShapes';
import { ErrorBox, message, type Ctx } from '../ui';
import { call } from './receivablesApi';
import { receivablesCode, type ReceivablesText } from './receivablesMessages';

type PolicyVersion = Shape<typeof R.PolicyVersion>;
type PolicyProposal = Shape<typeof R.PolicyProposal>;

export function PolicyView({
  ctx,
  r,
  tick,
}: {
  readonly ctx: Ctx;
  readonly r: ReceivablesText;
  readonly tick: number;
}) {
  const [current, setCurrent] = useState<PolicyVersion>();
  const [proposals, setProposals] = useState<readonly PolicyProposal[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    Promise.all([
      call<PolicyVersion>('GET', '/v1/receivables/policy'),
      call<PolicyProposal[]>('GET', '/v1/receivables/policy/proposals'),
    ])
      .then(([c, p]) => {
        setCurrent(c);
        setProposals(p);
      })
      .catch((e: unknown) => {
        setError(message(e));
      });
  }, [tick]);
  const p = current?.policy;
  return (
    <section aria-labelledby="receivables-policy" data-testid="receivables-policy">
      <h3 id="receivables-policy">{r('policyTitle')}</h3>
      <ErrorBox error={error} />
      {current && p && (
        <>
          <p>
            {current.txId === null
              ? r('policyGenesis', { version: current.version })
              : r('policyAdopted', {
                  version: current.version,
                  tx: current.txId,
                  banks: current.approvedBy.join(', '),
                })}
          </p>
          <dl className="rtree-details">
            <dt>{r('policyMinPart')}</dt>
            <dd>
              {[
                ...Object.entries(p.minPartMinor).map(([c, m]) => `${c} ${m}`),
                r('policyOther', { minor: p.minPartMinorDefault }),
              ].join(' · ')}
            </dd>
            <dt>{r('policyOutputs')}</dt>
            <dd>{p.outputsMax}</dd>
            <dt>{r('policyFee')}</dt>
            <dd>{r('policyBp', { bp: p.feeBpMax })}</dd>
            <dt>{r('policyOnHit')}</dt>
            <dd>{receivablesCode(ctx.locale, `ON_HIT_${p.screeningOnHit}`)}</dd>
            <dt>{r('policyGovernors')}</dt>
            <dd>{p.governors.join(', ')}</dd>
          </dl>
        </>
      )}
      <table data-testid="receivables-policy-proposals">
        <caption>{r('policyProposals')}</caption>
        <thead>
          <tr>
            {(['policyProposal', 'status', 'policyBase', 'policyBy', 'policyApprovals'] as const).map((h) => (
              <th key={h} scope="col">
                {r(h)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {proposals.length === 0 ? (
            <tr>
              <td colSpan={5}>{r('none')}</td>
            </tr>
          ) : (
            proposals.map((x) => (
              <tr key={x.proposalId}>
                <td className="mono">{x.proposalId}</td>
                <td>{receivablesCode(ctx.locale, x.status)}</td>
                <td>{x.baseVersion}</td>
                <td>{`${x.proposedBy.name}@${x.proposedBy.mspId}`}</td>
                <td>{x.approvals.map((a) => a.mspId).join(', ') || '—'}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}
