// Staged next programs (docs/registers.md, NEXT_*): the tile starts the staged entry by
// itself when it would otherwise go idle, exactly once; the host replaces or cancels it
// atomically through NEXT_CTRL.
import test from 'ava';
import type { EmulatedBoard } from '../../boards/emulator/index.ts';
import type { BoardEvent } from '../../boards/events.ts';
import { FAULT_DMA_OUT_OF_REGION, FAULT_ILLEGAL_INSTRUCTION } from '../../boards/events.ts';
import { encodeProgram } from '../../boards/isa/index.ts';
import {
  NEXT_ONLY_IF_STAGED,
  NEXT_SET_REGION,
  NEXT_SET_THROTTLE,
  NEXT_STAGE,
  encodeThrottle,
} from '../../boards/registers.ts';
import { FreeRunningBoard } from '../../drivers/pacing/free-running-board.ts';
import { DRAM, EMU, board, instr, launch, reg, runAll, setReg } from './helpers.ts';

const prog = (tag: number): Uint8Array =>
  encodeProgram([instr('GRANULE_END', { tag }), instr('GRANULE_END', { tag: tag + 1 }), instr('END')]);
const A = DRAM;
const B = DRAM + 0x1000;
const C = DRAM + 0x2000;

function place(b: EmulatedBoard): void {
  b.writeMemory(A, prog(10));
  b.writeMemory(B, prog(20));
  b.writeMemory(C, prog(30));
}

function stage(b: EmulatedBoard, tile: number, addr: number, id: number, ctrl = NEXT_STAGE): void {
  setReg(b, 'NEXT_ADDR', addr, tile);
  setReg(b, 'NEXT_LEN', prog(0).length, tile);
  setReg(b, 'NEXT_ID', id, tile);
  setReg(b, 'NEXT_CTRL', ctrl, tile);
}

const doneTags = (ev: readonly BoardEvent[]): number[] =>
  ev.filter((e) => e.kind === 'done').map((e) => (e as { tag: number }).tag);

test('a staged program starts at the barrier, exactly as a queued doorbell would', (t) => {
  const staged = board();
  place(staged);
  launch(staged, 1, A, prog(10));
  stage(staged, 1, B, 7);
  t.is(reg(staged, 'NEXT_CTRL', 1), NEXT_STAGE);
  t.is(reg(staged, 'NEXT_ID', 1), 7);
  const ev = runAll(staged);

  const queued = board();
  place(queued);
  launch(queued, 1, A, prog(10));
  launch(queued, 1, B, prog(20));
  t.deepEqual(ev, runAll(queued), 'same events, same cycles');
  t.deepEqual(doneTags(ev), [11, 21]);
  t.is(reg(staged, 'STARTED_ID', 1), 7);
  t.is(reg(staged, 'NEXT_CTRL', 1), 0, 'nothing staged any more');
  t.is(reg(staged, 'NEXT_ID', 1), 0);
  t.deepEqual(runAll(staged), [], 'started once, never again');
});

test('replacing before the barrier: only the new choice runs; a late conditional replace is ignored', (t) => {
  const b = board();
  place(b);
  launch(b, 0, A, prog(10));
  stage(b, 0, B, 1);
  stage(b, 0, C, 2, NEXT_STAGE | NEXT_ONLY_IF_STAGED); // B still staged: replaced
  const ev = runAll(b);
  t.deepEqual(doneTags(ev), [11, 31]);
  t.is(reg(b, 'STARTED_ID', 0), 2);
  // C started already: a conditional replace must not run anything
  stage(b, 0, B, 3, NEXT_STAGE | NEXT_ONLY_IF_STAGED);
  t.is(reg(b, 'NEXT_CTRL', 0), 0);
  t.deepEqual(runAll(b), []);
  t.is(reg(b, 'STARTED_ID', 0), 2);
});

