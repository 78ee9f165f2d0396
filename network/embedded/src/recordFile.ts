import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';

const HEADER = 8;
// Larger than any record we write; a length beyond it can only be a damaged header.
const RECORD_MAX = 1 << 30;
// Direct I/O writes whole blocks from aligned memory: 4096 bytes covers 512-byte and 4K-sector disks alike.
const ALIGN = 4096;
// What fills the rest of the last block behind the records. A header of it reads as a length beyond
// RECORD_MAX, so a reader stops there, as at a torn tail.
const PAD = 0xff;

// Node provides WebAssembly; the TypeScript libraries this project compiles against do not declare it.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  };
};

/** A reusable write buffer whose memory starts on a page boundary (WebAssembly memory is page-aligned). */
class AlignedBuffer {
  private readonly memory = new WebAssembly.Memory({ initial: 16 });
  private view = Buffer.from(this.memory.buffer);

  /** The buffer, at least `size` bytes long. */
  get(size: number): Buffer {
    if (size > this.view.length) {
      this.memory.grow(Math.ceil((size - this.view.length) / 65_536));
      this.view = Buffer.from(this.memory.buffer);
    }
    return this.view;
  }
}

/**
 * A record file whose intact records end before the bytes an acknowledgement mark says were on disk: truncation
 * or corruption of acknowledged data, which is never cut off as if it were a torn tail.
 */
export class DamagedRecordFile extends Error {
  override readonly name = 'DamagedRecordFile';
  constructor(
    readonly file: string,
    /** Where the first damaged record starts (the end of the intact part). */
    readonly offset: number,
    /** Intact records before it. */
    readonly intactRecords: number,
    readonly damage: string,
    readonly acknowledgedBytes: number,
    readonly fileBytes: number,
  ) {
    super(
      `${file}: record ${intactRecords} at offset ${offset} is damaged (${damage}); the file has ${fileBytes} bytes, of which ${acknowledgedBytes} were acknowledged`,
    );
  }
}

/** How a file opened for direct I/O is appended to: the bytes of its last, partly filled block. */
type Direct = { tail: Buffer; buffer: AlignedBuffer };

/**
 * An append-only file of records, each `[u32 length][u32 crc32][payload]`. A record that a crash cut
 * short, or whose checksum fails, ends the readable file: it and anything after it are truncated when
 * the file is opened, so the next append starts on a clean boundary — unless it lies within the bytes the
 * caller says were acknowledged (see `open`), which are never cut.
 *
 * Appends use direct I/O (O_DIRECT) where the file system has it: the records go from an aligned buffer
 * straight to the disk, not through the page cache, which otherwise grows by every byte the ledger writes
 * (about 2 kB per leg) and, on a virtual machine, costs the kernel more for every page it takes once the
 * guest uses more memory than before (docs/PERFORMANCE-NOTES.md). Each append rewrites the file's last partly
 * filled block with the new records and fills the rest of the block with PAD; `close` cuts the padding off.
 * A file system without direct I/O (tmpfs, for one) gets the page cache, as before.
 */
export class RecordFile {
  private reader: Promise<fs.promises.FileHandle> | undefined;
  private readonly reads = new Set<Promise<unknown>>();

  private constructor(
    readonly path: string,
    private readonly handle: fs.promises.FileHandle,
    private size: number,
    private readonly durable: boolean,
    /** Where each record starts: record i is at offsets[i]. */
    private readonly offsets: number[],
    private readonly direct: Direct | undefined,
  ) {}

  /** Appends in flight run one after another: each one's offsets, and a direct one's tail, follow the last. */
  private appending: Promise<void> = Promise.resolve();

