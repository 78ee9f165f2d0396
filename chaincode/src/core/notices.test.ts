import { describe, expect, it } from 'vitest';

import { TallyError } from './errors';
import { LIMITS } from './limits';
import { addNotices, parseNoticeMap, parseNotices, type Notice } from './notices';

const n = (i: number): Notice => ({
  b: `box${String(i).padStart(13, '0')}`,
  t: `tag${String(i).padStart(13, '0')}`,
});

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(TallyError);
    return (e as TallyError).message;
  }
  throw new Error('expected a refusal');
}

describe('notices as the chaincode takes them', () => {
  it('reads a batch map of case id to notices, each case one the batch posts to', () => {
    const map = parseNoticeMap(JSON.stringify({ c1: [n(1), n(2)], c2: [] }), new Set(['c1', 'c2', 'c3']));
    expect(map.get('c1')).toEqual([n(1), n(2)]);
    expect(map.get('c2')).toEqual([]);
    expect(map.has('c3')).toBe(false);
    expect(parseNoticeMap(undefined, new Set(['c1'])).size).toBe(0);
  });

  it('refuses, naming what is wrong: a case outside the batch, bad JSON, bad shapes, too many, repeated tags', () => {
    const cases = new Set(['c1']);
    expect(refusal(() => parseNoticeMap(JSON.stringify({ other: [n(1)] }), cases))).toMatch(
      /notices names case other, which no leg of this batch is posted to/,
    );
    expect(refusal(() => parseNoticeMap('{"__proto__": []}', cases))).toMatch(/names case __proto__/);
    expect(refusal(() => parseNoticeMap('{', cases))).toMatch(/'notices' is not valid JSON/);
    expect(refusal(() => parseNoticeMap('[]', cases))).toMatch(/object of case id to notices/);
    expect(refusal(() => parseNotices({}, 'notices[c1]'))).toMatch(/notices\[c1\] must be an array/);
    expect(refusal(() => parseNotices([null], 'x'))).toMatch(/x\[0\] must be an object/);
    expect(refusal(() => parseNotices([{ ...n(1), extra: 1 }], 'x'))).toMatch(/unknown fields: extra/);
    expect(refusal(() => parseNotices([{ t: 'a b', b: 'ok' }], 'x'))).toMatch(/x\[0\]\.t must be base64url/);
    expect(refusal(() => parseNotices([{ t: 'ok', b: 'x'.repeat(LIMITS.noticeBoxMax + 1) }], 'x'))).toMatch(
      /x\[0\]\.b must be base64url text of 1-512/,
    );
    expect(refusal(() => parseNotices([n(1), n(1)], 'x'))).toMatch(/x\[1\]\.t repeats/);
    const many = Array.from({ length: LIMITS.noticesPerCaseMax + 1 }, (_, i) => n(i));
    expect(refusal(() => parseNotices(many, 'x'))).toMatch(/holds 17 notices; at most 16/);
  });

  it('adds only notices with new tags, in order, and keeps a full case as it is', () => {
    const held = [n(1), n(2)];
    expect(addNotices(held, [n(2), n(3)])).toEqual({ notices: [n(1), n(2), n(3)], added: [n(3)] });
    const same = addNotices(held, [n(1)]);
    expect(same.added).toEqual([]);
    expect(same.notices).toBe(held);
    const full = Array.from({ length: LIMITS.noticesPerCaseMax }, (_, i) => n(i));
    expect(addNotices(full, [n(99)])).toEqual({ notices: full, added: [] });
    const almost = full.slice(1);
    expect(addNotices(almost, [n(98), n(99)]).added).toEqual([n(98)]);
  });
});
