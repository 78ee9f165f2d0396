import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TallyError } from './errors';
import {
  isIsoAlpha3Country,
  luhnValid,
  normaliseSubject,
  residentIdCheckCharacter,
  SUBJECT_LIMITS,
  SUBJECT_TEXT_DOMAIN,
  SUBJECT_TYPES,
  subjectText,
  usccCheckCharacter,
  type Subject,
  type SubjectType,
} from './subject';

const FIELD = 'subject';

function refusal(type: unknown, raw: unknown, today?: string): TallyError {
  try {
    normaliseSubject(type, raw, FIELD, today === undefined ? {} : { today });
  } catch (e) {
    if (e instanceof TallyError) return e;
    throw e;
  }
  throw new Error(`expected ${String(type)} ${JSON.stringify(raw)} to be refused`);
}

// ---- Reference implementations, written from the standards' own definitions (not the module's formulas) --------

/** ISO 7064 MOD 11-2 as a pure recursive system: the whole number, check included, is valid when p ends at 1. */
function iso7064Mod112Valid(id: string): boolean {
  let p = 0;
  for (const ch of id) p = ((p + (ch === 'X' ? 10 : Number(ch))) * 2) % 11;
  // Multiplying by 2 once too often at the end: the sum with weights 2^(18-i) is p/2, which must be 1 (mod 11).
  return p === 2;
}

/** GB 32100-2015: the check character's value makes the weighted sum of all 18 characters a multiple of 31. */
function usccValid(code: string): boolean {
  const charset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += charset.indexOf(code.charAt(i)) * (3 ** i % 31);
  return (sum + charset.indexOf(code.charAt(17))) % 31 === 0;
}

/** Luhn by its doubling table, from the left, with the parity fixed by the length. */
function luhnByTable(digits: string): boolean {
  const doubled = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits.charAt(i));
    sum += (digits.length - i) % 2 === 0 ? (doubled[d] ?? NaN) : d;
  }
  return sum % 10 === 0;
}

