// The link under a bad line: bit errors at 1e-4, dropped, duplicated, reordered and delayed
// bytes. Every command must take effect exactly once and every byte read back must be intact.
import test from 'ava';
import { DeviceFault } from '../../boards/errors.ts';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import { BOARDS } from '../../boards/definitions.ts';
import type { DeviceEvent } from '../../drivers/device.ts';
import { serialHarness } from './harness.ts';

const DRAM = BOARDS.emu.dram.base;
const FAULTS = {
  bitErrorRate: 1e-4,
  dropRate: 0.01,
  duplicateRate: 0.01,
  reorderRate: 0.005,
  delayRate: 0.01,
  maxDelayMs: 5,
};
// 4 KiB frames would almost never cross a 1e-4 line intact (33k bits); small frames do.
// The deadline is generous: this asserts exactly-once and integrity, not speed, and on a
// starved machine (load ≫ cores) the 5 s default expired while the process waited for CPU.
const LINK = { maxPayloadBytes: 260, minRtoMs: 3, maxRtoMs: 50, timeoutMs: { command: 60_000 } };

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('thousands of commands at BER 1e-4 with drops and duplicates: none lost, none applied twice, data intact', async (t) => {
  const h = await serialHarness({ faults: { ...FAULTS, seed: 42 }, link: LINK });
  const d = h.device;
  // 1. register writes with read-back, one after the other
  for (let i = 0; i < 1500; i++) {
    await d.writeRegister('SCRATCH', (i * 2654435761) >>> 0);
    t.is(await d.readRegister('SCRATCH'), (i * 2654435761) >>> 0);
  }
  // 2. pipelined bulk writes of odd sizes, then read back
  const blocks = Array.from({ length: 24 }, (_, i) => ({
    addr: DRAM + 0x10000 * i + i,
    data: pattern(1000 + 337 * i, i + 1),
  }));
  await Promise.all(blocks.map((b) => d.writeMemory(b.addr, b.data)));
  for (const b of blocks) t.deepEqual(await d.readMemory(b.addr, b.data.length), b.data);
  // 3. doorbells are not idempotent: each must queue exactly one program run
  const runs = 40;
  const events: DeviceEvent[] = [];
  for (let i = 0; i < runs; i++) {
    const prog = encodeProgram([instr('GRANULE_END', { tag: 1000 + i }), instr('END')]);
    await d.writeMemory(DRAM + 0x100_0000, prog);
    await d.writeRegister('CMD_ADDR', DRAM + 0x100_0000, 0);
    await d.writeRegister('CMD_LEN', prog.length, 0);
    await d.writeRegister('DOORBELL', 1, 0);
    for (let k = 0; k < 5 && !events.some((e) => e.kind === 'done' && e.tag === 1000 + i); k++)
      events.push(...(await d.advance(Number.MAX_SAFE_INTEGER)).events);
  }
  const done = events.filter((e) => e.kind === 'done').map((e) => (e.kind === 'done' ? e.tag : -1));
  t.deepEqual(
    done,
    Array.from({ length: runs }, (_, i) => 1000 + i),
  );
  t.is(await d.readRegister('GRANULES', 0), runs);
  // 4. the board executed exactly as many requests as the host issued
  t.is(h.firmware.stats.executed, d.link.stats.requests);
  const s = h.shim!;
  t.true(s.toBoard.stats.bitsFlipped + s.toHost.stats.bitsFlipped > 20, 'the line really was noisy');
  t.true(s.toBoard.stats.drops + s.toHost.stats.drops > 10);
  t.true(s.toBoard.stats.duplicates + s.toHost.stats.duplicates > 10);
  t.true(d.link.stats.retransmits > 0);
  t.log(
    `requests=${d.link.stats.requests} retransmits=${d.link.stats.retransmits} badFrames(host)=${d.link.stats.badFrames} badFrames(board)=${h.firmware.stats.badFrames} cached=${h.firmware.stats.cachedReplies}`,
  );
  await d.close();
});

test('events pushed as frames survive the same faults, in order, exactly once', async (t) => {
  const h = await serialHarness({ faults: { ...FAULTS, seed: 7 }, link: { ...LINK, inlineEvents: false } });
  const d = h.device;
  const tags = Array.from({ length: 60 }, (_, i) => i + 1);
  const prog = encodeProgram([...tags.map((g) => instr('GRANULE_END', { tag: g })), instr('END')]);
  await d.writeMemory(DRAM, prog);
  await d.writeRegister('CMD_ADDR', DRAM, 2);
  await d.writeRegister('CMD_LEN', prog.length, 2);
  await d.writeRegister('DOORBELL', 1, 2);
  const events: DeviceEvent[] = [];
  while (!events.some((e) => e.kind === 'done'))
    events.push(...(await d.advance(Number.MAX_SAFE_INTEGER)).events);
  t.deepEqual(
    events.filter((e) => e.kind === 'granule').map((e) => (e.kind === 'granule' ? e.tag : 0)),
    tags,
  );
  t.is(events.filter((e) => e.kind === 'done').length, 1);
  await d.close();
});

test('a board reboot mid-stream: commands in flight fail with DeviceFault, the session recovers by itself', async (t) => {
  const h = await serialHarness({ link: { minRtoMs: 5 } });
  const d = h.device;
  await d.writeMemory(DRAM, pattern(5000, 3));
  const inflight = d.writeMemory(DRAM + 0x10000, pattern(200_000, 4));
  setImmediate(() => h.firmware.reboot());
  await t.throwsAsync(inflight, { instanceOf: DeviceFault, message: /rebooted/ });
  // no reopen: the link re-synchronised on its own
  await d.writeRegister('SCRATCH', 0x1234);
  t.is(await d.readRegister('SCRATCH'), 0x1234);
  t.deepEqual(await d.readMemory(DRAM, 5000), pattern(5000, 3), 'DRAM survives a reset');
  t.is((await d.hello()).boardId, BOARDS.emu.boardIdCode);
  t.is(d.link.stats.resyncs, 2);
  // an idle reboot is noticed at the next command, which fails; the one after works
  h.firmware.reboot();
  await t.throwsAsync(d.readRegister('SCRATCH'), { instanceOf: DeviceFault });
  t.is(await d.readRegister('SCRATCH'), 0, 'registers were reset by the reboot');
  await d.close();
});
