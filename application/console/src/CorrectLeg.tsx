import { useState, type SyntheticEvent } from 'react';

import { call, type LegDetail, type OpenCase } from './api';
import { formatDate, formatMoney, type Locale } from './format';
import { codeLabel, institutionName } from './i18n';
import { correctionId } from './correction';
import { ErrorBox, message } from './ui';

export { offersCorrection } from './correction';
import { liveLegs } from '../../../chaincode/src/core/matching';
import { isCurrency, majorTextToMinor, minorToMajorText } from '../../../chaincode/src/core/money';
import { OUTCOMES } from '../../../chaincode/src/core/leg';
import { TallyError } from '../../../chaincode/src/core/errors';

// The words of this panel, in both languages, beside it.
const WORDS = {
  en: {
    title: 'Post the corrected leg',
    help: 'Every party accepted correcting your leg. Book the correction, then post it here: your leg is replaced by the corrected one (the old one stays on the ledger, superseded), and the break resolves itself once the legs agree.',
    corrects: 'Corrects leg',
    newLeg: 'New leg id',
    amount: 'Amount',
    valueDate: 'Value date',
    outcome: 'Outcome',
    post: 'Post the corrected leg',
    posted: 'Corrected leg posted.',
    superseded: 'Corrected legs (superseded, no longer matched)',
    correctedBy: 'corrected by',
  },
  'zh-CN': {
    title: '提交更正后的记账',
    help: '各方已同意更正本方记账。请先完成调账，再在此提交：更正后的记账取代原记账（原记账仍留在链上，标为已被更正），各方记账一致后差错自动解决。',
    corrects: '更正的记账',
    newLeg: '新记账编号',
    amount: '金额',
    valueDate: '起息日',
    outcome: '结果',
    post: '提交更正后的记账',
    posted: '已提交更正后的记账。',
    superseded: '已被更正的记账（不再参与匹配）',
    correctedBy: '更正记账',
  },
} as const satisfies Record<Locale, Record<string, string>>;

/**
 * The correction entry, from the break screen: the institution's own live leg of the case, with the fields the
 * correction changes (amount, value date, outcome), posted as a new leg that names the one it corrects. The
 * ledger checks it names the institution's own leg; matching then takes the new leg in its place.
 */
export function CorrectLeg({
  locale,
  mspId,
  legs,
  onPosted,
}: {
  readonly locale: Locale;
  readonly mspId: string;
  readonly legs: OpenCase['legs'];
  readonly onPosted: () => void;
}) {
  const w = WORDS[locale];
  const own = liveLegs(legs).find((l) => l.mspId === mspId);
  const detail: LegDetail | undefined = own?.detail;
  const currency = detail?.currency ?? '';
  const [amount, setAmount] = useState(() =>
    detail && isCurrency(currency) ? minorToMajorText(BigInt(detail.amountMinor), currency) : '',
  );
  const [valueDate, setValueDate] = useState(detail?.valueDate ?? '');
  const [outcome, setOutcome] = useState<string>(detail?.outcome ?? 'SETTLED');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!own || !detail || !isCurrency(currency)) return null;
  const legId = correctionId(own.legId);

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    let amountMinor: string;
    try {
      amountMinor = majorTextToMinor(amount, currency).toString();
    } catch (err) {
      setError(err instanceof TallyError ? err.detail : message(err));
      return;
    }
    setBusy(true);
    setError(undefined);
    const { mspId: _m, corrects: _c, ...leg } = detail;
    call('POST', '/v1/legs', { ...leg, legId, corrects: own.legId, amountMinor, valueDate, outcome })
      .then(onPosted)
      .catch((err: unknown) => {
        setError(message(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <form className="correction" aria-labelledby="correction-title" onSubmit={submit}>
      <h3 id="correction-title">{w.title}</h3>
      <p className="help">{w.help}</p>
      <p>
        {w.corrects}: <span className="mono">{own.legId}</span> · {w.newLeg}:{' '}
        <span className="mono" data-testid="correction-leg-id">
          {legId}
        </span>
      </p>
      <fieldset className="row" disabled={busy}>
        <label>
          {w.amount} ({currency})
          <input
            name="amount"
            inputMode="decimal"
            value={amount}
            onChange={(e) => {
              setAmount(e.target.value);
            }}
          />
        </label>
        <label>
          {w.valueDate}
          <input
            name="valueDate"
            type="date"
            value={valueDate}
            onChange={(e) => {
              setValueDate(e.target.value);
            }}
          />
        </label>
        <label>
          {w.outcome}
          <select
            name="outcome"
            value={outcome}
            onChange={(e) => {
              setOutcome(e.target.value);
            }}
          >
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {codeLabel(locale, o)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{w.post}</button>
      </fieldset>
      <ErrorBox error={error} />
    </form>
  );
}

/** The legs a correction replaced: listed apart, each with the leg that corrects it, as posted. */
export function SupersededLegs({
  locale,
  legs,
}: {
  readonly locale: Locale;
  readonly legs: OpenCase['legs'];
}) {
  const w = WORDS[locale];
  const live = new Set(liveLegs(legs));
  const replaced = legs.filter((l) => !live.has(l));
  if (replaced.length === 0) return null;
  return (
    <>
      <h4>{w.superseded}</h4>
      <ul className="superseded" data-testid="superseded-legs">
        {replaced.map((l) => {
          const by = legs.find((c) => c.mspId === l.mspId && c.corrects === l.legId);
          return (
            <li key={`${l.mspId}:${l.legId}`}>
              {institutionName(locale, l.mspId)} <span className="mono">{l.legId}</span>:{' '}
              {formatMoney(locale, l.detail.amountMinor, l.detail.currency)},{' '}
              {formatDate(locale, l.detail.valueDate)}, {codeLabel(locale, l.detail.outcome)} —{' '}
              {w.correctedBy} <span className="mono">{by?.legId ?? '?'}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}
