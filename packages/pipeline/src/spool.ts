import { type FileHandle, mkdir, open, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A message waiting for the bus. */
export interface SpooledMessage {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer;
}

export interface SpoolOptions {
  /** Total bytes on disk before appends are refused (default 256 MiB). */
  maxBytes?: number;
  /** Segment file size before rolling to a new one (default 4 MiB). */
  segmentBytes?: number;
}

export interface SpoolRead {
  messages: { message: SpooledMessage; end: number }[];
  /** Marks everything up to byte position `end` (from `messages`) of this segment as delivered. */
  commit(end: number): Promise<void>;
}

const SEGMENT = /^seg-(\d{12})\.log$/;
const segName = (n: number) => `seg-${String(n).padStart(12, '0')}.log`;

/**
 * Append-only disk spool of one node: numbered segment files of frames
 * `[u32 meta length][meta JSON {t,k,h}][u32 value length][value]`, each with a `.pos` file holding how
 * far it was delivered. Read oldest first, so replay keeps the order of arrival. A frame cut short by a
 * crash ends its segment.
 */
export class Spool {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private segments: number[] = [];
  /** Bytes per segment on disk and delivered position per segment. */
  private readonly sizes = new Map<number, number>();
  private readonly positions = new Map<number, number>();
  private writer: { n: number; fh: FileHandle } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private pendingCount = 0;

  constructor(dir: string, opts: SpoolOptions = {}) {
    this.dir = dir;
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    this.segmentBytes = opts.segmentBytes ?? 4 * 1024 * 1024;
  }

  /** Picks up segments left by a previous run (they are replayed first). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    this.segments = names
      .map((n) => SEGMENT.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const n of this.segments) {
      this.sizes.set(n, (await stat(join(this.dir, segName(n)))).size);
      const pos = await readFile(join(this.dir, `${segName(n)}.pos`), 'utf8').catch(() => '0');
      this.positions.set(n, Number(pos) || 0);
      this.pendingCount += countFrames(
        await readFile(join(this.dir, segName(n))),
        this.positions.get(n) ?? 0,
      );
    }
  }

  /** Undelivered bytes on disk. */
  get bytes(): number {
    let total = 0;
    for (const n of this.segments) total += (this.sizes.get(n) ?? 0) - (this.positions.get(n) ?? 0);
    return total;
  }

  /** Undelivered messages. */
  get count(): number {
    return this.pendingCount;
  }

  get empty(): boolean {
    return this.pendingCount === 0;
  }

  /** Appends in order; returns how many fitted (the rest are the caller's to count as dropped). */
  append(messages: SpooledMessage[]): Promise<number> {
    return this.serial(async () => {
      const frames: Buffer[] = [];
      let room = this.maxBytes - this.bytes;
      for (const m of messages) {
        const f = frame(m);
        if (f.length > room) break;
        room -= f.length;
        frames.push(f);
      }
      let i = 0;
      while (i < frames.length) {
        const w = await this.writable();
        const size = this.sizes.get(w.n) ?? 0;
        const chunk: Buffer[] = [];
        let bytes = 0;
        // Fill the current segment, but always at least one frame so huge frames still go somewhere.
        while (
          i < frames.length &&
          (chunk.length === 0 || size + bytes + (frames[i] as Buffer).length <= this.segmentBytes)
        ) {
          const f = frames[i++] as Buffer;
          chunk.push(f);
          bytes += f.length;
        }
        await w.fh.write(Buffer.concat(chunk));
        this.sizes.set(w.n, size + bytes);
        this.pendingCount += chunk.length;
        if (size + bytes >= this.segmentBytes) await this.roll();
      }
      return frames.length;
    });
  }

  /** Up to `max` of the oldest undelivered messages (from one segment). */
  read(max: number): Promise<SpoolRead | undefined> {
    return this.serial(async () => {
      const n = this.segments[0];
      if (n === undefined) return undefined;
      // Never read the segment being written: roll it, new appends go to a fresh one.
      if (this.writer?.n === n) await this.roll();
      const buf = await readFile(join(this.dir, segName(n)));
      const start = this.positions.get(n) ?? 0;
      const messages = parseFrames(buf, start, max);
      if (messages.length === 0) {
        // Fully delivered or only a torn tail left: the segment is done.
        await this.dropSegment(n);
        return { messages: [], commit: async () => {} };
      }
      let done = start;
      return {
        messages,
        commit: (end: number) =>
          this.serial(async () => {
            this.pendingCount -= messages.filter((m) => m.end > done && m.end <= end).length;
            done = Math.max(done, end);
            if (end >= buf.length || parseFrames(buf, end, 1).length === 0) await this.dropSegment(n);
            else {
              this.positions.set(n, end);
              await writeFile(join(this.dir, `${segName(n)}.pos`), String(end));
            }
          }),
      };
    });
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      await this.writer?.fh.close();
      this.writer = undefined;
    });
  }

  private async writable(): Promise<{ n: number; fh: FileHandle }> {
    if (this.writer) return this.writer;
    const n = (this.segments[this.segments.length - 1] ?? 0) + 1;
    const fh = await open(join(this.dir, segName(n)), 'a');
    this.segments.push(n);
    this.sizes.set(n, 0);
    this.positions.set(n, 0);
    this.writer = { n, fh };
    return this.writer;
  }

  private async roll(): Promise<void> {
    await this.writer?.fh.close();
    this.writer = undefined;
  }

  private async dropSegment(n: number): Promise<void> {
    await unlink(join(this.dir, segName(n))).catch(() => {});
    await unlink(join(this.dir, `${segName(n)}.pos`)).catch(() => {});
    this.segments = this.segments.filter((s) => s !== n);
    this.sizes.delete(n);
    this.positions.delete(n);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }
}

function frame(m: SpooledMessage): Buffer {
  const meta = Buffer.from(JSON.stringify({ t: m.topic, k: m.key, h: m.headers }));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(meta.length);
  const vlen = Buffer.alloc(4);
  vlen.writeUInt32BE(m.value.length);
  return Buffer.concat([head, meta, vlen, m.value]);
}

function parseFrames(buf: Buffer, start: number, max: number): { message: SpooledMessage; end: number }[] {
  const out: { message: SpooledMessage; end: number }[] = [];
  let pos = start;
  while (out.length < max && pos + 4 <= buf.length) {
    const metaLen = buf.readUInt32BE(pos);
    if (pos + 4 + metaLen + 4 > buf.length) break;
    const vlen = buf.readUInt32BE(pos + 4 + metaLen);
    const end = pos + 8 + metaLen + vlen;
    if (end > buf.length) break;
    let meta: { t: string; k: string | null; h: Record<string, string> };
    try {
      meta = JSON.parse(buf.subarray(pos + 4, pos + 4 + metaLen).toString('utf8'));
    } catch {
      break; // torn or corrupt: treat as the end of the segment
    }
    out.push({
      message: {
        topic: meta.t,
        key: meta.k,
        headers: meta.h,
        value: Buffer.from(buf.subarray(end - vlen, end)),
      },
      end,
    });
    pos = end;
  }
  return out;
}

function countFrames(buf: Buffer, start: number): number {
  return parseFrames(buf, start, Number.MAX_SAFE_INTEGER).length;
}
