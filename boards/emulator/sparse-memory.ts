// Sparse, paged byte store for the board's DRAM window. DRAM is 1 GiB, but a timing-mode
// run never writes weights, so pages (64 KiB) are allocated only when written; reads of
// unwritten bytes return 0, as the emulated DRAM is zeroed at power-on.

const PAGE_SHIFT = 16;
const PAGE_BYTES = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_BYTES - 1;

export class SparseMemory {
  private readonly pages = new Map<number, Uint8Array>();

  /** `base` is the bus address of byte 0; `bytes` the window size. Callers check bounds. */
  constructor(
    readonly base: number,
    readonly bytes: number,
  ) {}

  get allocatedPages(): number {
    return this.pages.size;
  }

  /** Copies `length` bytes at bus address `address` into `out` at `outOffset`. */
  readInto(address: number, length: number, out: Uint8Array, outOffset = 0): void {
    let off = address - this.base;
    let done = 0;
    while (done < length) {
      const page = this.pages.get(off >>> PAGE_SHIFT);
      const inPage = off & PAGE_MASK;
      const n = Math.min(length - done, PAGE_BYTES - inPage);
      if (page === undefined) out.fill(0, outOffset + done, outOffset + done + n);
      else out.set(page.subarray(inPage, inPage + n), outOffset + done);
      done += n;
      off += n;
    }
  }

  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(address, length, out, 0);
    return out;
  }

  write(address: number, data: Uint8Array): void {
    let off = address - this.base;
    let done = 0;
    while (done < data.length) {
      const key = off >>> PAGE_SHIFT;
      let page = this.pages.get(key);
      if (page === undefined) {
        page = new Uint8Array(PAGE_BYTES);
        this.pages.set(key, page);
      }
      const inPage = off & PAGE_MASK;
      const n = Math.min(data.length - done, PAGE_BYTES - inPage);
      page.set(data.subarray(done, done + n), inPage);
      done += n;
      off += n;
    }
  }

  /** Reads `rows` rows of `rowBytes` bytes spaced `stride` bytes apart into a dense buffer. */
  readRows(address: number, rows: number, rowBytes: number, stride: number): Uint8Array {
    if (stride === rowBytes) return this.read(address, rows * rowBytes);
    const out = new Uint8Array(rows * rowBytes);
    for (let r = 0; r < rows; r++) this.readInto(address + r * stride, rowBytes, out, r * rowBytes);
    return out;
  }

  /** Writes a dense buffer of `rows` rows of `rowBytes` bytes to rows spaced `stride` apart. */
  writeRows(address: number, data: Uint8Array, rows: number, rowBytes: number, stride: number): void {
    if (stride === rowBytes) {
      this.write(address, data.subarray(0, rows * rowBytes));
      return;
    }
    for (let r = 0; r < rows; r++)
      this.write(address + r * stride, data.subarray(r * rowBytes, (r + 1) * rowBytes));
  }
}
