// The HIL contract suite: what every board must do over every transport, written against
// the Device contract only, so the same cases run in CI (in-process, PTY serial, shared
// memory PCIe, emulated XDMA), from `cotenant hil --board …` on a devkit, and in
// test/hil/. Expected values come from docs/registers.md, docs/isa.md and device.ts.
import { DeviceFault } from '../../boards/errors.ts';
import { FAULT_DMA_OUT_OF_REGION, type BoardEvent } from '../../boards/events.ts';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import { STATUS_FAULT, encodeBoardId } from '../../boards/registers.ts';
import type { Device } from '../device.ts';

export class HilFailure extends Error {}

export interface HilCase {
  readonly name: string;
  /** Throws HilFailure (or the device's error) when the board misbehaves. */
  run(device: Device): Promise<void>;
}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new HilFailure(what);
}

function equal<T>(got: T, want: T, what: string): void {
  const g = JSON.stringify(got),
    w = JSON.stringify(want);
  if (g !== w) throw new HilFailure(`${what}: got ${g}, expected ${w}`);
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Advances until an event of `kind` on `tile` arrives (at most `rounds` advances). */
async function runUntil(
  device: Device,
  kind: BoardEvent['kind'],
  tile: number,
  rounds = 64,
): Promise<{ events: BoardEvent[]; cycle: number }> {
  const events: BoardEvent[] = [];
  let cycle = 0;
  for (let i = 0; i < rounds; i++) {
    const r = await device.advance(Number.MAX_SAFE_INTEGER);
    events.push(...r.events);
    cycle = r.cycle;
    if (r.events.some((e) => e.kind === kind && 'tile' in e && e.tile === tile)) return { events, cycle };
  }
  throw new HilFailure(
    `no ${kind} event from tile ${tile} after ${rounds} advances (got ${JSON.stringify(events)})`,
  );
}

async function startProgram(
  device: Device,
  tile: number,
  address: number,
  program: Uint8Array,
): Promise<void> {
  await device.writeMemory(address, program);
  await device.writeRegister('CMD_ADDR', address, tile);
  await device.writeRegister('CMD_LEN', program.length, tile);
  await device.writeRegister('DOORBELL', 1, tile);
}

export const HIL_CASES: readonly HilCase[] = [
  {
    name: 'hello reports the board',
    async run(d) {
      const h = await d.hello();
      equal(h.boardId, d.board.boardIdCode, 'board id');
      check(h.tiles >= 1 && h.tiles <= d.board.tiles, `tiles ${h.tiles} not in 1..${d.board.tiles}`);
      check(
        /^\d+\.\d+\.\d+\+\d+$/.test(h.firmwareVersion),
        `firmware version "${h.firmwareVersion}" is not major.minor.patch+build`,
      );
      check(h.protocolVersion >= 1, `protocol version ${h.protocolVersion}`);
      check(h.transport.length > 0, 'transport name');
    },
  },
  {
    name: 'register read/write',
    async run(d) {
      for (const v of [0, 0xffffffff, 0xa5a5a5a5, 0x12345678, 1]) {
        await d.writeRegister('SCRATCH', v);
        equal(await d.readRegister('SCRATCH'), v, `SCRATCH after writing 0x${v.toString(16)}`);
      }
      equal(await d.readRegister('BOARD_ID'), encodeBoardId(d.board.boardIdCode), 'BOARD_ID');
      const tiles = (await d.hello()).tiles;
      equal(await d.readRegister('TILE_COUNT'), tiles, 'TILE_COUNT');
      const last = tiles - 1;
      await d.writeRegister('THROTTLE', (100 << 16) | 7, last);
      equal(await d.readRegister('THROTTLE', last), (100 << 16) | 7, `THROTTLE of tile ${last}`);
      await d.writeRegister('THROTTLE', 0, last);
    },
  },
  {
    name: 'bulk memory round trip of odd sizes',
    async run(d) {
      const base = d.board.dram.base + 0x20_0000;
      let at = base + 1;
      for (const n of [1, 3, 17, 4095, 4097, 65_537, 300_001]) {
        const data = pattern(n, n);
        await d.writeMemory(at, data);
        const back = await d.readMemory(at, n);
        check(
          back.length === n && back.every((b, i) => b === data[i]),
          `${n} bytes at 0x${at.toString(16)} did not read back intact`,
        );
        at += n + 7;
      }
      const staging = pattern(1000, 99);
      await d.writeMemory(d.board.flashStaging.base + 5, staging);
      const sb = await d.readMemory(d.board.flashStaging.base + 5, 1000);
      check(
        sb.every((b, i) => b === staging[i]),
        'flash staging window did not read back intact',
      );
      await d.readMemory(0x10, 4).then(
        () => {
          throw new HilFailure('reading outside every window succeeded');
        },
        (e: unknown) =>
          check(e instanceof DeviceFault, `outside the windows: expected DeviceFault, got ${String(e)}`),
      );
    },
  },
  {
    name: 'tile program runs and reports its events',
    async run(d) {
      await d.reset();
      const c0 = (await d.advance(0)).cycle;
      const idle = await d.advance(c0 + 5000);
      equal(
        [idle.cycle, idle.events.length],
        [c0 + 5000, 0],
        'an idle board jumps to untilCycle with no events',
      );
      await startProgram(
        d,
        0,
        d.board.dram.base + 0x10_0000,
        encodeProgram([instr('GRANULE_END', { tag: 11 }), instr('GRANULE_END', { tag: 12 }), instr('END')]),
      );
      const { events } = await runUntil(d, 'done', 0);
      equal(
        events.map((e) => [e.kind, 'tag' in e ? e.tag : null]),
        [
          ['granule', 11],
          ['granule', 12],
          ['done', 12],
        ],
        'events',
      );
      check(
        events.every((e, i) => i === 0 || e.cycle >= events[i - 1]!.cycle) && events[0]!.cycle >= c0 + 5000,
        'event cycles are in board-time order after the start',
      );
      equal(await d.readRegister('GRANULES', 0), 2, 'GRANULES');
      equal(await d.readRegister('LAST_TAG', 0), 12, 'LAST_TAG');
    },
  },
  {
    name: 'out-of-region DMA faults',
    async run(d) {
      await d.reset();
      const dram = d.board.dram.base;
      const regionBase = dram + 0x40_0000;
      await d.writeRegister('REGION_BASE', regionBase, 0);
      await d.writeRegister('REGION_LIMIT', regionBase + 0x10_0000, 0);
      const target = dram + 0x1000; // below the region
      await d.writeMemory(target, new Uint8Array(64).fill(0x5a));
      await startProgram(
        d,
        0,
        regionBase,
        encodeProgram([
          instr('CFG_LOAD', { stride: 16 }),
          instr('MVIN', { rows: 1, dram: target, localRow: 0, cols: 16 }),
          instr('END'),
        ]),
      );
      const { events } = await runUntil(d, 'fault', 0);
      const f = events.find((e) => e.kind === 'fault');
      check(f !== undefined && f.kind === 'fault', 'fault event');
      equal(f.code, FAULT_DMA_OUT_OF_REGION, 'fault code');
      check(
        f.address >= target && f.address < target + 16,
        `fault address 0x${f.address.toString(16)} is not in the access 0x${target.toString(16)}+16`,
      );
      check(((await d.readRegister('STATUS', 0)) & STATUS_FAULT) !== 0, 'STATUS fault bit set');
      equal(await d.readRegister('FAULT_ADDR', 0), f.address, 'FAULT_ADDR');
    },
  },
  {
    name: 'reset and recover',
    async run(d) {
      await d.writeRegister('SCRATCH', 0xfeed);
      await d.writeMemory(d.board.dram.base + 0x30_0000, pattern(256, 5));
      await d.reset();
      equal(await d.readRegister('SCRATCH'), 0, 'SCRATCH after reset');
      equal((await d.readRegister('STATUS', 0)) & STATUS_FAULT, 0, 'fault bit cleared by reset');
      const keep = await d.readMemory(d.board.dram.base + 0x30_0000, 256);
      equal([...keep], [...pattern(256, 5)], 'DRAM kept across reset');
      equal((await d.hello()).boardId, d.board.boardIdCode, 'hello after reset');
      await startProgram(
        d,
        1 % (await d.hello()).tiles,
        d.board.dram.base + 0x10_0000,
        encodeProgram([instr('GRANULE_END', { tag: 3 }), instr('END')]),
      );
      const { events } = await runUntil(d, 'done', 1 % (await d.hello()).tiles);
      equal(
        events.map((e) => e.kind),
        ['granule', 'done'],
        'events after reset',
      );
    },
  },
];

export interface HilResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** Runs every case in order on one device; never throws for a failing case. */
export async function runHil(
  device: Device,
  cases: readonly HilCase[] = HIL_CASES,
  onResult?: (r: HilResult) => void,
): Promise<HilResult[]> {
  const results: HilResult[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    let r: HilResult;
    try {
      await c.run(device);
      r = { name: c.name, ok: true, ms: performance.now() - t0 };
    } catch (err) {
      r = {
        name: c.name,
        ok: false,
        ms: performance.now() - t0,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      };
    }
    results.push(r);
    onResult?.(r);
  }
  return results;
}
