import { useCallback, useEffect, useId, useState, type SyntheticEvent } from 'react';

import {
  ApiFailure,
  call,
  type BreakRecord,
  type IndexedEvent,
  type OpenCase,
  type SealedBreak,
  type User,
} from './api';
import { Attachments } from './Attachments';
import { CorrectLeg, offersCorrection, SupersededLegs } from './CorrectLeg';
import { formatDate, formatDateTime, formatList, formatMoney } from './format';
import { codeLabel, institutionName, type Translate } from './i18n';
import { legColumns } from './legColumns';
import { legDifference } from './legDifference';
import { usePeople } from './people';
import { hrefOf } from './route';
import { ErrorBox, Fact, message, Select, type Ctx } from './ui';
import { parseRoles, type Actor, type Role } from '../../../chaincode/src/core/actor';
import {
  allowedActions,
  COMMENT_REQUIRED,
  RESOLUTION_KINDS,
  type PersonAction,
} from '../../../chaincode/src/core/breakMachine';
import { missingProposalFields, ROOT_CAUSES } from '../../../chaincode/src/core/rootCause';
import { dayIn, endOfDayIn } from './dueDate';
import { MATCH_FIELDS } from '../../../chaincode/src/core/leg';
import { liveLegs } from '../../../chaincode/src/core/matching';

// The closed lists come from the chaincode's pure core, so the console offers exactly what the ledger accepts.
const KINDS = RESOLUTION_KINDS;
const LEG_FIELDS = MATCH_FIELDS;

/** A break opened with its payment reference: the record, its case with the legs, and the reference itself. */
interface Opened {
  readonly brk: BreakRecord;
  readonly kase: OpenCase;
  readonly reference: string;
}

/** What an action sends besides the reference: a comment, an assignee, a resolution kind. */
type ActionBody = Readonly<Record<string, unknown>>;

/**
 * One break: its public facts and timeline at once, its legs side by side once the case is opened, and the
 * actions the core allows the person now.
 */
export function BreakDetail({ ctx, breakId }: { readonly ctx: Ctx; readonly breakId: string }) {
  const { t } = ctx;
  const people = usePeople();
  const { brk, escalated, opened, needReference, load, error, setError } = useBreakCase(
    breakId,
    ctx.live.last,
  );
  const { busy, notice, act } = useBreakAction(breakId, opened, load, setError);
  const open = (reference: string) => {
    setError(undefined);
    load(reference.trim()).catch((err: unknown) => {
      setError(message(err));
    });
  };

  // Before the reference is given: the break's public facts and timeline from the ledger (comments stay sealed).
  const sealed = !opened;
  return (
    <section aria-labelledby="break-title">
      <p className="crumbs">
        <a href={hrefOf({ name: 'queue' })}>{t('backToQueue')}</a> ·{' '}
        <a href={hrefOf({ name: 'audit', kind: 'break', id: breakId })}>{t('breakProvenance')}</a>
      </p>
      <h2 id="break-title">
        {t('breakTitle')} <span className="mono">{breakId}</span>
      </h2>
      {needReference && !opened && <ReferenceForm t={t} onOpen={open} />}
      <ErrorBox error={error} />
      {notice && (
        <p role="status" className="notice">
          {t('done')}
        </p>
      )}
      {brk && (
        <>
          <BreakFacts ctx={ctx} brk={brk} escalated={escalated} />
          {sealed && <p className="help">{t('openToSee')}</p>}
          {opened && <LegsSideBySide ctx={ctx} brk={opened.brk} legs={liveLegs(opened.kase.legs)} />}
          {opened && <SupersededLegs locale={ctx.locale} legs={opened.kase.legs} />}
          <BreakTimeline ctx={ctx} brk={brk} sealed={sealed} />
          <Attachments
            ctx={ctx}
            breakId={breakId}
            canAttach={opened !== undefined && mayAttach(ctx, opened.brk)}
            changed={ctx.live.last}
          />
          <h3>{t('actions')}</h3>
          <p role="status" className="help next-step" data-testid="next-step">
            {nextStep(ctx, brk)}
          </p>
          {opened && <BreakActions ctx={ctx} brk={opened.brk} busy={busy} people={people} onAct={act} />}
          {opened && offersCorrection(opened.brk, ctx.user.mspId, ctx.user.roles) && (
            <CorrectLeg
              locale={ctx.locale}
              mspId={ctx.user.mspId}
              legs={opened.kase.legs}
              onPosted={() => {
                load(opened.reference).catch(() => undefined);
              }}
            />
          )}
        </>
      )}
    </section>
  );
}

