import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * What the network had acknowledged when the mark was written: every block below `height` is on disk, the last
 * one's header hashes to `blockHash`, and each ledger file (path relative to the ledger folder) holds at least
 * its bytes here intact. A block counts as acknowledged once this is synced: only then do listeners see it and
 * its submitters hear back.
 */
export type Acknowledged = {
  height: number;
  blockHash: string;
  files: Record<string, number>;
};

// Two copies in their own 4096-byte blocks, written in turn: a crash in the middle of writing one leaves the
// other, one block older, which is still true (a lower mark only claims less).
const SLOT = 4096;
const HEADER = 8;

function encode(seq: number, ack: Acknowledged): Buffer {
  const payload = Buffer.from(JSON.stringify({ seq, ...ack }));
  if (payload.length > SLOT - HEADER) throw new Error(`acknowledgement mark of ${payload.length} bytes`);
  const slot = Buffer.alloc(SLOT);
  slot.writeUInt32BE(payload.length, 0);
  slot.writeUInt32BE(crc32(payload), 4);
  payload.copy(slot, HEADER);
  return slot;
}

function decode(slot: Buffer): (Acknowledged & { seq: number }) | undefined {
  if (slot.length < HEADER) return undefined;
  const length = slot.readUInt32BE(0);
  if (length === 0 || length > slot.length - HEADER) return undefined;
  const payload = slot.subarray(HEADER, HEADER + length);
  if (crc32(payload) !== slot.readUInt32BE(4)) return undefined;
  try {
    const v = JSON.parse(payload.toString('utf8')) as Acknowledged & { seq: number };
    if (!Number.isSafeInteger(v.seq) || !Number.isSafeInteger(v.height) || typeof v.blockHash !== 'string')
      return undefined;
    return v;
  } catch {
    return undefined;
  }
}

/** The ledger's durable high-water mark: rewritten and synced after each block, before anyone hears of it. */
export class AckMark {
  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly durable: boolean,
    private seq: number,
  ) {}

  /**
   * Opens the mark and reads the newest intact copy: undefined for a ledger that never had one (new, or
   * written before marks existed). A file whose copies are all damaged is refused: without it nobody can
   * tell a torn tail from lost acknowledged blocks.
   */
  static async open(
    file: string,
    durable: boolean,
  ): Promise<{ mark: AckMark; acknowledged: Acknowledged | undefined }> {
    const bytes = await fs.promises.readFile(file).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    });
    const copies = [decode(bytes.subarray(0, SLOT)), decode(bytes.subarray(SLOT, 2 * SLOT))].filter(
      (c) => c !== undefined,
    );
    if (bytes.length > 0 && copies.length === 0) {
      throw new Error(
        `${file}: both copies of the acknowledgement mark are damaged (${bytes.length} bytes): cannot tell which blocks were acknowledged; refusing to start`,
      );
    }
    const newest = copies.sort((a, b) => b.seq - a.seq)[0];
    const handle = await fs.promises.open(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    const mark = new AckMark(handle, durable, newest?.seq ?? 0);
    if (newest === undefined) return { mark, acknowledged: undefined };
    const { height, blockHash, files } = newest;
    return { mark, acknowledged: { height, blockHash, files } };
  }

  /** Writes the next copy over the older one and, with durability on, resolves once it is on disk. */
  async write(ack: Acknowledged): Promise<void> {
    this.seq += 1;
    const slot = encode(this.seq, ack);
    const { bytesWritten } = await this.handle.write(slot, 0, SLOT, (this.seq % 2) * SLOT);
    if (bytesWritten !== SLOT)
      throw new Error(`short write of the acknowledgement mark: ${bytesWritten} bytes`);
    if (this.durable) await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
