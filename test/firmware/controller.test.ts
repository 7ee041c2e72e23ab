// The flash controller at register level: NOR semantics, protection of the running slot,
// command errors, boot-state robustness. Expected values come from docs/flashing.md.
import test from 'ava';
import { deflateSync } from 'node:zlib';
import { EMU } from '../../boards/definitions.ts';
import { GLOBAL_REGISTERS as R } from '../../boards/registers.ts';
import { createFlashPeripheral, type EmulatedFlash } from '../../boards/emulator/flash/index.ts';
import { BOOT, CMD, FLASH_STATUS as S } from '../../boards/emulator/flash/layout.ts';
import { NorFlash } from '../../boards/emulator/flash/nor.ts';
import { BootStateStore, encodeRecord } from '../../boards/emulator/flash/boot-state.ts';
import { DisconnectedError } from '../../boards/errors.ts';

const B = EMU.flash.slotB.base;
const A = EMU.flash.slotA.base;

function rig(): {
  f: EmulatedFlash;
  staging: Uint8Array;
  cmd: (c: number, addr?: number, len?: number, arg?: number) => { status: number; result: number };
} {
  const f = createFlashPeripheral(EMU);
  f.boot();
  const staging = new Uint8Array(EMU.flashStaging.bytes);
  const cmd = (c: number, addr = 0, len = 0, arg = 0) => {
    f.writeRegister(R.FLASH_ADDR, addr, staging);
    f.writeRegister(R.FLASH_LEN, len, staging);
    f.writeRegister(R.FLASH_ARG, arg, staging);
    f.writeRegister(R.FLASH_CMD, c, staging);
    return { status: f.readRegister(R.FLASH_STATUS), result: f.readRegister(R.FLASH_RESULT) };
  };
  return { f, staging, cmd };
}

test('NOR: erased reads 0xFF, programming only clears bits, erase is per sector', (t) => {
  const nor = new NorFlash(4096, 256, new Uint8Array(8192).fill(0xff));
  nor.programPage(10, Uint8Array.from([0b1010_1010]));
  nor.programPage(10, Uint8Array.from([0b0110_0110]));
  t.is(nor.read(10, 1)[0], 0b0010_0010);
  nor.programPage(4096, Uint8Array.from([0]));
  nor.eraseSector(0);
  t.is(nor.read(10, 1)[0], 0xff);
  t.is(nor.read(4096, 1)[0], 0); // the other sector is untouched
  t.deepEqual(
    nor.ops.map((o) => o.kind),
    ['program', 'program', 'program', 'erase'],
  );
});

test('NOR: a cut mid-erase leaves the sector neither erased nor intact, and the array dead until power-up', (t) => {
  const nor = new NorFlash(4096, 256, new Uint8Array(8192).fill(0x00), 3);
  nor.armPowerCut({ atOp: 0, phase: 'mid' });
  t.throws(() => nor.eraseSector(0), { instanceOf: DisconnectedError });
  const s = nor.bytes.subarray(0, 4096);
  t.true(s.some((b) => b !== 0xff));
  t.true(s.some((b) => b === 0xff));
  t.throws(() => nor.read(0, 1), { instanceOf: DisconnectedError });
  nor.powerUp();
  t.is(nor.read(4096, 1)[0], 0x00);
});