// ---- Generators of valid identifiers ------------------------------------------------------------------------------

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const birthDate = fc
  .date({ min: new Date(Date.UTC(1850, 0, 1)), max: new Date(Date.UTC(2025, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10).replaceAll('-', ''));
const residentId = fc
  .tuple(fc.stringMatching(/^[1-9]\d{5}$/), birthDate, fc.stringMatching(/^\d{3}$/))
  .map(([area, birth, seq]) => {
    const first17 = area + birth + seq;
    return first17 + residentIdCheckCharacter(first17);
  });
const legacyResidentId = fc
  .tuple(
    fc.stringMatching(/^[1-9]\d{5}$/),
    fc.date({
      min: new Date(Date.UTC(1900, 0, 1)),
      max: new Date(Date.UTC(1999, 11, 31)),
      noInvalidDate: true,
    }),
    fc.stringMatching(/^\d{3}$/),
  )
  .map(([area, d, seq]) => area + d.toISOString().slice(2, 10).replaceAll('-', '') + seq);
const uscc = fc
  .tuple(
    fc.stringMatching(/^[0-9A-HJ-NP-RTUWXY]{2}$/),
    fc.stringMatching(/^\d{6}$/),
    fc.stringMatching(/^[0-9A-HJ-NP-RTUWXY]{9}$/),
  )
  .map(([head, area, body]) => {
    const first17 = head + area + body;
    return first17 + usccCheckCharacter(first17);
  });
const card = fc
  .integer({ min: SUBJECT_LIMITS.bankCardDigitsMin - 1, max: SUBJECT_LIMITS.bankCardDigitsMax - 1 })
  .chain((n) => fc.stringMatching(new RegExp(`^[1-9]\\d{${n - 1}}$`)))
  .map((body) => {
    for (let d = 0; d < 10; d++) if (luhnValid(`${body}${d}`)) return `${body}${d}`;
    throw new Error('no Luhn digit');
  });
const account = fc.stringMatching(/^\d{8,32}$/);
const cnMobile = fc.stringMatching(/^1[3-9]\d{9}$/);
/** Numbers of other countries (the 86 country code excluded: its numbers are held to the mainland rule). */
const intlMobile = fc
  .stringMatching(/^[1-9]\d{6,14}$/)
  .filter((d) => !d.startsWith('86'))
  .map((d) => `+${d}`);
const passport = fc
  .tuple(
    fc.constantFrom('CHN', 'DEU', 'USA', 'HKG', 'MAC', 'TWN', 'GBR', 'JPN'),
    fc.stringMatching(/^[A-Z0-9]{5,20}$/),
  )
  .map(([c, n]) => `${c}:${n}`);

/** Every type with a generator of canonical raw text that is valid for it. */
const VALID: ReadonlyArray<readonly [SubjectType, fc.Arbitrary<string>]> = [
  ['CN_RESIDENT_ID', residentId],
  ['CN_RESIDENT_ID', legacyResidentId],
  ['MOBILE', cnMobile.map((m) => `+86${m}`)],
  ['MOBILE', intlMobile],
  ['BANK_ACCOUNT', account],
  ['BANK_CARD', card],
  ['CN_USCC', uscc],
  ['PASSPORT', passport],
];
const validSubject = fc.oneof(...VALID.map(([type, raw]) => raw.map((r) => [type, r] as const)));

describe('resident identity card numbers (GB 11643-1999)', () => {
  it('accepts the standard published example, and its lower-case x', () => {
    expect(normaliseSubject('CN_RESIDENT_ID', '11010519491231002X', FIELD)).toEqual({
      type: 'CN_RESIDENT_ID',
      value: '11010519491231002X',
    });
    expect(normaliseSubject('CN_RESIDENT_ID', '11010519491231002x', FIELD).value).toBe('11010519491231002X');
    expect(normaliseSubject('CN_RESIDENT_ID', ' 110105 19491231 002X ', FIELD).value).toBe(
      '11010519491231002X',
    );
  });

  it('converts a 15-digit legacy number: 19 before the year, the check character computed', () => {
    // The legacy form of the standard's example: area 110105, born 491231, sequence 002.
    expect(normaliseSubject('CN_RESIDENT_ID', '110105491231002', FIELD).value).toBe('11010519491231002X');
    expect(normaliseSubject('CN_RESIDENT_ID', '310104800229456', FIELD).value).toBe('310104198002294568');
    expect(iso7064Mod112Valid('310104198002294568')).toBe(true);
  });

  it.each([
    ['310104200002294568', 'born on 29 February of a leap century year'],
    ['510107197510310079', 'check digit 9'],
    ['65010218500101001X', 'the earliest birth year accepted'],
    ['810000198811112223', 'a Hong Kong residence permit number (area 81)'],
    ['530127199901013213', 'check digit 3'],
  ])('accepts %s (%s)', (id) => {
    expect(normaliseSubject('CN_RESIDENT_ID', id, FIELD).value).toBe(id);
    expect(iso7064Mod112Valid(id)).toBe(true);
  });

  it.each([
    ['11010519491231002', /18 characters \(or 15 digits, the legacy form\), got 17/],
    ['11010519491231002X1', /got 19/],
    ['1101051949123100AX', /characters 1-17 .* digits; character 17 is not/],
    ['11010519491231002Y', /18th character .* digit or X/],
    ['110105194912310021', /check character \(the 18th\) does not match characters 1-17/],
    ['11010519491231003X', /check character \(the 18th\) does not match/],
    ['11010519490231002X', /birth date .* \(characters 7-14\) is not a real date/],
    ['110105190002290019', /not a real date/],
    ['110105184912310028', /before 1850/],
    ['010105194912310025', /area code .* cannot start with 0/],
    ['11010549123100A', /15-character legacy resident ID must be all digits; character 15 is not/],
    ['110105491331002', /not a real date/],
    ['', /got 0/],
  ])('refuses %j', (raw, message) => {
    const e = refusal('CN_RESIDENT_ID', raw);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.detail).toMatch(new RegExp(`^${FIELD}: `));
    expect(e.detail).toMatch(message);
  });

  it('refuses a birth date after the caller’s today, when it gives one', () => {
    const id = '110105202612050016';
    expect(normaliseSubject('CN_RESIDENT_ID', id, FIELD, { today: '2026-12-05' }).value).toBe(id);
    expect(refusal('CN_RESIDENT_ID', id, '2026-12-04').detail).toMatch(/is in the future/);
    expect(normaliseSubject('CN_RESIDENT_ID', id, FIELD).value).toBe(id);
    expect(refusal('CN_RESIDENT_ID', id, '4 Dec 2026').detail).toMatch(/today must be a date as YYYY-MM-DD/);
  });

  it('uses the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11', () => {
    // A number whose only non-zero digit is at position i has the check character of that weight alone.
    for (let i = 0; i < 17; i++) {
      const first17 = '0'.repeat(i) + '1' + '0'.repeat(16 - i);
      const weight = 2 ** (17 - i) % 11;
      const expected = (12 - weight) % 11;
      expect(residentIdCheckCharacter(first17)).toBe(expected === 10 ? 'X' : String(expected));
    }
  });

  it('agrees with the recursive ISO 7064 definition on every generated number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), (first17) => {
        const check = residentIdCheckCharacter(first17);
        expect(iso7064Mod112Valid(first17 + check)).toBe(true);
        for (const other of '0123456789X') {
          if (other !== check) expect(iso7064Mod112Valid(first17 + other)).toBe(false);
        }
      }),
    );
  });
});

