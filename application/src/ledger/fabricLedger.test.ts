import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

import * as protos from '@hyperledger/fabric-protos';
import * as x509 from '@peculiar/x509';
import type { BlockEvent } from 'fabric-network';
import { describe, expect, it } from 'vitest';

import { LEDGER_CHANGES_EVENT } from '../../../chaincode/src/ledger/events';
import { toErrorResponse } from '../http/errors';
import {
  changesOfBlock,
  CONNECTIONS_MAX,
  FabricTransport,
  LedgerInternalError,
  mapFabricError,
} from './fabricLedger';
import { LedgerRejected, LedgerUnavailable } from './ledgerGateway';

// What fabric-network 2.2 throws, shaped as it shapes it (transaction.js, singlequeryhandler.js).
const endorsementError = (message: string, status = 500) =>
  Object.assign(
    new Error(
      `No valid responses from any peers. Errors:\n    peer=peer0-banka, status=${status}, message=${message}`,
    ),
    {
      responses: [{ response: { status, message } }],
      errors: [],
    },
  );

// A Fabric 2.5 peer's answer when the chaincode-as-a-service server does not listen (captured on the live
// network with the server stopped, by the outage test in test/conformance/fabric.fabric.test.ts; ids shortened).
const CHAINCODE_SERVER_DOWN =
  'error in simulation: failed to execute transaction 28b94c44: could not launch chaincode tallystick_0.1.0_s1:59017a52: ' +
  'connection to tallystick_0.1.0_s1:59017a52 failed: error cannot create connection for tallystick_0.1.0_s1:59017a52: ' +
  'error creating grpc connection to 127.0.0.1:17300: failed to create new connection: connection error: ' +
  'desc = "transport: error while dialing: dial tcp 127.0.0.1:17300: connect: connection refused"';

