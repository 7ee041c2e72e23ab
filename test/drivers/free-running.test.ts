// Free-running boards (drivers/pacing/free-running-board.ts, docs/protocol.md): board time
// follows the host's clock at speed × clock rate; advance() never moves it; the model's
// timing is unchanged (events carry the same board cycles a lockstep board gives them).
import test from 'ava';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import type { BoardEvent } from '../../boards/events.ts';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import { registerAddress } from '../../boards/registers.ts';
import { ConfigError } from '../../boards/errors.ts';
import { decodeInfo, encodeInfo } from '../../boards/wire/messages.ts';
import { FreeRunningBoard } from '../../drivers/pacing/free-running-board.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { openSerialChannel } from '../../drivers/serial/serialport-channel.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';
import { PcieDevice } from '../../drivers/pcie/device.ts';
import { ShmFunction } from '../../drivers/pcie/shm.ts';
import type { Device } from '../../drivers/device.ts';
import { writeRegisters } from '../../drivers/register-batch.ts';
import { stageWrites } from '../../drivers/staged.ts';

const EMU = BOARDS.emu;
const DRAM = EMU.dram.base;
const PROGRAM = encodeProgram([
  instr('GRANULE_END', { tag: 1 }),
  instr('GRANULE_END', { tag: 2 }),
  instr('END'),
]);

/** The program's events on a lockstep board, relative to its doorbell cycle. */
function lockstepReference(): BoardEvent[] {
  const b = createEmulatedBoard(EMU);
  b.writeMemory(DRAM, PROGRAM);
  b.writeRegister(registerAddress('CMD_ADDR', 0), DRAM);
  b.writeRegister(registerAddress('CMD_LEN', 0), PROGRAM.length);
  b.writeRegister(registerAddress('DOORBELL', 0), 1);
  return b.advance(1e9).events.concat(b.advance(1e9).events);
}

test('manual clock: cycle follows the clock at speed × clock rate; advance never moves time', (t) => {
  let ms = 1000;
  const fr = new FreeRunningBoard(createEmulatedBoard(EMU), { speed: 0.02, now: () => ms });
  const perMs = (0.02 * EMU.clockHz) / 1000;
  t.is(fr.cycle, 0);
  t.deepEqual(fr.advance(1e9), { cycle: 0, events: [] }, 'no jump ahead of the clock');
  ms += 2;
  t.is(fr.cycle, 2 * perMs);
  const info = fr.info();
  t.false(info.capabilities.lockstep);
  t.is(info.speed, 0.02);
  t.throws(() => new FreeRunningBoard(createEmulatedBoard(EMU), { speed: 0 }), { instanceOf: ConfigError });
  t.throws(() => new FreeRunningBoard(createEmulatedBoard(EMU), { speed: Number.NaN }), {
    instanceOf: ConfigError,
  });
});

test('manual clock: a program runs while the host waits; events keep the model’s cycles', (t) => {
  let ms = 0;
  const fr = new FreeRunningBoard(createEmulatedBoard(EMU), { speed: 0.001, now: () => ms });
  ms = 5; // 5 ms at 1 MHz of board time
  fr.writeMemory(DRAM, PROGRAM);
  fr.writeRegister(registerAddress('CMD_ADDR', 0), DRAM);
  fr.writeRegister(registerAddress('CMD_LEN', 0), PROGRAM.length);
  fr.writeRegister(registerAddress('DOORBELL', 0), 1);
  const start = 5000;
  const ref = lockstepReference();
  const last = ref.at(-1)!.cycle;
  t.deepEqual(fr.advance(1e9), { cycle: start, events: [] }, 'nothing yet: the clock has not moved');
  ms += (last - 1) / 1000; // one cycle short of the last event
  const early = fr.advance(0);
  t.true(early.events.every((e) => e.cycle < start + last));
  ms += 1; // well past it
  const rest = fr.advance(0);
  t.deepEqual(
    [...early.events, ...rest.events],
    ref.map((e) => ({ ...e, cycle: e.cycle + start })),
    'same events, same relative cycles as lockstep',
  );
  t.true(rest.cycle >= start + last);
  t.is(rest.cycle, fr.cycle);
});

test('INFO on the wire: lockstep bytes unchanged; a free-running board appends its speed', (t) => {
  const base = createEmulatedBoard(EMU).info();
  const lock = encodeInfo(base);
  const free = encodeInfo({ ...base, capabilities: { ...base.capabilities, lockstep: false }, speed: 0.02 });
  t.is(free.length, lock.length + 4);
  t.deepEqual(decodeInfo(lock), base);
  t.is(decodeInfo(lock).speed, undefined);
  t.is(decodeInfo(free).speed, 0.02);
  t.false(decodeInfo(free).capabilities.lockstep);
});

