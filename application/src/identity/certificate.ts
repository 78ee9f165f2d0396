import { X509Certificate } from 'node:crypto';

import { parseRoles, type Role } from '../../../chaincode/src/core/actor';

/** The OID under which fabric-ca writes an identity's attributes (JSON `{"attrs":{...}}`). */
const FABRIC_ATTRIBUTE_OID_DER = Buffer.from([0x06, 0x08, 0x2a, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01]);

export interface CertificateFacts {
  readonly enrollmentId: string;
  readonly roles: readonly Role[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly subject: string;
  readonly issuer: string;
  readonly notAfter: Date;
  readonly fingerprint256: string;
}

/**
 * Reads what the application needs from an enrolment certificate: who (CN), the role attributes fabric-ca put
 * in its attribute extension, and validity. The chaincode reads the same attributes from the same certificate.
 */
export function readCertificate(pem: string): CertificateFacts {
  const cert = new X509Certificate(pem);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  if (!cn) throw new Error('certificate has no common name');
  const attributes = attributesOf(cert.raw);
  return {
    enrollmentId: attributes['hf.EnrollmentID'] ?? cn,
    roles: parseRoles(attributes.roles),
    attributes,
    subject: cert.subject,
    issuer: cert.issuer,
    notAfter: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
  };
}

/** Finds the attribute extension in the DER and parses its JSON; an identity without one has no attributes. */
function attributesOf(der: Buffer): Record<string, string> {
  const at = der.indexOf(FABRIC_ATTRIBUTE_OID_DER);
  if (at < 0) return {};
  // After the OID: optional BOOLEAN (critical), then OCTET STRING holding the JSON.
  let i = at + FABRIC_ATTRIBUTE_OID_DER.length;
  if (der[i] === 0x01) i += 3;
  if (der[i] !== 0x04) return {};
  let length = der[i + 1] ?? 0;
  i += 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let k = 0; k < n; k++) length = (length << 8) | (der[i + k] ?? 0);
    i += n;
  }
  try {
    const parsed = JSON.parse(der.subarray(i, i + length).toString('utf8')) as {
      attrs?: Record<string, unknown>;
    };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.attrs ?? {})) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}