describe('fabric transport error mapping (same codes as the embedded transport)', () => {
  it('a chaincode CODE: message from an endorser becomes LedgerRejected(code)', () => {
    const e = mapFabricError(endorsementError('UNKNOWN_CURRENCY: legs[0].currency XYZ is not active'), 'tx1');
    expect(e).toBeInstanceOf(LedgerRejected);
    expect(e).toMatchObject({
      code: 'UNKNOWN_CURRENCY',
      detail: 'legs[0].currency XYZ is not active',
      txId: 'tx1',
    });
  });

  it('an evaluate answered with an error status becomes LedgerRejected(code)', () => {
    const err = Object.assign(new Error('peer error response: CASE_NOT_FOUND: no case abc'), {
      status: 500,
      message: 'peer error response: CASE_NOT_FOUND: no case abc',
    });
    expect(mapFabricError(err)).toMatchObject({ code: 'CASE_NOT_FOUND', detail: 'no case abc' });
  });

  it('a peer error without a code is an internal error (500), never the caller’s INVALID_INPUT', () => {
    const endorsed = mapFabricError(endorsementError('transaction returned with failure: bad args'));
    expect(endorsed).toBeInstanceOf(LedgerInternalError);
    expect(endorsed).not.toBeInstanceOf(LedgerRejected);
    expect(endorsed.message).toMatch(/bad args/);
    const evaluated = mapFabricError(
      Object.assign(new Error('peer error response: TypeError: x is undefined'), { status: 500 }),
    );
    expect(evaluated).toBeInstanceOf(LedgerInternalError);
    expect(toErrorResponse(endorsed, 'r1')).toMatchObject({
      status: 500,
      body: { error: { code: 'INTERNAL' } },
    });
  });

  // What the live network answers when something is not there (peer, orderer, chaincode server), as fabric-network
  // 2.2 and a Fabric 2.5 peer word it: each must be LedgerUnavailable, so HTTP says 503 and the caller may retry.
  const unreachable: [string, unknown][] = [
    [
      'the chaincode server is down: the peer answers 500 "could not launch chaincode … connection refused"',
      endorsementError(CHAINCODE_SERVER_DOWN),
    ],
    [
      'the chaincode server went away while the peer held its stream (captured live)',
      endorsementError(
        'error in simulation: failed to execute transaction 82734d6d: error sending: chaincode stream terminated',
      ),
    ],
    [
      'an evaluate whose peer cannot reach the chaincode server',
      Object.assign(new Error(`peer error response: ${CHAINCODE_SERVER_DOWN}`), { status: 500 }),
    ],
    [
      'no peer reached (gRPC 14 UNAVAILABLE from every endorser)',
      Object.assign(
        new Error(
          'No valid responses from any peers. Errors:\n    peer=x, status=grpc, message=14 UNAVAILABLE',
        ),
        {
          responses: [],
          errors: [Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 })],
        },
      ),
    ],
    [
      'a peer that does not answer in time (gRPC 4 DEADLINE_EXCEEDED)',
      Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4 }),
    ],
    ['a connection refused by a peer', new Error('connect ECONNREFUSED 127.0.0.1:17200')],
    ['discovery without an answer', new Error('DiscoveryService has failed to return results')],
    [
      'discovery before gossip knows the other organisation’s peers (seconds after up)',
      new Error(
        'The discovery service did not find any peers active for endorsement plan: BankBMSP is not available',
      ),
    ],
    [
      'an orderer that is down or has no leader',
      new Error('Failed to send transaction successfully to the orderer status:SERVICE_UNAVAILABLE'),
    ],
    [
      'a peer that did not connect in time',
      new Error('Failed to connect before the deadline on Endorser- name: peer0-banka'),
    ],
  ];
  for (const [name, error] of unreachable) {
    it(`${name} is LedgerUnavailable (503)`, () => {
      const e = mapFabricError(error);
      expect(e).toBeInstanceOf(LedgerUnavailable);
      expect(toErrorResponse(e, 'r1')).toMatchObject({
        status: 503,
        body: { error: { code: 'LEDGER_UNAVAILABLE' } },
      });
    });
  }

  it('a chaincode code wins over words that look like an outage', () => {
    expect(mapFabricError(endorsementError('CASE_NOT_FOUND: no case timed out'))).toMatchObject({
      code: 'CASE_NOT_FOUND',
    });
  });

  it('a fault of our own (no peer involved) is internal, not unavailable', () => {
    expect(mapFabricError(new TypeError('cannot read properties of undefined'))).toBeInstanceOf(
      LedgerInternalError,
    );
  });

  it('errors already mapped pass through', () => {
    const r = new LedgerRejected('MVCC_READ_CONFLICT', 'x');
    expect(mapFabricError(r)).toBe(r);
  });
});

describe('injected time', () => {
  it('is refused, never ignored: fabric-network takes the proposal timestamp from the clock', async () => {
    const t = new FabricTransport({
      channel: 'c',
      chaincode: 'cc',
      profiles: new Map(),
      listener: { mspId: 'X', certificatePem: '', privateKeyPem: '' },
    });
    expect(t.supportsInjectedTime).toBe(false);
    await expect(
      t.submit(
        { mspId: 'X', certificatePem: '', privateKeyPem: '' },
        { fcn: 'f', args: [], transient: {} },
        { timestamp: new Date() },
      ),
    ).rejects.toThrow(/cannot set the proposal timestamp/);
  });
});

type Inner = {
  connections: Map<string, unknown>;
  connectionOrgs: Map<string, string>;
  open: Set<unknown>;
};

/** Caches a fake connection in the transport as connect() leaves it. */
function cacheConnection(t: FabricTransport, key: string, mspId: string, connection: object): void {
  const inner = t as unknown as Inner;
  const c = { users: 0, retired: false, ...connection };
  inner.connections.set(key, Promise.resolve(c));
  inner.connectionOrgs.set(key, mspId);
  inner.open.add(c);
}

