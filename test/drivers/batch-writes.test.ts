// WRITE_REGS (docs/protocol.md): a dispatch's register writes in one frame, applied in
// order, all or nothing; hosts fall back to single writes on a board that does not grant it.
import test from 'ava';
import { ConfigError } from '../../boards/errors.ts';
import { LinkCaps, MsgType, Status } from '../../boards/wire/protocol.ts';
import { decodeWriteRegs, encodeWriteRegs } from '../../boards/wire/messages.ts';
import { executeRequest } from '../../boards/emulator/serial-firmware/executor.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { BOARDS } from '../../boards/definitions.ts';
import { registerAddress } from '../../boards/registers.ts';
import type { RegisterWrite } from '../../drivers/device.ts';
import { writeRegisters } from '../../drivers/register-batch.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { serialHarness } from './harness.ts';

const WRITES: RegisterWrite[] = [
  { name: 'REGION_BASE', value: BOARDS.emu.dram.base + 0x1000, tile: 1 },
  { name: 'REGION_LIMIT', value: BOARDS.emu.dram.base + 0x9000, tile: 1 },
  { name: 'THROTTLE', value: (100 << 16) | 10, tile: 1 },
  { name: 'CMD_ADDR', value: BOARDS.emu.dram.base + 0x1000, tile: 1 },
  { name: 'CMD_LEN', value: 64, tile: 1 },
  { name: 'SCRATCH', value: 0xfeedf00d },
];

async function check(
  t: import('ava').ExecutionContext,
  read: (w: RegisterWrite) => Promise<number>,
): Promise<void> {
  for (const w of WRITES) t.is(await read(w), w.value, w.name);
}

test('one WRITE_REGS frame carries a dispatch; the board applies every write once, in order', async (t) => {
  const h = await serialHarness();
  t.teardown(() => h.device.close());
  const before = h.firmware.stats.executed;
  await writeRegisters(h.device, WRITES);
  t.is(h.firmware.stats.executed - before, 1, 'one request for six writes');
  await check(t, (w) => h.device.readRegister(w.name, w.tile));
  // a bad name fails before anything is sent
  const sent = h.firmware.stats.executed;
  await t.throwsAsync(
    writeRegisters(h.device, [
      { name: 'SCRATCH', value: 1 },
      { name: 'STATUS', value: 0 },
    ]),
    { instanceOf: ConfigError },
  );
  t.is(h.firmware.stats.executed, sent);
  t.is(await h.device.readRegister('SCRATCH'), 0xfeedf00d, 'nothing of the refused batch was written');
});

test('a board that does not grant BATCH_WRITES gets single writes', async (t) => {
  const h = await serialHarness({ firmware: { linkCaps: LinkCaps.INLINE_EVENTS } });
  t.teardown(() => h.device.close());
  const before = h.firmware.stats.executed;
  await writeRegisters(h.device, WRITES);
  t.is(h.firmware.stats.executed - before, WRITES.length);
  await check(t, (w) => h.device.readRegister(w.name, w.tile));
});

test('in-process batches; a batch larger than one frame is split; firmware refuses a misaligned batch whole', async (t) => {
  const dev = new InProcessDevice(createEmulatedBoard(BOARDS.emu));
  await writeRegisters(dev, WRITES);
  await check(t, (w) => dev.readRegister(w.name, w.tile));

  const h = await serialHarness({ link: { maxPayloadBytes: 64 } });
  t.teardown(() => h.device.close());
  const many: RegisterWrite[] = Array.from({ length: 20 }, (_, i) => ({ name: 'SCRATCH', value: i + 1 }));
  const before = h.firmware.stats.executed;
  await writeRegisters(h.device, many);
  t.is(h.firmware.stats.executed - before, 3, '7 writes a frame at a 64-byte payload');
  t.is(await h.device.readRegister('SCRATCH'), 20, 'last write wins: order kept');

  const board = createEmulatedBoard(BOARDS.emu);
  const scratch = registerAddress('SCRATCH');
  const r = executeRequest(
    board,
    MsgType.WRITE_REGS,
    encodeWriteRegs([
      { address: scratch, value: 5 },
      { address: scratch + 2, value: 6 },
    ]),
    4096,
  );
  t.like(r, { ok: false, status: Status.RANGE });
  t.is(board.readRegister(scratch), 0, 'nothing written');
  t.deepEqual(decodeWriteRegs(encodeWriteRegs([{ address: 8, value: 9 }])), [{ address: 8, value: 9 }]);
  t.like(executeRequest(board, MsgType.WRITE_REGS, new Uint8Array(5), 4096), {
    ok: false,
    status: Status.BAD_REQUEST,
  });
});
