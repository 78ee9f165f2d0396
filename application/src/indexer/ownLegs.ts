import type { Identity, LedgerGateway, LegInput } from '../ledger/ledgerGateway';
import type { LegRow, OwnLegRow } from '../readModel/rows';

/**
 * The plaintext of the institution's own legs. The ledger shows other members only digests and a sealed copy;
 * the institution's own implicit private collection holds each of its legs as posted. The indexer reads them
 * from there for every own leg a batch of blocks adds, and writes them in the same SQL transaction as the
 * batch's rows and checkpoint: an own leg is in the index exactly when its block is, whatever crashed or failed
 * in between, and what the index holds is what the ledger holds, not what some caller said it sent. The SQL
 * (`writeOwnLegs`, `ownLegsMissing`) is the read model's.
 */

/** Reads the institution's own legs from the ledger (its private collection), in the order asked. */
export type OwnLegReader = (legs: readonly { caseId: string; legId: string }[]) => Promise<LegInput[]>;

/** A reader over the ledger seam, as `who` (a member of the institution with any role). */
export function ownLegReader(gateway: Pick<LedgerGateway, 'readOwnLegs'>, who: Identity): OwnLegReader {
  return async (legs) => {
    const out: LegInput[] = [];
    for (let i = 0; i < legs.length; i += OWN_LEGS_PER_READ)
      out.push(...(await gateway.readOwnLegs(who, legs.slice(i, i + OWN_LEGS_PER_READ))));
    return out;
  };
}

/** Legs per ledger query (the chaincode's ownLegsReadMax is larger: a query stays well inside it). */
const OWN_LEGS_PER_READ = 1_000;

/** The own legs among `legs` (a projection's), with their details read from the ledger. */
export async function ownLegDetails(legs: readonly LegRow[], read: OwnLegReader): Promise<OwnLegRow[]> {
  const own = legs.filter((l) => l.isOwn);
  if (own.length === 0) return [];
  const details = await read(own.map((l) => ({ caseId: l.caseId, legId: l.legId })));
  if (details.length !== own.length)
    throw new Error(`own legs: asked the ledger for ${own.length}, it answered ${details.length}`);
  return own.map((l, i) => {
    const leg = details[i];
    if (leg?.legId !== l.legId)
      throw new Error(`own legs: answer ${i} is leg ${leg?.legId ?? '?'}, expected ${l.legId}`);
    return { leg, caseId: l.caseId, txId: l.origin.txId, blockNumber: l.origin.blockNumber };
  });
}