/** A contract whose transaction (id tx1) is endorsed and ordered, and answers `payload`. */
const orderedContract = (payload: string) => ({
  createTransaction: () => ({
    setEndorsingOrganizations() {
      return this;
    },
    getTransactionId: () => 'tx1',
    submit: () => Promise.resolve(Buffer.from(payload)),
  }),
});

describe('a connection after an outage', () => {
  const transport = () =>
    new FabricTransport({
      channel: 'c',
      chaincode: 'cc',
      profiles: new Map(),
      listener: { mspId: 'X', certificatePem: '', privateKeyPem: '' },
    });
  const unreachable = {
    createTransaction: () => {
      throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    },
  };
  const identity = (name: string) => ({ mspId: 'BankBMSP', certificatePem: name, privateKeyPem: '' });
  const query = { fcn: 'f', args: [], transient: {} };

  it('is dropped with every other connection of the organisation, so the next call connects afresh', async () => {
    const t = transport();
    // Two of Bank B, one of Bank A.
    const disconnected: string[] = [];
    for (const [key, mspId] of [
      ['bruno', 'BankBMSP'],
      ['bella', 'BankBMSP'],
      ['alice', 'BankAMSP'],
    ] as const)
      cacheConnection(t, key, mspId, {
        gateway: { disconnect: () => disconnected.push(key) },
        network: {},
        contract: unreachable,
      });
    await expect(t.evaluate(identity('bruno'), query)).rejects.toBeInstanceOf(LedgerUnavailable);
    await new Promise((r) => setTimeout(r, 0));
    expect([...(t as unknown as Inner).connections.keys()]).toEqual(['alice']);
    expect(disconnected.sort()).toEqual(['bella', 'bruno']);
  });

  // Disconnecting a fabric-network gateway closes its commit listeners without telling them: a submit already
  // sent on it would wait out its deadline (45 s in the chaos runs), then drop the next connection in turn.
  it('is disconnected only once the calls in flight on it are done', async () => {
    const t = transport();
    const disconnected: string[] = [];
    let commitListener: ((error: unknown, event: unknown) => void) | undefined;
    let markSent: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => {
      markSent = resolve;
    });
    cacheConnection(t, 'bruno', 'BankBMSP', {
      gateway: { disconnect: () => disconnected.push('bruno') },
      network: {
        getChannel: () => ({ getEndorsers: () => [{ name: 'peer0-bankb', mspid: 'BankBMSP' }] }),
        addCommitListener: (l: typeof commitListener) => {
          commitListener = l;
          return Promise.resolve();
        },
        removeCommitListener: () => undefined,
      },
      contract: {
        createTransaction: () => ({
          setEndorsingOrganizations() {
            return this;
          },
          getTransactionId: () => 'tx1',
          submit: () => {
            markSent();
            return Promise.resolve(Buffer.from('{}'));
          },
        }),
      },
    });
    cacheConnection(t, 'bella', 'BankBMSP', {
      gateway: { disconnect: () => disconnected.push('bella') },
      network: {},
      contract: unreachable,
    });
    const submitted = t.submit(identity('bruno'), query);
    await sent; // endorsed and ordered; its commit is awaited
    await expect(t.evaluate(identity('bella'), query)).rejects.toBeInstanceOf(LedgerUnavailable);
    await new Promise((r) => setTimeout(r, 0));
    expect((t as unknown as Inner).connections.size).toBe(0); // the next call of Bank B connects afresh
    expect(disconnected).toEqual(['bella']); // bruno's submit still waits for its commit on its connection
    commitListener?.(undefined, {
      isValid: true,
      getBlockEvent: () => ({ blockNumber: { toString: () => '7' } }),
    });
    await expect(submitted).resolves.toMatchObject({ txId: 'tx1', blockNumber: 7n });
    expect(disconnected).toEqual(['bella', 'bruno']);
  });

  it(`keeps at most CONNECTIONS_MAX (${CONNECTIONS_MAX}), retiring the least recently used`, async () => {
    const t = transport();
    const disconnected: string[] = [];
    for (let i = 0; i < CONNECTIONS_MAX; i++)
      cacheConnection(t, `k${i}`, 'BankAMSP', {
        gateway: { disconnect: () => disconnected.push(`k${i}`) },
        network: {},
        contract: unreachable,
      });
    const connect = (who: ReturnType<typeof identity>) =>
      (t as unknown as { connect: (w: typeof who) => Promise<unknown> }).connect(who);
    await connect(identity('k0')); // used again: now the most recent
    await expect(connect(identity('newcomer'))).rejects.toThrow(/no connection profile/);
    await new Promise((r) => setTimeout(r, 0));
    const keys = [...(t as unknown as Inner).connections.keys()];
    expect(keys).toHaveLength(CONNECTIONS_MAX - 1);
    expect(keys).toContain('k0');
    expect(disconnected).toEqual(['k1']);
  });
});

