/**
 * The notice-key directory's shapes (docs/RECONCILIATION.md, "parties as commitments", points 1-3), shared with
 * applications: declared once here, with no Fabric import, so that the application never imports the contract.
 */

/** One institution's registered notice key: the public half of its X25519 key pair. */
export interface NoticeKeyRecord {
  readonly mspId: string;
  /** The raw 32-byte X25519 public key, in standard base64 (44 characters). */
  readonly publicKey: string;
  /** The time of the transaction that registered it (UTC ISO-8601). */
  readonly registeredAt: string;
}

/** What registerNoticeKey answers: the record as it now stands, and whether this call changed it. */
export interface NoticeKeyRegistration extends NoticeKeyRecord {
  /** REGISTERED: first key or a different one (rotation); UNCHANGED: that key was registered already. */
  readonly outcome: 'REGISTERED' | 'UNCHANGED';
}

/** A notice as the chaincode keeps it with a case (core/notices.ts). */
export type { Notice } from '../core/notices';
