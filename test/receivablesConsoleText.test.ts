import { describe, expect, it } from 'vitest';

import {
  RECEIVABLES_CODES,
  RECEIVABLES_KEYS,
  receivablesCode,
  receivablesText,
} from '../application/console/src/receivables/receivablesMessages';
import { POLICY_PROPOSAL_STATUSES } from '../chaincode/src/core/receivables/governance';
import { PART_STATUSES } from '../chaincode/src/core/receivables/part';
import { RECEIVABLES_ROLES } from '../chaincode/src/core/receivables/parties';
import { TOKEN_STATUSES } from '../chaincode/src/core/receivables/token';
import { TRADE_STATUSES } from '../chaincode/src/core/receivables/trade';

describe("the receivables pages' words in both languages", () => {
  it('fills every message of both tables, and the Chinese is Chinese', () => {
    const vars = {
      party: 'p',
      roles: 'r',
      reason: 'x',
      part: 'K/root',
      token: 'K',
      issuer: 'i',
      trade: 'T',
      amount: 'CNY 1.00',
      holder: 'h',
      status: 's',
      n: 1,
      sum: 'CNY 1.00',
      id: 'M-1',
      tx: 'ab',
      bank: 'BankAMSP',
      outcome: 'o',
      discount: 'd',
      fee: 'f',
      proceeds: 'p',
      days: 90,
      rounding: 'HALF_UP',
      day: '2030-01-01',
      parts: 3,
      from: 'f@B',
      version: 2,
      banks: 'BankAMSP, BankBMSP',
      minor: '100',
      bp: 50,
    };
    const en = receivablesText('en');
    const zh = receivablesText('zh-CN');
    for (const key of RECEIVABLES_KEYS) {
      expect(en(key, vars), key).not.toMatch(/[{}]/);
      expect(zh(key, vars), key).not.toMatch(/[{}]/);
      expect(zh(key, vars), key).toMatch(/[\u4e00-\u9fff…]/);
    }
    expect(zh('tabWallet')).toBe('我的凭证');
    expect(zh('split')).toBe('拆分或流转');
  });

  it('names every status and role of the ledger in both languages', () => {
    const codes = [
      ...PART_STATUSES,
      ...TOKEN_STATUSES,
      ...TRADE_STATUSES,
      ...RECEIVABLES_ROLES,
      'PARTLY_PAID',
      'SCREENING_REFUSED',
      'ON_HIT_REFUSE',
      'ON_HIT_FLAG',
      ...POLICY_PROPOSAL_STATUSES,
    ];
    for (const locale of ['en', 'zh-CN'] as const)
      for (const code of codes) expect(RECEIVABLES_CODES[locale][code], `${locale} ${code}`).toBeDefined();
    expect(receivablesCode('zh-CN', 'FINANCED')).toBe('已融资');
    expect(receivablesCode('en', 'SOMETHING_NEW')).toBe('SOMETHING_NEW');
  });
});
