import 'reflect-metadata';
import * as crypto from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** What a client needs to sign as a member of an organisation: the MSP ID, its X.509 certificate and key. */
export type Identity = { mspId: string; certificatePem: string; privateKeyPem: string };

/** fabric-ca identity types: the value of `hf.Type` and the OU of the issued certificate. */
export type IdentityType = 'client' | 'peer' | 'admin';

/** The OID under which fabric-ca puts the identity's attributes, read by fabric-shim's ClientIdentity. */
export const FABRIC_ATTRIBUTE_OID = '1.2.3.4.5.6.7.8.1';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const SCRYPT = { N: 1 << 14, r: 8, p: 1, keyLength: 32 } as const;
const CLOCK_SKEW_MS = 5 * 60 * 1000; // fabric-ca backdates certificates by five minutes, for the same reason
const ECERT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
const CA_VALIDITY_MS = 15 * 365 * 24 * 3600 * 1000;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

type Registration = {
  type: IdentityType;
  attrs: Record<string, string>;
  salt: string;
  secretHash: string;
};

type Registry = Record<string, Registration>;

function scrypt(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

async function writeFileAtomic(file: string, data: string): Promise<void> {
  // Unique per write: two enrolments of one id at once (a login and the node's own reader) each rename their own.
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive INTEGER
  return bytes.toString('hex');
}

async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** The JSON fabric-ca embeds: Go marshals the attribute map with its keys sorted. */
export function fabricAttributeJson(attrs: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(attrs).sort()) sorted[name] = attrs[name] ?? '';
  return JSON.stringify({ attrs: sorted });
}

/**
 * One organisation's certificate authority, with fabric-ca's register/enroll model: an identity is
 * registered once with a secret, type and attributes; enrolling with that secret issues an X.509
 * certificate (and, unlike fabric-ca, which signs a client-made CSR, the key pair too).
 * Everything is persisted under `dir`; keys and the registry are written with mode 0600.
 */
export class CertificateAuthority {
  private constructor(
    readonly mspId: string,
    readonly certificatePem: string,
    private readonly dir: string,
    private readonly caKeys: webcrypto.CryptoKeyPair,
    private readonly caCert: x509.X509Certificate,
    private readonly registry: Registry,
  ) {}

