// Serves an EmulatedBoard's serial firmware on a real pseudo-terminal, so the host reaches
// it exactly as a USB-serial devkit: `serialport` opens the PTY's slave path.
//
// Why it is done this way (found by probing):
// - node-pty (optional, loaded on first use: node-pty.ts) open() returns master and slave
//   streams; the slave stream would steal the host's bytes, so it is destroyed. A bare slave fd is kept open instead, so the master
//   does not read EIO whenever no host has the port open (and the host's termios settings
//   survive between connections).
// - libuv writes to a PTY master with blocking writes, which deadlocks when host and board
//   share a thread; writes go through fs.write on the (non-blocking) master fd instead,
//   retrying on EAGAIN while the host drains the PTY.
// - With `baud`, bytes in both directions are paced at the UART's rate (10 bits a byte).
// - With `freeRunning`, the board runs on the host's monotonic clock (FreeRunningBoard)
//   instead of in lockstep with the host's ADVANCE requests.
import fs from 'node:fs';
import type { EmulatedBoard } from '../../boards/emulator/api.ts';
import {
  SerialFirmware,
  type SerialFirmwareOptions,
} from '../../boards/emulator/serial-firmware/firmware.ts';
import { FreeRunningBoard } from '../pacing/free-running-board.ts';
import { LinePacer } from './line-pacer.ts';
import { loadNodePty, type PtyPair } from './node-pty.ts';

export interface PtyServerOptions extends SerialFirmwareOptions {
  /** Pace both directions at this line rate (10 bits a byte); default unpaced. */
  readonly baud?: number;
  /** Serve the board free-running at this speed (fraction of its clock rate); default lockstep. */
  readonly freeRunning?: { readonly speed: number };
}

/** Output beyond this while nobody reads the PTY is dropped oldest-first, as a UART would lose it. */
const MAX_OUT_QUEUE_BYTES = 4 << 20;

type MasterStream = PtyPair['master'];

export class PtyBoardServer {
  readonly path: string;
  readonly firmware: SerialFirmware;
  /** The board as served: the model itself, or the model behind its free-running pacer. */
  readonly board: EmulatedBoard;
  private readonly master: MasterStream;
  private readonly masterFd: number;
  private readonly holderFd: number;
  private readonly inPacer: LinePacer | undefined;
  private readonly outPacer: LinePacer | undefined;
  private outQueue: Uint8Array[] = [];
  private outBytes = 0;
  private writing = false;
  private closed = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(board: EmulatedBoard, opts: PtyServerOptions = {}) {
    const term = loadNodePty().open({ encoding: null });
    this.path = term.ptsName;
    this.master = term.master;
    this.masterFd = term._fd;
    this.holderFd = fs.openSync(
      this.path,
      fs.constants.O_RDWR | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK,
    );
    term.slave.destroy();
    this.board = opts.freeRunning ? new FreeRunningBoard(board, { speed: opts.freeRunning.speed }) : board;
    this.firmware = new SerialFirmware(this.board, (b) => this.send(b), opts);
    if (opts.baud) {
      const byteMs = 10_000 / opts.baud;
      this.inPacer = new LinePacer(byteMs, (b) => this.firmware.receive(b));
      this.outPacer = new LinePacer(byteMs, (b) => this.enqueue(b));
    }
    this.master.on('error', () => {
      /* EIO while no host is attached; the holder fd prevents most */
    });
    this.master.on('data', (d) => this.receive(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inPacer?.close();
    this.outPacer?.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.master.destroy();
    try {
      fs.closeSync(this.holderFd);
    } catch {
      /* already closed */
    }
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private receive(chunk: Uint8Array): void {
    if (this.inPacer) this.inPacer.push(chunk);
    else this.firmware.receive(chunk);
  }

  private send(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.outPacer) this.outPacer.push(bytes);
    else this.enqueue(bytes);
  }

  private enqueue(bytes: Uint8Array): void {
    this.outQueue.push(bytes);
    this.outBytes += bytes.length;
    while (this.outBytes > MAX_OUT_QUEUE_BYTES && this.outQueue.length > 1)
      this.outBytes -= this.outQueue.shift()!.length;
    this.pump(0);
  }

  private pump(eagains: number): void {
    if (this.writing || this.closed || this.outQueue.length === 0) return;
    const buf = this.outQueue.length === 1 ? this.outQueue[0]! : Buffer.concat(this.outQueue);
    this.outQueue = [buf];
    this.writing = true;
    fs.write(this.masterFd, buf, 0, buf.length, null, (err, n) => {
      this.writing = false;
      if (this.closed) return;
      if (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // master gone: close() follows
        // PTY full: the host has not read yet. Spin briefly (same-process host), then back off.
        if (eagains < 64) setImmediate(() => this.pump(eagains + 1));
        else this.later(() => this.pump(eagains + 1), 1);
        return;
      }
      const rest = buf.subarray(n);
      this.outBytes -= n;
      this.outQueue[0] = rest;
      if (rest.length === 0) this.outQueue.shift();
      this.pump(0);
    });
  }
}
