// A byte channel: what the serial link layer needs of a port, a PTY, an in-memory pipe or
// the fault-injection shim. Types only.
//
// Guarantees an implementation gives:
// - write() queues bytes in order and never throws; failure shows up as close.
// - onData delivers bytes in arrival order; chunk boundaries mean nothing.
// - onClose fires once, when the channel is gone for any reason (error given when it was
//   not a local close()).
// - flushInput() discards bytes received but not yet delivered, and anything the OS has
//   buffered (tcflush on a serial port): stale input from before a (re)connect.
export interface ByteChannel {
  /** Human-readable name for messages ("/dev/ttyUSB0", "pty /dev/pts/3"). */
  readonly name: string;
  write(data: Uint8Array): void;
  onData(listener: (chunk: Uint8Array) => void): void;
  onClose(listener: (err?: Error) => void): void;
  flushInput(): Promise<void>;
  close(): Promise<void>;
}

/** Timers the link layer uses; injectable so tests can drive time. */
export interface LinkClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: LinkClock = {
  now: () => performance.now(),
  // not unref'd: a pending request must keep the process alive until it ends
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