  /** Opens the CA stored in `dir`, creating its root key and self-signed certificate the first time. */
  static async open(dir: string, mspId: string): Promise<CertificateAuthority> {
    await fs.mkdir(path.join(dir, 'enrolled'), { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'ca-key.pem');
    const certFile = path.join(dir, 'ca-cert.pem');
    let keyPem = await readIfExists(keyFile);
    let certPem = await readIfExists(certFile);
    let keys: webcrypto.CryptoKeyPair;
    let cert: x509.X509Certificate;
    if (keyPem === undefined || certPem === undefined) {
      keys = await newKeyPair();
      const now = Date.now();
      cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: `CN=ca.${mspId}, O=${mspId}`,
        notBefore: new Date(now - CLOCK_SKEW_MS),
        notAfter: new Date(now + CA_VALIDITY_MS),
        keys,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(true, 1, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
            true,
          ),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      keyPem = await privateKeyPem(keys.privateKey);
      certPem = cert.toString('pem');
      await writeFileAtomic(keyFile, keyPem);
      await writeFileAtomic(certFile, certPem);
    } else {
      cert = new x509.X509Certificate(certPem);
      const nodeKey = crypto.createPrivateKey(keyPem);
      const der = nodeKey.export({ format: 'der', type: 'pkcs8' });
      const privateKey = await crypto.webcrypto.subtle.importKey('pkcs8', der, ECDSA_P256, true, ['sign']);
      const publicKey = (await cert.publicKey.export(ECDSA_P256, [
        'verify',
      ])) as unknown as webcrypto.CryptoKey;
      keys = { privateKey, publicKey };
    }
    const registryText = await readIfExists(path.join(dir, 'registry.json'));
    const registry = registryText === undefined ? {} : (JSON.parse(registryText) as Registry);
    return new CertificateAuthority(mspId, certPem, dir, keys, cert, registry);
  }

  isRegistered(enrollmentId: string): boolean {
    return Object.hasOwn(this.registry, enrollmentId);
  }

  /**
   * Registers an identity. `attrs` become certificate attributes (fabric-ca's `ecert: true`);
   * `hf.EnrollmentID`, `hf.Type` and `hf.Affiliation` are added as fabric-ca does.
   */
  async register(
    enrollmentId: string,
    secret: string,
    attrs: Record<string, string>,
    type: IdentityType,
  ): Promise<void> {
    if (!ID_PATTERN.test(enrollmentId)) {
      throw new Error(`Invalid enrollment ID '${enrollmentId}' for CA ${this.mspId}`);
    }
    if (this.isRegistered(enrollmentId)) {
      throw new Error(`Identity '${enrollmentId}' is already registered with CA ${this.mspId}`);
    }
    if (secret.length === 0) throw new Error(`Registering '${enrollmentId}': the secret must not be empty`);
    for (const name of Object.keys(attrs)) {
      if (name.startsWith('hf.')) {
        throw new Error(`Registering '${enrollmentId}': attribute '${name}' is reserved for the CA`);
      }
    }
    const salt = crypto.randomBytes(16);
    const hash = await scrypt(secret, salt);
    this.registry[enrollmentId] = {
      type,
      attrs: { ...attrs },
      salt: salt.toString('base64'),
      secretHash: hash.toString('base64'),
    };
    await writeFileAtomic(path.join(this.dir, 'registry.json'), JSON.stringify(this.registry, null, 1));
  }

  /** A registered identity's certificate attributes (without the CA's own `hf.*`), or undefined. */
  attributesOf(enrollmentId: string): Readonly<Record<string, string>> | undefined {
    return this.registry[enrollmentId]?.attrs;
  }

  /**
   * Replaces a registered identity's attributes, as `fabric-ca-client identity modify` does: certificates issued
   * from then on (the next enrolment) carry them; those issued before keep what they were issued with.
   */
  async modify(enrollmentId: string, attrs: Record<string, string>): Promise<void> {
    const reg = this.registry[enrollmentId];
    if (reg === undefined)
      throw new Error(`Identity '${enrollmentId}' is not registered with CA ${this.mspId}`);
    for (const name of Object.keys(attrs)) {
      if (name.startsWith('hf.')) {
        throw new Error(`Modifying '${enrollmentId}': attribute '${name}' is reserved for the CA`);
      }
    }
    this.registry[enrollmentId] = { ...reg, attrs: { ...attrs } };
    await writeFileAtomic(path.join(this.dir, 'registry.json'), JSON.stringify(this.registry, null, 1));
  }

  /** Checks the secret and issues a new certificate and key pair for a registered identity. */
  async enroll(enrollmentId: string, secret: string): Promise<Identity> {
    const reg = this.registry[enrollmentId];
    if (reg === undefined) {
      throw new Error(
        `Enrollment failed: identity '${enrollmentId}' is not registered with CA ${this.mspId}`,
      );
    }
    const expected = Buffer.from(reg.secretHash, 'base64');
    const actual = await scrypt(secret, Buffer.from(reg.salt, 'base64'));
    if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) {
      throw new Error(`Enrollment failed: wrong secret for identity '${enrollmentId}' at CA ${this.mspId}`);
    }
    const identity = await this.issue(enrollmentId, reg);
    await writeFileAtomic(
      path.join(this.dir, 'enrolled', `${enrollmentId}.json`),
      JSON.stringify(identity, null, 1),
    );
    return identity;
  }

  /** The identity this organisation's peer signs endorsements with (registered and enrolled on first use). */
  async peerIdentity(): Promise<Identity> {
    const peerId = `peer0.${this.mspId}`;
    const file = path.join(this.dir, 'enrolled', `${peerId}.json`);
    const stored = await readIfExists(file);
    if (stored !== undefined) return JSON.parse(stored) as Identity;
    const reg: Registration = { type: 'peer', attrs: {}, salt: '', secretHash: '' };
    const identity = await this.issue(peerId, reg);
    await writeFileAtomic(file, JSON.stringify(identity, null, 1));
    return identity;
  }

  private async issue(enrollmentId: string, reg: Registration): Promise<Identity> {
    const keys = await newKeyPair();
    const now = Date.now();
    const attrs = {
      ...reg.attrs,
      'hf.EnrollmentID': enrollmentId,
      'hf.Type': reg.type,
      'hf.Affiliation': '',
    };
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `O=${this.mspId}, OU=${reg.type}, CN=${enrollmentId}`,
      issuer: this.caCert.subject,
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter: new Date(Math.min(now + ECERT_VALIDITY_MS, this.caCert.notAfter.getTime())),
      publicKey: keys.publicKey,
      signingKey: this.caKeys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.caKeys.publicKey),
        new x509.Extension(FABRIC_ATTRIBUTE_OID, false, Buffer.from(fabricAttributeJson(attrs))),
      ],
    });
    return {
      mspId: this.mspId,
      certificatePem: cert.toString('pem'),
      privateKeyPem: await privateKeyPem(keys.privateKey),
    };
  }
}
