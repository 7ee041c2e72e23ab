// Ordered, non-blocking writes straight to a serial port's file descriptor.
//
// Why not port.write(): on Linux, serialport's unix write waits for EAGAIN to clear through
// its shared uv_poll "writable" notification, and on a PTY whose reader is momentarily
// slower than the writer that notification is sometimes never delivered: the write then
// hangs forever with the bytes still queued (seen as the board going silent mid-transfer
// under `cotenant emu --pty`, about one unpaced 8 MiB transfer in three). Retrying EAGAIN
// on a short timer instead cannot miss the moment the kernel buffer drains.
// The fd is non-blocking (serialport opens it O_NONBLOCK), so a synchronous write never
// blocks the event loop; it saves a thread-pool round trip on every frame, which is most of
// a register round trip's host-side cost.
//
// The syscalls are injectable (as serialport's bindings take their write function) so the
// retry and failure paths are tested without a kernel: EAGAIN and EINTR retry, a short write
// continues where it stopped, anything else (EBADF, EIO when the far end of a PTY is gone,
// EPIPE) fails the writer once, for good, and stops every retry — the writer never spins on
// a dead fd.
import fs from 'node:fs';

/** What the writer needs of the OS; `defer` runs `fn` later and returns a cancel function. */
export interface FdWriterIo {
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number): number;
  /** `soon`: on the next loop turn (the reader usually drains within microseconds); else after
   *  a short back-off. */
  defer(fn: () => void, soon: boolean): () => void;
}

/** While the kernel's output buffer is full: retry on the next loop turn this many times,
 *  then every EAGAIN_RETRY_MS. */
const EAGAIN_SPINS = 32;
const EAGAIN_RETRY_MS = 1;

export const realFdIo: FdWriterIo = {
  writeSync: (fd, buf, offset, length) => fs.writeSync(fd, buf, offset, length),
  defer: (fn, soon) => {
    if (soon) {
      const h = setImmediate(fn);
      return () => clearImmediate(h);
    }
    const h = setTimeout(fn, EAGAIN_RETRY_MS);
    return () => clearTimeout(h);
  },
};

const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

export class FdWriter {
  private queue: Buffer[] = [];
  private cancelRetry: (() => void) | undefined;
  private spins = 0;
  private done = false;

  constructor(
    private readonly fd: number,
    private readonly onError: (err: Error) => void,
    private readonly io: FdWriterIo = realFdIo,
  ) {}

  /** Bytes queued and not yet accepted by the kernel. */
  get pendingBytes(): number {
    return this.queue.reduce((n, b) => n + b.length, 0);
  }

  write(data: Uint8Array): void {
    if (this.done) return;
    this.queue.push(Buffer.from(data)); // copy: callers may reuse their buffer
    if (this.cancelRetry === undefined) this.pump();
  }

  /** Drops what is queued and stops retrying; later writes are ignored. */
  close(): void {
    this.done = true;
    this.queue = [];
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  private pump(): void {
    this.cancelRetry = undefined;
    while (!this.done && this.queue.length > 0) {
      const buf = this.queue[0]!;
      let n: number;
      try {
        n = this.io.writeSync(this.fd, buf, 0, buf.length);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== undefined && RETRY_CODES.has(code)) {
          this.retryLater(code === 'EINTR');
          return;
        }
        this.close();
        this.onError(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (n <= 0) {
        this.retryLater(false); // nothing accepted: treat as a full buffer
        return;
      }
      this.spins = 0;
      if (n >= buf.length) this.queue.shift();
      else this.queue[0] = buf.subarray(n);
    }
  }

  private retryLater(now: boolean): void {
    this.cancelRetry = this.io.defer(() => this.pump(), now || this.spins++ < EAGAIN_SPINS);
  }
}
