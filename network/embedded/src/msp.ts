import * as crypto from 'node:crypto';
import { ClientIdentity } from 'fabric-shim';

export type VerifiedIdentity = {
  mspId: string;
  certificatePem: string;
  publicKey: crypto.KeyObject;
  /** As fabric-shim's ClientIdentity.getID(): `x509::<subject>::<issuer>`. */
  clientId: string;
  /** The identity type (OU) fabric-ca issued: client, peer or admin. */
  type: string;
};

/**
 * The channel's membership service: which CA certificates root which organisation. An identity is
 * valid for an MSP ID when its certificate was issued and signed by that organisation's CA and is
 * within its validity period. Results are cached per certificate, so each is checked once.
 */
export class Membership {
  private readonly roots = new Map<string, crypto.X509Certificate>();
  private readonly verified = new Map<string, VerifiedIdentity>();

  constructor(caCertificates: ReadonlyMap<string, string>) {
    for (const [mspId, pem] of caCertificates) this.roots.set(mspId, new crypto.X509Certificate(pem));
  }

  /** Throws with the reason when the identity does not belong to `mspId`. */
  verify(mspId: string, certificatePem: string): VerifiedIdentity {
    const cacheKey = mspId + '\n' + certificatePem;
    const cached = this.verified.get(cacheKey);
    if (cached !== undefined) {
      this.checkValidity(cached.certificatePem, mspId);
      return cached;
    }
    const root = this.roots.get(mspId);
    if (root === undefined) throw new Error(`MSP ${mspId} is not a member of the channel`);
    let cert: crypto.X509Certificate;
    try {
      cert = new crypto.X509Certificate(certificatePem);
    } catch {
      throw new Error(`the identity of ${mspId} is not a valid X.509 certificate`);
    }
    if (!cert.checkIssued(root) || !cert.verify(root.publicKey)) {
      throw new Error(`the identity is not issued by the CA of ${mspId}`);
    }
    this.checkValidity(certificatePem, mspId, cert);
    const stub = {
      getChannelID: () => '',
      getTxID: () => '',
      getCreator: () => ({ mspid: mspId, idBytes: Buffer.from(certificatePem) }),
    };
    const clientId = new ClientIdentity(
      stub as unknown as ConstructorParameters<typeof ClientIdentity>[0],
    ).getID();
    const ou = /^OU=(.*)$/m.exec(cert.subject)?.[1] ?? '';
    const identity: VerifiedIdentity = {
      mspId,
      certificatePem,
      publicKey: cert.publicKey,
      clientId,
      type: ou,
    };
    this.verified.set(cacheKey, identity);
    return identity;
  }

  private readonly validity = new Map<string, [number, number]>();

  private checkValidity(pem: string, mspId: string, cert?: crypto.X509Certificate): void {
    let range = this.validity.get(pem);
    if (range === undefined) {
      const c = cert ?? new crypto.X509Certificate(pem);
      range = [Date.parse(c.validFrom), Date.parse(c.validTo)];
      this.validity.set(pem, range);
    }
    const now = Date.now();
    if (now < range[0] || now > range[1])
      throw new Error(`the certificate of the ${mspId} identity has expired or is not yet valid`);
  }
}
