import FabricCAServices from 'fabric-ca-client';

import { EnrolmentRefused, type Enroller } from './enroller';

export interface FabricCaOptions {
  /** The institution's fabric-ca, e.g. https://127.0.0.1:17110 (network/fabric/topology.json). */
  readonly url: string;
  /** The CA's TLS certificate (PEM), trusted for this connection only. */
  readonly tlsCaPem: string;
  readonly mspId: string;
  readonly caName?: string;
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
  return {
    async enroll(enrollmentId, secret) {
      try {
        const r = await ca.enroll({ enrollmentID: enrollmentId, enrollmentSecret: secret });
        return { mspId: options.mspId, certificatePem: r.certificate, privateKeyPem: r.key.toBytes() };
      } catch (e) {
        throw new EnrolmentRefused(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