/** Polls advance() until `n` events have arrived (the board runs meanwhile). */
async function collect(dev: Device, n: number, events: BoardEvent[]): Promise<BoardEvent[]> {
  while (events.length < n) {
    const r = await dev.advance(0);
    events.push(...r.events);
    if (events.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return events;
}

async function runOnFreeRunning(
  t: import('ava').ExecutionContext,
  dev: Device,
  speed: number,
): Promise<void> {
  const h = await dev.hello();
  t.false(h.capabilities.lockstep);
  t.is(h.speed, speed);
  await dev.writeMemory(DRAM, PROGRAM);
  await dev.writeRegister('CMD_ADDR', DRAM, 0);
  await dev.writeRegister('CMD_LEN', PROGRAM.length, 0);
  const before = (await dev.advance(0)).cycle;
  await dev.writeRegister('DOORBELL', 1, 0);
  const polled = await dev.advance(0);
  const after = polled.cycle;
  t.true(after > before, 'board time moved between two requests without any advance');
  const ref = lockstepReference();
  const events = await collect(dev, ref.length, [...polled.events]);
  const start = events[0]!.cycle - ref[0]!.cycle;
  t.true(start >= before && start <= after, `doorbell at ${start}, within [${before}, ${after}]`);
  t.deepEqual(
    events,
    ref.map((e) => ({ ...e, cycle: e.cycle + start })),
  );
}

test('free-running PTY board at F = 0.02: hello says so; a tile program runs in board cycles', async (t) => {
  const server = new PtyBoardServer(createEmulatedBoard(EMU), { freeRunning: { speed: 0.02 } });
  t.teardown(() => server.close());
  const dev = await SerialDevice.connect(await openSerialChannel(server.path, 3_000_000));
  t.teardown(() => dev.close());
  await runOnFreeRunning(t, dev, 0.02);
});

test('free-running shm board at F = 0.02: same contract over the PCIe mailbox', async (t) => {
  const dev = await PcieDevice.connect(await ShmFunction.start('emu', 'timing', 0.02));
  t.teardown(() => dev.close());
  await runOnFreeRunning(t, dev, 0.02);
});

test('free-running PTY board: a staged next program starts at the barrier without the host', async (t) => {
  const server = new PtyBoardServer(createEmulatedBoard(EMU), { freeRunning: { speed: 0.02 } });
  t.teardown(() => server.close());
  const dev = await SerialDevice.connect(await openSerialChannel(server.path, 3_000_000));
  t.teardown(() => dev.close());
  const B = DRAM + 0x1000;
  const progB = encodeProgram([instr('GRANULE_END', { tag: 5 }), instr('END')]);
  await dev.writeMemory(DRAM, PROGRAM);
  await dev.writeMemory(B, progB);
  const executed = server.firmware.stats.executed;
  // one frame: start A, stage B behind it (both at one board time)
  await writeRegisters(dev, [
    { name: 'CMD_ADDR', value: DRAM, tile: 2 },
    { name: 'CMD_LEN', value: PROGRAM.length, tile: 2 },
    { name: 'DOORBELL', value: 1, tile: 2 },
    ...stageWrites(2, { address: B, bytes: progB.length, id: 42 }),
  ]);
  t.is(server.firmware.stats.executed - executed, 1, 'one request');
  const events = await collect(dev, 5, []);
  t.deepEqual(
    events.map((e) => (e.kind === 'granule' || e.kind === 'done' ? `${e.kind}${e.tag}` : e.kind)),
    ['granule1', 'granule2', 'done2', 'granule5', 'done5'],
  );
  t.is(await dev.readRegister('STARTED_ID', 2), 42);

  // the same pair with B doorbelled back to back on a lockstep board: identical gaps
  const b = createEmulatedBoard(EMU);
  b.writeMemory(DRAM, PROGRAM);
  b.writeMemory(B, progB);
  for (const [addr, len] of [
    [DRAM, PROGRAM.length],
    [B, progB.length],
  ] as const) {
    b.writeRegister(registerAddress('CMD_ADDR', 2), addr);
    b.writeRegister(registerAddress('CMD_LEN', 2), len);
    b.writeRegister(registerAddress('DOORBELL', 2), 1);
  }
  const ref: BoardEvent[] = [];
  while (ref.length < 5) ref.push(...b.advance(1e9).events);
  const start = events[0]!.cycle - ref[0]!.cycle;
  t.deepEqual(
    events,
    ref.map((e) => ({ ...e, cycle: e.cycle + start })),
    'B started at A’s barrier: no host latency in between',
  );
});
