/**
 * The data directory (Fabric's `ledgersData`): who has it open (a LOCK file), the ledger files, and their check
 * against the acknowledgement mark at start. What the mark covers must be there intact: a block that
 * submitters or listeners heard of never vanishes because a file was cut or damaged; only what was never
 * acknowledged may be dropped, with a line on stderr saying so.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AckMark, type Acknowledged } from './ackMark';
import { DamagedRecordFile, RecordFile } from './recordFile';

export const BLOCKS_FILE = 'blocks.log';
/** The durable high-water mark of acknowledged blocks, beside the files it covers. */
const ACK_MARK_FILE = 'acknowledged';

function privateFileName(org: string): string {
  return `private/${org}.log`;
}

const openDataDirs = new Set<string>();

/**
 * Two networks appending to the same files would corrupt them: a LOCK file names the process that has the
 * directory open. A lock left by a process that no longer runs is taken over. Returns the lock file's path.
 */
export async function acquireDataDir(dataDir: string): Promise<string> {
  await fs.mkdir(path.join(dataDir, 'ledger', 'private'), { recursive: true, mode: 0o700 });
  const lockFile = path.join(path.resolve(dataDir), 'LOCK');
  if (openDataDirs.has(lockFile))
    throw new Error(`${dataDir} is already open in this process: stop() it first`);
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      openDataDirs.add(lockFile);
      return lockFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRuns(pid)) {
      throw new Error(`${dataDir} is in use by process ${pid}`);
    }
    await fs.rm(lockFile, { force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function releaseDataDir(lockFile: string): Promise<void> {
  openDataDirs.delete(lockFile);
  await fs.rm(lockFile, { force: true });
}

export type LedgerFiles = {
  ledgerDir: string;
  blockFile: RecordFile;
  privateFiles: Map<string, RecordFile>;
  /** Blocks in the block file (after the genesis block was written to a new one). */
  height: number;
  mark: AckMark;
  /** The mark as found at start (height 0 for a new ledger or one from before marks). */
  ack: Acknowledged;
  markPath: string;
};

/**
 * Opens the ledger's files, checking their records (checksums only) against the acknowledgement mark:
 * what the mark covers must be there intact, or start is refused naming the file, the offset and the last
 * good block; a torn tail beyond it (a crash while appending, never acknowledged) is cut off and logged.
 * A new ledger gets its genesis block.
 */
export async function openLedgerFiles(
  ledgerDir: string,
  orgs: readonly string[],
  durable: boolean,
  genesis: () => Buffer,
): Promise<LedgerFiles> {
  const markPath = path.join(ledgerDir, ACK_MARK_FILE);
  const { mark, acknowledged } = await AckMark.open(markPath, durable);
  const ack: Acknowledged = acknowledged ?? { height: 0, blockHash: '', files: {} };
  const opened: RecordFile[] = [];
  try {
    const blockFile = await openBlockFile(ledgerDir, durable, markPath, acknowledged, ack);
    opened.push(blockFile);
    let height = blockFile.records;
    if (height === 0) {
      await blockFile.append([genesis()]);
      height = 1;
    }
    const privateFiles = new Map<string, RecordFile>();
    for (const org of orgs) {
      const file = await openPrivateFile(ledgerDir, org, durable, height, markPath, ack);
      opened.push(file);
      privateFiles.set(org, file);
    }
    return { ledgerDir, blockFile, privateFiles, height, mark, ack, markPath };
  } catch (err) {
    for (const f of opened) await f.close().catch(() => undefined);
    await mark.close();
    throw err;
  }
}

/** Closes the ledger's files and its mark; after a failed start, errors are ignored. */
export async function closeLedgerFiles(files: LedgerFiles, quietly = false): Promise<void> {
  const closing = [files.blockFile, ...files.privateFiles.values()];
  for (const f of closing) {
    if (quietly) await f.close().catch(() => undefined);
    else await f.close();
  }
  await files.mark.close();
}

async function openBlockFile(
  ledgerDir: string,
  durable: boolean,
  markPath: string,
  acknowledged: Acknowledged | undefined,
  ack: Acknowledged,
): Promise<RecordFile> {
  const blocksPath = path.join(ledgerDir, BLOCKS_FILE);
  let blocks: Awaited<ReturnType<typeof RecordFile.open>>;
  try {
    blocks = await RecordFile.open(blocksPath, durable, () => undefined, {
      acknowledgedBytes: ack.files[BLOCKS_FILE] ?? 0,
    });
  } catch (err) {
    throw refuseDamaged(err, markPath, ack, (intact) => (intact === 0 ? 'none' : `block ${intact - 1}`));
  }
  const blockFile = blocks.file;
  if (blocks.truncatedBytes > 0 && !blocks.tailPaddingOnly) {
    console.warn(
      `EmbeddedNetwork: ${blocksPath}: dropped a torn tail of ${blocks.truncatedBytes} bytes at offset ${blockFile.bytes} (block ${blockFile.records}, never acknowledged: the process stopped while appending it)`,
    );
  }
  if (blockFile.records < ack.height) {
    await blockFile.close();
    throw new Error(
      `${blocksPath}: holds ${blockFile.records} blocks (the last good one is block ${blockFile.records - 1}) but blocks up to ${ack.height - 1} were acknowledged (${markPath}); refusing to start rather than lose acknowledged blocks: restore the ledger folder from a backup`,
    );
  }
  if (acknowledged === undefined && blockFile.records > 0) {
    console.warn(
      `EmbeddedNetwork: ${markPath} is missing (a ledger written before the mark existed, or the mark was removed): ${blockFile.records} blocks accepted as found; the mark is kept from now on`,
    );
  } else if (acknowledged !== undefined && blockFile.records > ack.height) {
    console.warn(
      `EmbeddedNetwork: ${blocksPath}: ${blockFile.records - ack.height === 1 ? `block ${ack.height} is` : `blocks ${ack.height}-${blockFile.records - 1} are`} whole on disk but not yet acknowledged when the process stopped; kept`,
    );
  }
  return blockFile;
}

/**
 * Private data is written before its block; a record past the block file's end belongs to a block that never
 * made it to disk, and is dropped. Records are in block order and start with their block number.
 */
async function openPrivateFile(
  ledgerDir: string,
  org: string,
  durable: boolean,
  height: number,
  markPath: string,
  ack: Acknowledged,
): Promise<RecordFile> {
  const name = privateFileName(org);
  const file = path.join(ledgerDir, name);
  const seen = { stale: false, lastBlock: -1 };
  let opened: Awaited<ReturnType<typeof RecordFile.open>>;
  try {
    opened = await RecordFile.open(
      file,
      durable,
      (payload) => {
        const block = privateRecordBlock(payload);
        seen.lastBlock = block;
        if (block >= height) seen.stale = true;
      },
      { acknowledgedBytes: ack.files[name] ?? 0 },
    );
  } catch (err) {
    throw refuseDamaged(err, markPath, ack, () =>
      seen.lastBlock < 0 ? 'none' : `the private data of block ${seen.lastBlock}`,
    );
  }
  if (opened.truncatedBytes > 0 && !opened.tailPaddingOnly) {
    console.warn(
      `EmbeddedNetwork: ${file}: dropped a torn tail of ${opened.truncatedBytes} bytes at offset ${opened.file.bytes} (never acknowledged: the process stopped while appending it)`,
    );
  }
  if (!seen.stale) return opened.file;
  await opened.file.close();
  await truncatePrivateFile(file, height);
  const reopened = (await RecordFile.open(file, durable, () => undefined)).file;
  console.warn(
    `EmbeddedNetwork: ${file}: dropped the private data of blocks from ${height} on (written before their block, which never reached the block file)`,
  );
  return reopened;
}

/** The mark for a ledger of `height` blocks whose last block's header hashes to `blockHash`. */
export function acknowledgement(
  height: number,
  blockHash: Buffer,
  blockFile: RecordFile,
  privateFiles: ReadonlyMap<string, RecordFile>,
): Acknowledged {
  const files: Record<string, number> = { [BLOCKS_FILE]: blockFile.bytes };
  for (const [org, f] of privateFiles) files[privateFileName(org)] = f.bytes;
  return { height, blockHash: blockHash.toString('hex'), files };
}

/** Start refused: acknowledged data is damaged. Names the file, the offset and the last good block. */
function refuseDamaged(
  err: unknown,
  markPath: string,
  ack: Acknowledged,
  lastGood: (intactRecords: number) => string,
): Error {
  if (!(err instanceof DamagedRecordFile)) return err as Error;
  return new Error(
    `${err.file}: acknowledged data is damaged at offset ${err.offset}: record ${err.intactRecords} is damaged (${err.damage}); the file has ${err.fileBytes} bytes and ${err.acknowledgedBytes} were acknowledged (blocks up to ${ack.height - 1}, ${markPath}); the last good record is ${lastGood(err.intactRecords)}. Refusing to start rather than drop acknowledged blocks: restore the ledger folder from a backup`,
    { cause: err },
  );
}

/** The block number a private data record belongs to: its JSON starts `{"block":<n>,`. */
function privateRecordBlock(payload: Buffer): number {
  const m = /^\{"block":(\d+),/.exec(payload.toString('latin1', 0, 32));
  if (m === null) throw new Error('a private data record does not start with its block number');
  return Number(m[1]);
}

async function truncatePrivateFile(file: string, height: number): Promise<void> {
  // Rewrites the file keeping only records of committed blocks (they come first: blocks are in order).
  let keep = 0;
  let offset = 0;
  await RecordFile.open(file, false, (payload) => {
    offset += 8 + payload.length;
    const rec = JSON.parse(payload.toString('utf8')) as { block: number };
    if (rec.block < height) keep = offset;
  }).then(({ file: f }) => f.close());
  await fs.truncate(file, keep);
}
