// Register effects, doorbell → events, advance() semantics (docs/registers.md,
// drivers/device.ts). Expected cycles come from the board parameters: a program fetch of
// B bytes costs one DRAM latency plus B bytes streamed at the slowest of the tile port,
// the DRAM, and Little's law (dmaMaxInflight requests of dmaRequestBytes per latency).
import test from 'ava';
import type { BootResult, FlashPeripheral } from '../../boards/emulator/index.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { FAULT_QUEUE_FULL } from '../../boards/events.ts';
import {
  CAPS_FLASH,
  CAPS_FUNCTIONAL,
  CAPS_THROTTLE,
  CAPS_THROTTLE_CREDIT,
  CAPS_STAGED,
  CAPS_TRAFFIC_GEN,
  STATUS_BUSY,
  registerAddress,
} from '../../boards/registers.ts';
import { DRAM, MOCA_8T, board, instr, launch, loadedLatency, reg, setReg } from './helpers.ts';

function fetchCycles(bytes: number): number {
  const d = MOCA_8T;
  const little = ((bytes / d.dmaRequestBytes) * d.dramLatencyCycles) / d.dmaMaxInflight;
  return (
    d.dramLatencyCycles +
    Math.ceil(Math.max(bytes / d.tileBusBytesPerCycle, bytes / d.dramBytesPerCycle, little))
  );
}

test('identity registers: BOARD_ID, FW_VERSION, CAPS, TILE_COUNT, region reset values', (t) => {
  const b = board();
  t.is(reg(b, 'BOARD_ID'), 0x4d | (0x4f << 8) | (0x43 << 16) | (0x38 << 24)); // "MOC8" little-endian
  t.is(reg(b, 'FW_VERSION'), 0x010000);
  t.is(
    reg(b, 'CAPS'),
    CAPS_THROTTLE | CAPS_THROTTLE_CREDIT | CAPS_TRAFFIC_GEN | CAPS_STAGED | CAPS_FUNCTIONAL | CAPS_FLASH,
  ); // default board carries factory flash
  t.is(reg(b, 'TILE_COUNT'), 8);
  t.is(reg(b, 'REGION_BASE', 3), MOCA_8T.dram.base);
  t.is(reg(b, 'REGION_LIMIT', 3), MOCA_8T.dram.base + MOCA_8T.dram.bytes);
  setReg(b, 'SCRATCH', 0xdeadbeef);
  t.is(reg(b, 'SCRATCH'), 0xdeadbeef);
  t.is(reg(b, 'MODE'), 0);
  setReg(b, 'MODE', 1);
  t.is(reg(b, 'MODE'), 1);
  t.is(b.readRegister(0x0f0), 0, 'unknown addresses read 0');
  t.throws(() => b.readRegister(0x013), { instanceOf: RangeError });
  t.throws(() => b.readMemory(0x100, 4), { instanceOf: RangeError, message: /DRAM 0x10000000/ });
});

test('64-bit counters: reading LO latches HI', (t) => {
  const b = board();
  b.advance(2 ** 32 + 5);
  t.is(reg(b, 'CYCLE_LO'), 5);
  b.advance(2 ** 33 + 7);
  t.is(reg(b, 'CYCLE_HI'), 1, 'HI is the half latched with the last LO read');
  t.is(reg(b, 'CYCLE_LO'), 7);
  t.is(reg(b, 'CYCLE_HI'), 2);
});

test('doorbell runs the program: granule event with tag, done event, at the derived cycle', (t) => {
  const b = board();
  launch(b, 2, DRAM, [instr('GRANULE_END', { tag: 7 }), instr('END')]);
  t.is(reg(b, 'STATUS', 2) & STATUS_BUSY, STATUS_BUSY);
  const r = b.advance(1e6);
  const at = fetchCycles(32);
  t.is(at, 104);
  t.is(r.cycle, at);
  t.deepEqual(r.events, [
    { kind: 'granule', tile: 2, cycle: at, tag: 7 },
    { kind: 'done', tile: 2, cycle: at, tag: 7 },
  ]);
  t.is(reg(b, 'GRANULES', 2), 1);
  t.is(reg(b, 'LAST_TAG', 2), 7);
  t.is(reg(b, 'STATUS', 2), 0);
  t.is(reg(b, 'PERF_BUSY_LO', 2), at);
});

test('advance: stops at untilCycle before an event, idle board jumps straight there', (t) => {
  const b = board();
  t.deepEqual(b.advance(1000), { cycle: 1000, events: [] });
  launch(b, 0, DRAM, [instr('END')]);
  const done = 1000 + fetchCycles(16);
  t.deepEqual(b.advance(done - 1), { cycle: done - 1, events: [] });
  t.deepEqual(b.advance(done + 500), {
    cycle: done,
    events: [{ kind: 'done', tile: 0, cycle: done, tag: 0 }],
  });
  t.deepEqual(b.advance(done + 500), { cycle: done + 500, events: [] });
  t.deepEqual(b.advance(10), { cycle: done + 500, events: [] }, 'time never runs backwards');
});