test('commands: program raw and zlib, hash, and the documented refusals', (t) => {
  const { f, staging, cmd } = rig();
  t.deepEqual(cmd(CMD.SYNC, 0, 0, 0x1234), { status: S.OK, result: ~0x1234 >>> 0 });
  t.is(cmd(CMD.ERASE, B, 4096).status, S.OK);
  t.true(f.busyCycles >= 45e-3 * EMU.clockHz); // one sector erase costs board time
  staging.set([1, 2, 3, 4]);
  t.deepEqual(cmd(CMD.PROGRAM, B, 4, 4), { status: S.OK, result: 4 });
  t.deepEqual([...f.flashBytes().subarray(B, B + 5)], [1, 2, 3, 4, 0xff]);
  const data = new Uint8Array(1000).fill(7);
  const z = deflateSync(data);
  staging.set(z);
  t.is(cmd(CMD.PROGRAM, B + 100, 1000, (1 << 24) | z.length).status, S.OK);
  t.true(
    f
      .flashBytes()
      .subarray(B + 100, B + 1100)
      .every((b) => b === 7),
  );
  t.is(cmd(CMD.PROGRAM, B + 2000, 999, (1 << 24) | z.length).status, S.DECODE);
  // programming 1-bits over 0-bits fails read-back
  staging.set([0xff]);
  t.deepEqual(cmd(CMD.PROGRAM, B, 1, 1), { status: S.PROGRAM_VERIFY, result: B });
  // the running slot (A) is protected; ranges must sit inside one slot and be sector-aligned
  t.deepEqual(cmd(CMD.ERASE, A, 4096), { status: S.SLOT_IN_USE, result: 0 });
  t.is(cmd(CMD.PROGRAM, A, 4, 4).status, S.SLOT_IN_USE);
  t.is(cmd(CMD.ERASE, B + 100, 4096).status, S.BAD_RANGE);
  t.is(cmd(CMD.ERASE, EMU.flash.bootState.base, 4096).status, S.BAD_RANGE);
  t.is(cmd(CMD.ERASE, B + EMU.flash.slotB.bytes - 4096, 8192).status, S.BAD_RANGE);
  t.is(cmd(0x7f).status, S.BAD_COMMAND);
  // hash result lands at staging offset 0
  t.deepEqual(cmd(CMD.HASH, B, 4), { status: S.OK, result: 32 });
  t.is(
    Buffer.from(staging.subarray(0, 32)).toString('hex'),
    '9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a',
  ); // sha256(01 02 03 04)
  // selecting a slot that does not verify is refused with the boot code
  t.deepEqual(cmd(CMD.VERIFY_SLOT, 0, 0, 1), { status: S.OK, result: BOOT.BAD_MAGIC });
  t.deepEqual(cmd(CMD.SET_BOOT, 0, 0, 1 | (1 << 8)), { status: S.IMAGE_INVALID, result: BOOT.BAD_MAGIC });
  t.is(cmd(CMD.SET_BOOT, 0, 0, 2).status, S.BAD_STATE); // confirm with nothing on trial
});

test('boot state: newest valid record wins; torn records and garbage are skipped', (t) => {
  const nor = new NorFlash(4096, 256, new Uint8Array(8192).fill(0xff));
  const store = new BootStateStore(nor, { base: 0, bytes: 8192 });
  t.deepEqual(store.read(), { confirmed: 0, trialSlot: undefined, trialState: 0 });
  store.write({ confirmed: 1, trialSlot: undefined, trialState: 0 });
  store.write({ confirmed: 1, trialSlot: 0, trialState: 1 });
  t.deepEqual(store.read(), { confirmed: 1, trialSlot: 0, trialState: 1 });
  // a torn third record (half programmed) is ignored and its slot is not reused
  const rec = encodeRecord({ confirmed: 0, trialSlot: undefined, trialState: 0 }, 3);
  nor.programPage(64, rec.subarray(0, 16));
  t.deepEqual(store.read(), { confirmed: 1, trialSlot: 0, trialState: 1 });
  store.write({ confirmed: 0, trialSlot: undefined, trialState: 0 });
  t.deepEqual(store.read(), { confirmed: 0, trialSlot: undefined, trialState: 0 });
  t.is(nor.ops.at(-1)!.offset, 96);
  // 200 more writes rotate between the two sectors and keep the latest
  for (let i = 0; i < 200; i++)
    store.write({ confirmed: (i % 2) as 0 | 1, trialSlot: undefined, trialState: 0 });
  t.deepEqual(store.read(), { confirmed: 1, trialSlot: undefined, trialState: 0 });
  t.true(nor.ops.filter((o) => o.kind === 'erase').length >= 1);
});

test('onChange fires after commands and boots that changed flash, and only then', (t) => {
  let changes = 0;
  const f = createFlashPeripheral(EMU, {
    onChange: () => {
      changes++;
    },
  });
  f.boot(); // fresh board: nothing to record
  t.is(changes, 0);
  const staging = new Uint8Array(EMU.flashStaging.bytes);
  f.writeRegister(R.FLASH_CMD, CMD.SYNC, staging);
  f.writeRegister(R.FLASH_ADDR, B, staging);
  f.writeRegister(R.FLASH_LEN, 4096, staging);
  f.writeRegister(R.FLASH_CMD, CMD.HASH, staging);
  t.is(changes, 0);
  f.writeRegister(R.FLASH_CMD, CMD.ERASE, staging);
  t.is(changes, 1);
});
