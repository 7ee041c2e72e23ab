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
import fs from 'node:fs';

/** While the kernel's output buffer is full: retry on the next loop turn this many times
 *  (the reader usually drains it within microseconds), then every EAGAIN_RETRY_MS. */
const EAGAIN_SPINS = 32;
const EAGAIN_RETRY_MS = 1;

export class FdWriter {
  private queue: Buffer[] = [];
  private retry: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  private spins = 0;
  private failed = false;

  constructor(
    private readonly fd: number,
    private readonly onError: (err: Error) => void,
  ) {}

  write(data: Uint8Array): void {
    if (this.failed) return;
    this.queue.push(Buffer.from(data)); // copy: callers may reuse their buffer
    if (this.retry === undefined) this.pump();
  }

  private pump(): void {
    this.retry = undefined;
    while (!this.failed && this.queue.length > 0) {
      const buf = this.queue[0]!;
      let n: number;
      try {
        n = fs.writeSync(this.fd, buf, 0, buf.length);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
          this.retry =
            this.spins++ < EAGAIN_SPINS
              ? setImmediate(() => this.pump())
              : setTimeout(() => this.pump(), EAGAIN_RETRY_MS);
          return;
        }
        this.failed = true;
        this.queue = [];
        this.onError(err as Error);
        return;
      }
      this.spins = 0;
      if (n === buf.length) this.queue.shift();
      else this.queue[0] = buf.subarray(n);
    }
  }
}
