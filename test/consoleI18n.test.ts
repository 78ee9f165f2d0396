import { describe, expect, it } from 'vitest';

import {
  formatDateTime,
  formatList,
  formatMoney,
  INSTITUTION_TIME_ZONE,
  TIME_ZONES,
  timeZoneLabel,
  validTimeZone,
  type Locale,
} from '../application/console/src/format';
import { codeLabel, institutionName, MESSAGE_KEYS, translator } from '../application/console/src/i18n';
import { SERVER_MESSAGES, serverMessage } from '../application/console/src/serverMessages';
import { ERROR_CODES } from '../application/src/http/errors';
import { BREAK_STATUSES } from '../chaincode/src/core/breakMachine';
import { BREAK_REASONS } from '../chaincode/src/core/matching';

const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
/** Intl puts a no-break space between a currency code and its amount. */
const plain = (s: string) => s.replace(/\u00a0/g, ' ');

describe("the console's words in both languages", () => {
  it('translates every error code the node can answer with, in both languages', () => {
    for (const locale of LOCALES) {
      const missing = ERROR_CODES.filter((code) => SERVER_MESSAGES[locale][code] === undefined);
      expect(missing, `codes without a ${locale} message`).toEqual([]);
    }
    expect(serverMessage('zh-CN', 'SELF_APPROVAL')).toContain('双人复核');
    expect(serverMessage('en', 'INVALID_TRANSITION')).toMatch(/present state/);
    // A code the console does not know yet reads as the generic refusal, never as nothing.
    expect(serverMessage('zh-CN', 'SOMETHING_NEW')).toBe('节点拒绝了此请求。');
  });

  it('parses every message of both catalogues as ICU MessageFormat and formats it', () => {
    const values = { n: 3, of: 4, who: 'bella', cases: 2, breaks: 1, block: '12', tx: 'abc' };
    for (const locale of LOCALES) {
      const t = translator(locale);
      for (const key of MESSAGE_KEYS) {
        const text = t(key, {
          ...values,
          msp: 'Bank A',
          msps: 'Bank B',
          account: '6222',
          currency: 'CNY',
          zone: 'Asia/Shanghai',
          institution: 'Bank B',
          within: 1,
          resolved: 2,
          fields: 'a root cause',
          name: 'zoe',
          size: '3.0 KiB',
          id: 'BankA-20261207-0000001',
        });
        expect(text, `${locale} ${key}`).not.toMatch(/[{}]/);
      }
    }
  });

  it('says one and many as English says them, through the plural rules', () => {
    const en = translator('en');
    expect(en('matching', { n: 1 })).toBe('1 open break matches.');
    expect(en('matching', { n: 2 })).toBe('2 open breaks match.');
    expect(en('matching', { n: 12345 })).toBe('12,345 open breaks match.');
    expect(en('postMissing', { n: 1 })).toBe('Post the missing leg');
    expect(en('postMissing', { n: 3 })).toBe('Post the 3 missing legs');
    expect(en('legsPostedIn', { n: 1, block: '7', tx: 'ab' })).toBe(
      'Posted 1 leg in block 7 (transaction ab).',
    );
    expect(en('closedMatching', { n: 1 })).toBe('1 closed break matches.');
    expect(en('indexAgrees', { cases: 1, breaks: 2, block: '9' })).toBe(
      'The index agrees with the ledger: 1 case and 2 breaks checked up to block 9.',
    );
    const zh = translator('zh-CN');
    expect(zh('matching', { n: 1 })).toBe('共 1 笔未结差错符合条件。');
    expect(zh('matching', { n: 12345 })).toBe('共 12,345 笔未结差错符合条件。');
  });

  it('names the open-breaks column with a noun in Chinese, not the verb 打开', () => {
    expect(translator('zh-CN')('openBreaksCol')).toBe('未结差错');
    expect(translator('en')('openBreaksCol')).toBe('Open breaks');
  });

  it('translates reasons, statuses, roles, outcomes and institutions', () => {
    for (const code of [
      ...BREAK_REASONS,
      ...BREAK_STATUSES,
      'SETTLED',
      'FAILED',
      'TIMED_OUT',
      'reconciler',
      'approver',
      'submitter',
      'auditor',
      'admin',
    ]) {
      expect(codeLabel('zh-CN', code), code).not.toBe(code);
      expect(codeLabel('en', code), code).not.toBe(code);
      expect(codeLabel('zh-CN', code)).toMatch(/\p{Script=Han}/u);
    }
    expect(codeLabel('zh-CN', 'SETTLED')).toBe('已结算');
    expect(codeLabel('zh-CN', 'reconciler')).toBe('对账员');
    expect(institutionName('en', 'BankAMSP')).toBe('Bank A');
    expect(institutionName('zh-CN', 'BankAMSP')).toBe('A银行');
    expect(institutionName('zh-CN', 'ClearingHouseMSP')).toBe('清算中心');
    expect(institutionName('zh-CN', 'SomeOtherMSP')).toBe('SomeOtherMSP');
  });
});

describe('amounts and times in the chosen locale and zone', () => {
  it('writes amounts bank style, the ISO code first, exactly from minor units', () => {
    for (const locale of LOCALES) {
      expect(plain(formatMoney(locale, '27022', 'CNY'))).toBe('CNY 270.22');
      expect(plain(formatMoney(locale, '123456789', 'CNY'))).toBe('CNY 1,234,567.89');
      expect(plain(formatMoney(locale, '1234', 'JPY'))).toBe('JPY 1,234');
      expect(plain(formatMoney(locale, '5', 'USD'))).toBe('USD 0.05');
      expect(plain(formatMoney(locale, '-67', 'CNY'))).toBe('-CNY 0.67');
      // Beyond a double's precision: still exact.
      expect(plain(formatMoney(locale, '90071992547409931', 'CNY'))).toBe('CNY 900,719,925,474,099.31');
    }
  });

  it('lists names as the locale lists them', () => {
    expect(formatList('en', ['Bank A', 'Clearing House'])).toBe('Bank A, Clearing House');
    expect(formatList('zh-CN', ['A银行', '清算中心', 'PayCo 支付公司'])).toBe(
      'A银行、清算中心、PayCo 支付公司',
    );
  });

  it("shows every time in the picked zone with the zone named, the institution's by default", () => {
    expect(INSTITUTION_TIME_ZONE).toBe('Asia/Shanghai');
    expect(TIME_ZONES).toContain('UTC');
    const at = '2026-12-07T01:36:05Z';
    expect(formatDateTime('en', 'Asia/Shanghai', at)).toBe('Dec 7, 2026, 09:36:05 GMT+8');
    expect(formatDateTime('en', 'UTC', at)).toBe('Dec 7, 2026, 01:36:05 UTC');
    expect(formatDateTime('zh-CN', 'Asia/Shanghai', at)).toBe('2026年12月7日 GMT+8 09:36:05');
    expect(formatDateTime('en', 'Asia/Shanghai', at, 'short')).toBe('Dec 7, 09:36 GMT+8');
    expect(TIME_ZONES.map((z) => timeZoneLabel('en', z))).toContain('New York');
    expect(timeZoneLabel('zh-CN', 'Asia/Shanghai')).toBe('上海');
    expect(validTimeZone(null)).toBe('Asia/Shanghai');
    expect(validTimeZone('Mars/Olympus_Mons')).toBe('Asia/Shanghai');
    expect(validTimeZone('Europe/London')).toBe('Europe/London');
  });
});
