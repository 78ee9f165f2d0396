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
  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private size: number,
    private readonly durable: boolean,
  ) {}

  /** Reads every intact record in order, truncates a torn tail, and opens the file for appending. */
  static async open(
    file: string,
    durable: boolean,
    onRecord: (payload: Buffer, index: number) => void,
  ): Promise<{ file: RecordFile; truncatedBytes: number }> {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    let offset = 0;
    let truncatedBytes = 0;
    try {
      const total = fs.fstatSync(fd).size;
      const header = Buffer.alloc(HEADER);
      let index = 0;
      while (offset < total) {
        if (offset + HEADER > total || fs.readSync(fd, header, 0, HEADER, offset) !== HEADER) break;
        const length = header.readUInt32BE(0);
        const checksum = header.readUInt32BE(4);
        if (length > RECORD_MAX || offset + HEADER + length > total) break;
        const payload = Buffer.allocUnsafe(length);
        if (fs.readSync(fd, payload, 0, length, offset + HEADER) !== length) break;
        if (crc32(payload) !== checksum) break;
        onRecord(payload, index++);
        offset += HEADER + length;
      }
      if (offset < total) {
        truncatedBytes = total - offset;
        fs.ftruncateSync(fd, offset);
        fs.fsyncSync(fd);
      }
    } finally {
      fs.closeSync(fd);
    }
    const handle = await fs.promises.open(file, 'a', 0o600);
    return { file: new RecordFile(handle, offset, durable), truncatedBytes };
  }

  get bytes(): number {
    return this.size;
  }

  /** Appends the payloads as records; with durability on, resolves only once they are on disk. */
  async append(payloads: readonly Buffer[]): Promise<void> {
    const parts: Buffer[] = [];
    let length = 0;
    for (const p of payloads) {
      const header = Buffer.allocUnsafe(HEADER);
      header.writeUInt32BE(p.length, 0);
      header.writeUInt32BE(crc32(p), 4);
      parts.push(header, p);
      length += HEADER + p.length;
    }
    const { bytesWritten } = await this.handle.writev(parts);
    if (bytesWritten !== length) throw new Error(`short write: ${bytesWritten} of ${length} bytes`);
    if (this.durable) await this.handle.datasync();
    this.size += length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
