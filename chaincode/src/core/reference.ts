import { fail } from './errors';

/** UETR: a lowercase UUID version 4, as SWIFT gpi and ISO 20022 carry it. */
const UETR = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** ISO 20022 EndToEndId: Max35Text, restricted here to the SWIFT-safe character set. */
const END_TO_END_ID = /^[A-Za-z0-9/?:().,'+ -]{1,35}$/;

export type PaymentReference = string & { readonly __brand: 'PaymentReference' };

/**
 * A case is keyed by the payment's end-to-end reference. A UETR must be exactly that shape; anything else is
 * read as an EndToEndId. "NOTPROVIDED" is what ISO 20022 puts where there is none: it identifies nothing.
 */
export function parseReference(value: unknown, field = 'reference'): PaymentReference {
  if (typeof value !== 'string' || value.length === 0) fail('INVALID_REFERENCE', `${field} is required`);
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-/.test(value) && value.length === 36) {
    if (!UETR.test(value)) {
      fail(
        'INVALID_REFERENCE',
        `${field} looks like a UETR but is not a lowercase UUID v4: ${JSON.stringify(value)}`,
      );
    }
    return value as PaymentReference;
  }
  if (!END_TO_END_ID.test(value) || value.trim() !== value) {
    fail(
      'INVALID_REFERENCE',
      `${field} must be a UETR or an EndToEndId of 1-35 SWIFT characters without surrounding spaces, got ${JSON.stringify(value.slice(0, 50))}`,
    );
  }
  if (value.toUpperCase() === 'NOTPROVIDED')
    fail('INVALID_REFERENCE', `${field} NOTPROVIDED identifies no payment`);
  return value as PaymentReference;
}

/** Client-chosen ids (leg ids, idempotency keys): printable, no separators we use in keys. */
export function parseClientId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(value)) {
    fail(
      'INVALID_INPUT',
      `${field} must be 1-64 characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** An account reference: an IBAN (checked) or another account identifier of up to 34 characters. */
export function parseAccountRef(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9/.-]{1,34}$/.test(value)) {
    fail(
      'INVALID_INPUT',
      `${field} must be an account reference of 1-34 characters (IBAN or other), got ${JSON.stringify(value)}`,
    );
  }
  if (/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(value) && !ibanChecksumValid(value)) {
    fail('INVALID_INPUT', `${field} ${value} has the shape of an IBAN but its check digits are wrong`);
  }
  return value;
}

function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** A calendar date, YYYY-MM-DD, that exists. */
export function parseIsoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    fail('INVALID_INPUT', `${field} must be a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  // The pattern above fixed every character's place: the fields are read where they stand.
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const daysInMonth = m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth)
    fail('INVALID_INPUT', `${field} ${value} is not a real date`);
  return value;
}

export function parseBranchCode(value: unknown, field = 'branch'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9]{1,11}$/.test(value)) {
    fail('INVALID_INPUT', `${field} must be 1-11 letters or digits, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Free text from a person (comments, reasons): bounded, no control characters. */
export function parseText(value: unknown, field: string, maxLength: number, required = true): string {
  if (value === undefined || value === null || value === '') {
    if (required) fail('INVALID_INPUT', `${field} is required`);
    return '';
  }
  if (typeof value !== 'string' || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
    fail('INVALID_INPUT', `${field} must be text without control characters`);
  }
  if (value.length > maxLength) fail('INVALID_INPUT', `${field} is longer than ${maxLength} characters`);
  return value;
}
