// Search (a recorded query) with provenance and cross-validation, and the subject's report of who looked.
import { useEffect, useState, type ReactNode, type SyntheticEvent } from 'react';

import { GENESIS_POLICY } from '../../../../chaincode/src/core/blacklist/policy';
import { SUBJECT_REPORT_PURPOSE } from '../../../../chaincode/src/core/blacklist/query';

import type { Locale } from '../format';
import { ErrorBox, Select, type Ctx } from '../ui';
import {
  call,
  type BlacklistPolicyVersion,
  type BlacklistQueryAnswer,
  type BlacklistSubjectReportAnswer,
} from './blacklistApi';
import { codeText, type BlacklistText } from './blacklistMessages';
import {
  CrossValidation,
  EntryTable,
  useSubjectFields,
  codeOptions,
  RowAction,
  Table,
  TextField,
  useSending,
  type ResultEntry,
} from './parts';
import { DisputeOpener, mayDo } from './BlacklistDisputes';
import { institutionName } from '../i18n';

/**
 * The purposes a search may name: those of the policy in force on the ledger (the members may adopt others), the
 * genesis policy's until it has been read. A subject's own report has its own page.
 */
function useSearchPurposes(): readonly string[] {
  const [purposes, setPurposes] = useState<readonly string[]>(GENESIS_POLICY.purposes);
  useEffect(() => {
    call<BlacklistPolicyVersion>('GET', '/v1/blacklist/policy')
      .then((v) => {
        setPurposes(v.policy.purposes);
      })
      .catch(() => undefined); // the search itself reports what is wrong with the node
  }, []);
  return purposes.filter((p) => p !== SUBJECT_REPORT_PURPOSE);
}

function ConsentFields({
  b,
  hash,
  setHash,
  expires,
  setExpires,
  required,
}: {
  readonly b: BlacklistText;
  readonly hash: string;
  readonly setHash: (v: string) => void;
  readonly expires: string;
  readonly setExpires: (v: string) => void;
  readonly required: boolean;
}) {
  return (
    <>
      <TextField
        label={b('consentHash')}
        name="consentHash"
        pattern="[0-9a-f]{64}"
        size={40}
        required={required}
        value={hash}
        onChange={(v) => {
          setHash(v.trim().toLowerCase());
        }}
      />
      <TextField
        label={b('consentExpires')}
        name="consentExpires"
        type="date"
        required={required || hash !== ''}
        value={expires}
        onChange={setExpires}
      />
      <p className="help small">{b('consentHelp')}</p>
    </>
  );
}

type Answer = BlacklistQueryAnswer | BlacklistSubjectReportAnswer;

/**
 * A recorded look at a subject (a query, or the subject's report): the identifier and consent fields, `fields`
 * between them, the POST to `path`, and the answer: where it is recorded, the cross-validation and the entries,
 * then `more(answer)`. The identifier leaves the form once asked: the page keeps no copy of it.
 */
function SubjectLook({
  b,
  locale,
  label,
  path,
  body,
  consentRequired,
  fields,
  button,
  testId,
  more,
  entryAction,
}: {
  readonly b: BlacklistText;
  readonly locale: Locale;
  readonly label: string;
  readonly path: string;
  /** The request's fields besides the identifier and the consent. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly consentRequired: boolean;
  readonly fields?: ReactNode;
  readonly button: (busy: boolean) => string;
  readonly testId: string;
  readonly more?: (answer: Answer) => ReactNode;
  readonly entryAction?: (entry: ResultEntry) => ReactNode;
}) {
  const subject = useSubjectFields(b, locale);
  const [hash, setHash] = useState('');
  const [expires, setExpires] = useState('');
  const [answer, setAnswer] = useState<Answer>();
  const { busy, error, send } = useSending();
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    send(
      () =>
        call<Answer>('POST', path, {
          type: subject.type,
          identifier: subject.identifier,
          ...body,
          ...(hash || consentRequired ? { consent: { hash, expiresOn: expires } } : {}),
        }),
      (a) => {
        setAnswer(a);
        subject.clear();
      },
      () => {
        setAnswer(undefined);
      },
    );
  };
  return (
    <>
      <form className="inline" onSubmit={submit} aria-label={label}>
        {subject.fields}
        {fields}
        <ConsentFields
          b={b}
          hash={hash}
          setHash={setHash}
          expires={expires}
          setExpires={setExpires}
          required={consentRequired}
        />
        <button type="submit" disabled={busy}>
          {button(busy)}
        </button>
      </form>
      <ErrorBox error={error} />
      {answer && (
        <div data-testid={testId}>
          <p className="notice">
            {b('recorded', { tx: answer.txId.slice(0, 16) + '…', block: answer.blockNumber })}
          </p>
          <CrossValidation b={b} locale={locale} result={answer.result} />
          <EntryTable b={b} locale={locale} result={answer.result} action={entryAction} />
          {more?.(answer)}
        </div>
      )}
    </>
  );
}

export function BlacklistSearch({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const purposes = useSearchPurposes();
  const [chosen, setPurpose] = useState('FRAUD_INVESTIGATION');
  const purpose = purposes.includes(chosen) ? chosen : (purposes[0] ?? chosen);
  const [disputing, setDisputing] = useState<ResultEntry>();
  return (
    <section aria-label={b('tabSearch')}>
      {disputing && (
        <DisputeOpener
          ctx={ctx}
          b={b}
          entry={disputing}
          close={() => {
            setDisputing(undefined);
          }}
        />
      )}
      <SubjectLook
        b={b}
        locale={ctx.locale}
        label={b('tabSearch')}
        path="/v1/blacklist/queries"
        body={{ purpose }}
        consentRequired={false}
        fields={
          <Select
            label={b('purpose')}
            name="purpose"
            value={purpose}
            onChange={setPurpose}
            options={codeOptions(purposes, (c) => codeText(ctx.locale, c))}
          />
        }
        button={(busy) => (busy ? b('searching') : b('search'))}
        testId="search-result"
        entryAction={(e) =>
          // Another member's entry in force may be disputed (the ledger refuses one's own: WRONG_INSTITUTION).
          e.uploader !== ctx.user.mspId &&
          e.status === 'ACTIVE' &&
          mayDo(ctx, 'DISPUTE') && (
            <RowAction
              text={b('dispute')}
              act={() => {
                setDisputing(e);
              }}
            />
          )
        }
      />
    </section>
  );
}

export function BlacklistReport({ ctx, b }: { readonly ctx: Ctx; readonly b: BlacklistText }) {
  const { locale } = ctx;
  return (
    <section aria-label={b('report')}>
      <h3>{b('report')}</h3>
      <p className="help">{b('reportHelp')}</p>
      <SubjectLook
        b={b}
        locale={locale}
        label={b('report')}
        path="/v1/blacklist/subject-reports"
        body={{}}
        consentRequired
        button={() => b('makeReport')}
        testId="report-result"
        more={(answer) =>
          'looks' in answer.result && (
            <>
              <h4>{b('looks')}</h4>
              {answer.result.looks.length === 0 ? (
                <p>{b('noLooks')}</p>
              ) : (
                <Table
                  b={b}
                  label={b('looks')}
                  headers={['day', 'institution', 'purpose']}
                  items={answer.result.looks}
                  rowKey={(l) => l.queryId}
                  row={(l) => (
                    <>
                      <td>{l.on}</td>
                      <td>{institutionName(locale, l.institution)}</td>
                      <td>{codeText(locale, l.purpose)}</td>
                    </>
                  )}
                />
              )}
            </>
          )
        }
      />
    </section>
  );
}
