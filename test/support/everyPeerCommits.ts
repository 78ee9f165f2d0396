import type { Committed, Identity } from '../../application/src/ledger/ledgerGateway';
import type { TransportGateway } from '../../application/src/ledger/transportGateway';
import type { FabricLedger } from '../../application/src/ledger/fabricLedger';

/**
 * On live Fabric a submit returns once the submitter's own organisation's peer has committed it; another
 * organisation's peer may take a moment longer, and a test whose next step is another organisation's reads that
 * peer's state (its endorsement, its queries). This gateway returns from a submit only once the peer of each of
 * `readers`' organisations has committed the transaction too (qscc, as the product's outage check does), so a
 * suite that switches organisations at machine speed does not race the peers.
 */
export function everyPeerCommits(
  gateway: TransportGateway,
  ledger: FabricLedger,
  readers: () => readonly Identity[],
): TransportGateway {
  const settled = async <T>(committed: Committed<T>): Promise<Committed<T>> => {
    for (const who of readers()) {
      const deadline = Date.now() + 30_000;
      while ((await ledger.transport.transactionStatus(who, committed.txId)).status === 'NOT_FOUND') {
        if (Date.now() > deadline)
          throw new Error(`the peer of ${who.mspId} did not commit ${committed.txId} within 30 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return committed;
  };
  return new Proxy(gateway, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (property !== 'submitCall' && property !== 'postLegs') return method;
      return async (...args: unknown[]) => settled((await method(...args)) as Committed<unknown>);
    },
  });
}
