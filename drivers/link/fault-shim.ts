// Fault injection between a host and a board: flips bits at a bit-error rate, drops,
// duplicates and reorders spans of bytes, and delays chunks — in both directions. Wraps a
// host ByteChannel, so any transport's link layer can be tested against a bad line.
// Reproducible from its seed (given the same chunking).
import type { ByteChannel } from '../serial/channel.ts';
import { mulberry32Unit } from '../../boards/prng.ts';

export interface FaultProfile {
  /** Probability each bit is inverted. */
  readonly bitErrorRate?: number;
  /** Probability a chunk loses a span of bytes. */
  readonly dropRate?: number;
  /** Probability a chunk (or a span of it) is delivered twice. */
  readonly duplicateRate?: number;
  /** Probability two adjacent spans of a chunk swap places. */
  readonly reorderRate?: number;
  /** Probability a chunk is held back, for up to maxDelayMs; order between chunks is kept. */
  readonly delayRate?: number;
  readonly maxDelayMs?: number;
  readonly seed?: number;
}

export interface FaultStats {
  bitsFlipped: number;
  drops: number;
  duplicates: number;
  reorders: number;
  chunks: number;
}

/** Applies the profile's faults to one chunk; returns the chunk(s) to deliver. */
export class FaultInjector {
  readonly stats: FaultStats = { bitsFlipped: 0, drops: 0, duplicates: 0, reorders: 0, chunks: 0 };
  private readonly rand: () => number;

  constructor(private readonly p: FaultProfile) {
    this.rand = mulberry32Unit(p.seed ?? 1);
  }

  apply(chunk: Uint8Array): Uint8Array[] {
    this.stats.chunks++;
    let c = chunk.slice();
    const ber = this.p.bitErrorRate ?? 0;
    if (ber > 0) {
      // geometric skipping: O(flips), not O(bits)
      const bits = c.length * 8;
      for (let pos = this.skip(ber); pos < bits; pos += 1 + this.skip(ber)) {
        c[pos >> 3]! ^= 1 << (pos & 7);
        this.stats.bitsFlipped++;
      }
    }
    if (c.length > 1 && this.rand() < (this.p.reorderRate ?? 0)) {
      const at = 1 + Math.floor(this.rand() * (c.length - 1));
      const span = Math.min(1 + Math.floor(this.rand() * 16), at, c.length - at);
      const swapped = new Uint8Array(c.length);
      swapped.set(c.subarray(0, at - span));
      swapped.set(c.subarray(at, at + span), at - span);
      swapped.set(c.subarray(at - span, at), at);
      swapped.set(c.subarray(at + span), at + span);
      c = swapped;
      this.stats.reorders++;
    }
    if (c.length > 0 && this.rand() < (this.p.dropRate ?? 0)) {
      const start = Math.floor(this.rand() * c.length);
      const n = 1 + Math.floor(this.rand() * Math.min(64, c.length - start));
      const kept = new Uint8Array(c.length - n);
      kept.set(c.subarray(0, start));
      kept.set(c.subarray(start + n), start);
      c = kept;
      this.stats.drops++;
    }
    const out = [c];
    if (this.rand() < (this.p.duplicateRate ?? 0)) {
      const start = Math.floor(this.rand() * c.length);
      out.push(c.slice(start));
      this.stats.duplicates++;
    }
    return out;
  }

  delayMs(): number {
    return (this.p.maxDelayMs ?? 0) > 0 && this.rand() < (this.p.delayRate ?? 1)
      ? this.rand() * this.p.maxDelayMs!
      : 0;
  }

  private skip(p: number): number {
    return Math.floor(Math.log(1 - this.rand()) / Math.log(1 - p));
  }
}

/** A ByteChannel whose traffic, both ways, goes through fault injectors. */
export class FaultyChannel implements ByteChannel {
  readonly toBoard: FaultInjector;
  readonly toHost: FaultInjector;
  private outChain: Promise<void> = Promise.resolve();
  private inChain: Promise<void> = Promise.resolve();
  private outPending = 0;
  private inPending = 0;
  private listener: ((chunk: Uint8Array) => void) | undefined;
  private closed = false;

  constructor(
    private readonly inner: ByteChannel,
    profile: FaultProfile,
  ) {
    this.toBoard = new FaultInjector(profile);
    this.toHost = new FaultInjector({ ...profile, seed: (profile.seed ?? 1) ^ 0x5a5a5a5a });
    inner.onData((chunk) => this.deliver(this.toHost, chunk, (c) => this.listener?.(c), 'in'));
  }

  get name(): string {
    return `${this.inner.name} (fault shim)`;
  }

  write(data: Uint8Array): void {
    this.deliver(this.toBoard, data, (c) => this.inner.write(c), 'out');
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
  }

  onClose(listener: (err?: Error) => void): void {
    this.inner.onClose(listener);
  }

  flushInput(): Promise<void> {
    return this.inner.flushInput();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }

  private deliver(
    f: FaultInjector,
    chunk: Uint8Array,
    sink: (c: Uint8Array) => void,
    dir: 'in' | 'out',
  ): void {
    const parts = f.apply(chunk);
    const delay = f.delayMs();
    const emit = (): void => {
      if (!this.closed) for (const p of parts) if (p.length > 0) sink(p);
    };
    const chain = dir === 'out' ? this.outPending : this.inPending;
    if (delay === 0 && chain === 0) {
      emit();
      return;
    }
    // chain per direction so delays never reorder chunks (reordering is its own fault)
    const held = (): void => {
      emit();
      if (dir === 'out') this.outPending--;
      else this.inPending--;
    };
    const step = (prev: Promise<void>): Promise<void> =>
      prev.then(() =>
        delay === 0
          ? held()
          : new Promise<void>((r) =>
              setTimeout(() => {
                held();
                r();
              }, delay),
            ),
      );
    if (dir === 'out') {
      this.outPending++;
      this.outChain = step(this.outChain);
    } else {
      this.inPending++;
      this.inChain = step(this.inChain);
    }
  }
}
