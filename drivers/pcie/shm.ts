// PCIe backend 2: the emulator in a worker thread behind a SharedArrayBuffer mailbox
// (shm-protocol.ts) — MMIO and DMA as mailbox requests, the completion interrupt as a
// counter the worker bumps. The host side never blocks its thread (Atomics.waitAsync).
import { Worker } from 'node:worker_threads';
import { DeviceFault, DisconnectedError, TimeoutError } from '../../boards/errors.ts';
import type { ExecutionMode } from '../../boards/emulator/api.ts';
import type { PcieFunction } from './function.ts';
import { Ctl, DATA_BYTES, DATA_OFFSET, Op, Result, State, type ShmWorkerData } from './shm-protocol.ts';

// Atomics.waitAsync is in Node 20 but not in the ES2023 lib typings.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** The worker entry: the .ts source under tsx (tests), the bundled .mjs beside dist/cotenant.mjs. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./shm-worker.ts', import.meta.url)
    : new URL('./shm-worker.mjs', import.meta.url);
}

/** Under tsx (tests, bench) a worker does not inherit the TypeScript loader: load the .ts
 *  entry through tsx's tsImport. The bundle's .mjs entry needs nothing. */
function spawnWorker(url: URL, workerData: ShmWorkerData): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return new Worker(boot, { eval: true, workerData });
}

export class ShmFunction implements PcieFunction {
  readonly transport = 'pcie-shm';
  readonly maxDmaBytes = DATA_BYTES;
  private readonly ctl: Int32Array;
  private readonly bytes: Uint8Array;
  private gone: Error | undefined;
  private readonly exited: Promise<never>;
  private irqSeen = 0;
  private stopping = false;

  private constructor(
    readonly name: string,
    private readonly worker: Worker,
    sab: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(sab, 0, DATA_OFFSET / 4);
    this.bytes = new Uint8Array(sab, DATA_OFFSET, DATA_BYTES);
    this.exited = new Promise<never>((_, reject) => {
      const die = (why: string, cause?: unknown): void => {
        this.gone ??= new DisconnectedError(`${name}: emulator worker ${why}`, { cause });
        reject(this.gone);
      };
      worker.on('error', (err) => die(`failed: ${err.message}`, err));
      worker.on('exit', (code) => die(this.stopping ? 'stopped' : `exited with code ${code}`));
    });
    this.exited.catch(() => undefined);
  }

  /** `speed`: the worker serves the board free-running at that speed; default lockstep. */
  static async start(boardId: string, mode: ExecutionMode = 'timing', speed?: number): Promise<ShmFunction> {
    const sab = new SharedArrayBuffer(DATA_OFFSET + DATA_BYTES);
    const data: ShmWorkerData = { sab, boardId, mode, ...(speed === undefined ? {} : { speed }) };
    const worker = spawnWorker(workerUrl(), data);
    const fn = new ShmFunction(`shm:${boardId}${speed === undefined ? '' : `@${speed}`}`, worker, sab);
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      fn.exited.catch(reject);
    });
    return fn;
  }

  async mmioRead(offset: number): Promise<number> {
    await this.request(Op.MMIO_READ, offset, 0);
    return this.ctl[Ctl.ARG]! >>> 0;
  }

  async mmioWrite(offset: number, value: number): Promise<void> {
    await this.request(Op.MMIO_WRITE, offset, value | 0);
  }

  /** Register writes in one mailbox request: they land at one board time. */
  async mmioWriteMany(writes: readonly { readonly offset: number; readonly value: number }[]): Promise<void> {
    this.check();
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, writes.length * 8);
    writes.forEach((w, i) => {
      view.setUint32(i * 8, w.offset, true);
      view.setUint32(i * 8 + 4, w.value >>> 0, true);
    });
    await this.request(Op.MMIO_WRITE_MANY, 0, writes.length);
  }

  async dmaRead(address: number, length: number): Promise<Uint8Array> {
    const n = await this.request(Op.DMA_READ, address, length);
    return this.bytes.slice(0, n);
  }

  async dmaWrite(address: number, data: Uint8Array): Promise<void> {
    this.check();
    this.bytes.set(data);
    await this.request(Op.DMA_WRITE, address, data.length);
  }

  async waitInterrupt(timeoutMs: number): Promise<void> {
    // commands complete inside the MMIO write that starts them (lockstep), so the counter
    // has normally moved already; poll briefly otherwise
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(this.ctl, Ctl.IRQ) === this.irqSeen) {
      this.check();
      if (performance.now() > deadline)
        throw new TimeoutError(`${this.name}: no completion interrupt within ${timeoutMs} ms`, timeoutMs);
      await new Promise((r) => setTimeout(r, 1));
    }
    this.irqSeen = Atomics.load(this.ctl, Ctl.IRQ);
  }

  async close(): Promise<void> {
    if (this.gone) return;
    this.stopping = true;
    this.ctl[Ctl.OP] = Op.STOP;
    Atomics.store(this.ctl, Ctl.STATE, State.REQUEST);
    Atomics.notify(this.ctl, Ctl.STATE);
    await this.worker.terminate();
    this.gone = new DisconnectedError(`${this.name} is closed; open the device again`);
  }

  private check(): void {
    if (this.gone) throw this.gone;
  }

  /** One mailbox request; resolves with RESULT_LEN. */
  private async request(op: number, addr: number, arg: number): Promise<number> {
    this.check();
    this.ctl[Ctl.OP] = op;
    this.ctl[Ctl.ADDR] = addr | 0;
    this.ctl[Ctl.ARG] = arg;
    Atomics.store(this.ctl, Ctl.STATE, State.REQUEST);
    Atomics.notify(this.ctl, Ctl.STATE);
    // A wake-up does not mean this request is done: the worker's notify for the previous
    // request can land after this waiter registered (the host saw DONE before that notify
    // ran). Only STATE leaving REQUEST says the reply is there.
    while (Atomics.load(this.ctl, Ctl.STATE) === State.REQUEST) {
      const w = waitAsync(this.ctl, Ctl.STATE, State.REQUEST);
      if (w.async) await Promise.race([w.value, this.exited]);
    }
    const result = this.ctl[Ctl.RESULT]!;
    const len = this.ctl[Ctl.RESULT_LEN]!;
    Atomics.store(this.ctl, Ctl.STATE, State.IDLE);
    if (result !== Result.OK) {
      const msg = new TextDecoder().decode(this.bytes.slice(0, len));
      if (result === Result.RANGE) throw new DeviceFault(msg, { address: addr >>> 0 });
      throw new DeviceFault(`${this.name}: the board failed: ${msg}`);
    }
    return len;
  }
}
