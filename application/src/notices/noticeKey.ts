import { hkdfSync, type KeyObject } from 'node:crypto';

import { noticePrivateKey, noticePublicKeyText, X25519_KEY_BYTES } from './noticeCrypto';

const NOTICE_KEY_SALT = 'tallystick/notice-key/v1';

/** An institution's notice key pair: the private half stays in the node, the public half goes to the directory. */
export interface NoticeKeyPair {
  readonly mspId: string;
  readonly privateKey: KeyObject;
  /** Raw 32 bytes in base64, as registerNoticeKey takes it. */
  readonly publicKey: string;
}

/**
 * The institution's X25519 notice key, derived from the node's wallet key: HKDF-SHA256(wallet key, salt
 * `tallystick/notice-key/v1`, info = MSP id). Derived rather than kept as a second secret because it guards
 * nothing the wallet key does not already guard: the wallet key opens the institution's identities, which read
 * every case the institution is a party to, and the notice key only tells the node of those cases. Deriving it
 * means no second secret to provision, back up or leak, and it lives where the wallet key lives (the
 * TALLYSTICK_WALLET_KEY secret or key file outside the data directory: identity/walletKey.ts). The MSP id as
 * info gives each institution of a machine its own key from one wallet key (the demo runs all four nodes in one
 * process with one wallet key).
 *
 * Rotation follows the wallet key's: a new wallet key derives a new notice key, which the node registers at its
 * next start; notices made for the old key (cases created before) then no longer open, so an index rebuilt from
 * block 0 after a rotation learns of those cases only through the institution's own legs.
 */
export function deriveNoticeKey(walletKey: Buffer, mspId: string): NoticeKeyPair {
  if (walletKey.length < 32) throw new Error('the wallet key is 32 bytes');
  const raw = Buffer.from(hkdfSync('sha256', walletKey, NOTICE_KEY_SALT, mspId, X25519_KEY_BYTES));
  try {
    const privateKey = noticePrivateKey(raw);
    return { mspId, privateKey, publicKey: noticePublicKeyText(privateKey) };
  } finally {
    raw.fill(0);
  }
}