/**
 * The break as the screen shows it: its public record at once; with its case once the reference is known (the
 * node's, or the one the person pastes); loaded again when the live stream says the break changed.
 */
function useBreakCase(breakId: string, last: IndexedEvent | undefined) {
  const [opened, setOpened] = useState<Opened>();
  const [error, setError] = useState<string>();

  const [publicBrk, setPublicBrk] = useState<BreakRecord>();
  const [escalated, setEscalated] = useState<boolean>();
  const loadPublic = useCallback(() => {
    call<BreakRecord | SealedBreak>('GET', `/v1/breaks/${encodeURIComponent(breakId)}`)
      .then((b) => {
        setPublicBrk(unnamed(b));
        setEscalated(b.escalated);
      })
      .catch((err: unknown) => {
        setError(message(err));
      });
  }, [breakId]);
  useEffect(loadPublic, [loadPublic]);
  const caseId = publicBrk?.caseId;

  const load = useCallback(
    async (ref: string) => {
      const [brk, kase] = await Promise.all([
        call<BreakRecord>('POST', `/v1/breaks/${encodeURIComponent(breakId)}/open`, { reference: ref }),
        // the break's own case: a reference has one case per route declared for it
        call<OpenCase>('POST', '/v1/cases/open', {
          reference: ref,
          ...(caseId === undefined ? {} : { caseId }),
        }),
      ]);
      setOpened({ brk, kase, reference: ref });
    },
    [breakId, caseId],
  );

  // The node opens the case itself when it holds the reference (one of the institution's own legs is in it, or
  // someone here gave the reference before); only otherwise does the person paste it, once.
  const [needReference, setNeedReference] = useState(false);
  useEffect(() => {
    if (caseId === undefined || opened !== undefined) return;
    let current = true;
    // The case comes with its reference: only the break is still to open (load would open the case again).
    call<OpenCase>('POST', '/v1/cases/open', { caseId })
      .then(async (kase) => {
        const brk = await call<BreakRecord>('POST', `/v1/breaks/${encodeURIComponent(breakId)}/open`, {
          reference: kase.reference,
        });
        if (current) setOpened({ brk, kase, reference: kase.reference });
      })
      .catch((err: unknown) => {
        if (!current) return;
        if (err instanceof ApiFailure && err.code === 'REFERENCE_NEEDED') setNeedReference(true);
        else setError(message(err));
      });
    return () => {
      current = false;
    };
  }, [caseId, opened, breakId]);

  // Another person (here or at a counterparty) acted on this break: show the new state without a reload.
  const openedReference = opened?.reference;
  useEffect(() => {
    if (!last?.breaks.some((b) => b.breakId === breakId)) return;
    // The public read carries the escalation by the ledger's time: read again with every change.
    loadPublic();
    if (openedReference !== undefined) load(openedReference).catch(() => undefined);
  }, [last, breakId, openedReference, load, loadPublic]);

  return { brk: opened?.brk ?? publicBrk, escalated, opened, needReference, load, error, setError };
}

const NOBODY = { mspId: '', id: '', name: '' };

/**
 * The break as the node answers it before it is opened: as the ledger holds it (persons sealed) when the node
 * holds no reference of its case; shown with nobody named until the person gives the reference.
 */
function unnamed(b: BreakRecord | SealedBreak): BreakRecord {
  if (!('people' in b)) return b;
  const { people: _people, proposal, timeline, ...facts } = b;
  return {
    ...facts,
    ...(proposal ? { proposal: { ...proposal, proposer: NOBODY } } : {}),
    timeline: timeline.map(({ people: _p, ...e }) => ({ ...e, actor: NOBODY })),
  };
}

