// Disputes inbox and votes (issue 19 items 6 and 9): the node's index lists the boxes (GET /v1/blacklist/disputes);
// every step goes through the ledger (POST …/disputes/{id}/steps), which decides who may take it; the boxes are
// read again after each step.
import { useEffect, useState, type SyntheticEvent } from 'react';

import { BLACKLIST_ACCESS } from '../../../../chaincode/src/core/blacklist/access';
import { hrefOf } from '../route';

import { formatDateTime, formatInteger, INSTITUTION_TIME_ZONE } from '../format';
import { ErrorBox, message, type Ctx } from '../ui';
import {
  call,
  type BlacklistDisputeList,
  type BlacklistListedDispute,
  type DisputeBox,
} from './blacklistApi';
import { codeText, type BlacklistKey, type BlacklistText } from './blacklistMessages';
import { Done, RowAction, Table, TextField, useSending, type ResultEntry } from './parts';
import { institutionName } from '../i18n';

type Step =
  | { action: 'MAINTAIN'; evidenceHash: string }
  | { action: 'RETRACT' | 'CONTEST' | 'WITHDRAW' }
  | {
      action: 'VOTE';
      vote: 'REVOKE' | 'UPHOLD';
    };

/** Each box: its title and help, the statuses it lists (the open ones), and the steps its rows offer. */
const BOXES: readonly {
  readonly box: DisputeBox;
  readonly title: BlacklistKey;
  readonly help: BlacklistKey;
  readonly status: 'OPEN' | 'VOTING';
  readonly other: 'disputer' | 'uploader';
}[] = [
  {
    box: 'against-us',
    title: 'disputesAgainstUs',
    help: 'disputesAgainstUsHelp',
    status: 'OPEN',
    other: 'disputer',
  },
  {
    box: 'opened-by-us',
    title: 'disputesOpenedByUs',
    help: 'disputesOpenedByUsHelp',
    status: 'OPEN',
    other: 'uploader',
  },
  {
    box: 'to-vote',
    title: 'disputesToVote',
    help: 'disputesToVoteHelp',
    status: 'VOTING',
    other: 'uploader',
  },
];

/** Whether the person's roles allow a dispute operation (the core's table; the ledger checks it again). */
export const mayDo = (ctx: Ctx, op: 'DISPUTE' | 'DISPUTE_STEP' | 'VOTE'): boolean =>
  BLACKLIST_ACCESS[op].roles.some((r) => ctx.user.roles.includes(r));

/** Rows a box shows (the oldest open disputes beyond it are reached by answering the newer ones). */
const BOX_LIMIT = 50;

