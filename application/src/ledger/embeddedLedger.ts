import { extname, join } from 'node:path';

import {
  EmbeddedNetwork,
  EndorsementError,
  OrdererBusyError,
  TransactionInvalidError,
  type CommittedBlock,
} from '../../../network/embedded/src/index';
import { contracts } from '../../../chaincode/src/index';
import { embeddedEnroller } from '../identity/embeddedEnroller';
import { loadCollections } from '../receivables/collections';
import { changesOfEvent } from './blockEvents';
import { memoized, memoizedAsync, type ChangeStream, type LedgerConnection } from './connection';
import { findUser, loadConsortium, type Consortium } from './consortium';
import {
  LedgerInternalError,
  LedgerRejected,
  LedgerUnavailable,
  type ChangeNotice,
  type Identity,
  type SubmitOptions,
  type TransactionCreator,
} from './ledgerGateway';
import { rejectionFrom, TransportGateway, type ContractCall, type LedgerTransport } from './transportGateway';

function mapError(e: unknown): Error {
  if (e instanceof TransactionInvalidError) {
    const code = ['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT', 'ENDORSEMENT_POLICY_FAILURE'].includes(
      e.code,
    )
      ? e.code
      : 'TRANSACTION_INVALID';
    return new LedgerRejected(
      code as LedgerRejected['code'],
      `transaction ${e.txId} invalid: ${e.code}`,
      e.txId,
    );
  }
  // A chaincode failure without a code is no fault of the caller's: it stays an internal error (HTTP 500).
  if (e instanceof EndorsementError)
    return (
      rejectionFrom(e.message) ??
      new LedgerInternalError(`chaincode failed without a code: ${e.message}`, { cause: e })
    );
  // The orderer's queue was full: the transaction was never ordered. Anything else (the network stopping under
  // a submit) may have happened after ordering: outcome unknown, retried by the caller under the same keys.
  if (e instanceof OrdererBusyError)
    return new LedgerUnavailable(e.message, { cause: e, outcome: 'NOT_SENT' });
  if (e instanceof Error) return new LedgerUnavailable(e.message, { cause: e });
  return new LedgerUnavailable(String(e));
}

export function changesOf(block: CommittedBlock): ChangeNotice[] {
  const out: ChangeNotice[] = [];
  block.transactions.forEach((tx, txIndex) => {
    if (tx.validationCode !== 'VALID' || tx.event === undefined) return;
    const changes = changesOfEvent(tx.event.name, tx.event.payload, tx.txId);
    if (changes !== undefined) out.push({ ...changes, blockNumber: block.number, txIndex });
  });
  return out;
}

/** `x509::<subject>::<issuer>` (Fabric's ClientIdentity.getID(), as the embedded network records creators). */
export function creatorFromId(mspId: string, clientId: string): TransactionCreator | undefined {
  const m = /^x509::(.*)::(.*)$/.exec(clientId);
  return m?.[1] !== undefined && m[2] !== undefined ? { mspId, subject: m[1], issuer: m[2] } : undefined;
}

/**
 * The embedded network's change stream with each transaction's creator from its block: the same notices as the
 * gateway's `onChanges`, plus who signed, so the index can show an auditor the signer of every version.
 */
