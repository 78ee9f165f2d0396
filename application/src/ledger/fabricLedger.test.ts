import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

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

describe('a connection after an outage', () => {
  type Inner = {
    connections: Map<string, unknown>;
    connectionOrgs: Map<string, string>;
    open: Set<unknown>;
  };
  const transport = () =>
    new FabricTransport({
      channel: 'c',
      chaincode: 'cc',
      profiles: new Map(),
      listener: { mspId: 'X', certificatePem: '', privateKeyPem: '' },
    });
  /** Caches a connection as connect() leaves it. */
  const cache = (t: FabricTransport, key: string, mspId: string, connection: object) => {
    const inner = t as unknown as Inner;
    const c = { users: 0, retired: false, ...connection };
    inner.connections.set(key, Promise.resolve(c));
    inner.connectionOrgs.set(key, mspId);
    inner.open.add(c);
  };
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
      cache(t, key, mspId, {
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
    cache(t, 'bruno', 'BankBMSP', {
      gateway: { disconnect: () => disconnected.push('bruno') },
      network: {
        getChannel: () => ({ getEndorsers: () => [{ name: 'peer0-bankb' }] }),
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
    cache(t, 'bella', 'BankBMSP', {
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
      cache(t, `k${i}`, 'BankAMSP', {
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
