import { TallyError } from '../../../chaincode/src/core/errors';
import { LEG_ROLES, OUTCOMES, parseMspId, parseRoute } from '../../../chaincode/src/core/leg';
import { LIMITS } from '../../../chaincode/src/core/limits';
import { parseAmountMinor, parseCurrency } from '../../../chaincode/src/core/money';
import {
  parseAccountRef,
  parseBranchCode,
  parseClientId,
  parseIsoDate,
  parseReference,
} from '../../../chaincode/src/core/reference';
import { ApiError, type Problem } from './errors';

/** At most this many problems are listed in one answer (a batch of 1,000 broken legs stays a small answer). */
export const PROBLEMS_MAX = 100;

/**
 * Every field problem of every leg of a post, at once, so a member fixes a batch in one round trip instead of
 * one error per attempt. Each field goes through the same core parser the chaincode's parseLeg uses (the core
 * stays the one place that decides what a valid field is); this only runs them all instead of stopping at the
 * first. What needs the ledger (the route naming the poster, repeated leg ids, unknown fields) stays the
 * chaincode's to refuse. Throws the first problem with the full list; returns when there is none.
 */
export function checkLegs(legs: readonly unknown[], mspId: string): void {
  // Too many legs is one problem, the chaincode's BATCH_TOO_LARGE; no point reading them.
  if (legs.length > LIMITS.batchLegsMax) return;
  const problems: Problem[] = [];
  legs.forEach((raw, i) => {
    const at = `legs[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push({
        code: 'INVALID_INPUT',
        message: `${at} must be a JSON object (a leg), got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`,
        field: at,
      });
      return;
    }
    const v = raw as Record<string, unknown>;
    const check = (field: string, parse: () => unknown) => {
      try {
        parse();
      } catch (e) {
        if (!(e instanceof TallyError)) throw e;
        problems.push({ code: e.code, message: e.detail, field: `${at}.${field}` });
      }
    };
    check('mspId', () => {
      if (v.mspId !== undefined && v.mspId !== mspId) {
        parseMspId(v.mspId, `${at}.mspId`);
        throw new TallyError(
          'WRONG_INSTITUTION',
          `${at}.mspId ${JSON.stringify(v.mspId)} is not the signing institution ${mspId}`,
        );
      }
    });
    check('legId', () => parseClientId(v.legId, `${at}.legId`));
    check('reference', () => parseReference(v.reference, `${at}.reference`));
    check('role', () => {
      if (typeof v.role !== 'string' || !(LEG_ROLES as readonly string[]).includes(v.role))
        throw new TallyError('INVALID_INPUT', `${at}.role must be one of ${LEG_ROLES.join(', ')}`);
    });
    check('branch', () => parseBranchCode(v.branch, `${at}.branch`));
    check('route', () => parseRoute(v.route, `${at}.route`));
    check('amountMinor', () => parseAmountMinor(v.amountMinor, `${at}.amountMinor`));
    check('currency', () => parseCurrency(v.currency, `${at}.currency`));
    check('valueDate', () => parseIsoDate(v.valueDate, `${at}.valueDate`));
    check('payerRef', () => parseAccountRef(v.payerRef, `${at}.payerRef`));
    check('payeeRef', () => parseAccountRef(v.payeeRef, `${at}.payeeRef`));
    check('outcome', () => {
      if (typeof v.outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(v.outcome))
        throw new TallyError('INVALID_INPUT', `${at}.outcome must be one of ${OUTCOMES.join(', ')}`);
    });
  });
  const first = problems[0];
  if (first === undefined) return;
  const listed = problems.slice(0, PROBLEMS_MAX);
  throw new ApiError(
    first.code,
    problems.length > 1 ? `${first.message} (and ${problems.length - 1} more: see errors)` : first.message,
    { field: first.field },
    listed,
  );
}