describe('mobile numbers (E.164)', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    ['138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['(+86) 138-0013-8000', '+8613800138000'],
    ['+86 199 1234 5678', '+8619912345678'],
    ['0086 13800138000', '+8613800138000'],
    ['１３８００１３８０００', '+8613800138000'],
    ['＋８６\u3000138 0013 8000', '+8613800138000'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+1 (415) 555-2671', '+14155552671'],
    ['+852 6123 4567', '+85261234567'],
    ['+683 4002', '+6834002'],
  ])('%j is %s', (raw, value) => {
    expect(normaliseSubject('MOBILE', raw, FIELD)).toEqual({ type: 'MOBILE', value });
  });

  it.each([
    ['12800138000', /without a country code .* mainland Chinese one/],
    ['1380013800', /without a country code/],
    ['020 7946 0958', /without a country code/],
    ['+86 10 6512 3456', /\+86 number must be a mainland Chinese mobile/],
    ['+86 138 0013 80001', /\+86 number must be a mainland Chinese mobile/],
    ['+0 123 4567', /country code cannot start with 0/],
    ['+44 20 7946 0958 1234', /7-15 digits with its country code, got 16/],
    ['+683 400', /got 6/],
    ['+44 20 7946.0958', /digits, with spaces, dashes, parentheses and a leading \+ \(or 00\) only/],
    ['+86+13800138000', /digits, with spaces/],
    ['tel:13800138000', /digits, with spaces/],
    ['+', /digits, with spaces/],
    ['', /digits, with spaces/],
  ])('refuses %j', (raw, message) => {
    const e = refusal('MOBILE', raw);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.detail).toMatch(message);
  });
});