describe('the change stream of a Fabric block', () => {
  it("names each transaction's signer from its envelope's signature header, as Fabric's getID() writes it", async () => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: 'O=BankBMSP, OU=client, CN=bruno',
      issuer: 'CN=ca.BankBMSP, O=BankBMSP',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: alg,
    });
    const changes = { txId: 't1', at: '2026-11-27T10:00:00.000Z', cases: [], breaks: [], legs: [] };
    const envelope = (creator: unknown) => ({ payload: { header: { signature_header: { creator } } } });
    const tx = (valid: boolean) => ({
      isValid: valid,
      getContractEvents: () => [
        { eventName: LEDGER_CHANGES_EVENT, payload: Buffer.from(JSON.stringify(changes)) },
      ],
    });
    // What fabric-network 2.2 hands a full block listener: the decoded block and its transaction events.
    const block = {
      blockNumber: { toString: () => '42' },
      blockData: {
        data: {
          data: [
            envelope({ mspid: 'BankBMSP', id_bytes: Buffer.from(cert.toString('pem')) }),
            envelope({ mspid: 'BankAMSP', id_bytes: Buffer.from('not a certificate') }),
            envelope({ mspid: 'BankAMSP' }),
          ],
        },
      },
      getTransactionEvents: () => [tx(true), tx(true), tx(true)],
    } as unknown as BlockEvent;
    const notices = changesOfBlock(block);
    expect(notices.map((n) => [n.blockNumber, n.txIndex, n.creator])).toEqual([
      [
        42n,
        0,
        {
          mspId: 'BankBMSP',
          subject: '/O=BankBMSP/OU=client/CN=bruno',
          issuer: '/CN=ca.BankBMSP/O=BankBMSP',
        },
      ],
      [42n, 1, undefined],
      [42n, 2, undefined],
    ]);
  });
});

