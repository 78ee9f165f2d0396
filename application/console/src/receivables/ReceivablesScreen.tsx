// Supply-chain receivables (issue 20): one screen, a tab per task, the tab in the URL (#/receivables/<tab>). Lists
// come from the node's index (GET /v1/receivables/records, /tree); every change goes to the ledger through the
// node, which refuses what the chaincode refuses, with its code.
import { useCallback, useEffect, useState, type ReactNode, type SyntheticEvent } from 'react';

import { formatDate, formatList, formatMoney } from '../format';
import { hrefOf, type ReceivablesTab } from '../route';
import { ErrorBox, message, type Ctx } from '../ui';
import {
  call,
  enterpriseOf,
  labelOf,
  listRecords,
  newId,
  tokenTree,
  type Kind,
  type ListPage,
  type Listed,
  type Me,
  type Part,
  type Tree,
} from './receivablesApi';
import { receivablesCode, receivablesText, type ReceivablesText } from './receivablesMessages';
import { PolicyView } from './PolicyView';
import { TokenTreeGraph } from './TokenTreeGraph';

const TABS: readonly { readonly tab: ReceivablesTab; readonly label: Parameters<ReceivablesText>[0] }[] = [
  { tab: 'wallet', label: 'tabWallet' },
  { tab: 'tokens', label: 'tabTokens' },
  { tab: 'financing', label: 'tabFinancing' },
  { tab: 'maturity', label: 'tabMaturity' },
];

/** The member banks an enterprise may offer a part to (the receivables collection's banks). */
const BANKS = ['BankAMSP', 'BankBMSP'] as const;

interface Page {
  readonly ctx: Ctx;
  readonly r: ReceivablesText;
  readonly me: Me;
  /** Bumped after each change (twice: the index follows the ledger a moment later). */
  readonly tick: number;
  readonly changed: () => void;
}

export function ReceivablesScreen({ ctx, tab }: { readonly ctx: Ctx; readonly tab: ReceivablesTab }) {
  const r = receivablesText(ctx.locale);
  const [me, setMe] = useState<Me>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const changed = useCallback(() => {
    for (const ms of [300, 1500])
      setTimeout(() => {
        setTick((n) => n + 1);
      }, ms);
  }, []);
  useEffect(() => {
    call<Me>('GET', '/v1/receivables/me')
      .then(setMe)
      .catch((e: unknown) => {
        setError(message(e));
      });
  }, []);
  const roles = me
    ? formatList(
        ctx.locale,
        me.roles.map((x) => receivablesCode(ctx.locale, x)),
      )
    : '';
  return (
    <section aria-labelledby="receivables-title">
      <h2 id="receivables-title">{r('title')}</h2>
      <nav aria-label={r('tabs')} className="row">
        {TABS.map((t) => (
          <PageLink key={t.tab} tab={t.tab} current={t.tab === tab} label={r(t.label)} />
        ))}
        <button
          type="button"
          onClick={() => {
            setTick((n) => n + 1);
          }}
        >
          {r('refresh')}
        </button>
      </nav>
      <ErrorBox error={error} />
      {me && (
        <p className="help" data-testid="receivables-me">
          {me.roles.includes('auditor')
            ? r('auditorView')
            : me.party === null
              ? r('noRole')
              : r('whoAmI', { party: me.party, roles })}
        </p>
      )}
      {me && (me.party !== null || me.roles.includes('auditor')) && (
        <>
          {tab === 'wallet' && <Wallet ctx={ctx} r={r} me={me} tick={tick} changed={changed} />}
          {tab === 'tokens' && (
            <>
              <TokensAndTrades ctx={ctx} r={r} me={me} tick={tick} changed={changed} />
              <PolicyView ctx={ctx} r={r} tick={tick} />
            </>
          )}
          {tab === 'financing' && <FinancingView ctx={ctx} r={r} me={me} tick={tick} changed={changed} />}
          {tab === 'maturity' && <Maturity ctx={ctx} r={r} me={me} tick={tick} changed={changed} />}
        </>
      )}
    </section>
  );
}

