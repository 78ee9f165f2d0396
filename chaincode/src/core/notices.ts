import { fail } from './errors';
import { LIMITS } from './limits';

/**
 * A notice for one party of a case: the posting node's message, which only that party can recognise (`t`, a tag
 * from the pair's shared secret and the case id) and open (`b`, the payment reference boxed for it). The
 * chaincode holds no secret and checks neither: it only keeps what the posters give, within limits (a poster
 * that lies hides its own case from its counterparties, nothing more). The node side is application/src/notices.
 */
export interface Notice {
  readonly t: string;
  readonly b: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function noticeText(value: unknown, max: number, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !BASE64URL.test(value))
    fail('INVALID_INPUT', `${where} must be base64url text of 1-${max} characters`);
  return value;
}

/** One case's notices as given: an array of `{ t, b }`, tags distinct, at most noticesPerCaseMax. */
export function parseNotices(raw: unknown, where: string): Notice[] {
  if (!Array.isArray(raw)) fail('INVALID_INPUT', `${where} must be an array of notices { t, b }`);
  if (raw.length > LIMITS.noticesPerCaseMax)
    fail('INVALID_INPUT', `${where} holds ${raw.length} notices; at most ${LIMITS.noticesPerCaseMax}`);
  const tags = new Set<string>();
  return raw.map((n: unknown, i): Notice => {
    const at = `${where}[${i}]`;
    if (typeof n !== 'object' || n === null || Array.isArray(n))
      fail('INVALID_INPUT', `${at} must be an object { t, b }`);
    const extra = Object.keys(n).filter((k) => k !== 't' && k !== 'b');
    if (extra.length > 0) fail('INVALID_INPUT', `${at} has unknown fields: ${extra.join(', ')}`);
    const { t, b } = n as { t?: unknown; b?: unknown };
    const notice = {
      b: noticeText(b, LIMITS.noticeBoxMax, `${at}.b`),
      t: noticeText(t, LIMITS.noticeTagMax, `${at}.t`),
    };
    if (tags.has(notice.t)) fail('INVALID_INPUT', `${at}.t repeats an earlier notice's tag`);
    tags.add(notice.t);
    return notice;
  });
}

/**
 * A batch's notices (the transient field `notices`): JSON `{ [caseId]: Notice[] }`, each case one the batch
 * posts a leg to. Absent: no notices.
 */
export function parseNoticeMap(
  text: string | undefined,
  batchCases: ReadonlySet<string>,
): ReadonlyMap<string, readonly Notice[]> {
  const out = new Map<string, readonly Notice[]>();
  if (text === undefined) return out;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('INVALID_INPUT', "transient field 'notices' is not valid JSON");
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', 'notices must be an object of case id to notices');
  for (const [caseId, list] of Object.entries(raw)) {
    if (!batchCases.has(caseId))
      fail('INVALID_INPUT', `notices names case ${caseId}, which no leg of this batch is posted to`);
    out.set(caseId, parseNotices(list, `notices[${caseId}]`));
  }
  return out;
}

/**
 * The case's notices with `given` added: those whose tag it does not hold yet, in the order given, up to
 * noticesPerCaseMax (a case full of notices keeps the ones it has). `added` lists what was added.
 */
export function addNotices(
  held: readonly Notice[],
  given: readonly Notice[],
): { notices: readonly Notice[]; added: readonly Notice[] } {
  const tags = new Set(held.map((n) => n.t));
  const added: Notice[] = [];
  for (const n of given) {
    if (held.length + added.length >= LIMITS.noticesPerCaseMax) break;
    if (tags.has(n.t)) continue;
    tags.add(n.t);
    added.push(n);
  }
  return { notices: added.length === 0 ? held : [...held, ...added], added };
}
