import { fail } from './errors';
import { parseIsoDate } from './reference';

/**
 * Subjects of the shared blacklist: an identifier of a type, brought to one canonical form so that two members
 * who write the same person, company or account differently still arrive at the same ledger key. The key itself
 * (a keyed hash of `subjectText`) is made on the member's node, never here: the core holds no key and the
 * chaincode never sees an identifier.
 *
 * Every refusal is `INVALID_INPUT` naming the field and the rule broken. A message never repeats the identifier
 * nor any character of it, only lengths and positions: messages travel to logs, consoles and peers, and an
 * identifier must not travel with them.
 */

/**
 * The identifier types a caller may name. `BANK_CARD` is a claim about an account number (the caller knows it is
 * a card, so the Luhn check applies); the subject it yields is a `BANK_ACCOUNT`, so that a card listed by one
 * member and the same number queried as an account by another meet on one key.
 */
export const SUBJECT_TYPES = [
  'CN_RESIDENT_ID',
  'MOBILE',
  'BANK_ACCOUNT',
  'BANK_CARD',
  'CN_USCC',
  'PASSPORT',
] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** The types a normalised subject carries (and that its hash is made over). */
export type SubjectKind = Exclude<SubjectType, 'BANK_CARD'>;

declare const normalised: unique symbol;

/** An identifier in canonical form; only `normaliseSubject` makes one. */
export interface Subject {
  readonly type: SubjectKind;
  readonly value: string;
  readonly [normalised]: true;
}

export interface NormaliseOptions {
  /**
   * The caller's date (YYYY-MM-DD, from its clock): a resident ID whose birth date is later is refused. The core
   * has no clock; without it, birth dates are only checked to exist and to be no earlier than 1850.
   */
  readonly today?: string;
}

/** Named bounds of the identifier rules. */
export const SUBJECT_LIMITS = {
  /** Longest raw text read at all (separators included); anything longer is refused before it is looked at. */
  rawLengthMax: 64,
  bankAccountDigitsMin: 8,
  /** The account field of China's payment messages (CNAPS) holds 32 characters. */
  bankAccountDigitsMax: 32,
  bankCardDigitsMin: 13,
  bankCardDigitsMax: 19,
  /** E.164: at most 15 digits, country code included; the shortest numbers in service have 7. */
  e164DigitsMin: 7,
  e164DigitsMax: 15,
  passportNumberMin: 5,
  passportNumberMax: 20,
  residentIdBirthYearMin: 1850,
} as const;

/**
 * The canonical text hashed under the consortium key: a fixed domain label (no other hash in the system is made
 * over text that starts with it), the type, the value. Neither the type nor any canonical value contains `|`, so
 * the text reads back to exactly one (type, value). Changing it changes every ledger key: it is versioned.
 */
export const SUBJECT_TEXT_DOMAIN = 'tallystick.blacklist.subject.v1';

export function subjectText(subject: Subject): string {
  // A subject that did not come from normaliseSubject (a cast, a parsed JSON) is checked again: a key made over
  // a non-canonical text would match nothing and look like a clean result.
  const again = normaliseSubject(subject.type, subject.value, 'subject');
  if (again.type !== subject.type || again.value !== subject.value)
    fail('INVALID_INPUT', `subject is not in canonical form`);
  return `${SUBJECT_TEXT_DOMAIN}|${subject.type}|${subject.value}`;
}

export function isSubjectType(value: unknown): value is SubjectType {
  return typeof value === 'string' && (SUBJECT_TYPES as readonly string[]).includes(value);
}

/**
 * Reads `raw` as an identifier of `type`, refuses it if it is not a valid one, and returns its canonical form.
 * Idempotent: the value returned, normalised again as its own type, comes back unchanged.
 */
