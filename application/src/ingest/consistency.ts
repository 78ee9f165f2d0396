import { minorToMajorText, type Currency } from '../../../chaincode/src/core/money';
import { StatementRejected } from './statementLine';

export interface BalanceCheck {
  readonly currency: Currency;
  readonly openingMinor: bigint;
  readonly closingMinor: bigint;
  /** Booked credits minus booked debits. */
  readonly bookedNetMinor: bigint;
  readonly at: number | string;
}

/** Opening balance plus the booked entries must give the closing balance, to the minor unit. */
export function checkBalances(c: BalanceCheck): void {
  const expected = c.openingMinor + c.bookedNetMinor;
  if (expected !== c.closingMinor) {
    const t = (m: bigint) => `${minorToMajorText(m, c.currency)} ${c.currency}`;
    throw new StatementRejected(
      'BALANCE_MISMATCH',
      c.at,
      `opening balance ${t(c.openingMinor)} plus booked entries ${t(c.bookedNetMinor)} is ${t(expected)}, ` +
        `but the closing balance is ${t(c.closingMinor)}`,
    );
  }
}

export function checkEntryCount(declared: number, counted: number, at: number | string): void {
  if (declared !== counted) {
    throw new StatementRejected(
      'ENTRY_COUNT_MISMATCH',
      at,
      `the summary declares ${declared} entries, the statement has ${counted}`,
    );
  }
}
