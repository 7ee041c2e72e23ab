// The in-process Device over the emulator: naming, validation errors, close().
import test from 'ava';
import { ConfigError, DeviceFault, DisconnectedError } from '../../boards/errors.ts';
import { encodeProgram } from '../../boards/isa/index.ts';
import type { RegisterName } from '../../boards/registers.ts';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { DRAM, instr } from './helpers.ts';

test('hello reports the booted board plus the transport', async (t) => {
  const dev = await openDevice('emu');
  const h = await dev.hello();
  t.is(h.boardId, 'CEMU');
  t.is(h.tiles, 4);
  t.is(h.protocolVersion, 1);
  t.is(h.transport, 'inprocess');
  t.true(h.capabilities.lockstep);
});

test('registers by name, program run through the Device', async (t) => {
  const dev = await openDevice('moca-8t', { mode: 'functional' });
  t.is(await dev.readRegister('MODE'), 1);
  await dev.writeMemory(DRAM, encodeProgram([instr('GRANULE_END', { tag: 3 }), instr('END')]));
  await dev.writeRegister('CMD_ADDR', DRAM, 7);
  await dev.writeRegister('CMD_LEN', 32, 7);
  await dev.writeRegister('DOORBELL', 1, 7);
  const r = await dev.advance(1e6);
  t.deepEqual(
    r.events.map((e) => e.kind),
    ['granule', 'done'],
  );
  t.is(await dev.readRegister('LAST_TAG', 7), 3);
});

test('bad names, tile indices and memory ranges are typed errors', async (t) => {
  const dev = await openDevice('emu');
  await t.throwsAsync(dev.readRegister('NOPE' as RegisterName), {
    instanceOf: ConfigError,
    message: /valid registers: BOARD_ID/,
  });
  await t.throwsAsync(dev.readRegister('STATUS'), { instanceOf: ConfigError, message: /tile index 0\.\.3/ });
  await t.throwsAsync(dev.readRegister('STATUS', 4), { instanceOf: ConfigError });
  await t.throwsAsync(dev.writeRegister('SCRATCH', -1), { instanceOf: ConfigError });
  await t.throwsAsync(dev.readMemory(0, 16), {
    instanceOf: DeviceFault,
    message: /outside the board's windows/,
  });
  await t.throwsAsync(dev.writeMemory(DRAM + 1024 * 1024 * 1024 - 2, new Uint8Array(4)), {
    instanceOf: DeviceFault,
  });
});

test('after close every call rejects with DisconnectedError', async (t) => {
  const dev = await openDevice('emu');
  await dev.close();
  await t.throwsAsync(dev.hello(), { instanceOf: DisconnectedError });
  await t.throwsAsync(dev.readRegister('SCRATCH'), { instanceOf: DisconnectedError });
  await t.throwsAsync(dev.advance(10), { instanceOf: DisconnectedError });
  await t.throwsAsync(dev.reset(), { instanceOf: DisconnectedError });
});

test('openDevice: unknown spec names the valid choices', async (t) => {
  await t.throwsAsync(openDevice('nope'), { instanceOf: ConfigError, message: /moca-8t/ });
  await t.throwsAsync(openDevice('emu:nope'), { instanceOf: ConfigError, message: /valid boards/ });
  const dev = await openDevice('emu:fpga-serial');
  t.is(dev.board.id, 'fpga-serial');
});
