// Paces a byte stream at a UART's rate (10 bits a byte) and delivers it strictly in order.
//
// Why one FIFO and one timer: scheduling one setTimeout per chunk with a computed delay
// reorders chunks that are due within a few ms of each other (Node computes expiry from the
// event loop's cached clock, whose lag differs between calls), which corrupted frames on a
// paced `cotenant emu --pty --baud` link. Here a tick delivers as many queued bytes, from the
// head, as the line could have carried since the last delivery.
export class LinePacer {
  private queue: Uint8Array[] = [];
  /** Time (performance.now() ms) up to which the line has carried everything delivered. */
  private lineAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly byteMs: number,
    private readonly deliver: (bytes: Uint8Array) => void,
  ) {}

  push(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    if (this.queue.length === 0) this.lineAt = Math.max(this.lineAt, performance.now());
    this.queue.push(bytes.slice()); // the caller may reuse its buffer
    this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const head = this.queue[0]!;
    // wake when the head's first byte (at least) has crossed the line
    const wait = Math.max(1, this.lineAt + Math.min(head.length, 64) * this.byteMs - performance.now());
    this.timer = setTimeout(() => this.tick(), wait);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.closed) return;
    let budget = Math.floor((performance.now() - this.lineAt) / this.byteMs);
    while (budget > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = Math.min(budget, head.length);
      this.queue[0] = head.subarray(n);
      if (n === head.length) this.queue.shift();
      budget -= n;
      this.lineAt += n * this.byteMs;
      this.deliver(head.subarray(0, n));
      if (this.closed) return;
    }
    this.schedule();
  }
}
