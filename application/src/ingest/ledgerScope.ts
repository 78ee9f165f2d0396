import type { LedgerLeg } from './compare';
import type { StatementSummary } from './statementLine';

/** Which of the institution's legs one statement is compared with, as the report tells it. */
export interface ScopeOfStatement {
  readonly statementId: string;
  /** The statement's account, when it names one. */
  readonly account?: string;
  /**
   * Whether a leg of the period names that account (as payer or payee account). When none does, the ledger
   * writes the account otherwise (or not at all) and the legs are taken by currency alone, rather than every
   * one of them reported as missing.
   */
  readonly accountOnLedger: boolean;
  /** The statement's currency; without one (a CSV) every currency is compared. */
  readonly currency?: string;
}

const ANY = '*';

/** An account as written on a statement or a leg, without spaces and in upper case (IBANs are written both ways). */
export function normaliseAccount(account: string): string {
  return account.replace(/\s+/g, '').toUpperCase();
}

/**
 * The legs a file's statements are to be compared with: a statement of one account in one currency (a camt or
 * MT940 statement) is compared with the legs of that account in that currency only, not with everything the
 * institution did that day in every currency. A leg is of an account when its payer or payee account is that
 * account. A statement without an account, or whose account no leg of the period names, takes the legs of its
 * currency; a statement without a currency (a CSV) takes the legs of every currency. A leg in the scope of any
 * statement of the file is compared.
 *
 * Held as maps (account → currencies, and the currencies taken whatever the account), so that a leg is placed
 * in constant time however many statements the file has.
 */
export class LedgerScope {
  readonly statements: readonly ScopeOfStatement[];
  private readonly byAccount = new Map<string, Set<string>>();
  private readonly anyAccount = new Set<string>();

  constructor(statements: readonly StatementSummary[], legs: Iterable<LedgerLeg>) {
    const wanted = new Set<string>();
    for (const s of statements) if (s.account !== undefined) wanted.add(normaliseAccount(s.account));
    const named = new Set<string>();
    if (wanted.size > 0) {
      for (const leg of legs) {
        const payer = normaliseAccount(leg.payerRef);
        const payee = normaliseAccount(leg.payeeRef);
        if (wanted.has(payer)) named.add(payer);
        if (wanted.has(payee)) named.add(payee);
      }
    }
    this.statements = statements.map((s) => this.add(s, named));
  }

  private add(s: StatementSummary, named: ReadonlySet<string>): ScopeOfStatement {
    const account = s.account === undefined ? undefined : normaliseAccount(s.account);
    const accountOnLedger = account !== undefined && named.has(account);
    const currency = s.currency ?? ANY;
    if (account !== undefined && accountOnLedger) {
      const currencies = this.byAccount.get(account) ?? new Set<string>();
      currencies.add(currency);
      this.byAccount.set(account, currencies);
    } else {
      this.anyAccount.add(currency);
    }
    return {
      statementId: s.statementId,
      ...(s.account !== undefined && { account: s.account }),
      accountOnLedger,
      ...(s.currency !== undefined && { currency: s.currency }),
    };
  }

  /** Whether the leg is of the account and currency of some statement of the file. */
  includes(leg: LedgerLeg): boolean {
    if (this.anyAccount.has(ANY) || this.anyAccount.has(leg.currency)) return true;
    if (this.byAccount.size === 0) return false;
    for (const ref of [leg.payerRef, leg.payeeRef]) {
      const currencies = this.byAccount.get(normaliseAccount(ref));
      if (currencies && (currencies.has(ANY) || currencies.has(leg.currency))) return true;
    }
    return false;
  }
}
