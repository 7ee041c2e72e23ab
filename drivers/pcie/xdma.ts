// PCIe backend 1: the Xilinx XDMA driver's character devices.
//   <prefix>_user      BAR (AXI-Lite) — 4-byte pread/pwrite at the register offset
//   <prefix>_h2c_<n>   host → card DMA — pwrite at the card address
//   <prefix>_c2h_<n>   card → host DMA — pread at the card address
//   <prefix>_events_<n> user interrupt n — a 4-byte read blocks until it fires
// The file operations are parameters (with fs defaults) so tests connect this backend to
// the emulator and script failures; see test/hil/xdma-adapter.ts (run by test/hil/backends.ts).
import fs from 'node:fs';
import { DeviceFault, DisconnectedError, TimeoutError } from '../../boards/errors.ts';
import type { PcieFunction } from './function.ts';

export interface XdmaFileIo {
  open(path: string, flags: 'r' | 'r+'): Promise<number>;
  /** Reads up to length bytes at position; resolves with what was read. */
  pread(fd: number, length: number, position: number): Promise<Uint8Array>;
  /** Writes all of data at position; resolves with bytes written. */
  pwrite(fd: number, data: Uint8Array, position: number): Promise<number>;
  close(fd: number): Promise<void>;
}

export const nodeFileIo: XdmaFileIo = {
  open: (path, flags) => new Promise((res, rej) => fs.open(path, flags, (e, fd) => (e ? rej(e) : res(fd)))),
  pread: (fd, length, position) =>
    new Promise((res, rej) => {
      const buf = Buffer.alloc(length);
      fs.read(fd, buf, 0, length, position, (e, n) =>
        e ? rej(e) : res(new Uint8Array(buf.buffer, buf.byteOffset, n)),
      );
    }),
  pwrite: (fd, data, position) =>
    new Promise((res, rej) => fs.write(fd, data, 0, data.length, position, (e, n) => (e ? rej(e) : res(n)))),
  close: (fd) => new Promise((res, rej) => fs.close(fd, (e) => (e ? rej(e) : res()))),
};

export interface XdmaOptions {
  /** DMA channel index (default 0). */
  readonly channel?: number;
  readonly io?: XdmaFileIo;
  /** Largest single DMA transfer (default 8 MiB). */
  readonly maxDmaBytes?: number;
}

/** Errors the XDMA driver reports for a transfer the card refused. */
const CARD_REFUSED = new Set(['EIO', 'EFAULT', 'EINVAL']);

export class XdmaFunction implements PcieFunction {
  readonly transport = 'pcie-xdma';
  readonly maxDmaBytes: number;
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly io: XdmaFileIo,
    private readonly fds: { user: number; h2c: number; c2h: number; events: number },
    maxDma: number,
  ) {
    this.maxDmaBytes = maxDma;
  }

  /** `prefix` is e.g. "/dev/xdma0". */
  static async open(prefix: string, opts: XdmaOptions = {}): Promise<XdmaFunction> {
    const io = opts.io ?? nodeFileIo;
    const ch = opts.channel ?? 0;
    const opened: number[] = [];
    const openOne = async (suffix: string, flags: 'r' | 'r+'): Promise<number> => {
      try {
        const fd = await io.open(`${prefix}${suffix}`, flags);
        opened.push(fd);
        return fd;
      } catch (err) {
        for (const fd of opened) await io.close(fd).catch(() => undefined);
        throw new DisconnectedError(
          `cannot open ${prefix}${suffix}: ${(err as Error).message}; is the XDMA driver loaded and the card present (ls ${prefix}_*)?`,
          { cause: err },
        );
      }
    };
    const user = await openOne('_user', 'r+');
    const h2c = await openOne(`_h2c_${ch}`, 'r+');
    const c2h = await openOne(`_c2h_${ch}`, 'r');
    const events = await openOne(`_events_${ch}`, 'r');
    return new XdmaFunction(prefix, io, { user, h2c, c2h, events }, opts.maxDmaBytes ?? 8 << 20);
  }

  async mmioRead(offset: number): Promise<number> {
    const b = await this.call(
      () => this.io.pread(this.fds.user, 4, offset),
      `register read at 0x${offset.toString(16)}`,
    );
    if (b.length !== 4)
      throw new DisconnectedError(
        `${this.name}_user: short register read (${b.length} of 4 bytes) at 0x${offset.toString(16)}`,
      );
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  async mmioWrite(offset: number, value: number): Promise<void> {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    await this.call(
      () => this.io.pwrite(this.fds.user, b, offset),
      `register write at 0x${offset.toString(16)}`,
    );
  }

  async dmaRead(address: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let off = 0;
    while (off < length) {
      const part = await this.call(
        () => this.io.pread(this.fds.c2h, length - off, address + off),
        `DMA read at 0x${(address + off).toString(16)}`,
      );
      if (part.length === 0)
        throw new DeviceFault(
          `${this.name}: DMA read at 0x${(address + off).toString(16)} returned no data`,
          { address: address + off },
        );
      out.set(part, off);
      off += part.length;
    }
    return out;
  }

  async dmaWrite(address: number, data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const n = await this.call(
        () => this.io.pwrite(this.fds.h2c, data.subarray(off), address + off),
        `DMA write at 0x${(address + off).toString(16)}`,
      );
      if (n <= 0)
        throw new DeviceFault(
          `${this.name}: DMA write at 0x${(address + off).toString(16)} made no progress`,
          { address: address + off },
        );
      off += n;
    }
  }

  async waitInterrupt(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () =>
          rej(new TimeoutError(`${this.name}: no completion interrupt within ${timeoutMs} ms`, timeoutMs)),
        timeoutMs,
      );
    });
    try {
      // the events file answers a 4-byte read with the interrupt count once one fired
      await Promise.race([this.call(() => this.io.pread(this.fds.events, 4, 0), 'interrupt wait'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fd of Object.values(this.fds)) await this.io.close(fd).catch(() => undefined);
  }

  private async call<T>(op: () => Promise<T>, what: string): Promise<T> {
    if (this.closed) throw new DisconnectedError(`${this.name} is closed`);
    try {
      return await op();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (CARD_REFUSED.has(code))
        throw new DeviceFault(
          `${this.name}: ${what} refused by the card (${code}): ${(err as Error).message}`,
        );
      throw new DisconnectedError(`${this.name}: ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