describe('bank accounts and cards', () => {
  it.each([
    ['4111111111111111', 'a Visa test number'],
    ['5500000000000004', 'a Mastercard test number'],
    ['378282246310005', 'an American Express test number (15 digits)'],
    ['6222020200112230', 'a UnionPay-range debit card (16 digits)'],
    ['6217000012345678907', 'a 19-digit UnionPay-range card'],
    ['4111111111119', '13 digits, the shortest'],
  ])('accepts the card %s (%s) and gives it as an account number', (number) => {
    expect(normaliseSubject('BANK_CARD', number, FIELD)).toEqual({ type: 'BANK_ACCOUNT', value: number });
    expect(luhnByTable(number)).toBe(true);
  });

  it('gives a card and the same digits written as an account one subject', () => {
    const asCard = normaliseSubject('BANK_CARD', '6222 0202 0011 2230', FIELD);
    const asAccount = normaliseSubject('BANK_ACCOUNT', '6222020200112230', FIELD);
    expect(asCard).toEqual(asAccount);
    expect(subjectText(asCard)).toBe(subjectText(asAccount));
  });

  it.each([
    ['6222020200112233', /fails the Luhn check/],
    ['4111111111111112', /fails the Luhn check/],
    ['411111111116', /13-19 digits, got 12/],
    ['41111111111111111113', /13-19 digits, got 20/],
    ['4111-1111-1111-1111', /digits only; character 5 is not a digit/],
    ['', /a card number is required/],
  ])('refuses the card %j', (raw, message) => {
    expect(refusal('BANK_CARD', raw).detail).toMatch(message);
  });

  it('accepts accounts of 8-32 digits without a check, spaces removed', () => {
    expect(normaliseSubject('BANK_ACCOUNT', '1234 5678', FIELD).value).toBe('12345678');
    expect(normaliseSubject('BANK_ACCOUNT', '6222020200112233', FIELD).value).toBe('6222020200112233');
    expect(normaliseSubject('BANK_ACCOUNT', '9'.repeat(32), FIELD).value).toBe('9'.repeat(32));
    expect(refusal('BANK_ACCOUNT', '1234567').detail).toMatch(/8-32 digits, got 7/);
    expect(refusal('BANK_ACCOUNT', '9'.repeat(33)).detail).toMatch(/8-32 digits, got 33/);
    expect(refusal('BANK_ACCOUNT', 'DE89370400440532013000').detail).toMatch(/character 1 is not a digit/);
    expect(refusal('BANK_ACCOUNT', '   ').detail).toMatch(/an account number is required/);
  });

  it('agrees with the Luhn doubling table on every generated number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,25}$/), (digits) => {
        expect(luhnValid(digits)).toBe(luhnByTable(digits));
      }),
    );
  });
});

describe('unified social credit codes (GB 32100-2015)', () => {
  it.each([
    ['91110108MA01ABCD0B', 'a company (registration authority 9)'],
    ['92440300L12345678R', 'an individual business (category 2)'],
    ['12100000400000123X', 'a public institution (authority 1)'],
    ['51310000MJ45678901', 'a social organisation (authority 5), check digit 1'],
    ['Y1440100MA9Y8P7Q5T', 'authority Y'],
    ['31440000MD0123456L', 'authority 3'],
  ])('accepts %s (%s)', (code) => {
    expect(normaliseSubject('CN_USCC', code, FIELD)).toEqual({ type: 'CN_USCC', value: code });
    expect(normaliseSubject('CN_USCC', code.toLowerCase(), FIELD).value).toBe(code);
    expect(usccValid(code)).toBe(true);
  });

  it.each([
    ['91110108MA01ABCD0C', /check character \(the 18th\) does not match characters 1-17 \(GB 32100-2015\)/],
    ['91110108MA01ABCD0', /18 characters, got 17/],
    ['91110108MA01ABCDOB', /character 17 .* not one of 0-9 and A-Z without I, O, S, V, Z/],
    ['9111010SMA01ABCD0B', /character 8 .* not one of/],
    ['911101O8MA01ABCD0B', /character 7 .* not one of/],
    ['9111A108MA01ABCD0B', /characters 3-8 .* are digits; character 5 is not/],
  ])('refuses %j', (raw, message) => {
    expect(refusal('CN_USCC', raw).detail).toMatch(message);
  });

  it('uses the weights 3^i mod 31', () => {
    for (let i = 0; i < 17; i++) {
      const first17 = '0'.repeat(i) + '1' + '0'.repeat(16 - i);
      expect(usccCheckCharacter(first17)).toBe(USCC_CHARS.charAt((31 - (3 ** i % 31)) % 31));
    }
  });

  it('agrees with the definition (the weighted sum with the check is a multiple of 31)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-HJ-NP-RTUWXY]{17}$/), (first17) => {
        expect(usccValid(first17 + usccCheckCharacter(first17))).toBe(true);
      }),
    );
  });
});