test('an idle tile starts a staged entry at once; cancel removes one; doorbells go first', (t) => {
  const b = board();
  place(b);
  stage(b, 2, B, 5);
  t.is(reg(b, 'STARTED_ID', 2), 5, 'idle tile: started at once');
  t.deepEqual(doneTags(runAll(b)), [21]);

  launch(b, 2, A, prog(10));
  stage(b, 2, C, 6);
  setReg(b, 'NEXT_CTRL', 0, 2); // cancel
  t.deepEqual(doneTags(runAll(b)), [11]);
  t.is(reg(b, 'STARTED_ID', 2), 5);

  launch(b, 2, A, prog(10));
  stage(b, 2, C, 8);
  launch(b, 2, B, prog(20)); // queued doorbell: runs before the staged entry
  t.deepEqual(doneTags(runAll(b)), [11, 21, 31]);
});

test('the staged entry brings its region and throttle; without the flags they are kept', (t) => {
  const b = board();
  place(b);
  const th = encodeThrottle(100, 10);
  launch(b, 3, A, prog(10));
  setReg(b, 'NEXT_REGION_BASE', B, 3);
  setReg(b, 'NEXT_REGION_LIMIT', B + 0x1000, 3);
  setReg(b, 'NEXT_THROTTLE', th, 3);
  stage(b, 3, B, 1, NEXT_STAGE | NEXT_SET_REGION | NEXT_SET_THROTTLE);
  t.is(reg(b, 'NEXT_CTRL', 3), NEXT_STAGE | NEXT_SET_REGION | NEXT_SET_THROTTLE);
  t.is(reg(b, 'REGION_BASE', 3), DRAM, 'nothing applied before the start');
  t.deepEqual(doneTags(runAll(b)), [11, 21]);
  t.is(reg(b, 'REGION_BASE', 3), B);
  t.is(reg(b, 'REGION_LIMIT', 3), B + 0x1000);
  t.is(reg(b, 'THROTTLE', 3), th);

  // a staged program outside its own region faults at its start, like a doorbell would
  stage(b, 3, C, 2, NEXT_STAGE | NEXT_SET_REGION);
  const ev = runAll(b);
  t.deepEqual(ev, [
    { kind: 'fault', tile: 3, cycle: ev[0]!.cycle, address: C, code: FAULT_DMA_OUT_OF_REGION },
  ]);
  t.is(reg(b, 'THROTTLE', 3), th, 'throttle kept without NEXT_SET_THROTTLE');
});

test('a fault cancels the staged successor: it never starts unseen', (t) => {
  const b = board();
  place(b);
  const bad = new Uint8Array(16).fill(0xff); // not an instruction
  b.writeMemory(DRAM + 0x3000, bad);
  launch(b, 0, DRAM + 0x3000, bad);
  stage(b, 0, B, 4);
  const ev = runAll(b);
  t.is(ev.length, 1);
  t.like(ev[0], { kind: 'fault', tile: 0, code: FAULT_ILLEGAL_INSTRUCTION });
  t.is(reg(b, 'NEXT_CTRL', 0), 0);
  t.is(reg(b, 'STARTED_ID', 0), 0);
});

test('free-running: the staged program starts at the barrier while the host is away', (t) => {
  let ms = 0;
  const fr = new FreeRunningBoard(board(EMU), { speed: 0.001, now: () => ms });
  place(fr);
  launch(fr, 0, A, prog(10));
  stage(fr, 0, B, 9);
  ms += 1000; // the host thinks for a second (1e6 board cycles); the board does not wait
  const ev = fr.advance(0).events;
  t.deepEqual(doneTags(ev), [11, 21]);
  const doneA = ev.find((e) => e.kind === 'done' && e.tag === 11)!.cycle;
  const startB = ev.find((e) => e.kind === 'granule' && e.tag === 20)!;
  t.true(startB.cycle > doneA);
  t.is(reg(fr, 'STARTED_ID', 0), 9);

  // the same without staging: the next program waits for the host
  let ms2 = 0;
  const late = new FreeRunningBoard(board(EMU), { speed: 0.001, now: () => ms2 });
  place(late);
  launch(late, 0, A, prog(10));
  ms2 += 1000;
  const first = late.advance(0);
  launch(late, 0, B, prog(20));
  ms2 += 1000;
  const gap =
    late.advance(0).events.find((e) => e.kind === 'granule' && e.tag === 20)!.cycle -
    first.events.find((e) => e.kind === 'done')!.cycle;
  const stagedGap = startB.cycle - doneA;
  t.true(gap > 100 * stagedGap, `idle at the barrier: ${gap} cycles host-driven vs ${stagedGap} staged`);
});

