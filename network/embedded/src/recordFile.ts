import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';

const HEADER = 8;
// Larger than any record we write; a length beyond it can only be a damaged header.
const RECORD_MAX = 1 << 30;

/**
 * An append-only file of records, each `[u32 length][u32 crc32][payload]`. A record that a crash cut
 * short, or whose checksum fails, ends the readable file: it and anything after it are truncated when
 * the file is opened, so the next append starts on a clean boundary.
 */
export class RecordFile {
  private reader: Promise<fs.promises.FileHandle> | undefined;
  private readonly reads = new Set<Promise<unknown>>();

  private constructor(
    private readonly path: string,
    private readonly handle: fs.promises.FileHandle,
    private size: number,
    private readonly durable: boolean,
    /** Where each record starts: record i is at offsets[i]. */
    private readonly offsets: number[],
  ) {}

  /**
   * Reads up to `limit` intact records from the start of an open file. Stops at the first record that is cut
   * short or fails its checksum; returns where each record read starts and where the intact part ends.
   */
  private static readRecords(
    fd: number,
    limit: number,
    onRecord: (payload: Buffer, index: number) => void,
  ): { offsets: number[]; end: number; total: number } {
    const total = fs.fstatSync(fd).size;
    const header = Buffer.alloc(HEADER);
    const offsets: number[] = [];
    let offset = 0;
    while (offset < total && offsets.length < limit) {
      if (offset + HEADER > total || fs.readSync(fd, header, 0, HEADER, offset) !== HEADER) break;
      const length = header.readUInt32BE(0);
      if (length > RECORD_MAX || offset + HEADER + length > total) break;
      const payload = Buffer.allocUnsafe(length);
      if (fs.readSync(fd, payload, 0, length, offset + HEADER) !== length) break;
      if (crc32(payload) !== header.readUInt32BE(4)) break;
      offsets.push(offset);
      onRecord(payload, offsets.length - 1);
      offset += HEADER + length;
    }
    return { offsets, end: offset, total };
  }

  /**
   * Reads the first `count` records of a file another RecordFile owns (and has opened, so its tail is
   * intact), without changing it.
   */
  static scan(file: string, count: number, onRecord: (payload: Buffer, index: number) => void): void {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { offsets, end, total } = RecordFile.readRecords(fd, count, onRecord);
      if (offsets.length < count && end < total)
        throw new Error(`${file}: record ${offsets.length} is damaged`);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Reads every intact record in order, truncates a torn tail, and opens the file for appending. */
  static async open(
    file: string,
    durable: boolean,
    onRecord: (payload: Buffer, index: number) => void,
  ): Promise<{ file: RecordFile; truncatedBytes: number }> {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    let read: { offsets: number[]; end: number; total: number };
    try {
      read = RecordFile.readRecords(fd, Number.MAX_SAFE_INTEGER, onRecord);
      if (read.end < read.total) {
        fs.ftruncateSync(fd, read.end);
        fs.fsyncSync(fd);
      }
    } finally {
      fs.closeSync(fd);
    }
    const handle = await fs.promises.open(file, 'a', 0o600);
    return {
      file: new RecordFile(file, handle, read.end, durable, read.offsets),
      truncatedBytes: read.total - read.end,
    };
  }

  get bytes(): number {
    return this.size;
  }

  /** Number of records in the file. */
  get records(): number {
    return this.offsets.length;
  }

  /** Reads record `index` back (checksum verified). */
  read(index: number): Promise<Buffer> {
    const p = this.readRecord(index);
    this.reads.add(p);
    const done = () => this.reads.delete(p);
    p.then(done, done);
    return p;
  }

  private async readRecord(index: number): Promise<Buffer> {
    const offset = this.offsets[index];
    if (offset === undefined) throw new Error(`${this.path}: no record ${index}`);
    this.reader ??= fs.promises.open(this.path, 'r');
    const fh = await this.reader;
    const header = Buffer.alloc(HEADER);
    await fh.read(header, 0, HEADER, offset);
    const length = header.readUInt32BE(0);
    const payload = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(payload, 0, length, offset + HEADER);
    if (bytesRead !== length || crc32(payload) !== header.readUInt32BE(4))
      throw new Error(`${this.path}: record ${index} does not read back intact`);
    return payload;
  }

  /**
   * Appends the payloads as records, each one Buffer or the list of pieces it is made of (written as they are,
   * never joined); with durability on, resolves only once they are on disk.
   */
  async append(payloads: readonly (Buffer | readonly Buffer[])[]): Promise<void> {
    const parts: Buffer[] = [];
    const lengths: number[] = [];
    for (const p of payloads) {
      const pieces = Buffer.isBuffer(p) ? [p] : p;
      let payloadLength = 0;
      let crc = 0;
      for (const piece of pieces) {
        payloadLength += piece.length;
        crc = crc32(piece, crc);
      }
      const header = Buffer.allocUnsafe(HEADER);
      header.writeUInt32BE(payloadLength, 0);
      header.writeUInt32BE(crc, 4);
      parts.push(header, ...pieces);
      lengths.push(HEADER + payloadLength);
    }
    const length = lengths.reduce((a, b) => a + b, 0);
    const { bytesWritten } = await this.handle.writev(parts);
    if (bytesWritten !== length) throw new Error(`short write: ${bytesWritten} of ${length} bytes`);
    if (this.durable) await this.handle.datasync();
    let at = this.size;
    for (const l of lengths) {
      this.offsets.push(at);
      at += l;
    }
    this.size += length;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.reads]);
    if (this.reader !== undefined) await (await this.reader).close();
    await this.handle.close();
  }
}
