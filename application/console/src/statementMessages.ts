// The statement comparison's words beyond the screen's first ones, in English and Simplified Chinese, merged into
// the console's catalogue by i18n.ts (kept beside the screen so its groups and their words change together).

export const statementsEn = {
  notSettled: 'Did not settle on the ledger',
  notSettledHelp:
    'Your legs that failed or timed out: no money moved on the ledger, so they are listed apart, not as differences. A line of your books that names one is a status to follow up.',
  outcome: 'Outcome',
  inMyBooksLine: 'Line in my books',
  notInMyBooks: 'not in my books',
  outOfScope: 'Other accounts and currencies (not compared)',
  scopeTitle: 'Compared with',
  scopeAccount: 'your legs of account {account} in {currency}',
  scopeAccountUnknown:
    'your legs in {currency} (no leg of this period names account {account}, so it is compared by currency)',
  scopeCurrency: 'your legs in {currency}',
  scopeAll: 'your legs in every currency',
};

export const statementsZh: Record<keyof typeof statementsEn, string> = {
  notSettled: '链上未结算',
  notSettledHelp:
    '本机构失败或超时的记账：链上没有资金划转，因此单独列出，不算作差异。若本方账簿中有对应行，请跟进其状态。',
  outcome: '结果',
  inMyBooksLine: '本方账簿行',
  notInMyBooks: '本方账簿中无',
  outOfScope: '其他账户和币种（未比对）',
  scopeTitle: '比对范围',
  scopeAccount: '本机构账户 {account} 的 {currency} 记账',
  scopeAccountUnknown: '本机构的 {currency} 记账（本期没有记账写明账户 {account}，故按币种比对）',
  scopeCurrency: '本机构的 {currency} 记账',
  scopeAll: '本机构所有币种的记账',
};
