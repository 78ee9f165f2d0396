import {
  decodeReceivablesChanges,
  RECEIVABLES_CHANGES_EVENT,
} from '../../../chaincode/src/ledger/receivablesEvents';
import type { ReceivablesNotice } from '../indexer/receivablesProjection';

/**
 * Where the receivables follower reads the contract's events: the blocks the institution's node receives, from a
 * block on. The embedded network's is below; on live Fabric the node's block stream reads only reconciliation's
 * events today (as for the blacklist's alerts), so the follower is not wired there yet (docs/RECEIVABLES.md).
 */
export interface ReceivablesBlockSource {
  onReceivables(
    listener: (notices: readonly ReceivablesNotice[], blockNumber: bigint) => void,
    options: { readonly startBlock: bigint },
  ): () => void;
}

/** What the follower reads of an embedded network's block (structurally: only the embedded transport imports it). */
interface EmbeddedBlock {
  readonly number: bigint;
  readonly transactions: readonly {
    readonly validationCode: string;
    readonly event?: { readonly name: string; readonly payload: Uint8Array } | undefined;
  }[];
}

interface EmbeddedBlocks {
  onBlock(listener: (b: EmbeddedBlock) => void, opts?: { startBlock?: bigint }): () => void;
}

/** The `tallystick.receivables` events of one block's valid transactions, in transaction order. */
export function receivablesNoticesOf(block: EmbeddedBlock): ReceivablesNotice[] {
  const out: ReceivablesNotice[] = [];
  block.transactions.forEach((tx, txIndex) => {
    if (tx.validationCode !== 'VALID' || tx.event?.name !== RECEIVABLES_CHANGES_EVENT) return;
    out.push({ blockNumber: block.number, txIndex, changes: decodeReceivablesChanges(tx.event.payload) });
  });
  return out;
}

/** The embedded network's blocks (every block, so the follower's checkpoint moves). */
export function embeddedReceivablesSource(network: EmbeddedBlocks): ReceivablesBlockSource {
  return {
    onReceivables: (listener, options) =>
      network.onBlock(
        (block) => {
          listener(receivablesNoticesOf(block), block.number);
        },
        { startBlock: options.startBlock },
      ),
  };
}

/** The block source of a node's ledger connection: the embedded network's blocks; undefined on live Fabric. */
export function receivablesSourceOf(connection: object): ReceivablesBlockSource | undefined {
  const network = (connection as { network?: unknown }).network;
  if (
    typeof network === 'object' &&
    network !== null &&
    typeof (network as { onBlock?: unknown }).onBlock === 'function'
  )
    return embeddedReceivablesSource(network as EmbeddedBlocks);
  return undefined;
}
