import { randomBytes, scrypt } from 'node:crypto';

import type { Identity } from '../ledger/ledgerGateway';
import { EnrolmentRefused, type Enroller } from './enroller';

/** What the embedded network's CA offers (network/embedded/src/ca.ts). */
export interface EmbeddedCa {
  isRegistered(enrollmentId: string): boolean;
  enroll(enrollmentId: string, secret: string): Promise<Identity>;
}

/**
 * The embedded CA's secret hash (network/embedded/src/ca.ts: scrypt N=2^14, r=8, p=1, 32 bytes). The CA answers
 * an unknown id at once and a known one after hashing the secret, so the time of a refusal would tell which
 * ids exist; an unknown id is refused here only after the same work.
 */
const SCRYPT = { N: 1 << 14, r: 8, p: 1, keyLength: 32 } as const;

function sameWorkAsTheCa(secret: string): Promise<void> {
  return new Promise((resolve) => {
    scrypt(secret, randomBytes(16), SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, () => {
      resolve();
    });
  });
}

/**
 * Enrols at one institution's CA of the embedded network (the live network uses fabric-ca); obtained through
 * the connection: `consortium.enroller(mspId)`.
 */
export function embeddedEnroller(ca: EmbeddedCa): Enroller {
  return {
    async enroll(enrollmentId, secret) {
      if (!ca.isRegistered(enrollmentId)) {
        await sameWorkAsTheCa(secret);
        throw new EnrolmentRefused('enrolment refused');
      }
      try {
        return await ca.enroll(enrollmentId, secret);
      } catch (e) {
        throw new EnrolmentRefused(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
