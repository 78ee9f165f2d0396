import { canonicalJsonBytes, utf8Text } from './codec';

/**
 * The receivables contract's one event per transaction (Fabric keeps only the last one a transaction sets),
 * beside `tallystick.changes` and `tallystick.blacklist`. An event is in the block every member's peer receives,
 * so it names what changed and its status only: ids, never an amount, a party or a document hash.
 */
export const RECEIVABLES_CHANGES_EVENT = 'tallystick.receivables';

export type ReceivablesChangeKind = 'TRADE' | 'TOKEN' | 'PART' | 'MOVE' | 'PAYMENT' | 'FINANCING';

export interface ReceivablesChange {
  readonly kind: ReceivablesChangeKind;
  readonly id: string;
  readonly status: string;
}

export interface ReceivablesChanges {
  readonly txId: string;
  readonly at: string;
  readonly changes: readonly ReceivablesChange[];
}

export function encodeReceivablesChanges(changes: ReceivablesChanges): Buffer {
  return canonicalJsonBytes(changes);
}

export function decodeReceivablesChanges(payload: Uint8Array): ReceivablesChanges {
  return JSON.parse(utf8Text(payload)) as ReceivablesChanges;
}