describe('a submit whose commit event is late', () => {
  type Listener = (error: unknown, event: unknown) => void;
  const who = { mspId: 'BankBMSP', certificatePem: 'bruno', privateKeyPem: '' };
  const call = { fcn: 'reconciliation:postLegs', args: [], transient: {} };
  const processed = (code: number) => {
    const p = new protos.peer.ProcessedTransaction();
    p.setValidationcode(code);
    return Buffer.from(p.serializeBinary());
  };
  const blockNumbered = (n: number) => {
    const header = new protos.common.BlockHeader();
    header.setNumber(n);
    const block = new protos.common.Block();
    block.setHeader(header);
    return Buffer.from(block.serializeBinary());
  };
  // What a Fabric 2.5 peer's qscc answers for an id it has not committed (as fabric-network words it).
  const notFound = () =>
    Object.assign(
      new Error(
        'peer error response: Failed to get transaction with id tx1, error no such transaction ID [tx1] in index',
      ),
      { status: 500 },
    );

  /**
   * A transport on one fake connection: the transaction is endorsed and ordered; its commit event is dropped
   * (`event: 'silent'`, the connection's event service lost) or fails at once (`'fails'`, the event service did
   * not start); qscc answers each lookup from `answers` in turn (the last one repeats).
   */
  function dropped(event: 'silent' | 'fails', answers: (number | 'not found')[], lateCommitMs = 5) {
    const lookups: string[] = [];
    const t = new FabricTransport({
      channel: 'reconciliation',
      chaincode: 'tallystick',
      profiles: new Map(),
      listener: { mspId: 'X', certificatePem: '', privateKeyPem: '' },
      deadlines: { endorseMs: 100, commitMs: 300, evaluateMs: 100 },
      lateCommitMs,
    });
    const c = {
      gateway: { disconnect: () => undefined },
      network: {
        getChannel: () => ({ getEndorsers: () => [{ name: 'peer0-bankb', mspid: 'BankBMSP' }] }),
        addCommitListener: (l: Listener) => {
          if (event === 'fails')
            l(
              Object.assign(new Error('Event service failed to start'), { peer: { name: 'peer0-bankb' } }),
              undefined,
            );
          return Promise.resolve();
        },
        removeCommitListener: () => undefined,
        getContract: (name: string) => {
          expect(name).toBe('qscc');
          return {
            evaluateTransaction: (fcn: string, _channel: string, txId: string) => {
              if (fcn === 'GetBlockByTxID') return Promise.resolve(blockNumbered(9));
              lookups.push(txId);
              const answer = answers.length > 1 ? answers.shift() : answers[0];
              return answer === 'not found' || answer === undefined
                ? Promise.reject(notFound())
                : Promise.resolve(processed(answer));
            },
          };
        },
      },
      contract: orderedContract('{"ok":true}'),
    };
    cacheConnection(t, who.certificatePem, who.mspId, c);
    return { t, lookups };
  }
  const VALID = protos.peer.TxValidationCode.VALID;
  const MVCC = protos.peer.TxValidationCode.MVCC_READ_CONFLICT;

  it('when the event service failed to start, the peer is asked by id at once and its answer is the result', async () => {
    const { t, lookups } = dropped('fails', [VALID], 60_000);
    const started = performance.now();
    await expect(t.submit(who, call)).resolves.toEqual({
      txId: 'tx1',
      blockNumber: 9n,
      payload: Buffer.from('{"ok":true}'),
    });
    expect(lookups).toEqual(['tx1']);
    expect(performance.now() - started).toBeLessThan(250); // not after a deadline
    expect(t.height()).toBe(10n);
  });

  it('when the event never comes, the peer is asked every lateCommitMs until it has committed the transaction', async () => {
    const { t, lookups } = dropped('silent', ['not found', 'not found', VALID]);
    await expect(t.submit(who, call)).resolves.toMatchObject({ txId: 'tx1', blockNumber: 9n });
    expect(lookups).toEqual(['tx1', 'tx1', 'tx1']);
  });

  it('an invalid transaction found by id is rejected with its validation code, not reported unknown', async () => {
    const { t } = dropped('fails', [MVCC]);
    const e = await t.submit(who, call).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LedgerRejected);
    expect(e).toMatchObject({ code: 'MVCC_READ_CONFLICT', txId: 'tx1' });
  });

  it('a commit found only by the last lookup after the deadline is still an answer', async () => {
    // lookups only at the deadline: the event is "late" only after the whole commit wait
    const { t, lookups } = dropped('silent', [VALID], 60_000);
    await expect(t.submit(who, call)).resolves.toMatchObject({ txId: 'tx1', blockNumber: 9n });
    expect(lookups).toEqual(['tx1']);
  });

  it('only a transaction the peer still does not know at the deadline is outcome UNKNOWN, with its id', async () => {
    const { t, lookups } = dropped('silent', ['not found'], 50);
    const e = await t.submit(who, call).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LedgerUnavailable);
    expect(e).toMatchObject({ outcome: 'UNKNOWN', txId: 'tx1' });
    expect(lookups.length).toBeGreaterThanOrEqual(3); // every 50 ms for 400 ms, and once more at the deadline
  });
});