export function normaliseSubject(
  type: unknown,
  raw: unknown,
  field: string,
  options: NormaliseOptions = {},
): Subject {
  if (!isSubjectType(type)) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type;
    fail(
      'INVALID_INPUT',
      `${field}: the subject type must be one of ${SUBJECT_TYPES.join(', ')}, got ${shown}`,
    );
  }
  if (typeof raw !== 'string') fail('INVALID_INPUT', `${field} must be text`);
  if (raw.length > SUBJECT_LIMITS.rawLengthMax)
    fail('INVALID_INPUT', `${field} is longer than ${SUBJECT_LIMITS.rawLengthMax} characters`);
  const text = foldFullWidth(raw);
  switch (type) {
    case 'CN_RESIDENT_ID': {
      const value = normaliseResidentId(text, field);
      validateResidentId(value, field, options.today);
      return subject('CN_RESIDENT_ID', value);
    }
    case 'MOBILE': {
      const value = normaliseMobile(text, field);
      validateMobile(value, field);
      return subject('MOBILE', value);
    }
    case 'BANK_ACCOUNT': {
      const value = normaliseAccountNumber(text);
      validateBankAccount(value, field);
      return subject('BANK_ACCOUNT', value);
    }
    case 'BANK_CARD': {
      const value = normaliseAccountNumber(text);
      validateBankCard(value, field);
      return subject('BANK_ACCOUNT', value);
    }
    case 'CN_USCC': {
      const value = normaliseUscc(text);
      validateUscc(value, field);
      return subject('CN_USCC', value);
    }
    case 'PASSPORT': {
      const value = normalisePassport(text, field);
      validatePassport(value, field);
      return subject('PASSPORT', value);
    }
  }
}

function subject(type: SubjectKind, value: string): Subject {
  return { type, value } as Subject;
}

/**
 * Chinese input methods type full-width letters, digits and punctuation (１２３, ＋, the ideographic space): they
 * are read as their ASCII forms. Only that block is folded; other look-alikes (①, ²) stay what they are and are
 * refused by the rules below.
 */
