import type { EmbeddedConsortium } from '../ledger/embeddedLedgerGateway';
import { changesOf } from '../ledger/embeddedLedgerGateway';
import type { ChangeNotice, LedgerGateway, TransactionCreator } from '../ledger/ledgerGateway';

/** `x509::<subject>::<issuer>` (Fabric's ClientIdentity.getID(), as the embedded network records creators). */
export function creatorFromId(mspId: string, clientId: string): TransactionCreator | undefined {
  const m = /^x509::(.*)::(.*)$/.exec(clientId);
  return m?.[1] !== undefined && m[2] !== undefined ? { mspId, subject: m[1], issuer: m[2] } : undefined;
}

/**
 * The embedded network's change stream with each transaction's creator from its block: the same notices as the
 * gateway's `onChanges`, plus who signed, so the index can show an auditor the signer of every version.
 */
export function embeddedChangeStream(
  c: Pick<EmbeddedConsortium, 'network'>,
): Pick<LedgerGateway, 'onChanges'> & { readonly height: () => bigint } {
  return {
    // The ledger's height: an index whose checkpoint is past it holds blocks the ledger lost (start refuses it).
    height: () => c.network.height(),
    onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void {
      return c.network.onBlock(
        (block) => {
          for (const change of changesOf(block)) {
            const tx = block.transactions[change.txIndex];
            const creator = tx ? creatorFromId(tx.creatorMspId, tx.creatorId) : undefined;
            listener(creator ? { ...change, creator } : change);
          }
        },
        options?.startBlock === undefined ? {} : { startBlock: options.startBlock },
      );
    },
  };
}