test('queued programs run back to back; the 9th waiting program overflows the queue', (t) => {
  const b = board();
  const prog = [instr('END')];
  // One runs, eight wait (depth 8), the tenth doorbell overflows.
  for (let i = 0; i < 10; i++) launch(b, 1, DRAM + 64 * i, prog);
  const first = b.advance(1e9);
  t.deepEqual(
    first,
    {
      cycle: 0,
      events: [{ kind: 'fault', tile: 1, cycle: 0, address: DRAM + 64 * 9, code: FAULT_QUEUE_FULL }],
    },
    'pending events return without advancing',
  );
  const cycles: number[] = [];
  for (;;) {
    const r = b.advance(1e9);
    if (r.events.length === 0) break;
    for (const e of r.events) cycles.push(e.cycle);
  }
  const f = fetchCycles(16);
  t.deepEqual(
    cycles,
    Array.from({ length: 9 }, (_, i) => (i + 1) * f),
  );
});

class FakeFlash implements FlashPeripheral {
  busyCycles = 0;
  trustedKeyIds = (): string[] => ['00112233aabbccdd'];
  written: [number, number, number][] = [];
  boot(): BootResult {
    return {
      status: 0,
      slot: 'B',
      trial: true,
      manifest: {
        version: { major: 2, minor: 3, patch: 4, build: 9 },
        tiles: 2,
        throttle: false,
        functional: true,
      },
    };
  }
  readRegister(offset: number): number {
    return offset === 0x110 ? 0x55 : 0;
  }
  writeRegister(offset: number, value: number, staging: Uint8Array): void {
    this.written.push([offset, value, staging[0]!]);
    this.busyCycles = offset === 0x100 ? 500 : 0;
  }
}

test('booted manifest shapes hello and the registers; flash registers are forwarded', (t) => {
  const flash = new FakeFlash();
  const b = createEmulatedBoard(MOCA_8T, { flash });
  t.deepEqual(b.info(), {
    boardId: 'MOC8',
    firmwareVersion: '2.3.4+9',
    tiles: 2,
    capabilities: { throttle: false, functional: true, flash: true, lockstep: true },
    bootSlot: 'B',
    trial: true,
    trustedKeyIds: ['00112233aabbccdd'],
  });
  t.is(reg(b, 'TILE_COUNT'), 2);
  t.is(reg(b, 'FW_VERSION'), 0x020304);
  t.is(reg(b, 'CAPS'), CAPS_TRAFFIC_GEN | CAPS_STAGED | CAPS_FUNCTIONAL | CAPS_FLASH); // no throttle engine: no credit cap either
  t.is(reg(b, 'BOOT_SLOT'), 0x101);
  setReg(b, 'THROTTLE', 0x00640032, 0);
  t.is(reg(b, 'THROTTLE', 0), 0, 'no throttle engine in this firmware');
  b.writeRegister(registerAddress('DOORBELL', 5), 1);
  t.deepEqual(b.advance(100), { cycle: 100, events: [] }, 'disabled tiles ignore doorbells');
  b.writeMemory(MOCA_8T.flashStaging.base, new Uint8Array([0xab]));
  setReg(b, 'FLASH_CMD', 3);
  t.deepEqual(flash.written, [[0x100, 3, 0xab]]);
  t.is(b.cycle, 600, 'a busy flash command advances the board clock');
  t.is(reg(b, 'FLASH_STATUS'), 0x55);
});

test('running off the end of CMD_LEN is END: it waits for queued ops, then raises done', (t) => {
  const b = board();
  // No END word: an MVIN in the load queue must finish before the program is done.
  launch(b, 0, DRAM, [
    instr('CFG_LOAD', { stride: 16 }),
    instr('MVIN', { rows: 64, dram: DRAM + 4096, localRow: 0, cols: 16 }),
  ]);
  const r = b.advance(1e9);
  const d = MOCA_8T;
  // fetch (32 B) then the MVIN: one latency + 64 rows of 16 B, one request each, at
  // 16 requests in flight per latency (Little's law) — the latency its own light load
  // (1 B/cycle of 16) raises by under a cycle.
  const mvin = d.dramLatencyCycles + Math.ceil((64 * loadedLatency(d, 1, 16)) / d.dmaMaxInflight);
  t.deepEqual(r.events, [{ kind: 'done', tile: 0, cycle: fetchCycles(32) + mvin, tag: 0 }]);
  t.is(reg(b, 'PERF_RD_BEATS_LO', 0), 2 + 64, 'program words and MVIN rows, in 16-byte beats');
});

test('reset clears tiles, registers, counters and pending events; DRAM and the clock stay', (t) => {
  const b = board();
  setReg(b, 'REGION_BASE', DRAM + 4096, 1);
  launch(b, 1, DRAM + 8192, [instr('GRANULE_END', { tag: 5 }), instr('END')]);
  b.advance(1e6);
  launch(b, 1, DRAM + 8192, [instr('END')]);
  const cycle = b.cycle;
  b.reset();
  t.is(b.cycle, cycle);
  t.is(reg(b, 'GRANULES', 1), 0);
  t.is(reg(b, 'STATUS', 1), 0, 'the queued program is gone');
  t.is(reg(b, 'REGION_BASE', 1), DRAM);
  t.is(reg(b, 'DRAM_RD_LO'), 0);
  t.deepEqual(b.advance(cycle + 10), { cycle: cycle + 10, events: [] });
  t.is(b.readMemory(DRAM + 8192, 1)[0], 0x3f, 'DRAM kept (the END opcode written last)');
});
