import test from 'ava';
import {
  decodeThrottle,
  encodeThrottle,
  registerAddress,
  registerAt,
  TILE_BLOCK_BASE,
  TILE_BLOCK_STRIDE,
} from '../../boards/registers.ts';
import { BOARDS, findBoard } from '../../boards/definitions.ts';

test('tile registers are addressed per tile block and map back to their names', (t) => {
  t.is(registerAddress('THROTTLE', 3), TILE_BLOCK_BASE + 3 * TILE_BLOCK_STRIDE + 0x10);
  t.is(registerAddress('CYCLE_LO'), 0x010);
  t.deepEqual(registerAt(registerAddress('PERF_STALL_LO', 7)), { name: 'PERF_STALL_LO', tile: 7 });
  t.deepEqual(registerAt(0x104), { name: 'FLASH_ADDR' });
  t.is(registerAt(0x0fc), undefined);
  t.throws(() => registerAddress('DOORBELL'), { instanceOf: RangeError, message: /per tile/ });
});

test('throttle register packs window in the high half and target_load in the low half', (t) => {
  t.is(encodeThrottle(1000, 250), (1000 << 16) | 250);
  t.deepEqual(decodeThrottle(encodeThrottle(0xffff, 0xffff)), { window: 0xffff, targetLoad: 0xffff });
  t.is(encodeThrottle(0, 0), 0);
  t.throws(() => encodeThrottle(70000, 1), { instanceOf: RangeError, message: /16-bit/ });
});

test('board catalogue holds the documented parameters (docs/registers.md) and keeps every address below 2^31', (t) => {
  const emu = findBoard('emu');
  t.truthy(emu);
  t.is(emu?.tiles, 4);
  t.is(emu?.scratchpadBytes, 256 * 1024);
  const moca = findBoard('moca-8t');
  t.is(moca?.tiles, 8);
  t.is(moca?.scratchpadBytes, 128 * 1024);
  t.is(moca?.dmaMaxInflight, 16);
  t.is(findBoard('nope'), undefined);
  for (const b of Object.values(BOARDS)) {
    t.true(b.dram.base + b.dram.bytes <= 2 ** 31, `${b.id} DRAM window fits 31 bits`);
    t.true(b.flashStaging.base + b.flashStaging.bytes <= b.dram.base, `${b.id} staging below DRAM`);
    t.is(b.flash.slotA.bytes % b.flash.sectorBytes, 0);
    t.true(b.flash.slotB.base >= b.flash.slotA.base + b.flash.slotA.bytes);
    t.true(b.flash.bootState.base >= b.flash.slotB.base + b.flash.slotB.bytes);
    t.true(b.flash.bootState.base + b.flash.bootState.bytes <= b.flash.bytes);
  }
});
