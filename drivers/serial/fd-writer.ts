// Ordered, non-blocking writes straight to a serial port's file descriptor.
//
// Why not port.write(): on Linux, serialport's unix write waits for EAGAIN to clear through
// its shared uv_poll "writable" notification, and on a PTY whose reader is momentarily
// slower than the writer that notification is sometimes never delivered: the write then
// hangs forever with the bytes still queued (seen as the board going silent mid-transfer
// under `cotenant emu --pty`, about one unpaced 8 MiB transfer in three). Retrying EAGAIN
// on a short timer instead cannot miss the moment the kernel buffer drains.
import fs from 'node:fs';

/** Delay between retries while the kernel's output buffer is full, ms. */
const EAGAIN_RETRY_MS = 1;

export class FdWriter {
  private queue: Buffer[] = [];
  private busy = false;
  private failed = false;

  constructor(private readonly fd: number, private readonly onError: (err: Error) => void) {}

  write(data: Uint8Array): void {
    if (this.failed) return;
    this.queue.push(Buffer.from(data)); // copy: callers may reuse their buffer
    this.pump();
  }

  private pump(): void {
    if (this.busy || this.failed || this.queue.length === 0) return;
    const buf = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue);
    this.queue = [buf];
    this.busy = true;
    fs.write(this.fd, buf, 0, buf.length, null, (err, n) => {
      this.busy = false;
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
          setTimeout(() => this.pump(), EAGAIN_RETRY_MS);
          return;
        }
        this.failed = true;
        this.queue = [];
        this.onError(err);
        return;
      }
      const rest = buf.subarray(n);
      if (rest.length === 0) this.queue.shift();
      else this.queue[0] = rest;
      this.pump();
    });
  }
}
