/**
 * A block: its record in the block file (JSON, each transaction's signed action kept as the bytes that were
 * signed), its header hash as Fabric computes it, and the summary that block listeners receive.
 */
import { sha256 } from './cryptoUtil';
import type { ValidationCode } from './errors';
import { rwsetFromJson } from './rwset';
import { transactionPayloadHash, type Envelope } from './transaction';

export type CommittedTransaction = {
  txId: string;
  validationCode: string;
  creatorMspId: string;
  /** As ClientIdentity.getID(): `x509::<subject>::<issuer>`. */
  creatorId: string;
  /** The transaction timestamp, ISO-8601 UTC. */
  timestamp: string;
  endorsers: string[];
  event?: { name: string; payload: Buffer };
  /** Public keys written (empty for an invalid transaction, which changed nothing). */
  writes: { key: string; isDelete: boolean }[];
};

export type CommittedBlock = {
  number: bigint;
  previousHash: string;
  dataHash: string;
  transactions: CommittedTransaction[];
};

/** Block 0's configuration: what the channel was created with. */
export type GenesisConfig = {
  channel: string;
  organisations: string[];
  chaincode: string;
  caCertificates: Record<string, string>;
};

/** A block as the block file holds it. */
export type BlockJson = {
  number: number;
  previousHash: string;
  dataHash: string;
  config?: GenesisConfig;
  txs?: TxJson[];
};

type TxJson = {
  txId: string;
  code: ValidationCode;
  creatorMspId: string;
  creatorId: string;
  seconds: number;
  nanos: number;
  header: string;
  payload: string;
  action: { rwset: unknown; event: { name: string; payload: string } | null };
  endorsements: { mspId: string; cert: string; signature: string }[];
  signature: string;
};

/** Fabric hashes a block header as the SHA-256 of DER SEQUENCE { number, previousHash, dataHash }. */
export function blockHeaderHash(number: number, previousHash: Buffer, dataHash: Buffer): Buffer {
  let hex = number.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let n = Buffer.from(hex, 'hex');
  if ((n[0] ?? 0) & 0x80) n = Buffer.concat([Buffer.from([0]), n]);
  const octets = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x04, b.length]), b]);
  const body = Buffer.concat([Buffer.from([0x02, n.length]), n, octets(previousHash), octets(dataHash)]);
  return sha256(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

/** Block 0's record: the channel's configuration, hashed as its data. */
export function genesisRecord(config: GenesisConfig): Buffer {
  const dataHash = sha256(JSON.stringify(config));
  const block: BlockJson = { number: 0, previousHash: '', dataHash: dataHash.toString('hex'), config };
  return Buffer.from(JSON.stringify(block));
}

const COMMA = Buffer.from(',');
const CLOSE_BLOCK = Buffer.from(']}');

/**
 * A block's record in pieces, and its data hash (over each transaction's envelope). Each transaction's signed
 * action goes to the file as the bytes that were hashed, never copied into one block-sized string.
 */
export function encodeBlock(
  number: number,
  previousHash: Buffer,
  batch: readonly Envelope[],
  codes: readonly ValidationCode[],
): { pieces: Buffer[]; dataHash: Buffer } {
  const envelopeHashes: Buffer[] = [];
  const pieces: Buffer[] = [];
  for (const [i, tx] of batch.entries()) {
    const actionHash = tx.actionHash ?? sha256(tx.actionBytes);
    envelopeHashes.push(
      sha256(
        transactionPayloadHash(tx.headerBytes, tx.payloadBytes, actionHash, tx.endorsements),
        tx.clientSignature,
      ),
    );
    if (i > 0) pieces.push(COMMA);
    pieces.push(...txPieces(tx, codes[i] as ValidationCode));
  }
  const dataHash = sha256(...envelopeHashes);
  pieces.unshift(
    Buffer.from(
      `{"number":${number},"previousHash":"${previousHash.toString('hex')}","dataHash":"${dataHash.toString('hex')}","txs":[`,
    ),
  );
  pieces.push(CLOSE_BLOCK);
  return { pieces, dataHash };
}

/** A transaction's JSON in the block file: the text around its action, and the action's own bytes. */
function txPieces(tx: Envelope, code: ValidationCode): Buffer[] {
  const endorsements = tx.endorsements.map((e) => ({
    mspId: e.mspId,
    cert: e.certPem,
    signature: e.signature.toString('base64'),
  }));
  return [
    Buffer.from(
      `{"txId":"${tx.txId}","code":"${code}","creatorMspId":${JSON.stringify(tx.creator.mspId)},` +
        `"creatorId":${JSON.stringify(tx.creator.clientId)},"seconds":${tx.seconds},"nanos":${tx.nanos},` +
        `"header":"${Buffer.from(tx.headerBytes).toString('base64')}","payload":"${Buffer.from(tx.payloadBytes).toString('base64')}",` +
        `"action":`,
    ),
    tx.actionBytes,
    Buffer.from(
      `,"endorsements":${JSON.stringify(endorsements)},"signature":"${tx.clientSignature.toString('base64')}"}`,
    ),
  ];
}

export function isoTimestamp(seconds: number, nanos: number): string {
  return new Date(seconds * 1000 + Math.floor(nanos / 1_000_000)).toISOString();
}

/** What listeners get for a block read back from the file: the same summary the commit produced. */
export function summariseBlock(block: BlockJson): CommittedBlock {
  if (block.number === 0) return { number: 0n, previousHash: '', dataHash: block.dataHash, transactions: [] };
  const transactions: CommittedTransaction[] = [];
  for (const tx of block.txs ?? []) {
    const ev = tx.action.event;
    transactions.push({
      txId: tx.txId,
      validationCode: tx.code,
      creatorMspId: tx.creatorMspId,
      creatorId: tx.creatorId,
      timestamp: isoTimestamp(tx.seconds, tx.nanos),
      endorsers: tx.endorsements.map((e) => e.mspId),
      ...(ev === null ? {} : { event: { name: ev.name, payload: Buffer.from(ev.payload, 'base64') } }),
      writes:
        tx.code === 'VALID'
          ? rwsetFromJson(tx.action.rwset).writes.map(([key, value]) => ({ key, isDelete: value === null }))
          : [],
    });
  }
  return {
    number: BigInt(block.number),
    previousHash: block.previousHash,
    dataHash: block.dataHash,
    transactions,
  };
}