/** Sends one action on the opened break, then shows the break as the ledger now has it with a notice. */
function useBreakAction(
  breakId: string,
  opened: Opened | undefined,
  load: (reference: string) => Promise<void>,
  setError: (error: string | undefined) => void,
) {
  const [notice, setNotice] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = (action: string, body: ActionBody, committed: () => void) => {
    if (!opened) return;
    setBusy(true);
    setError(undefined);
    setNotice(false);
    call('POST', `/v1/breaks/${encodeURIComponent(breakId)}/${action}`, {
      reference: opened.reference,
      ...body,
    })
      .then(async () => {
        committed();
        // The notice comes with the break as the ledger now has it, so what it says and what shows agree; a
        // failed reload still reports the committed action (the live stream brings the new state later).
        await load(opened.reference).catch(() => undefined);
        setNotice(true);
      })
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return { busy, notice, act };
}

/** The form for the payment reference, when the node does not hold it: typed or pasted, never kept. */
function ReferenceForm({
  t,
  onOpen,
}: {
  readonly t: Translate;
  readonly onOpen: (reference: string) => void;
}) {
  const refId = useId();
  const [reference, setReference] = useState('');
  const open = (e: SyntheticEvent) => {
    e.preventDefault();
    onOpen(reference);
  };
  return (
    <form onSubmit={open} className="inline">
      <label htmlFor={refId}>{t('reference')}</label>
      <input
        id={refId}
        name="reference"
        aria-describedby={`${refId}-help`}
        autoComplete="off"
        required
        value={reference}
        onChange={(e) => {
          setReference(e.target.value);
        }}
      />
      <button type="submit">{t('open')}</button>
      <p id={`${refId}-help`} className="help">
        {t('referenceHelp')}
      </p>
    </form>
  );
}

function BreakFacts({
  ctx,
  brk,
  escalated,
}: {
  readonly ctx: Ctx;
  readonly brk: BreakRecord;
  /** The node's verdict by the ledger's time (GET /breaks/{id}, from its index); undefined without an index. */
  readonly escalated: boolean | undefined;
}) {
  const { t, locale, timeZone } = ctx;
  return (
    <dl className="facts">
      <Fact label={t('reason')}>{codeLabel(locale, brk.reason)}</Fact>
      <Fact label={t('status')}>
        <span data-testid="break-status">{codeLabel(locale, brk.status)}</span>
      </Fact>
      <Fact label={t('caseId')}>
        <span className="mono">{brk.caseId}</span>
      </Fact>
      <Fact label={t('opened')}>{formatDateTime(locale, timeZone, brk.openedAt)}</Fact>
      <Fact label={t('assignee')}>
        {brk.assignee ? `${brk.assignee.name} (${institutionName(locale, brk.assignee.mspId)})` : t('none')}
      </Fact>
      <Fact label={t('proposal')}>
        {brk.proposal
          ? `${codeLabel(locale, brk.proposal.kind)} · ${brk.proposal.proposer.name}${
              brk.proposal.approver ? ` → ${brk.proposal.approver.name}` : ''
            }`
          : t('none')}
      </Fact>
      <Fact label={t('rootCause')}>
        <span data-testid="root-cause">
          {(brk.rootCause ?? brk.proposal?.rootCause) === undefined
            ? t('none')
            : codeLabel(locale, brk.rootCause ?? brk.proposal?.rootCause ?? '')}
        </span>
      </Fact>
      {brk.dueAt !== undefined && (
        <Fact label={t('dueAt')}>
          <span data-testid="due-at">{formatDateTime(locale, timeZone, brk.dueAt)}</span>
          {/* escalated by the ledger's time (the index's newest transaction), as the queue says: never this browser's clock */}
          {escalated === true && brk.status !== 'RESOLVED' && (
            <strong className="badge" data-testid="escalated">
              {' '}
              {t('escalated')}
            </strong>
          )}
        </Fact>
      )}
      <Fact label={t('acceptedBy')}>
        {brk.acceptedBy.length
          ? formatList(
              locale,
              brk.acceptedBy.map((m) => institutionName(locale, m)),
            )
          : t('none')}
      </Fact>
      <Fact label={t('parties')}>
        {formatList(
          locale,
          brk.parties.map((m) => institutionName(locale, m)),
        )}
      </Fact>
    </dl>
  );
}

/** The case's legs in columns, one row per matched field; a field the break names or the legs disagree on is marked. */
function LegsSideBySide({
  ctx,
  brk,
  legs,
}: {
  readonly ctx: Ctx;
  readonly brk: BreakRecord;
  readonly legs: OpenCase['legs'];
}) {
  const { t, locale } = ctx;
  // An open break marks the fields its finding names; once resolved, only fields the legs still differ on.
  const differing = new Set<string>(brk.status === 'RESOLVED' ? [] : (brk.detail.fields ?? []));
  for (const f of LEG_FIELDS) {
    if (new Set(legs.map((l) => l.detail[f])).size > 1) differing.add(f);
  }
  // A missing leg's stop has its column, empty; a leg that repeats an earlier one says so.
  const columns = legColumns(legs, brk);
  const columnKey = (c: (typeof columns)[number]) =>
    c.kind === 'leg' ? `${c.leg.mspId}:${c.leg.legId}` : `missing:${c.mspId}:${c.role}`;
  return (
    <>
      <h3>{t('legs')}</h3>
      <table className="legs">
        <thead>
          <tr>
            <th scope="col">{t('field')}</th>
            {columns.map((c) => (
              <th scope="col" key={columnKey(c)} className={c.kind === 'missing' ? 'differs' : undefined}>
                {institutionName(locale, c.kind === 'leg' ? c.leg.mspId : c.mspId)}
                <br />
                {c.kind === 'leg' ? (
                  <span className="mono small">{c.leg.legId}</span>
                ) : (
                  <span className="badge">{t('noLegPosted')}</span>
                )}
                {c.kind === 'leg' && c.duplicateOf !== undefined && (
                  <>
                    <br />
                    <span className="badge">{t('duplicateOf', { id: c.duplicateOf })}</span>
                  </>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {LEG_FIELDS.map((f) => (
            <tr key={f} className={differing.has(f) ? 'differs' : undefined}>
              <th scope="row">
                {codeLabel(locale, f)}
                {differing.has(f) && <span className="badge"> {t('differs')}</span>}
              </th>
              {columns.map((c) => {
                if (c.kind === 'missing') return <td key={columnKey(c)}>{t('none')}</td>;
                const l = c.leg;
                return (
                  <td key={columnKey(c)}>
                    {f === 'amountMinor'
                      ? formatMoney(locale, l.detail.amountMinor, l.detail.currency)
                      : f === 'valueDate'
                        ? formatDate(locale, l.detail.valueDate)
                        : f === 'outcome'
                          ? codeLabel(locale, l.detail.outcome)
                          : l.detail[f]}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <LegDifferenceFacts ctx={ctx} legs={legs} />
    </>
  );
}

/** Which leg stands apart and by how much (amount, value date), under the legs side by side. */
function LegDifferenceFacts({ ctx, legs }: { readonly ctx: Ctx; readonly legs: OpenCase['legs'] }) {
  const { t, locale } = ctx;
  const d = legDifference(legs, LEG_FIELDS);
  const oddOnes = [
    ...new Set(Object.values(d.odd).flatMap((ls) => ls.map((l) => institutionName(locale, l.mspId)))),
  ];
  if (oddOnes.length === 0) return null;
  const signed = (n: bigint, text: string) => (n < 0n ? `−${text}` : `+${text}`);
  return (
    <dl className="facts" data-testid="leg-difference">
      <Fact label={t('oddLeg')}>
        {formatList(locale, oddOnes)} (
        {Object.keys(d.odd)
          .map((f) => codeLabel(locale, f))
          .join(', ')}
        )
      </Fact>
      {d.amountDelta && (
        <Fact label={t('amountDifference')}>
          {signed(
            d.amountDelta.deltaMinor,
            formatMoney(
              locale,
              (d.amountDelta.deltaMinor < 0n
                ? -d.amountDelta.deltaMinor
                : d.amountDelta.deltaMinor
              ).toString(),
              d.amountDelta.currency,
            ),
          )}
        </Fact>
      )}
      {d.dateShiftDays && (
        <Fact label={t('dateShift')}>
          {d.dateShiftDays.days > 0 ? '+' : '−'}
          {Math.abs(d.dateShiftDays.days)} {t('daysShift')}
        </Fact>
      )}
    </dl>
  );
}

function BreakTimeline({
  ctx,
  brk,
  sealed,
}: {
  readonly ctx: Ctx;
  readonly brk: BreakRecord;
  readonly sealed: boolean;
}) {
  const { t, locale, timeZone } = ctx;
  return (
    <>
      <h3>{t('timeline')}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('time')}</th>
            <th scope="col">{t('actor')}</th>
            <th scope="col">{t('action')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('comment')}</th>
          </tr>
        </thead>
        <tbody data-testid="timeline">
          {brk.timeline.map((e) => (
            <tr key={e.seq}>
              <td>{formatDateTime(locale, timeZone, e.at)}</td>
              <td>
                {/* an empty actor: matching opened or cleared it, or the persons are still sealed */}
                {e.actor.mspId === '' ? '—' : `${e.actor.name} (${institutionName(locale, e.actor.mspId)})`}
              </td>
              <td>
                {codeLabel(locale, e.action)}
                {e.assignee ? ` → ${e.assignee}` : ''}
                {e.kind ? ` · ${codeLabel(locale, e.kind)}` : ''}
                {e.rootCause ? ` · ${codeLabel(locale, e.rootCause)}` : ''}
                {e.dueAt ? ` → ${formatDateTime(locale, timeZone, e.dueAt)}` : ''}
              </td>
              <td>{codeLabel(locale, e.to)}</td>
              <td>{sealed && e.comment ? <em className="help">{t('sealedComment')}</em> : e.comment}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * What the person may do now, on an opened break. It is the core's own decision (allowedActions: the chaincode's
 * rules, run here on the record the ledger returned), so the console offers exactly what the ledger would take.
 * An action that needs a comment waits for one.
 */
function BreakActions({
  ctx,
  brk,
  busy,
  people,
  onAct,
}: {
  readonly ctx: Ctx;
  readonly brk: BreakRecord;
  readonly busy: boolean;
  readonly people: readonly string[];
  readonly onAct: (action: string, body: ActionBody, committed: () => void) => void;
}) {
  const { t, user } = ctx;
  const [comment, setComment] = useState('');
  const roles = parseRoles(user.roles.join(','));
  if (!roles.includes('reconciler') && !roles.includes('approver')) {
    return <p className="help">{t('readOnlyRole')}</p>;
  }
  const can = allowedActions(brk, actorOf(user, roles, brk));
  const offered = (a: PersonAction) => can[a].allowed && (!COMMENT_REQUIRED.has(a) || comment.trim() !== '');
  const iProposed = !can.APPROVE.allowed && can.APPROVE.code === 'SELF_APPROVAL';
  const act = (action: string, extra: ActionBody = {}) => {
    onAct(action, { ...(comment.trim() ? { comment: comment.trim() } : {}), ...extra }, () => {
      setComment('');
    });
  };
  return (
    <fieldset className="actions" disabled={busy}>
      <legend className="sr-only">{t('actions')}</legend>
      <label className="wide">
        {t('comment')}
        <textarea
          name="comment"
          rows={2}
          value={comment}
          onChange={(e) => {
            setComment(e.target.value);
          }}
        />
      </label>
      <AssignAndPropose
        ctx={ctx}
        people={people}
        mayPropose={roles.includes('reconciler')}
        canPropose={can.PROPOSE.allowed}
        comment={comment}
        offered={offered}
        act={act}
      />
      {roles.includes('approver') && can.SET_DUE.allowed && (
        <MoveDue ctx={ctx} brk={brk} hasComment={comment.trim() !== ''} act={act} />
      )}
      <Decisions
        t={t}
        mayApprove={roles.includes('approver')}
        hasComment={comment.trim() !== ''}
        offered={offered}
        act={act}
      />
      {iProposed && <p className="help">{t('fourEyesHint')}</p>}
    </fieldset>
  );
}

/** Assign to a colleague (the list offers the people the index knows); a reconciler also proposes a resolution. */
function AssignAndPropose({
  ctx,
  people,
  mayPropose,
  canPropose,
  comment,
  offered,
  act,
}: {
  readonly ctx: Ctx;
  readonly people: readonly string[];
  readonly mayPropose: boolean;
  /** The ledger would take a proposal from the person now (its fields aside). */
  readonly canPropose: boolean;
  readonly comment: string;
  readonly offered: (a: PersonAction) => boolean;
  readonly act: (action: string, extra: ActionBody) => void;
}) {
  const { t, locale, user } = ctx;
  const listId = `${useId()}-people`;
  const hintId = useId();
  const [assignee, setAssignee] = useState(user.enrollmentId);
  const [kind, setKind] = useState<string>('');
  const [rootCause, setRootCause] = useState<string>('');
  // The node takes only its institution's reconcilers and approvers; the list is theirs (once it has come).
  const unknown = people.length > 0 && assignee.trim() !== '' && !people.includes(assignee.trim());
  // Propose waits for every field the ledger requires, and says which are missing.
  const missing = missingProposalFields({ kind, rootCause, comment }, KINDS);
  const fieldWords = { kind: t('fieldKind'), rootCause: t('fieldRootCause'), comment: t('fieldComment') };
  return (
    <div className="row">
      <label>
        {t('assignTo')}
        <input
          name="assignee"
          list={listId}
          value={assignee}
          onChange={(e) => {
            setAssignee(e.target.value);
          }}
        />
      </label>
      <datalist id={listId}>
        {people.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      <button
        type="button"
        disabled={!offered('ASSIGN') || unknown || assignee.trim() === ''}
        onClick={() => {
          act('assign', { assignee: assignee.trim() });
        }}
      >
        {t('assign')}
      </button>
      {unknown && (
        <p className="help" role="status" data-testid="assignee-unknown">
          {t('notStaff', { name: assignee.trim() })}
        </p>
      )}
      {mayPropose && (
        <>
          <Select
            label={t('proposeKind')}
            name="kind"
            value={kind}
            any={t('chooseOne')}
            options={KINDS.map((k) => ({ value: k, label: codeLabel(locale, k) }))}
            onChange={setKind}
          />
          <Select
            label={t('rootCause')}
            name="rootCause"
            value={rootCause}
            any={t('chooseOne')}
            options={ROOT_CAUSES.map((c) => ({ value: c, label: codeLabel(locale, c) }))}
            onChange={setRootCause}
          />
          <button
            type="button"
            aria-describedby={canPropose && missing.length > 0 ? hintId : undefined}
            disabled={!offered('PROPOSE') || missing.length > 0}
            onClick={() => {
              act('propose', { kind, rootCause });
            }}
          >
            {t('propose')}
          </button>
          {canPropose && missing.length > 0 && (
            <p id={hintId} className="help" data-testid="propose-needs">
              {t('proposeNeeds', {
                fields: formatList(
                  locale,
                  missing.map((m) => fieldWords[m]),
                ),
              })}
            </p>
          )}
        </>
      )}
    </div>
  );
}

/** An approver moves the due date (to the end of a day in their time zone), saying why in the comment. */
function MoveDue({
  ctx,
  brk,
  hasComment,
  act,
}: {
  readonly ctx: Ctx;
  readonly brk: BreakRecord;
  readonly hasComment: boolean;
  readonly act: (action: string, extra: ActionBody) => void;
}) {
  const { t, timeZone } = ctx;
  const id = useId();
  const [day, setDay] = useState(brk.dueAt === undefined ? '' : dayIn(brk.dueAt, timeZone));
  return (
    <div className="row">
      <label htmlFor={id}>{t('newDueDate')}</label>
      <input
        id={id}
        type="date"
        name="dueDate"
        value={day}
        aria-describedby={`${id}-help`}
        onChange={(e) => {
          setDay(e.target.value);
        }}
      />
      <button
        type="button"
        disabled={!hasComment || day === ''}
        onClick={() => {
          act('due', { dueAt: endOfDayIn(day, timeZone) });
        }}
      >
        {t('moveDue')}
      </button>
      <p id={`${id}-help`} className="help">
        {t('moveDueHelp')}
      </p>
    </div>
  );
}

const DECISIONS = { approve: 'APPROVE', accept: 'ACCEPT', reject: 'REJECT', resolve: 'RESOLVE' } as const;

/** Approve (approvers only: four eyes), accept, reject, resolve; and a comment on its own. */
function Decisions({
  t,
  mayApprove,
  hasComment,
  offered,
  act,
}: {
  readonly t: Translate;
  readonly mayApprove: boolean;
  readonly hasComment: boolean;
  readonly offered: (a: PersonAction) => boolean;
  readonly act: (action: string) => void;
}) {
  return (
    <div className="row">
      {(['approve', 'accept', 'reject', 'resolve'] as const)
        .filter((a) => a !== 'approve' || mayApprove)
        .map((a) => (
          <button
            type="button"
            key={a}
            disabled={!offered(DECISIONS[a])}
            onClick={() => {
              act(a);
            }}
          >
            {t(a)}
          </button>
        ))}
      <button
        type="button"
        disabled={!hasComment}
        onClick={() => {
          act('comment');
        }}
      >
        {t('addComment')}
      </button>
    </div>
  );
}

/** Whether the core lets this person attach a file to the break now (staff of a party, not resolved). */
function mayAttach({ user }: Ctx, b: BreakRecord): boolean {
  const roles = parseRoles(user.roles.join(','));
  return allowedActions(b, actorOf(user, roles, b)).ATTACH.allowed;
}

/**
 * The person as the ledger knows them, for allowedActions: their certificate identity is the one the break's
 * record shows for their institution and enrolment id (ids are unique within an institution's CA); someone the
 * record does not name yet cannot be its proposer, so any id of theirs decides the same.
 */
function actorOf(user: User, roles: readonly Role[], b: BreakRecord): Actor {
  const named = [
    b.assignee,
    b.proposal?.proposer,
    b.proposal?.approver,
    ...b.timeline.map((e) => e.actor),
  ].find((p) => p?.mspId === user.mspId && p.name === user.enrollmentId);
  return {
    mspId: user.mspId,
    id: named?.id ?? `console:${user.mspId}:${user.enrollmentId}`,
    name: user.enrollmentId,
    roles,
  };
}

/** Who has the break now: what the workflow waits for, in words (four eyes, then every other party). */
function nextStep({ t, locale }: Ctx, b: BreakRecord): string {
  const proposer = b.proposal?.proposer.mspId ?? '';
  switch (b.status) {
    case 'OPEN':
      return t('nextAssign');
    case 'ASSIGNED':
      return t('nextPropose', {
        who: b.assignee ? `${b.assignee.name} (${institutionName(locale, b.assignee.mspId)})` : '',
      });
    case 'PROPOSED':
      return t('nextApprove', { msp: institutionName(locale, proposer) });
    case 'APPROVED':
      return t('nextAccept', {
        msps: formatList(
          locale,
          b.parties
            .filter((p) => p !== proposer && !b.acceptedBy.includes(p))
            .map((p) => institutionName(locale, p)),
        ),
      });
    case 'ACCEPTED':
      return t(b.proposal?.kind === 'CORRECT_LEG' ? 'nextCorrect' : 'nextResolve', {
        msp: institutionName(locale, proposer),
      });
    case 'RESOLVED':
      return t('nextNone');
  }
}