/** A link to one of the pages, marked when it is the page shown. */
function PageLink({ tab, current, label }: { tab: ReceivablesTab; current: boolean; label: string }) {
  const href = hrefOf({ name: 'receivables', tab });
  return (
    <a className="nav" href={href} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}

/** The header's link to the receivables pages, in their own words. */
export function ReceivablesNavLink({
  locale,
  active,
}: {
  readonly locale: Ctx['locale'];
  readonly active: boolean;
}) {
  return <PageLink tab="wallet" current={active} label={receivablesText(locale)('nav')} />;
}

// ---- shared pieces ---------------------------------------------------------------------------------------------

function useRecords(kind: Kind, filters: Readonly<Record<string, string>>, tick: number) {
  const [page, setPage] = useState<ListPage>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(filters);
  useEffect(() => {
    let current = true;
    listRecords(kind, JSON.parse(key) as Record<string, string>)
      .then((p) => {
        if (current) setPage(p);
      })
      .catch((e: unknown) => {
        if (current) setError(message(e));
      });
    return () => {
      current = false;
    };
  }, [kind, key, tick]);
  return { items: page?.items ?? [], loaded: page !== undefined, error };
}

/** A change sent to the node: its outcome as a notice, or the refusal in the locale's words. */
function useAction(changed: () => void) {
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = (work: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    work()
      .then((text) => {
        setNotice(text);
        changed();
      })
      .catch((e: unknown) => {
        setError(message(e));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  const view = (
    <>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <ErrorBox error={error} />
    </>
  );
  return { run, busy, view };
}

type Action = ReturnType<typeof useAction>;

/** A button that sends one change (disabled while one is on its way). */
function ActionButton({
  act,
  label,
  work,
  disabled = false,
}: {
  readonly act: Action;
  readonly label: string;
  readonly work: () => Promise<string>;
  readonly disabled?: boolean;
}) {
  return (
    <button
      type="button"
      disabled={act.busy || disabled}
      onClick={() => {
        act.run(work);
      }}
    >
      {label}
    </button>
  );
}

interface FieldSpec {
  readonly key: string;
  readonly label: string;
  readonly pattern?: string;
  readonly required?: boolean;
  readonly type?: 'text' | 'date';
  /** A choice among these instead of free text. */
  readonly options?: readonly string[];
}

/** A form that sends one change: its fields, its submit (and cancel), the outcome or the refusal. */
function ActionForm({
  name,
  title,
  help,
  fields,
  initial,
  submit,
  send,
  onDone,
  cancel,
}: {
  /** The form's accessible name (its title when absent). */
  readonly name?: string;
  readonly title: string;
  readonly help?: string;
  readonly fields: readonly FieldSpec[];
  readonly initial: Readonly<Record<string, string>>;
  readonly submit: string;
  readonly send: (values: Readonly<Record<string, string>>) => Promise<string>;
  readonly onDone: () => void;
  readonly cancel?: { readonly label: string; readonly onCancel: () => void };
}) {
  const [values, setValues] = useState(initial);
  const act = useAction(onDone);
  return (
    <form
      aria-label={name ?? title}
      onSubmit={(e) => {
        e.preventDefault();
        act.run(() => send(values));
      }}
    >
      <h3>{title}</h3>
      {help !== undefined && <p className="help">{help}</p>}
      <div className="inline">
        {fields.map((x) => {
          const set = (v: string) => {
            setValues((old) => ({ ...old, [x.key]: v }));
          };
          return x.options ? (
            <label className="field" key={x.key}>
              {x.label}
              <select
                value={values[x.key] ?? ''}
                onChange={(e) => {
                  set(e.target.value);
                }}
              >
                {x.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <Field
              key={x.key}
              label={x.label}
              value={values[x.key] ?? ''}
              onChange={set}
              {...(x.pattern === undefined ? {} : { pattern: x.pattern })}
              {...(x.required === undefined ? {} : { required: x.required })}
              {...(x.type === undefined ? {} : { type: x.type })}
            />
          );
        })}
        <button type="submit" disabled={act.busy}>
          {submit}
        </button>
        {cancel && (
          <button type="button" onClick={cancel.onCancel}>
            {cancel.label}
          </button>
        )}
      </div>
      {act.view}
    </form>
  );
}

/** A split's or transfer's output fields: to whom (a split: oneself), how much, against which trade (optional). */
const OUTPUT_FIELDS = [
  ['to', 'outputTo', '^[0-9A-Z]{18}@[A-Za-z0-9.-]+$'],
  ['amountMinor', 'outputAmount', '^[0-9]+$'],
  ['tradeId', 'outputTrade', undefined],
] as const;

/** What a form about one part takes. */
interface PartForm {
  readonly r: ReceivablesText;
  readonly part: Part;
  readonly onDone: () => void;
  readonly onCancel: () => void;
}

const DIGITS = '^[0-9]+$';
const ENTERPRISE = '^[0-9A-Z]{18}@[A-Za-z0-9.-]+$';
const CURRENCY = '^[A-Z]{3}$';
const HEX = '^[0-9a-f]{64}$';

interface Step<T> {
  readonly txId: string;
  readonly result: T;
}

const money = (ctx: Ctx, amountMinor: string, currency: string | null) =>
  formatMoney(ctx.locale, amountMinor, currency ?? 'CNY');

/** The flag every view shows for a term over six months. */
function LongTerm({
  r,
  on,
  reason,
}: {
  readonly r: ReceivablesText;
  readonly on: boolean;
  readonly reason?: string;
}) {
  if (!on) return null;
  return (
    <span className="badge" title={reason === undefined ? undefined : r('longTermHelp', { reason })}>
      {' '}
      ⚑ {r('longTerm')}
    </span>
  );
}

function Field({
  label,
  value,
  onChange,
  required = true,
  pattern,
  type = 'text',
}: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (v: string) => void;
  readonly required?: boolean;
  readonly pattern?: string;
  readonly type?: 'text' | 'date';
}) {
  return (
    <label className="field">
      {label}
      <input
        type={type}
        value={value}
        required={required}
        pattern={pattern}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
    </label>
  );
}

function Table({
  caption,
  head,
  children,
  empty,
  testId,
}: {
  readonly caption: string;
  readonly head: readonly string[];
  readonly children: ReactNode[];
  readonly empty: string;
  readonly testId: string;
}) {
  return (
    <table data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {children.length > 0 ? (
          children
        ) : (
          <tr>
            <td colSpan={head.length}>{empty}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

const partOf = (x: Listed): Part | undefined => (x.kind === 'PART' ? x.record : undefined);

// ---- My parts: the wallet, the trace, split and transfer, offers --------------------------------------------------

function Wallet({ ctx, r, me, tick, changed }: Page) {
  const mine = useRecords('PART', me.party === null ? {} : { mine: 'true' }, tick);
  const moves = useRecords('MOVE', { status: 'PROPOSED' }, tick);
  const [selected, setSelected] = useState<{ part: Part; what: 'trace' | 'split' | 'offer' }>();
  const act = useAction(changed);
  const finance = me.roles.includes('enterprise-finance');
  const approver = me.roles.includes('enterprise-approver');
  const toSign = moves.items.filter((m) => m.kind === 'MOVE' && m.holder === me.party);
  return (
    <>
      <ErrorBox error={mine.error ?? moves.error} />
      {act.view}
      <Table
        testId="receivables-wallet"
        caption={r('tabWallet')}
        head={[r('part'), r('token'), r('amount'), r('maturity'), r('status'), r('actions')]}
        empty={mine.loaded ? r('none') : r('loading')}
      >
        {mine.items.map((x) => {
          const p = partOf(x);
          if (!p) return null;
          return (
            <tr key={x.id}>
              <td className="mono">{x.id}</td>
              <td className="mono">{p.tokenId}</td>
              <td>{money(ctx, p.amountMinor, p.currency)}</td>
              <td>
                {formatDate(ctx.locale, p.maturityDate)}
                <LongTerm r={r} on={x.longTerm} />
              </td>
              <td>
                {receivablesCode(ctx.locale, p.status)}
                {p.overdueSince !== null &&
                  ` · ${r('overdueSince', { day: formatDate(ctx.locale, p.overdueSince) })}`}
              </td>
              <td className="row">
                <button
                  type="button"
                  onClick={() => {
                    setSelected({ part: p, what: 'trace' });
                  }}
                >
                  {r('trace')}
                </button>
                {finance && p.status === 'HELD' && (
                  <>
                    <button
                      type="button"
                      onClick={() => {
                        setSelected({ part: p, what: 'split' });
                      }}
                    >
                      {r('split')}
                    </button>
                    <button
                      type="button"
                      onClick={() => {
                        setSelected({ part: p, what: 'offer' });
                      }}
                    >
                      {r('offer')}
                    </button>
                  </>
                )}
                {(finance || approver) && p.status === 'OFFERED' && (
                  <ActionButton
                    act={act}
                    label={r('withdraw')}
                    work={async () => {
                      await call('POST', '/v1/receivables/offers/withdraw', { partId: p.partId });
                      return r('withdrawn');
                    }}
                  />
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      {approver && (
        <Table
          testId="receivables-moves-to-sign"
          caption={r('toSign')}
          head={[r('part'), r('amount'), r('actions')]}
          empty={r('none')}
        >
          {toSign.map((m) => (
            <tr key={m.id}>
              <td className="mono">{m.kind === 'MOVE' ? m.record.partId : ''}</td>
              <td>{money(ctx, m.amountMinor, 'CNY')}</td>
              <td>
                <ActionButton
                  act={act}
                  label={`${r('sign')} ${m.id}`}
                  work={async () => {
                    const s = await call<Step<unknown>>('POST', `/v1/receivables/moves/${m.id}/sign`);
                    return r('signed', { tx: s.txId });
                  }}
                />
              </td>
            </tr>
          ))}
        </Table>
      )}
      {selected?.what === 'trace' && <Trace ctx={ctx} r={r} part={selected.part} tick={tick} />}
      {selected?.what === 'split' && (
        <SplitForm
          ctx={ctx}
          r={r}
          part={selected.part}
          onDone={changed}
          onCancel={() => {
            setSelected(undefined);
          }}
        />
      )}
      {selected?.what === 'offer' && (
        <OfferForm
          r={r}
          part={selected.part}
          onDone={changed}
          onCancel={() => {
            setSelected(undefined);
          }}
        />
      )}
    </>
  );
}

/** A part's branch up to the root and the original trade, and the token's tree as the person may see it. */
function Trace({
  ctx,
  r,
  part,
  tick,
}: {
  readonly ctx: Ctx;
  readonly r: ReceivablesText;
  readonly part: Part;
  readonly tick: number;
}) {
  const [tree, setTree] = useState<Tree>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    tokenTree(part.tokenId)
      .then(setTree)
      .catch((e: unknown) => {
        setError(message(e));
      });
  }, [part.tokenId, tick]);
  const parts = new Map<string, Part>();
  for (const x of tree?.parts ?? []) if (x.kind === 'PART') parts.set(x.id, x.record);
  const branch: Part[] = [];
  for (
    let at: Part | undefined = parts.get(part.partId) ?? part;
    at;
    at = at.parentId === null ? undefined : parts.get(at.parentId)
  )
    branch.unshift(at);
  const token = tree?.token?.kind === 'TOKEN' ? tree.token.record : undefined;
  return (
    <section aria-labelledby="receivables-trace" data-testid="receivables-trace">
      <h3 id="receivables-trace">{r('traceTitle', { part: part.partId })}</h3>
      <ErrorBox error={error} />
      {token && (
        <p>
          {r('traceRoot', { token: token.tokenId, issuer: labelOf(token.issuer), trade: token.tradeId })}
          <LongTerm r={r} on={token.longTerm} reason={token.longTermReason ?? undefined} />
        </p>
      )}
      <ol>
        {branch.map((p) => (
          <li key={p.partId}>
            {r('traceStep', {
              part: p.partId,
              amount: money(ctx, p.amountMinor, p.currency),
              holder: labelOf(p.holder),
              status: receivablesCode(ctx.locale, p.status),
              trade: p.tradeId,
            })}
          </li>
        ))}
      </ol>
      <h4>{r('tree')}</h4>
      <p className="help">{r('treeHelp', { token: part.tokenId })}</p>
      {tree && (
        <TokenTreeGraph
          key={`${part.tokenId}:${String(tick)}`}
          ctx={ctx}
          r={r}
          parts={[...parts.values()]}
          issuer={labelOf(token?.issuer ?? part.issuer)}
          current={part.partId}
          money={(amountMinor, currency) => money(ctx, amountMinor, currency)}
        />
      )}
    </section>
  );
}

function SplitForm({ ctx, r, part, onDone, onCancel }: PartForm & { readonly ctx: Ctx }) {
  const own = labelOf(part.holder);
  const [outputs, setOutputs] = useState([{ to: own, amountMinor: part.amountMinor, tradeId: '' }]);
  const act = useAction(onDone);
  const sum = outputs.reduce((s, o) => s + (/^\d+$/.test(o.amountMinor) ? BigInt(o.amountMinor) : 0n), 0n);
  const set = (i: number, field: 'to' | 'amountMinor' | 'tradeId', v: string) => {
    setOutputs((os) => os.map((o, k) => (k === i ? { ...o, [field]: v } : o)));
  };
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    act.run(async () => {
      const moveId = newId('M');
      const s = await call<Step<unknown>>('POST', '/v1/receivables/moves', {
        moveId,
        partId: part.partId,
        outputs: outputs.map((o) => ({
          holder: enterpriseOf(o.to),
          amountMinor: o.amountMinor,
          ...(o.tradeId.trim() === '' ? {} : { tradeId: o.tradeId.trim() }),
        })),
      });
      return r('proposed', { id: moveId, tx: s.txId });
    });
  };
  return (
    <form onSubmit={submit} aria-label={r('split')}>
      <h3>{r('splitTitle', { part: part.partId, amount: money(ctx, part.amountMinor, part.currency) })}</h3>
      <p className="help">{r('splitHelp')}</p>
      {outputs.map((o, i) => (
        <fieldset key={i} className="inline">
          <legend>{r('output', { n: i + 1 })}</legend>
          {OUTPUT_FIELDS.map(([field, label, pattern]) => (
            <Field
              key={field}
              label={r(label)}
              value={o[field]}
              onChange={(v) => {
                set(i, field, v);
              }}
              {...(pattern === undefined ? { required: false } : { pattern })}
            />
          ))}
        </fieldset>
      ))}
      <p className="help" data-testid="outputs-sum">
        {r('outputsSum', {
          sum: money(ctx, sum.toString(), part.currency),
          amount: money(ctx, part.amountMinor, part.currency),
        })}
      </p>
      <div className="row">
        <button
          type="button"
          onClick={() => {
            setOutputs((os) => [...os, { to: own, amountMinor: '0', tradeId: '' }]);
          }}
        >
          {r('addOutput')}
        </button>
        <button type="submit" disabled={act.busy}>
          {r('propose')}
        </button>
        <button type="button" onClick={onCancel}>
          {r('cancel')}
        </button>
      </div>
      {act.view}
    </form>
  );
}

function OfferForm({ r, part, onDone, onCancel }: PartForm) {
  return (
    <ActionForm
      name={r('offer')}
      title={r('offerTitle', { part: part.partId })}
      fields={[
        { key: 'bank', label: r('bank'), options: BANKS },
        { key: 'offerId', label: r('offerId') },
      ]}
      initial={{ bank: BANKS[0], offerId: newId('O') }}
      submit={r('offer')}
      cancel={{ label: r('cancel'), onCancel }}
      onDone={onDone}
      send={async ({ bank = '', offerId = '' }) => {
        await call('POST', '/v1/receivables/offers', { offerId, partId: part.partId, bank });
        return r('offered', { bank, id: offerId });
      }}
    />
  );
}

// ---- Tokens and trades: register and confirm trades, issue under four eyes, accept or decline ----------------------

function TokensAndTrades({ ctx, r, me, tick, changed }: Page) {
  const trades = useRecords('TRADE', {}, tick);
  const tokens = useRecords('TOKEN', {}, tick);
  const act = useAction(changed);
  const [reason, setReason] = useState('');
  const isFinance = me.roles.includes('enterprise-finance');
  const isApprover = me.roles.includes('enterprise-approver');
  return (
    <>
      <ErrorBox error={trades.error ?? tokens.error} />
      {act.view}
      <Table
        testId="receivables-tokens"
        caption={r('tokens')}
        head={[r('token'), r('trade'), r('holder'), r('amount'), r('maturity'), r('status'), r('actions')]}
        empty={tokens.loaded ? r('none') : r('loading')}
      >
        {tokens.items.map((x) => {
          if (x.kind !== 'TOKEN') return null;
          const k = x.record;
          const issuer = labelOf(k.issuer) === me.party;
          const payee = labelOf(k.payee) === me.party;
          return (
            <tr key={x.id}>
              <td className="mono">{k.tokenId}</td>
              <td className="mono">{k.tradeId}</td>
              <td>{labelOf(k.payee)}</td>
              <td>{money(ctx, k.amountMinor, k.currency)}</td>
              <td>
                {formatDate(ctx.locale, k.maturityDate)}
                <LongTerm r={r} on={k.longTerm} reason={k.longTermReason ?? undefined} />
              </td>
              <td>{receivablesCode(ctx.locale, k.status)}</td>
              <td className="row">
                {issuer && isApprover && k.status === 'PROPOSED' && (
                  <ActionButton
                    act={act}
                    label={r('sign')}
                    work={async () => {
                      const s = await call<Step<unknown>>('POST', `/v1/receivables/tokens/${k.tokenId}/sign`);
                      return r('signed', { tx: s.txId });
                    }}
                  />
                )}
                {payee && k.status === 'SIGNED' && (
                  <>
                    <ActionButton
                      act={act}
                      label={r('accept')}
                      work={async () => {
                        await call('POST', `/v1/receivables/tokens/${k.tokenId}/answer`, {
                          decision: 'ACCEPT',
                        });
                        return r('answered', {
                          id: k.tokenId,
                          outcome: receivablesCode(ctx.locale, 'ACCEPTED'),
                        });
                      }}
                    />
                    <label className="field">
                      {r('declineReason')}
                      <input
                        value={reason}
                        onChange={(e) => {
                          setReason(e.target.value);
                        }}
                      />
                    </label>
                    <ActionButton
                      act={act}
                      label={r('decline')}
                      disabled={reason.trim() === ''}
                      work={async () => {
                        await call('POST', `/v1/receivables/tokens/${k.tokenId}/answer`, {
                          decision: 'DECLINE',
                          reason,
                        });
                        return r('answered', {
                          id: k.tokenId,
                          outcome: receivablesCode(ctx.locale, 'DECLINED'),
                        });
                      }}
                    />
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      <Table
        testId="receivables-trades"
        caption={r('trades')}
        head={[r('trade'), r('buyer'), r('seller'), r('amount'), r('dueDate'), r('status'), r('actions')]}
        empty={trades.loaded ? r('none') : r('loading')}
      >
        {trades.items.map((x) => {
          if (x.kind !== 'TRADE') return null;
          const t = x.record;
          return (
            <tr key={x.id}>
              <td className="mono">{t.tradeId}</td>
              <td>{labelOf(t.buyer)}</td>
              <td>{labelOf(t.seller)}</td>
              <td>{money(ctx, t.amountMinor, t.currency)}</td>
              <td>{formatDate(ctx.locale, t.dueDate)}</td>
              <td>{receivablesCode(ctx.locale, t.status)}</td>
              <td>
                {t.status === 'REGISTERED' && labelOf(t.seller) === me.party && (
                  <ActionButton
                    act={act}
                    label={`${r('confirm')} ${t.tradeId}`}
                    work={async () => {
                      await call('POST', `/v1/receivables/trades/${t.tradeId}/confirm`);
                      return r('confirmed', { id: t.tradeId });
                    }}
                  />
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      {isFinance && me.party !== null && <RegisterTrade r={r} me={me} onDone={changed} />}
      {isFinance && me.party !== null && <ProposeIssue r={r} onDone={changed} />}
    </>
  );
}

function RegisterTrade({
  r,
  me,
  onDone,
}: {
  readonly r: ReceivablesText;
  readonly me: Me;
  readonly onDone: () => void;
}) {
  return (
    <ActionForm
      title={r('registerTrade')}
      help={r('hashHelp')}
      fields={[
        { key: 'tradeId', label: r('tradeId') },
        { key: 'seller', label: r('seller'), pattern: ENTERPRISE },
        { key: 'amountMinor', label: r('outputAmount'), pattern: DIGITS },
        { key: 'currency', label: r('currency'), pattern: CURRENCY },
        { key: 'dueDate', label: r('dueDate'), type: 'date' },
        { key: 'invoiceCode', label: r('invoiceCode'), required: false },
        { key: 'invoiceNumber', label: r('invoiceNumber') },
        { key: 'contractHash', label: r('contractHash'), pattern: HEX },
        { key: 'invoiceHash', label: r('invoiceHash'), pattern: HEX },
        { key: 'deliveryNoteHash', label: r('deliveryHash'), pattern: HEX },
      ]}
      initial={{ tradeId: newId('T'), currency: 'CNY' }}
      submit={r('register')}
      onDone={onDone}
      send={async (f) => {
        await call('POST', '/v1/receivables/trades', {
          ...f,
          invoiceCode: f.invoiceCode ?? '',
          buyer: enterpriseOf(me.party ?? ''),
          seller: enterpriseOf(f.seller ?? ''),
        });
        return r('registered', { id: f.tradeId ?? '' });
      }}
    />
  );
}

function ProposeIssue({ r, onDone }: { readonly r: ReceivablesText; readonly onDone: () => void }) {
  return (
    <ActionForm
      title={r('proposeIssue')}
      help={r('termHelp')}
      fields={[
        { key: 'tokenId', label: r('tokenId') },
        { key: 'tradeId', label: r('tradeId') },
        { key: 'amountMinor', label: r('outputAmount'), pattern: DIGITS },
        { key: 'currency', label: r('currency'), pattern: CURRENCY },
        { key: 'maturityDate', label: r('maturity'), type: 'date' },
        { key: 'undertaking', label: r('undertaking') },
        { key: 'longTermReason', label: r('longTermReason'), required: false },
      ]}
      initial={{ tokenId: newId('K'), currency: 'CNY' }}
      submit={r('propose')}
      onDone={onDone}
      send={async ({ longTermReason = '', ...rest }) => {
        await call('POST', '/v1/receivables/tokens', {
          ...rest,
          ...(longTermReason.trim() === '' ? {} : { longTermReason }),
        });
        return r('issueProposed', { id: rest.tokenId ?? '' });
      }}
    />
  );
}

// ---- Financing: the bank's offers and financed book with its maturity calendar ------------------------------------

function FinancingView({ ctx, r, me, tick, changed }: Page) {
  const offered = useRecords('PART', { status: 'OFFERED' }, tick);
  const book = useRecords('FINANCING', { order: 'due' }, tick);
  const act = useAction(changed);
  const [terms, setTerms] = useState({ rateBp: '350', dayCount: 'ACT/360', feeMinor: '0' });
  const financier = me.roles.includes('financier');
  const toAnswer = offered.items.map(partOf).filter((p): p is Part => p?.offer?.bank === me.mspId);
  const months = new Map<string, { n: number; total: bigint; currency: string }>();
  for (const x of book.items) {
    if (x.kind !== 'FINANCING') continue;
    const f = x.record.financing;
    const m = f.maturityDate.slice(0, 7);
    const at = months.get(m) ?? { n: 0, total: 0n, currency: f.currency };
    months.set(m, { n: at.n + 1, total: at.total + BigInt(f.amountMinor), currency: f.currency });
  }
  return (
    <>
      <ErrorBox error={offered.error ?? book.error} />
      {act.view}
      {financier && (
        <Table
          testId="receivables-offers"
          caption={r('offersToAnswer')}
          head={[r('part'), r('holder'), r('amount'), r('maturity'), r('actions')]}
          empty={offered.loaded ? r('none') : r('loading')}
        >
          {toAnswer.map((p) => (
            <tr key={p.partId}>
              <td className="mono">{p.partId}</td>
              <td>{labelOf(p.holder)}</td>
              <td>{money(ctx, p.amountMinor, p.currency)}</td>
              <td>{formatDate(ctx.locale, p.maturityDate)}</td>
              <td>
                <form
                  className="inline"
                  aria-label={`${r('accept')} ${p.partId}`}
                  onSubmit={(e) => {
                    e.preventDefault();
                    act.run(async () => {
                      const s = await call<
                        Step<{ financing: { financing: Record<string, string | number> } | null }>
                      >('POST', '/v1/receivables/financings', {
                        partId: p.partId,
                        offerId: p.offer?.offerId,
                        decision: 'ACCEPT',
                        terms: {
                          rateBp: Number(terms.rateBp),
                          dayCount: terms.dayCount,
                          feeMinor: terms.feeMinor,
                        },
                      });
                      const f = s.result.financing?.financing ?? {};
                      const m = (k: string) => money(ctx, String(f[k] ?? '0'), p.currency);
                      return r('financed', {
                        discount: m('discountMinor'),
                        fee: m('feeMinor'),
                        proceeds: m('proceedsMinor'),
                        days: String(f.days ?? ''),
                        rounding: String(f.rounding ?? ''),
                      });
                    });
                  }}
                >
                  <Field
                    label={r('rateBp')}
                    value={terms.rateBp}
                    onChange={(v) => {
                      setTerms((t) => ({ ...t, rateBp: v }));
                    }}
                    pattern="^[0-9]+$"
                  />
                  <label className="field">
                    {r('dayCount')}
                    <select
                      value={terms.dayCount}
                      onChange={(e) => {
                        setTerms((t) => ({ ...t, dayCount: e.target.value }));
                      }}
                    >
                      <option value="ACT/360">ACT/360</option>
                      <option value="ACT/365F">ACT/365F</option>
                    </select>
                  </label>
                  <Field
                    label={r('fee')}
                    value={terms.feeMinor}
                    onChange={(v) => {
                      setTerms((t) => ({ ...t, feeMinor: v }));
                    }}
                    pattern="^[0-9]+$"
                  />
                  <button type="submit" disabled={act.busy}>
                    {r('accept')}
                  </button>
                  <ActionButton
                    act={act}
                    label={r('decline')}
                    work={async () => {
                      await call('POST', '/v1/receivables/financings', {
                        partId: p.partId,
                        offerId: p.offer?.offerId,
                        decision: 'DECLINE',
                      });
                      return receivablesCode(ctx.locale, 'DECLINED');
                    }}
                  />
                </form>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <Table
        testId="receivables-book"
        caption={r('financedBook')}
        head={[
          r('part'),
          r('seller2'),
          r('amount'),
          r('rate'),
          r('discount'),
          r('fee'),
          r('proceeds'),
          r('financedOn'),
          r('maturity'),
        ]}
        empty={book.loaded ? r('none') : r('loading')}
      >
        {book.items.map((x) => {
          if (x.kind !== 'FINANCING') return null;
          const f = x.record.financing;
          return (
            <tr key={x.id}>
              <td className="mono">{f.partId}</td>
              <td>{labelOf(f.seller)}</td>
              <td>{money(ctx, f.amountMinor, f.currency)}</td>
              <td>{`${String(f.rateBp)} bp ${f.dayCount}`}</td>
              <td>{money(ctx, f.discountMinor, f.currency)}</td>
              <td>{money(ctx, f.feeMinor, f.currency)}</td>
              <td>{money(ctx, f.proceedsMinor, f.currency)}</td>
              <td>{formatDate(ctx.locale, f.financedOn)}</td>
              <td>
                {formatDate(ctx.locale, f.maturityDate)}
                <LongTerm r={r} on={x.longTerm} />
              </td>
            </tr>
          );
        })}
      </Table>
      <Table
        testId="receivables-calendar"
        caption={r('calendar')}
        head={[r('month'), r('parts'), r('total')]}
        empty={r('none')}
      >
        {[...months.entries()].map(([m, v]) => (
          <tr key={m}>
            <td>{m}</td>
            <td>{v.n}</td>
            <td>{money(ctx, v.total.toString(), v.currency)}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}

// ---- Maturity: the core enterprise pays every holder; payments ------------------------------------------------------

function Maturity({ ctx, r, me, tick, changed }: Page) {
  const due = useRecords('PART', { order: 'due', status: 'HELD,OFFERED,FINANCED,OVERDUE' }, tick);
  const payments = useRecords('PAYMENT', {}, tick);
  const [paying, setPaying] = useState<Part>();
  const issued = due.items
    .map(partOf)
    .filter((p): p is Part => p !== undefined && labelOf(p.issuer) === me.party);
  return (
    <>
      <ErrorBox error={due.error ?? payments.error} />
      <p className="help">{r('duePartsHelp')}</p>
      <Table
        testId="receivables-due"
        caption={r('dueParts')}
        head={[r('part'), r('holder'), r('amount'), r('maturity'), r('status'), r('actions')]}
        empty={due.loaded ? r('none') : r('loading')}
      >
        {issued.map((p) => (
          <tr key={p.partId}>
            <td className="mono">{p.partId}</td>
            <td>{labelOf(p.holder)}</td>
            <td>{money(ctx, (BigInt(p.amountMinor) - BigInt(p.paidMinor)).toString(), p.currency)}</td>
            <td>{formatDate(ctx.locale, p.maturityDate)}</td>
            <td>{receivablesCode(ctx.locale, p.status)}</td>
            <td>
              {me.roles.includes('enterprise-finance') && (
                <button
                  type="button"
                  onClick={() => {
                    setPaying(p);
                  }}
                >
                  {r('pay')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      {paying && (
        <PayForm
          r={r}
          part={paying}
          onDone={changed}
          onCancel={() => {
            setPaying(undefined);
          }}
        />
      )}
      <Table
        testId="receivables-payments"
        caption={r('payments')}
        head={[r('paymentId'), r('part'), r('payee'), r('amount'), r('valueDate'), r('status')]}
        empty={payments.loaded ? r('none') : r('loading')}
      >
        {payments.items.map((x) =>
          x.kind !== 'PAYMENT' ? null : (
            <tr key={x.id}>
              <td className="mono">{x.id}</td>
              <td className="mono">{x.record.partId}</td>
              <td>{labelOf(x.record.payee)}</td>
              <td>{money(ctx, x.record.amountMinor, x.record.currency)}</td>
              <td>{formatDate(ctx.locale, x.record.valueDate)}</td>
              <td>
                {receivablesCode(ctx.locale, x.status)}
                <LongTerm r={r} on={x.longTerm} />
              </td>
            </tr>
          ),
        )}
      </Table>
    </>
  );
}

function PayForm({ r, part, onDone, onCancel }: PartForm) {
  return (
    <ActionForm
      name={r('pay')}
      title={r('payTitle', { part: part.partId })}
      fields={[
        { key: 'paymentId', label: r('paymentId') },
        { key: 'amountMinor', label: r('outputAmount'), pattern: DIGITS },
        { key: 'reference', label: r('reference') },
        { key: 'payerAccount', label: r('payerAccount') },
        { key: 'payeeAccount', label: r('payeeAccount') },
      ]}
      initial={{
        paymentId: newId('P'),
        amountMinor: (BigInt(part.amountMinor) - BigInt(part.paidMinor)).toString(),
      }}
      submit={r('pay')}
      cancel={{ label: r('cancel'), onCancel }}
      onDone={onDone}
      send={async (f) => {
        const s = await call<Step<{ outcome: string }>>('POST', '/v1/receivables/payments', {
          ...f,
          partId: part.partId,
        });
        return r('paid', { id: f.paymentId ?? '', outcome: s.result.outcome });
      }}
    />
  );
}
