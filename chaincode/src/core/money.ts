import { fail } from './errors';

/**
 * ISO 4217 active currency codes and their minor-unit exponents. Funds codes and precious metals are left out
 * on purpose: they are not payment currencies.
 */
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_2 =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP ' +
  'CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR ' +
  'IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN ' +
  'NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
  'STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG';

const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...EXPONENT_0.split(' ').map((c) => [c, 0] as const),
  ...EXPONENT_2.split(' ').map((c) => [c, 2] as const),
  ...EXPONENT_3.split(' ').map((c) => [c, 3] as const),
]);

/** Largest amount accepted, in minor units: fits PostgreSQL NUMERIC(20,0) and any real payment. */
export const AMOUNT_MINOR_MAX = 10n ** 18n - 1n;

export type Currency = string & { readonly __brand: 'Currency' };

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

export function isCurrency(code: string): code is Currency {
  return EXPONENTS.has(code);
}

export function parseCurrency(value: unknown, field = 'currency'): Currency {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
    fail('UNKNOWN_CURRENCY', `${field} must be a three-letter ISO 4217 code, got ${JSON.stringify(value)}`);
  }
  if (!isCurrency(value)) fail('UNKNOWN_CURRENCY', `${field} ${value} is not an active ISO 4217 currency`);
  return value;
}

export function currencyExponent(currency: Currency): number {
  const e = EXPONENTS.get(currency);
  if (e === undefined) fail('UNKNOWN_CURRENCY', `${currency} is not an active ISO 4217 currency`);
  return e;
}

/**
 * Parses an amount given in minor units as a decimal string ("12345" = 123.45 EUR). Numbers are refused:
 * a JSON number is a float by the time JavaScript sees it, and money is never a float.
 */
export function parseAmountMinor(value: unknown, field = 'amountMinor'): bigint {
  if (typeof value === 'number' || typeof value === 'bigint') {
    fail(
      'INVALID_AMOUNT',
      `${field} must be a decimal string of minor units (e.g. "12345"), not a JSON number`,
    );
  }
  if (typeof value !== 'string')
    fail('INVALID_AMOUNT', `${field} is required, as a decimal string of minor units`);
  if (value.startsWith('-'))
    fail('INVALID_AMOUNT', `${field} must not be negative, got ${JSON.stringify(value)}`);
  if (/^\d+[.,]\d*$/.test(value)) {
    fail('INVALID_AMOUNT', `${field} must be a whole number of minor units, got ${JSON.stringify(value)}`);
  }
  if (!/^(0|[1-9]\d{0,17})$/.test(value)) {
    fail(
      'INVALID_AMOUNT',
      `${field} must be a whole number of minor units without sign or leading zeros, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  const amount = BigInt(value);
  if (amount === 0n) fail('INVALID_AMOUNT', `${field} must be greater than zero`);
  if (amount > AMOUNT_MINOR_MAX)
    fail('INVALID_AMOUNT', `${field} exceeds the maximum of ${AMOUNT_MINOR_MAX}`);
  return amount;
}

export function money(amountMinor: unknown, currency: unknown): Money {
  return { currency: parseCurrency(currency), amountMinor: parseAmountMinor(amountMinor) };
}

/**
 * Converts a major-unit decimal text as statements write it ("1234.50", "1234,5", "-12.00") into signed minor
 * units, from the text itself (never through a float). Too many decimals for the currency is an error.
 */
export function majorTextToMinor(text: string, currency: Currency): bigint {
  const m = /^([+-]?)(\d+)(?:[.,](\d*))?$/.exec(text.trim());
  if (!m) fail('INVALID_AMOUNT', `${JSON.stringify(text)} is not a decimal amount`);
  const [, sign = '', whole = '0', frac = ''] = m;
  const exponent = currencyExponent(currency);
  const trimmed = frac.replace(/0+$/, '');
  if (trimmed.length > exponent) {
    fail('INVALID_AMOUNT', `${JSON.stringify(text)} has more decimals than ${currency} allows (${exponent})`);
  }
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(trimmed.padEnd(exponent, '0') || '0');
  if (minor > AMOUNT_MINOR_MAX) fail('INVALID_AMOUNT', `${JSON.stringify(text)} exceeds the maximum amount`);
  return sign === '-' ? -minor : minor;
}

/** Minor units back to a plain decimal text in major units ("12345", EUR → "123.45"). */
export function minorToMajorText(amountMinor: bigint, currency: Currency): string {
  const exponent = currencyExponent(currency);
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString().padStart(exponent + 1, '0');
  const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return negative ? `-${text}` : text;
}