function embeddedChangeStream(network: EmbeddedNetwork): ChangeStream & { readonly height: () => bigint } {
  return {
    // The ledger's height: an index whose checkpoint is past it holds blocks the ledger lost (start refuses it).
    height: () => network.height(),
    onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void {
      return network.onBlock(
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
    onBlockEvents(listener, options) {
      return network.onBlock(
        (block) => {
          listener(
            block.transactions.map((tx) => ({
              valid: tx.validationCode === 'VALID',
              events: tx.event ? [tx.event] : [],
            })),
            block.number,
          );
        },
        { startBlock: options.startBlock },
      );
    },
  };
}

class EmbeddedTransport implements LedgerTransport {
  readonly backend = 'embedded' as const;
  constructor(private readonly net: EmbeddedNetwork) {}

  async submit(who: Identity, c: ContractCall, options?: SubmitOptions) {
    try {
      const r = await this.net.submit(who, {
        fcn: c.fcn,
        args: [...c.args],
        transient: c.transient,
        ...(options?.timestamp ? { timestamp: options.timestamp } : {}),
      });
      return { txId: r.txId, blockNumber: r.blockNumber, payload: r.result };
    } catch (e) {
      throw mapError(e);
    }
  }

  async evaluate(who: Identity, c: ContractCall) {
    try {
      return await this.net.evaluate(who, {
        fcn: c.fcn,
        args: [...c.args],
        transient: c.transient,
        ...(c.peerOrg === undefined ? {} : { peerOrg: c.peerOrg }),
      });
    } catch (e) {
      throw mapError(e);
    }
  }

  onChanges(listener: (change: ChangeNotice) => void, options?: { startBlock?: bigint }): () => void {
    return this.net.onBlock(
      (block) => {
        for (const change of changesOf(block)) listener(change);
      },
      options?.startBlock === undefined ? {} : { startBlock: options.startBlock },
    );
  }

  async close(): Promise<void> {
    await this.net.stop();
  }
}

export interface EmbeddedConsortium extends LedgerConnection {
  readonly backend: 'embedded';
  readonly network: EmbeddedNetwork;
  /** Enrols (once) and returns the identity of a consortium user by enrolment id. */
  identity(userId: string): Promise<Identity>;
  /** Every institution's node reads the one in-process ledger; the stream knows the ledger's height. */
  changes(mspId?: string): ChangeStream & { readonly height: () => bigint };
}

/**
 * Starts the embedded network for the consortium described in network/consortium.json, registers its people
 * with their role attributes (once: a restarted network keeps them) and opens a gateway on it.
 */
function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export async function startEmbeddedConsortium(options: {
  dataDir: string;
  consortium?: Consortium;
  durability?: 'fsync' | 'none';
  /** Endorse in worker threads (true: one; a number: that many), so the chaincode uses other cores; see ChaincodeOptions.worker. */
  endorsementWorker?: boolean | number;
}): Promise<EmbeddedConsortium> {
  const consortium = options.consortium ?? loadConsortium();
  const network = await EmbeddedNetwork.start({
    dataDir: options.dataDir,
    channel: consortium.channel,
    organisations: consortium.organisations.map((o) => o.mspId),
    chaincode: {
      name: consortium.chaincode.name,
      version: consortium.chaincode.version,
      contracts,
      // A consortium of fewer members than the channel's file names (a test's two institutions) runs without the
      // collections it cannot hold; the contract that needs one refuses its transactions then.
      collections: loadCollections().filter((col) =>
        col.members.every((m) => consortium.organisations.some((o) => o.mspId === m)),
      ),
      // The chaincode package's entry, compiled (dist) or as TypeScript under the test runner.
      ...(!options.endorsementWorker
        ? {}
        : {
            worker: {
              module: join(__dirname, '..', '..', '..', 'chaincode', 'src', `index${extname(__filename)}`),
              threads: options.endorsementWorker === true ? 1 : options.endorsementWorker,
            },
          }),
    },
    ...(options.durability ? { durability: options.durability } : {}),
  });
  for (const org of consortium.organisations) {
    const ca = network.ca(org.mspId);
    for (const user of org.users) {
      const attrs = { ...user.attributes, roles: user.roles.join(',') };
      if (!ca.isRegistered(user.id)) {
        await ca.register(user.id, user.secret, attrs, user.roles.includes('admin') ? 'admin' : 'client');
      } else if (!sameAttributes(ca.attributesOf(user.id) ?? {}, attrs)) {
        // The consortium changed a person's attributes (roles, a write-off limit): their next login gets them.
        await ca.modify(user.id, attrs);
      }
    }
  }
  const gateway = new TransportGateway(new EmbeddedTransport(network));
  const changes = embeddedChangeStream(network);
  return {
    backend: 'embedded',
    supportsInjectedTime: true,
    consortium,
    network,
    gateway,
    changes: () => changes,
    enroller: memoized((mspId) => embeddedEnroller(network.ca(mspId))),
    identity: memoizedAsync((userId) => {
      const { org, user } = findUser(consortium, userId);
      return network.ca(org.mspId).enroll(user.id, user.secret);
    }),
    close: () => gateway.close(),
  };
}