  /**
   * Reads up to `limit` intact records from the start of an open file. Stops at the first record that is cut
   * short or fails its checksum; returns where each record read starts and where the intact part ends.
   */
  private static readRecords(
    fd: number,
    limit: number,
    onRecord: (payload: Buffer, index: number) => void,
  ): { offsets: number[]; end: number; total: number; damage: string | undefined } {
    const total = fs.fstatSync(fd).size;
    const header = Buffer.alloc(HEADER);
    const offsets: number[] = [];
    let offset = 0;
    let damage: string | undefined;
    while (offset < total && offsets.length < limit) {
      if (offset + HEADER > total || fs.readSync(fd, header, 0, HEADER, offset) !== HEADER) {
        damage = `header cut short: ${total - offset} of ${HEADER} bytes`;
        break;
      }
      const length = header.readUInt32BE(0);
      if (length > RECORD_MAX) {
        damage = `header damaged: length ${length}`;
        break;
      }
      if (offset + HEADER + length > total) {
        damage = `cut short: ${total - offset - HEADER} of ${length} bytes`;
        break;
      }
      const payload = Buffer.allocUnsafe(length);
      if (fs.readSync(fd, payload, 0, length, offset + HEADER) !== length) {
        damage = 'cannot be read whole';
        break;
      }
      if (crc32(payload) !== header.readUInt32BE(4)) {
        damage = 'checksum mismatch';
        break;
      }
      offsets.push(offset);
      onRecord(payload, offsets.length - 1);
      offset += HEADER + length;
    }
    return { offsets, end: offset, total, damage };
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
      if (offsets.length < count && end < total && !RecordFile.paddingOnly(fd, end, total))
        throw new Error(`${file}: record ${offsets.length} is damaged`);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Whether the bytes from `end` to `total` are the padding behind the last record (see RecordFile). */
  private static paddingOnly(fd: number, end: number, total: number): boolean {
    if (total - end >= ALIGN) return false;
    const rest = Buffer.alloc(total - end);
    if (fs.readSync(fd, rest, 0, rest.length, end) !== rest.length) return false;
    return rest.every((b) => b === PAD);
  }

  /**
   * Reads every intact record in order, truncates a torn tail (or the padding a process that stopped without
   * `close` left), and opens the file for appending: with direct I/O unless `direct` is false or the file
   * system refuses it. With `acknowledgedBytes`, the first that many bytes must be intact: if a record within
   * them is cut short or fails its checksum, open throws `DamagedRecordFile` and changes nothing.
   */
  static async open(
    file: string,
    durable: boolean,
    onRecord: (payload: Buffer, index: number) => void,
    options: { direct?: boolean; acknowledgedBytes?: number } = {},
  ): Promise<{ file: RecordFile; truncatedBytes: number; tailPaddingOnly: boolean }> {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    let read: { offsets: number[]; end: number; total: number; damage: string | undefined };
    let tail: Buffer;
    let tailPaddingOnly = true;
    try {
      read = RecordFile.readRecords(fd, Number.MAX_SAFE_INTEGER, onRecord);
      // Bytes that were acknowledged are never cut: damage there is reported, and the file left as it is.
      const acknowledged = options.acknowledgedBytes ?? 0;
      if (read.end < acknowledged) {
        throw new DamagedRecordFile(
          file,
          read.end,
          read.offsets.length,
          read.damage ?? 'the file ends there',
          acknowledged,
          read.total,
        );
      }
      if (read.end < read.total) {
        tailPaddingOnly = RecordFile.paddingOnly(fd, read.end, read.total);
        fs.ftruncateSync(fd, read.end);
        fs.fsyncSync(fd);
      }
      tail = Buffer.alloc(read.end % ALIGN);
      fs.readSync(fd, tail, 0, tail.length, read.end - tail.length);
    } finally {
      fs.closeSync(fd);
    }
    const truncatedBytes = read.total - read.end;
    if (options.direct !== false) {
      const direct = await RecordFile.openDirect(file, read.end, tail);
      if (direct !== undefined) {
        return {
          file: new RecordFile(file, direct.handle, read.end, durable, read.offsets, direct.direct),
          truncatedBytes,
          tailPaddingOnly,
        };
      }
    }
    const handle = await fs.promises.open(file, 'a', 0o600);
    return {
      file: new RecordFile(file, handle, read.end, durable, read.offsets, undefined),
      truncatedBytes,
      tailPaddingOnly,
    };
  }

  /**
   * The file opened for direct I/O, proven by rewriting its last block as an append does (its records and
   * padding, cut off again); undefined where the file system refuses either, and the file is then as it was.
   */
  private static async openDirect(
    file: string,
    size: number,
    tail: Buffer,
  ): Promise<{ handle: fs.promises.FileHandle; direct: Direct } | undefined> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_DIRECT);
    } catch {
      return undefined;
    }
    const direct: Direct = { tail, buffer: new AlignedBuffer() };
    try {
      await RecordFile.writeDirect(handle, direct, size, [], 0);
      await handle.truncate(size);
      return { handle, direct };
    } catch {
      await handle.close();
      return undefined;
    }
  }

  get bytes(): number {
    return this.size;
  }

  /** Whether appends bypass the page cache (O_DIRECT). */
  get directIO(): boolean {
    return this.direct !== undefined;
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
  append(payloads: readonly (Buffer | readonly Buffer[])[]): Promise<void> {
    const next = this.appending.then(() => this.appendNow(payloads));
    this.appending = next.catch(() => undefined);
    return next;
  }

  private async appendNow(payloads: readonly (Buffer | readonly Buffer[])[]): Promise<void> {
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
    if (this.direct === undefined) {
      const { bytesWritten } = await this.handle.writev(parts);
      if (bytesWritten !== length) throw new Error(`short write: ${bytesWritten} of ${length} bytes`);
    } else {
      await RecordFile.writeDirect(this.handle, this.direct, this.size, parts, length);
    }
    if (this.durable) await this.handle.datasync();
    let at = this.size;
    for (const l of lengths) {
      this.offsets.push(at);
      at += l;
    }
    this.size += length;
  }

  /**
   * Replaces record `index` by `payload` of the same length, in place (a purge removing private data: no offset
   * moves, so what the acknowledgement mark counts stays true), synced when the file is durable. Runs between
   * appends.
   */
  rewrite(index: number, payload: Buffer): Promise<void> {
    const next = this.appending.then(() => this.rewriteNow(index, payload));
    this.appending = next.catch(() => undefined);
    return next;
  }

  private async rewriteNow(index: number, payload: Buffer): Promise<void> {
    const offset = this.offsets[index];
    if (offset === undefined) throw new Error(`${this.path}: no record ${index}`);
    const length = (this.offsets[index + 1] ?? this.size) - offset - HEADER;
    if (length !== payload.length)
      throw new Error(`${this.path}: record ${index} is ${length} bytes, not ${payload.length}`);
    const bytes = Buffer.allocUnsafe(HEADER + length);
    bytes.writeUInt32BE(length, 0);
    bytes.writeUInt32BE(crc32(payload), 4);
    payload.copy(bytes, HEADER);
    // A handle of its own: the appending one may be opened for appends only, or for direct I/O (aligned writes).
    const fh = await fs.promises.open(this.path, 'r+');
    try {
      const { bytesWritten } = await fh.write(bytes, 0, bytes.length, offset);
      if (bytesWritten !== bytes.length)
        throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
      if (this.durable) await fh.datasync();
    } finally {
      await fh.close();
    }
    // The next direct append writes the last partly filled block again from memory: it must hold the new bytes.
    if (this.direct !== undefined) {
      const tailStart = this.size - this.direct.tail.length;
      const from = Math.max(offset, tailStart);
      if (from < offset + bytes.length) bytes.copy(this.direct.tail, from - tailStart, from - offset);
    }
  }

  /**
   * Writes the last partly filled block of a file of `size` bytes again, followed by `parts` (`length` bytes)
   * and padding to a whole block (at least one), and keeps the new last block's bytes as the tail.
   */
  private static async writeDirect(
    handle: fs.promises.FileHandle,
    direct: Direct,
    size: number,
    parts: readonly Buffer[],
    length: number,
  ): Promise<void> {
    const start = size - direct.tail.length;
    const used = direct.tail.length + length;
    const whole = Math.max(ALIGN, Math.ceil(used / ALIGN) * ALIGN);
    const block = direct.buffer.get(whole);
    direct.tail.copy(block, 0);
    let at = direct.tail.length;
    for (const part of parts) at += part.copy(block, at);
    block.fill(PAD, used, whole);
    const { bytesWritten } = await handle.write(block, 0, whole, start);
    if (bytesWritten !== whole) throw new Error(`short write: ${bytesWritten} of ${whole} bytes`);
    const keep = used % ALIGN;
    direct.tail = Buffer.from(block.subarray(used - keep, used));
  }

  async close(): Promise<void> {
    await this.appending;
    await Promise.allSettled([...this.reads]);
    if (this.reader !== undefined) await (await this.reader).close();
    if (this.direct !== undefined) {
      await this.handle.truncate(this.size);
      if (this.durable) await this.handle.datasync();
    }
    await this.handle.close();
  }
}