describe('passports', () => {
  it.each([
    ['CHN:E12345678', 'CHN:E12345678'],
    ['chn e12345678', 'CHN:E12345678'],
    ['  DEU : C01X00T47 ', 'DEU:C01X00T47'],
    ['USA 5 6 7 8 9 1 2 3 4', 'USA:567891234'],
    ['ＣＨＮ：Ｅ１２３４５', 'CHN:E12345'],
    [`GBR:${'A'.repeat(20)}`, `GBR:${'A'.repeat(20)}`],
  ])('%j is %s', (raw, value) => {
    expect(normaliseSubject('PASSPORT', raw, FIELD)).toEqual({ type: 'PASSPORT', value });
  });

  it.each([
    ['E12345678', /a colon or space, then the number/],
    ['CN:E12345678', /ISO 3166-1 alpha-3 code/],
    ['XXA:E12345678', /ISO 3166-1 alpha-3 code/],
    ['D:C01X00T47', /ISO 3166-1 alpha-3 code/],
    ['CHN:E123', /5-20 letters or digits, got 4/],
    [`CHN:${'A'.repeat(21)}`, /got 21/],
    ['CHN:E123-45678', /letters A-Z and digits only/],
    ['CHN:', /got 0/],
  ])('refuses %j', (raw, message) => {
    expect(refusal('PASSPORT', raw).detail).toMatch(message);
  });

  it('knows the 249 officially assigned ISO 3166-1 alpha-3 codes, and not the reserved ones', () => {
    let assigned = 0;
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++)
        for (let c = 65; c <= 90; c++) if (isIsoAlpha3Country(String.fromCharCode(a, b, c))) assigned++;
    expect(assigned).toBe(249);
    for (const code of ['CHN', 'HKG', 'MAC', 'TWN', 'SSD', 'BES', 'CUW', 'SXM'])
      expect(isIsoAlpha3Country(code)).toBe(true);
    for (const code of ['ANT', 'SCG', 'UNO', 'XXA', 'EUE', 'GBD', 'RKS', 'XKX'])
      expect(isIsoAlpha3Country(code)).toBe(false);
  });
});