describe('a submit and the other organisations’ peers', () => {
  type Listener = (error: unknown, event: unknown) => void;
  const who = { mspId: 'BankBMSP', certificatePem: 'bruno', privateKeyPem: '' };
  const call = { fcn: 'reconciliation:postLegs', args: [], transient: {} };
  const PEERS = [
    { name: 'peer0-bankb', mspid: 'BankBMSP' },
    { name: 'peer0-banka', mspid: 'BankAMSP' },
    { name: 'peer0-auditor', mspid: 'AuditorMSP' },
  ];
  const committedEvent = { isValid: true, status: 'VALID', getBlockEvent: () => ({ blockNumber: 7 }) };

  /**
   * A transport on one fake connection whose own peer (Bank B's) reports the commit at once; each other peer
   * does as `others` says for the next submit: report it after some ms, fail its event service, or stay silent.
   */
  function network(peersSettleMs: number) {
    const others = new Map<string, number | 'fails' | 'silent'>();
    const listening = new Map<string, Listener>();
    const t = new FabricTransport({
      channel: 'reconciliation',
      chaincode: 'tallystick',
      profiles: new Map(),
      listener: { mspId: 'X', certificatePem: '', privateKeyPem: '' },
      peersSettleMs,
    });
    const c = {
      gateway: { disconnect: () => undefined },
      network: {
        getChannel: () => ({
          getEndorsers: (mspId?: string) => PEERS.filter((p) => mspId === undefined || p.mspid === mspId),
        }),
        addCommitListener: (l: Listener, peers: { name: string }[]) => {
          const [peer] = peers;
          if (peer === undefined) throw new Error('no peer');
          if (peer.name === 'peer0-bankb') {
            setTimeout(() => {
              l(undefined, committedEvent);
            }, 1);
          } else {
            listening.set(peer.name, l);
            const what = others.get(peer.name) ?? 0;
            const report = (error: unknown, event: unknown) => () => {
              l(error, event);
            };
            if (what === 'fails')
              setTimeout(report(Object.assign(new Error('down'), { peer }), undefined), 1);
            else if (typeof what === 'number') setTimeout(report(undefined, committedEvent), what);
          }
          return Promise.resolve();
        },
        removeCommitListener: (l: Listener) => {
          for (const [name, listener] of listening) if (listener === l) listening.delete(name);
        },
      },
      contract: orderedContract('{}'),
    };
    cacheConnection(t, who.certificatePem, who.mspId, c);
    const timed = async () => {
      const started = performance.now();
      await expect(t.submit(who, call)).resolves.toMatchObject({ blockNumber: 7n });
      return performance.now() - started;
    };
    return { others, listening, timed };
  }

  it('returns once every other organisation’s peer has committed it too, passing over one whose event service fails', async () => {
    const { others, timed } = network(5_000);
    others.set('peer0-banka', 150);
    others.set('peer0-auditor', 'fails');
    expect(await timed()).toBeGreaterThanOrEqual(140);
  });

  it('waits at most peersSettleMs for a peer that stays behind, then not for it until it reports a commit again', async () => {
    const { others, listening, timed } = network(200);
    others.set('peer0-auditor', 'silent');
    expect(await timed()).toBeGreaterThanOrEqual(190);
    // Behind now: the next submit returns as soon as Bank A's peer has it.
    expect(await timed()).toBeLessThan(150);
    // The auditor's peer catches up: it reports this submit's commit, and is awaited again from then on.
    listening.get('peer0-auditor')?.(undefined, committedEvent);
    expect(await timed()).toBeGreaterThanOrEqual(190);
  });

  it('with peersSettleMs 0 returns once its own organisation’s peer has committed it', async () => {
    const { others, listening, timed } = network(0);
    others.set('peer0-banka', 'silent');
    expect(await timed()).toBeLessThan(150);
    expect(listening.size).toBe(0);
  });
});
