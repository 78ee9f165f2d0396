import type { Identity } from '../ledger/ledgerGateway';

/**
 * Exchanges a person's enrolment id and secret for an X.509 identity at their institution's CA: fabric-ca on
 * the live network, the embedded network's own CA otherwise. A wrong secret is an error, never a fallback.
 */
export interface Enroller {
  enroll(enrollmentId: string, secret: string): Promise<Identity>;
}

export class EnrolmentRefused extends Error {
  override readonly name = 'EnrolmentRefused';
}
