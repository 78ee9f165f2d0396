import type { EmbeddedConsortium } from '../ledger/embeddedLedgerGateway';
import { EnrolmentRefused, type Enroller } from './enroller';

/** Enrols at one institution's CA of the embedded network (the live network uses fabric-ca). */
export function embeddedEnroller(consortium: EmbeddedConsortium, mspId: string): Enroller {
  const ca = consortium.network.ca(mspId);
  return {
    async enroll(enrollmentId, secret) {
      try {
        return await ca.enroll(enrollmentId, secret);
      } catch (e) {
        throw new EnrolmentRefused(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