describe('every type', () => {
  it('refuses an unknown type, text that is not a string, and text over the limit', () => {
    expect(refusal('EMAIL', 'a@b.c').detail).toMatch(
      /subject type must be one of CN_RESIDENT_ID, .*, got "EMAIL"/,
    );
    expect(refusal(undefined, 'x').detail).toMatch(/got undefined/);
    expect(refusal('MOBILE', 13800138000).detail).toBe(`${FIELD} must be text`);
    expect(refusal('BANK_ACCOUNT', '1'.repeat(SUBJECT_LIMITS.rawLengthMax + 1)).detail).toMatch(
      /longer than 64 characters/,
    );
  });

  it('lists its types once', () => {
    expect(new Set(SUBJECT_TYPES).size).toBe(SUBJECT_TYPES.length);
  });

  it('normalising is idempotent: a subject read again as its own type comes back unchanged', () => {
    fc.assert(
      fc.property(validSubject, ([type, raw]) => {
        const once = normaliseSubject(type, raw, FIELD);
        expect(normaliseSubject(once.type, once.value, FIELD)).toEqual(once);
      }),
    );
  });

  it('normalising is idempotent on any text it accepts at all', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^[0-9Xx +()-]{0,24}$/),
      fc.stringMatching(/^[A-Za-z]{3}[: ][A-Za-z0-9 ]{0,22}$/),
    );
    fc.assert(
      fc.property(fc.constantFrom(...SUBJECT_TYPES), anyText, (type, raw) => {
        let once: Subject;
        try {
          once = normaliseSubject(type, raw, FIELD);
        } catch (e) {
          expect(e).toBeInstanceOf(TallyError);
          return;
        }
        expect(normaliseSubject(once.type, once.value, FIELD)).toEqual(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('whitespace anywhere (spaces, tabs, no-break and ideographic spaces) does not change the subject', () => {
    const spaces = fc.array(fc.constantFrom(' ', '  ', '\t', '\u00a0', '\u3000'), { maxLength: 3 });
    fc.assert(
      fc.property(
        validSubject,
        fc.array(
          fc.tuple(
            fc.nat(),
            spaces.map((s) => s.join('')),
          ),
          { maxLength: 6 },
        ),
        ([type, raw], inserts) => {
          let spaced = raw;
          for (const [at, space] of inserts) {
            const i = at % (spaced.length + 1);
            spaced = spaced.slice(0, i) + space + spaced.slice(i);
          }
          expect(normaliseSubject(type, spaced, FIELD)).toEqual(normaliseSubject(type, raw, FIELD));
        },
      ),
    );
  });

  it('any single-character change of an identifier with a check character is refused or gives another value', () => {
    const checked = fc.oneof(
      residentId.map((r) => ['CN_RESIDENT_ID', r] as const),
      uscc.map((r) => ['CN_USCC', r] as const),
      card.map((r) => ['BANK_CARD', r] as const),
    );
    // Upper-case letters, digits and a few other characters: a change of case only is not a change.
    const replacement = fc.constantFrom(...Array.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-./#'));
    fc.assert(
      fc.property(checked, fc.nat(), replacement, ([type, raw], at, ch) => {
        const i = at % raw.length;
        fc.pre(raw.charAt(i) !== ch);
        const original = normaliseSubject(type, raw, FIELD);
        const changed = raw.slice(0, i) + ch + raw.slice(i + 1);
        let result: Subject | undefined;
        try {
          result = normaliseSubject(type, changed, FIELD);
        } catch (e) {
          expect(e).toBeInstanceOf(TallyError);
          return;
        }
        expect(result.value).not.toBe(original.value);
      }),
      { numRuns: 3000 },
    );
  });

  it('a check character catches every single substitution (not just most)', () => {
    fc.assert(
      fc.property(residentId, uscc, card, (id, code, number) => {
        for (const [type, raw, alphabet] of [
          ['CN_RESIDENT_ID', id, '0123456789X'],
          ['CN_USCC', code, USCC_CHARS],
          ['BANK_CARD', number, '0123456789'],
        ] as const) {
          for (let i = 0; i < raw.length; i++) {
            for (const ch of alphabet) {
              if (ch === raw.charAt(i)) continue;
              expect(() => normaliseSubject(type, raw.slice(0, i) + ch + raw.slice(i + 1), FIELD)).toThrow(
                TallyError,
              );
            }
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('error messages never carry the identifier', () => {
  /** The standards and the country code a message may name: their numbers are not the identifier's. */
  const STANDARDS =
    /\+86|GB 11643-1999|GB 32100-2015|ISO 3166-1|E\.164|e\.g\. CHN:E12345678|e\.g\. CHN, DEU, USA/g;

  /**
   * What a message may hold besides words: lengths, positions and the named bounds (all at most 64), and the
   * earliest birth year. So no number in it can be a piece of the identifier longer than two digits.
   */
  function expectNoEcho(detail: string, raw: string): void {
    const text = detail.replace(STANDARDS, '').toUpperCase();
    for (const n of text.match(/\d+/g) ?? []) {
      expect(Number(n) <= SUBJECT_LIMITS.rawLengthMax || n === '1850', `${n} in "${detail}"`).toBe(true);
    }
    const compact = raw.replace(/\s/g, '').toUpperCase();
    for (let i = 0; i + 5 <= compact.length; i++) {
      expect(text.includes(compact.slice(i, i + 5)), `"${compact.slice(i, i + 5)}" in "${detail}"`).toBe(
        false,
      );
    }
  }

  it('holds for a corpus of invalid identifiers of every type', () => {
    const corpus: ReadonlyArray<readonly [SubjectType, string]> = [
      ['CN_RESIDENT_ID', '110105194912310021'],
      ['CN_RESIDENT_ID', '11010519490231002X'],
      ['CN_RESIDENT_ID', '3101042000022945'],
      ['CN_RESIDENT_ID', '11010549123100A'],
      ['MOBILE', '12800138000'],
      ['MOBILE', '+86 10 6512 3456'],
      ['MOBILE', '+44 20 7946 0958 1234'],
      ['BANK_CARD', '6222020200112233'],
      ['BANK_CARD', '62220202001122334455'],
      ['BANK_ACCOUNT', '6222020200112233X'],
      ['CN_USCC', '91110108MA01ABCD0C'],
      ['CN_USCC', '91110108MA01ABCDOB'],
      ['PASSPORT', 'XXA:E98765432'],
      ['PASSPORT', 'CHN:E98765432-1'],
    ];
    for (const [type, raw] of corpus) expectNoEcho(refusal(type, raw).detail, raw);
  });

  it('holds for any text of any type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUBJECT_TYPES),
        fc.oneof(fc.stringMatching(/^[0-9A-Z +:-]{0,40}$/), fc.stringMatching(/^\d{5,25}$/)),
        (type, raw) => {
          try {
            normaliseSubject(type, raw, FIELD);
          } catch (e) {
            if (!(e instanceof TallyError)) throw e;
            expectNoEcho(e.detail, raw);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('holds for mistyped identifiers (a valid one with a character changed, dropped or doubled)', () => {
    const typo = fc.constantFrom('change', 'drop', 'double');
    fc.assert(
      fc.property(
        validSubject,
        fc.nat(),
        typo,
        fc.constantFrom(...Array.from('0123456789XAOZ')),
        (s, at, kind, ch) => {
          const [type, raw] = s;
          const i = at % raw.length;
          const mistyped =
            kind === 'change'
              ? raw.slice(0, i) + ch + raw.slice(i + 1)
              : kind === 'drop'
                ? raw.slice(0, i) + raw.slice(i + 1)
                : raw.slice(0, i + 1) + raw.slice(i);
          try {
            normaliseSubject(type, mistyped, FIELD);
          } catch (e) {
            if (!(e instanceof TallyError)) throw e;
            expectNoEcho(e.detail, mistyped);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('the hashed text', () => {
  it('is the domain label, the type and the value', () => {
    expect(SUBJECT_TEXT_DOMAIN).toBe('tallystick.blacklist.subject.v1');
    expect(subjectText(normaliseSubject('CN_RESIDENT_ID', '110105491231002', FIELD))).toBe(
      'tallystick.blacklist.subject.v1|CN_RESIDENT_ID|11010519491231002X',
    );
    expect(subjectText(normaliseSubject('PASSPORT', 'chn e12345678', FIELD))).toBe(
      'tallystick.blacklist.subject.v1|PASSPORT|CHN:E12345678',
    );
    expect(subjectText(normaliseSubject('BANK_CARD', '4111 1111 1111 1111', FIELD))).toBe(
      'tallystick.blacklist.subject.v1|BANK_ACCOUNT|4111111111111111',
    );
  });

  it('reads back to exactly one subject (distinct subjects, distinct texts)', () => {
    fc.assert(
      fc.property(validSubject, validSubject, ([t1, r1], [t2, r2]) => {
        const a = normaliseSubject(t1, r1, FIELD);
        const b = normaliseSubject(t2, r2, FIELD);
        const same = a.type === b.type && a.value === b.value;
        expect(subjectText(a) === subjectText(b)).toBe(same);
        const [, type, value] = subjectText(a).split('|');
        expect({ type, value }).toEqual({ type: a.type, value: a.value });
      }),
    );
  });

  it('refuses a subject that did not come from normalisation', () => {
    const forged = { type: 'MOBILE', value: '13800138000' } as unknown as Subject;
    expect(() => subjectText(forged)).toThrow(/subject is not in canonical form/);
    const card = { type: 'BANK_CARD', value: '4111111111111111' } as unknown as Subject;
    expect(() => subjectText(card)).toThrow(/subject is not in canonical form/);
    const invalid = { type: 'CN_USCC', value: '91110108MA01ABCD0C' } as unknown as Subject;
    expect(() => subjectText(invalid)).toThrow(/subject: the unified social credit code's check character/);
  });
});
