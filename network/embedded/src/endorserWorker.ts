/**
 * The endorsing peers of an embedded network, in a worker thread of their own (ChaincodeOptions.worker).
 * The main thread orders, validates and commits; here every peer simulates against a replica of the world
 * state that the main thread keeps up to date with each committed block, as a Fabric peer's state follows
 * the blocks it commits. Messages are handled strictly in arrival order, so a proposal sent after a block
 * was committed is simulated against that block.
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { ChannelConfig } from './channel';
import { reviveJournal, type EndorserInit, type EndorserReply, type EndorserRequest } from './endorserPool';
import { StateLock } from './lock';
import { Membership } from './msp';
import { replayLedger } from './replay';
import { checkProposal, loadChaincode, Peer, ProposalRejected, type ContractClass } from './peer';
import { WorldState } from './state';

function start(init: EndorserInit): (m: EndorserRequest) => Promise<EndorserReply | undefined> {
  const channel = new ChannelConfig(
    init.channel,
    init.organisations,
    init.chaincode.name,
    init.chaincode.endorsementPolicy,
    init.chaincode.collections,
  );
  const state = new WorldState(init.organisations);
  replayLedger(path.join(init.dataDir, 'ledger'), state, init.organisations, init.height);
  const membership = new Membership(new Map(init.caCertificates));
  const load = createRequire(__filename);
  const exported = (load(init.chaincode.module) as Record<string, unknown>)[init.chaincode.exportName];
  if (!Array.isArray(exported))
    throw new Error(`${init.chaincode.module} does not export ${init.chaincode.exportName} as an array`);
  const chaincode = loadChaincode(exported as ContractClass[], init.chaincode.name, init.chaincode.version);
  const lock = new StateLock();
  const peers = new Map(
    init.peers.map(([org, identity]) => [org, new Peer(org, identity, state, channel, chaincode, lock)]),
  );

  return async (m) => {
    if (m.t === 'apply') {
      m.chunks.chunks.forEach((chunk, k) => {
        state.attachChunk(m.chunks.from + k, chunk);
      });
      state.applyJournal(reviveJournal(m.journal));
      for (const id of m.txIds) state.txIds.add(id);
      return undefined;
    }
    const peer = peers.get(m.org);
    if (peer === undefined) return { id: m.id, kind: 'error', message: `no peer of ${m.org}` };
    try {
      const checked = checkProposal(m.bytes, channel, membership, (id) => state.txIds.has(id));
      const outcome = m.endorse ? await peer.endorse(checked) : await peer.simulate(checked);
      return { id: m.id, kind: 'ok', outcome };
    } catch (err) {
      return {
        id: m.id,
        kind: err instanceof ProposalRejected ? 'rejected' : 'error',
        message: (err as Error).message,
      };
    }
  };
}

/**
 * The reply's large buffers that own their memory whole (the signed action, the event): handed over to the
 * main thread instead of copied. Nothing here uses them after the reply is sent.
 */
function transferable(reply: EndorserReply): ArrayBuffer[] {
  if (reply.kind !== 'ok') return [];
  const o = reply.outcome;
  const list: ArrayBuffer[] = [];
  for (const b of [o.payload, o.event?.payload, 'actionBytes' in o ? o.actionBytes : undefined]) {
    if (b === undefined || b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) continue;
    if (b.buffer instanceof ArrayBuffer && !list.includes(b.buffer)) list.push(b.buffer);
  }
  return list;
}

const port = parentPort;
if (port === null) throw new Error('endorserWorker runs only as a worker thread');
try {
  const handle = start((workerData as { init: EndorserInit }).init);
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: EndorserRequest) => {
    queue = queue.then(async () => {
      const reply = await handle(m);
      if (reply !== undefined) port.postMessage(reply, transferable(reply));
    });
  });
  port.postMessage({ id: 0, kind: 'ready' } satisfies EndorserReply);
} catch (err) {
  port.postMessage({
    id: 0,
    kind: 'error',
    message: (err as Error).stack ?? String(err),
  } satisfies EndorserReply);
}