function foldFullWidth(text: string): string {
  return text.replace(/[\uff01-\uff5e\u3000]/g, (ch) =>
    ch === '\u3000' ? ' ' : String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}

const WHITESPACE = /\s+/g;

function removeWhitespace(text: string): string {
  return text.replace(WHITESPACE, '');
}

/** The first position (1-based) whose character fails `ok`, or 0. */
function firstBadPosition(value: string, ok: (ch: string) => boolean): number {
  for (let i = 0; i < value.length; i++) if (!ok(value.charAt(i))) return i + 1;
  return 0;
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

// ---- Chinese resident identity card number (GB 11643-1999) ----------------------------------------------------

/** ISO 7064 MOD 11-2 weights of the first 17 characters: 2^(17-i) mod 11. */
const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;

/** The check character of 17 digits, by GB 11643-1999 (ISO 7064 MOD 11-2; 10 is written X). */
export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  RESIDENT_ID_WEIGHTS.forEach((weight, i) => {
    sum += Number(first17.charAt(i)) * weight;
  });
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/**
 * Spaces removed, x upper-cased; a 15-digit number of the first generation (area, YYMMDD, sequence) becomes its
 * 18-character form: 19 before the year, the check character after.
 */
function normaliseResidentId(text: string, field: string): string {
  const value = removeWhitespace(text).toUpperCase();
  if (value.length !== 15) return value;
  const bad = firstBadPosition(value, isDigit);
  if (bad !== 0)
    fail(
      'INVALID_INPUT',
      `${field}: a 15-character legacy resident ID must be all digits; character ${bad} is not`,
    );
  const first17 = `${value.slice(0, 6)}19${value.slice(6)}`;
  return first17 + residentIdCheckCharacter(first17);
}

function validateResidentId(value: string, field: string, today: string | undefined): void {
  if (value.length !== 18)
    fail(
      'INVALID_INPUT',
      `${field}: a resident ID has 18 characters (or 15 digits, the legacy form), got ${value.length}`,
    );
  const bad = firstBadPosition(value.slice(0, 17), isDigit);
  if (bad !== 0)
    fail('INVALID_INPUT', `${field}: characters 1-17 of a resident ID are digits; character ${bad} is not`);
  const last = value.charAt(17);
  if (!isDigit(last) && last !== 'X')
    fail(
      'INVALID_INPUT',
      `${field}: the 18th character of a resident ID (its check character) must be a digit or X`,
    );
  if (value.startsWith('0'))
    fail('INVALID_INPUT', `${field}: the area code of a resident ID (characters 1-6) cannot start with 0`);
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (!isRealDate(birth))
    fail('INVALID_INPUT', `${field}: the birth date of the resident ID (characters 7-14) is not a real date`);
  if (Number(value.slice(6, 10)) < SUBJECT_LIMITS.residentIdBirthYearMin)
    fail(
      'INVALID_INPUT',
      `${field}: the birth date of the resident ID (characters 7-14) is before ${SUBJECT_LIMITS.residentIdBirthYearMin}`,
    );
  if (today !== undefined && birth > parseIsoDate(today, 'today'))
    fail('INVALID_INPUT', `${field}: the birth date of the resident ID (characters 7-14) is in the future`);
  if (residentIdCheckCharacter(value) !== last)
    fail(
      'INVALID_INPUT',
      `${field}: the resident ID's check character (the 18th) does not match characters 1-17 (GB 11643-1999); a character is probably mistyped`,
    );
}

function isRealDate(isoDate: string): boolean {
  try {
    parseIsoDate(isoDate, 'date');
    return true;
  } catch {
    return false;
  }
}

// ---- Mobile numbers (E.164) -----------------------------------------------------------------------------------

const CN_MOBILE = /^1[3-9]\d{9}$/;

/**
 * Spaces, dashes and parentheses removed; an international prefix written 00 read as +; digits without a country
 * code read as a mainland Chinese mobile (+86). Any other country needs its explicit +code.
 */
function normaliseMobile(text: string, field: string): string {
  const compact = text.replace(/[\s()-]+/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  const digits = international.startsWith('+') ? international.slice(1) : international;
  const bad = firstBadPosition(digits, isDigit);
  if (bad !== 0 || digits.length === 0)
    fail(
      'INVALID_INPUT',
      `${field}: a mobile number holds digits, with spaces, dashes, parentheses and a leading + (or 00) only`,
    );
  if (international.startsWith('+')) return international;
  if (!CN_MOBILE.test(digits))
    fail(
      'INVALID_INPUT',
      `${field}: without a country code a mobile number must be a mainland Chinese one (11 digits, 13-19 first); write any other as + and its country code`,
    );
  return `+86${digits}`;
}

function validateMobile(value: string, field: string): void {
  const digits = value.slice(1);
  if (digits.startsWith('0')) fail('INVALID_INPUT', `${field}: a country code cannot start with 0`);
  if (digits.length < SUBJECT_LIMITS.e164DigitsMin || digits.length > SUBJECT_LIMITS.e164DigitsMax)
    fail(
      'INVALID_INPUT',
      `${field}: an E.164 number has ${SUBJECT_LIMITS.e164DigitsMin}-${SUBJECT_LIMITS.e164DigitsMax} digits with its country code, got ${digits.length}`,
    );
  if (digits.startsWith('86') && !CN_MOBILE.test(digits.slice(2)))
    fail(
      'INVALID_INPUT',
      `${field}: a +86 number must be a mainland Chinese mobile (11 digits after +86, 13-19 first)`,
    );
}

// ---- Bank accounts and cards ----------------------------------------------------------------------------------

function normaliseAccountNumber(text: string): string {
  return removeWhitespace(text);
}

function requireDigits(value: string, field: string, what: string): void {
  if (value.length === 0) fail('INVALID_INPUT', `${field}: ${what} is required`);
  const bad = firstBadPosition(value, isDigit);
  if (bad !== 0)
    fail('INVALID_INPUT', `${field}: ${what} holds digits only; character ${bad} is not a digit`);
}

function validateBankAccount(value: string, field: string): void {
  requireDigits(value, field, 'an account number');
  const { bankAccountDigitsMin: min, bankAccountDigitsMax: max } = SUBJECT_LIMITS;
  if (value.length < min || value.length > max)
    fail('INVALID_INPUT', `${field}: an account number has ${min}-${max} digits, got ${value.length}`);
}

function validateBankCard(value: string, field: string): void {
  requireDigits(value, field, 'a card number');
  const { bankCardDigitsMin: min, bankCardDigitsMax: max } = SUBJECT_LIMITS;
  if (value.length < min || value.length > max)
    fail('INVALID_INPUT', `${field}: a card number has ${min}-${max} digits, got ${value.length}`);
  if (!luhnValid(value))
    fail('INVALID_INPUT', `${field}: the card number fails the Luhn check; a digit is probably mistyped`);
}

/** ISO/IEC 7812 (Luhn): from the right, every second digit doubled (less 9 above 9); the sum ends in 0. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits.charAt(digits.length - 1 - i));
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// ---- Unified social credit code (GB 32100-2015) ---------------------------------------------------------------

/** The code's 31 characters, in value order: digits, then A-Z without I, O, S, V and Z. */
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weights of characters 1-17: 3^i mod 31. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character of the first 17 characters of a unified social credit code (GB 32100-2015). */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  USCC_WEIGHTS.forEach((weight, i) => {
    sum += USCC_CHARSET.indexOf(first17.charAt(i)) * weight;
  });
  return USCC_CHARSET.charAt((31 - (sum % 31)) % 31);
}

function normaliseUscc(text: string): string {
  return removeWhitespace(text).toUpperCase();
}

function validateUscc(value: string, field: string): void {
  if (value.length !== 18)
    fail('INVALID_INPUT', `${field}: a unified social credit code has 18 characters, got ${value.length}`);
  const bad = firstBadPosition(value, (ch) => USCC_CHARSET.includes(ch));
  if (bad !== 0)
    fail(
      'INVALID_INPUT',
      `${field}: character ${bad} of the unified social credit code is not one of 0-9 and A-Z without I, O, S, V, Z (GB 32100-2015)`,
    );
  const badArea = firstBadPosition(value.slice(2, 8), isDigit);
  if (badArea !== 0)
    fail(
      'INVALID_INPUT',
      `${field}: characters 3-8 of a unified social credit code (the administrative division) are digits; character ${badArea + 2} is not`,
    );
  if (usccCheckCharacter(value) !== value.charAt(17))
    fail(
      'INVALID_INPUT',
      `${field}: the unified social credit code's check character (the 18th) does not match characters 1-17 (GB 32100-2015); a character is probably mistyped`,
    );
}

// ---- Passports (ISO 3166-1 alpha-3 issuing country + number) ---------------------------------------------------

/** ISO 3166-1 alpha-3, the officially assigned codes (249). */
const ISO_3166_ALPHA3: ReadonlySet<string> = new Set(
  (
    'ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS BIH ' +
    'BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB ' +
    'CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO ' +
    'GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN ' +
    'IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA ' +
    'MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER ' +
    'NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU ' +
    'RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA ' +
    'TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT ' +
    'WLF WSM YEM ZAF ZMB ZWE'
  ).split(' '),
);

export function isIsoAlpha3Country(code: string): boolean {
  return ISO_3166_ALPHA3.has(code);
}

/**
 * `CHN:E12345678`: the issuing country, a colon, the number, upper-cased. The input separates country and number
 * by a colon or by whitespace; a separator is required (a number written without its country must not be read as
 * one whose first three letters happen to be a country code). Whitespace anywhere else is dropped.
 */
function normalisePassport(text: string, field: string): string {
  const trimmed = text.trim().toUpperCase();
  const colon = trimmed.indexOf(':');
  const space = /\s/.exec(trimmed);
  const at = colon >= 0 ? colon : space ? space.index : -1;
  if (at < 0)
    fail(
      'INVALID_INPUT',
      `${field}: a passport is its issuing country's ISO 3166-1 alpha-3 code, a colon or space, then the number (e.g. CHN:E12345678)`,
    );
  const country = removeWhitespace(trimmed.slice(0, at));
  const number = removeWhitespace(trimmed.slice(at + 1));
  return `${country}:${number}`;
}

function validatePassport(value: string, field: string): void {
  const colon = value.indexOf(':');
  const country = value.slice(0, colon);
  const number = value.slice(colon + 1);
  if (!/^[A-Z]{3}$/.test(country) || !isIsoAlpha3Country(country))
    fail(
      'INVALID_INPUT',
      `${field}: the passport's issuing country must be an ISO 3166-1 alpha-3 code (e.g. CHN, DEU, USA)`,
    );
  const { passportNumberMin: min, passportNumberMax: max } = SUBJECT_LIMITS;
  if (!/^[A-Z0-9]*$/.test(number))
    fail('INVALID_INPUT', `${field}: a passport number holds letters A-Z and digits only`);
  if (number.length < min || number.length > max)
    fail(
      'INVALID_INPUT',
      `${field}: a passport number has ${min}-${max} letters or digits, got ${number.length}`,
    );
}