function DisputeBoxView({
  ctx,
  b,
  spec,
  tick,
  stepped,
}: {
  readonly ctx: Ctx;
  readonly b: BlacklistText;
  readonly spec: (typeof BOXES)[number];
  readonly tick: number;
  readonly stepped: (text: string) => void;
}) {
  const { locale } = ctx;
  const [list, setList] = useState<BlacklistDisputeList>();
  const [evidenceHash, setEvidenceHash] = useState('');
  const { busy, error, setError, send } = useSending();
  useEffect(() => {
    let current = true;
    call<BlacklistDisputeList>(
      'GET',
      `/v1/blacklist/disputes?box=${spec.box}&status=${spec.status}&limit=${String(BOX_LIMIT)}`,
    )
      .then((l) => {
        if (current) setList(l);
      })
      .catch((e: unknown) => {
        if (current) setError(message(e));
      });
    return () => {
      current = false;
    };
  }, [spec.box, spec.status, tick, setError]);
  const take = (d: BlacklistListedDispute, step: Step) => {
    send(
      () => call('POST', `/v1/blacklist/disputes/${encodeURIComponent(d.disputeId)}/steps`, step),
      () => {
        stepped(b('disputeStepped', { id: d.disputeId, action: codeText(locale, step.action) }));
      },
    );
  };
  const actions = (d: BlacklistListedDispute) => {
    if (!mayDo(ctx, spec.box === 'to-vote' ? 'VOTE' : 'DISPUTE_STEP')) return [];
    const act = (key: BlacklistKey, step: Step) => (
      <RowAction
        key={key}
        text={b(key)}
        act={() => {
          take(d, step);
        }}
      />
    );
    if (spec.box === 'against-us')
      return [
        ...(d.status === 'AWAITING_ANSWER'
          ? [
              <RowAction
                key="maintain"
                text={b('maintain')}
                act={() => {
                  if (!/^[0-9a-f]{64}$/.test(evidenceHash)) setError(b('evidenceHashNeeded'));
                  else take(d, { action: 'MAINTAIN', evidenceHash });
                }}
              />,
            ]
          : []),
        act('retract', { action: 'RETRACT' }),
      ];
    if (spec.box === 'opened-by-us')
      return d.status === 'MAINTAINED'
        ? [act('contest', { action: 'CONTEST' }), act('withdraw', { action: 'WITHDRAW' })]
        : d.status === 'AWAITING_ANSWER'
          ? [act('withdraw', { action: 'WITHDRAW' })]
          : [];
    return [
      act('voteRevoke', { action: 'VOTE', vote: 'REVOKE' }),
      act('voteUphold', { action: 'VOTE', vote: 'UPHOLD' }),
    ];
  };
  return (
    <section aria-label={b(spec.title)} data-testid={`disputes-${spec.box}`}>
      <h3>
        {b(spec.title)} {list && <span className="badge">{formatInteger(locale, list.total)}</span>}
      </h3>
      <p className="help">{b(spec.help)}</p>
      {spec.box === 'against-us' && (
        <TextField
          label={b('evidenceHash')}
          name="evidenceHash"
          pattern="[0-9a-f]{64}"
          size={40}
          trimmed
          value={evidenceHash}
          onChange={(v) => {
            setEvidenceHash(v.toLowerCase());
          }}
        />
      )}
      <ErrorBox error={error} />
      {list && list.items.length === 0 && <p>{b('noDisputes')}</p>}
      {list && list.items.length > 0 && (
        <Table
          b={b}
          label={b(spec.title)}
          headers={['disputeId', spec.other, 'category', 'status', 'deadline', 'openedAt', 'subjectKey', '']}
          items={list.items}
          rowKey={(d) => d.disputeId}
          row={(d) => (
            <>
              <td className="mono small">{d.disputeId}</td>
              <td>{institutionName(locale, d[spec.other])}</td>
              <td>{codeText(locale, d.category)}</td>
              <td>
                <span className="badge">{codeText(locale, d.status)}</span>
              </td>
              <td title={b('ledgerDayHelp')}>
                {d.deadline === null ? '—' : b('ledgerDay', { day: d.deadline })}
              </td>
              <td>{formatDateTime(locale, INSTITUTION_TIME_ZONE, d.openedAt, 'short')}</td>
              <td className="mono small" title={d.subjectKey}>
                {d.subjectKey.slice(0, 12)}…
              </td>
              <td className="row">{busy ? '…' : actions(d)}</td>
            </>
          )}
        />
      )}
    </section>
  );
}

export function BlacklistDisputes({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const [tick, setTick] = useState(0);
  const [done, setDone] = useState<string>();
  const stepped = (text: string) => {
    setDone(text);
    setTick((n) => n + 1);
  };
  return (
    <section aria-label={b('tabDisputes')}>
      <p className="help">{b('disputesHelp')}</p>
      <Done text={done} />
      {BOXES.map((spec) => (
        <DisputeBoxView key={spec.box} ctx={ctx} b={b} spec={spec} tick={tick} stepped={stepped} />
      ))}
    </section>
  );
}

/**
 * Opens a dispute about an entry another member listed (from a search result), on a subject's behalf: the hash of
 * the subject's signed request, and an id chosen here (the idempotency key of the transaction).
 */
export function DisputeOpener({
  ctx,
  b,
  entry,
  close,
}: {
  readonly ctx: Ctx;
  readonly b: BlacklistText;
  readonly entry: ResultEntry;
  readonly close: () => void;
}) {
  const [requestHash, setRequestHash] = useState('');
  const [disputeId] = useState(() => `d-${crypto.randomUUID()}`);
  const [opened, setOpened] = useState(false);
  const { busy, error, send } = useSending();
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    send(
      () =>
        call('POST', '/v1/blacklist/disputes', {
          disputeId,
          subjectKey: entry.subjectKey,
          uploader: entry.uploader,
          category: entry.category,
          requestHash,
        }),
      () => {
        setOpened(true);
      },
    );
  };
  const title = b('disputeEntry', {
    uploader: institutionName(ctx.locale, entry.uploader),
    category: codeText(ctx.locale, entry.category),
  });
  if (opened)
    return (
      <p className="notice" role="status">
        {b('disputeOpened', { id: disputeId })}{' '}
        <a href={hrefOf({ name: 'blacklist', tab: 'disputes' })} onClick={close}>
          {b('showDisputes')}
        </a>
      </p>
    );
  return (
    <form className="inline" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      <TextField
        label={b('requestHash')}
        name="requestHash"
        pattern="[0-9a-f]{64}"
        size={40}
        required
        trimmed
        value={requestHash}
        onChange={(v) => {
          setRequestHash(v.toLowerCase());
        }}
      />
      <p className="help small">{b('requestHashHelp')}</p>
      <button type="submit" disabled={busy}>
        {b('openDispute')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