test('NEXT_GROUP: a group’s entries start together once every tile of the group is idle', (t) => {
  const b = board();
  place(b);
  const long = encodeProgram([
    instr('GRANULE_END', { tag: 40 }),
    instr('GRANULE_END', { tag: 41 }),
    instr('GRANULE_END', { tag: 42 }),
    instr('GRANULE_END', { tag: 43 }),
    instr('END'),
  ]);
  const L = DRAM + 0x3000;
  b.writeMemory(L, long);
  launch(b, 0, A, prog(10)); // short on tile 0
  launch(b, 1, L, long); // longer on tile 1: the step's barrier is tile 1's done
  const group = 0b11;
  // one host entry (one NEXT_ID) on both tiles
  for (const [tile, addr] of [
    [0, B],
    [1, C],
  ] as const) {
    setReg(b, 'NEXT_GROUP', group, tile);
    stage(b, tile, addr, 5);
  }
  t.is(reg(b, 'NEXT_GROUP', 0), group);
  const ev = runAll(b);
  const done = (tile: number, tag: number) =>
    ev.find((e) => e.kind === 'done' && e.tile === tile && e.tag === tag)!.cycle;
  const barrier = done(1, 43);
  t.true(done(0, 11) < barrier, 'tile 0 finished first and waited');
  const firstAfter = (tile: number) =>
    ev.find((e) => e.kind === 'granule' && e.tile === tile && e.cycle > done(tile, tile === 0 ? 11 : 43))!;
  t.is(firstAfter(0).cycle - barrier, firstAfter(1).cycle - barrier, 'both started at the barrier');
  t.is(reg(b, 'STARTED_ID', 0), 5);
  t.is(reg(b, 'STARTED_ID', 1), 5);
});

test('NEXT_GROUP: entries written one by one onto an idle group all start; a half-replaced group waits', (t) => {
  const b = board();
  place(b);
  // the group is idle: tile 0's entry starts as soon as it is written, and tile 1's entry of
  // the same id is not held back by tile 0 running it
  setReg(b, 'NEXT_GROUP', 0b11, 0);
  stage(b, 0, A, 7);
  t.is(reg(b, 'STARTED_ID', 0), 7);
  setReg(b, 'NEXT_GROUP', 0b11, 1);
  stage(b, 1, B, 7);
  t.is(reg(b, 'STARTED_ID', 1), 7, 'tile 1 started the same entry');
  runAll(b);

  // replacement with NEXT_ONLY_IF_STAGED: a tile with nothing staged takes it while the
  // group's entry still waits; until every tile holds the new id, nothing starts mixed
  const L = DRAM + 0x3000;
  const long = encodeProgram([
    instr('GRANULE_END', { tag: 40 }),
    instr('GRANULE_END', { tag: 41 }),
    instr('END'),
  ]);
  b.writeMemory(L, long);
  launch(b, 2, L, long);
  setReg(b, 'NEXT_GROUP', 0b101, 0);
  stage(b, 0, A, 8);
  t.is(reg(b, 'NEXT_ID', 0), 8, 'waits for tile 2');
  setReg(b, 'NEXT_GROUP', 0b101, 2);
  stage(b, 2, C, 9, NEXT_STAGE | NEXT_ONLY_IF_STAGED);
  t.is(reg(b, 'NEXT_ID', 2), 9, 'taken: tile 0 still holds the group’s entry');
  runAll(b);
  t.is(reg(b, 'NEXT_ID', 0), 8, 'mixed ids: nothing started');
  t.is(reg(b, 'NEXT_ID', 2), 9);
  stage(b, 0, A, 9, NEXT_STAGE | NEXT_ONLY_IF_STAGED);
  t.is(reg(b, 'STARTED_ID', 0), 9, 'whole group on the new id: started');
  t.is(reg(b, 'STARTED_ID', 2), 9);
  runAll(b);
  setReg(b, 'NEXT_GROUP', 0b101, 2);
  stage(b, 2, C, 10, NEXT_STAGE | NEXT_ONLY_IF_STAGED);
  t.is(reg(b, 'NEXT_ID', 2), 0, 'the group has started: a late replacement is ignored');
});
