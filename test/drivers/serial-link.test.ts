import test from 'ava';
import { DeviceFault, DisconnectedError, ConfigError } from '../../boards/errors.ts';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import { BOARDS } from '../../boards/definitions.ts';
import type { DeviceEvent } from '../../drivers/device.ts';
import { serialHarness } from './harness.ts';

const DRAM = BOARDS.emu.dram.base;

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('serial link over a clean wire: hello, registers, odd-sized bulk round trip', async (t) => {
  const h = await serialHarness();
  const hello = await h.device.hello();
  t.is(hello.transport, 'serial');
  t.is(hello.protocolVersion, 1);
  t.is(hello.boardId, BOARDS.emu.boardIdCode);
  await h.device.writeRegister('SCRATCH', 0xdeadbeef);
  t.is(await h.device.readRegister('SCRATCH'), 0xdeadbeef);
  for (const n of [0, 1, 4095, 4096, 4097, 100_003]) {
    const data = pattern(n, n);
    await h.device.writeMemory(DRAM + 13, data);
    t.deepEqual(await h.device.readMemory(DRAM + 13, n), data, `size ${n}`);
  }
  await t.throwsAsync(h.device.readMemory(0x10, 4), { instanceOf: DeviceFault });
  await t.throwsAsync(h.device.readRegister('STATUS'), { instanceOf: ConfigError });
  await h.device.close();
  await t.throwsAsync(h.device.readRegister('SCRATCH'), { instanceOf: DisconnectedError });
});

test('a cut wire rejects pending and later calls with DisconnectedError, no hang', async (t) => {
  const h = await serialHarness();
  const p = h.device.readMemory(DRAM, 200_000);
  h.cut();
  await t.throwsAsync(p, { instanceOf: DisconnectedError });
  await t.throwsAsync(h.device.hello(), { instanceOf: DisconnectedError });
});

for (const inline of [true, false]) {
  test(`advance delivers a program's events (${inline ? 'inline in the reply' : 'as acknowledged EVENT frames'})`, async (t) => {
    const h = await serialHarness({ link: { inlineEvents: inline } });
    const prog = encodeProgram([
      instr('GRANULE_END', { tag: 7 }),
      instr('GRANULE_END', { tag: 8 }),
      instr('END'),
    ]);
    await h.device.writeMemory(DRAM, prog);
    await h.device.writeRegister('CMD_ADDR', DRAM, 1);
    await h.device.writeRegister('CMD_LEN', prog.length, 1);
    await h.device.writeRegister('DOORBELL', 1, 1);
    const events: DeviceEvent[] = [];
    let cycle = 0;
    for (let i = 0; i < 10 && !events.some((e) => e.kind === 'done'); i++) {
      const r = await h.device.advance(1_000_000);
      events.push(...r.events);
      cycle = r.cycle;
    }
    t.deepEqual(
      events.map((e) => [e.kind, 'tile' in e ? e.tile : -1, 'tag' in e ? e.tag : -1]),
      [
        ['granule', 1, 7],
        ['granule', 1, 8],
        ['done', 1, 8],
      ],
    );
    t.true(cycle > 0);
    t.is(h.firmware.stats.eventFramesOut > 0, !inline);
    await h.device.close();
  });
}
