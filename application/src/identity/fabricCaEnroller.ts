import FabricCAServices from 'fabric-ca-client';

import { EnrolmentRefused, type Enroller } from './enroller';

export interface FabricCaOptions {
  /** The institution's fabric-ca, e.g. https://127.0.0.1:17110 (network/fabric/topology.json). */
  readonly url: string;
  /** The CA's TLS certificate (PEM), trusted for this connection only. */
  readonly tlsCaPem: string;
  readonly mspId: string;
  readonly caName?: string;
  /**
   * A refusal is answered no sooner than this after the attempt began (default 1,000 ms). fabric-ca refuses an
   * unknown id sooner than a wrong secret of a known one (it hashes only the latter), and its cost is not ours
   * to change: a floor above both keeps ids from being told apart by time.
   */
  readonly refusalFloorMs?: number;
}

/**
 * Enrols people at their institution's fabric-ca with their enrolment id and secret, through fabric-ca-client.
 * The CA issues a fresh key and certificate carrying the role attributes it registered (`roles`, ecert).
 */
export function fabricCaEnroller(options: FabricCaOptions): Enroller {
  const ca = new FabricCAServices(
    options.url,
    { trustedRoots: [options.tlsCaPem], verify: true },
    options.caName,
  );
  const floorMs = options.refusalFloorMs ?? 1_000;
  return {
    async enroll(enrollmentId, secret) {
      const started = performance.now();
      try {
        const r = await ca.enroll({ enrollmentID: enrollmentId, enrollmentSecret: secret });
        return { mspId: options.mspId, certificatePem: r.certificate, privateKeyPem: r.key.toBytes() };
      } catch (e) {
        const left = floorMs - (performance.now() - started);
        if (left > 0)
          await new Promise((resolve) => {
            setTimeout(resolve, left);
          });
        throw new EnrolmentRefused(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
