// Memory protection and faults: a DMA outside the tile's region faults before anything
// is read or written; illegal words fault with their address (docs/isa.md).
import test from 'ava';
import {
  FAULT_DMA_OUT_OF_REGION,
  FAULT_ILLEGAL_INSTRUCTION,
  FAULT_SCRATCHPAD_RANGE,
} from '../../boards/events.ts';
import { encodeProgram } from '../../boards/isa/index.ts';
import { STATUS_FAULT } from '../../boards/registers.ts';
import { DRAM, MiB, board, instr, launch, matmulProgram, reg, runAll, setReg } from './helpers.ts';

const REGION = { base: DRAM + 16 * MiB, limit: DRAM + 32 * MiB };

function guarded(mode: 'timing' | 'functional' = 'functional') {
  const b = board(undefined, mode);
  setReg(b, 'REGION_BASE', REGION.base, 0);
  setReg(b, 'REGION_LIMIT', REGION.limit, 0);
  return b;
}

test('a store outside the region faults with the first offending address; nothing written', (t) => {
  const b = guarded();
  // C straddles the limit: rows of 32 bytes at stride 32 starting 64 bytes below it.
  const c = REGION.limit - 64;
  b.writeMemory(c, new Uint8Array(256).fill(0x5a));
  b.writeMemory(REGION.base + MiB, new Uint8Array(8 * 16).fill(1));
  const prog = matmulProgram({
    I: 8,
    J: 32,
    K: 16,
    tileI: 8,
    tileJ: 32,
    tileK: 16,
    a: REGION.base + MiB,
    b: REGION.base + 2 * MiB,
    c,
  });
  launch(b, 0, REGION.base, prog);
  const ev = runAll(b);
  t.is(ev.length, 1);
  t.like(ev[0], { kind: 'fault', tile: 0, address: REGION.limit, code: FAULT_DMA_OUT_OF_REGION });
  t.is(reg(b, 'FAULT_ADDR', 0), REGION.limit);
  t.is(reg(b, 'STATUS', 0) & STATUS_FAULT, STATUS_FAULT);
  t.deepEqual([...b.readMemory(c, 256)], new Array(256).fill(0x5a), 'nothing written, not even inside');
  t.is(reg(b, 'DRAM_WR_LO'), 0);
});

test('a read below the region and a program fetch outside it fault too', (t) => {
  const b = guarded();
  launch(
    b,
    0,
    REGION.base,
    matmulProgram({
      I: 4,
      J: 16,
      K: 16,
      tileI: 4,
      tileJ: 16,
      tileK: 16,
      a: REGION.base - 4096,
      b: REGION.base + MiB,
      c: REGION.base + 2 * MiB,
    }),
  );
  t.like(runAll(b)[0], { kind: 'fault', address: REGION.base - 4096, code: FAULT_DMA_OUT_OF_REGION });
  launch(b, 0, DRAM, [instr('END')]);
  t.like(runAll(b)[0], { kind: 'fault', address: DRAM, code: FAULT_DMA_OUT_OF_REGION });
  // A new doorbell clears the sticky fault bit once a program is accepted.
  launch(b, 0, REGION.base + 512, [instr('END')]);
  t.is(reg(b, 'STATUS', 0) & STATUS_FAULT, 0);
  t.like(runAll(b)[0], { kind: 'done', tile: 0 });
});

test('illegal words fault with the word address after earlier words ran', (t) => {
  const b = guarded('timing');
  const addr = REGION.base;
  const words = encodeProgram([instr('GRANULE_END', { tag: 1 }), instr('END')]);
  words.fill(0, 16); // opcode 0 is never valid
  launch(b, 0, addr, words);
  const ev = runAll(b);
  t.deepEqual(
    ev.map((e) => e.kind),
    ['granule', 'fault'],
  );
  t.like(ev[1], { address: addr + 16, code: FAULT_ILLEGAL_INSTRUCTION });
});

test('local rows outside the scratchpad fault with FAULT_SCRATCHPAD_RANGE', (t) => {
  const b = guarded('timing');
  const spadRows = (128 * 1024) / 16;
  launch(b, 0, REGION.base, [
    instr('MVIN', { rows: 4, dram: REGION.base + MiB, localRow: spadRows - 2, cols: 16 }),
    instr('END'),
  ]);
  t.like(runAll(b)[0], { kind: 'fault', address: REGION.base, code: FAULT_SCRATCHPAD_RANGE });
});

test('loop tiles that do not fit half the scratchpad fault before running', (t) => {
  const b = guarded('timing');
  launch(
    b,
    0,
    REGION.base,
    matmulProgram({
      I: 512,
      J: 512,
      K: 512,
      tileI: 256,
      tileJ: 256,
      tileK: 256,
      a: REGION.base + MiB,
      b: REGION.base + 2 * MiB,
      c: REGION.base + 3 * MiB,
    }),
  );
  t.like(runAll(b)[0], { kind: 'fault', code: FAULT_SCRATCHPAD_RANGE });
});
