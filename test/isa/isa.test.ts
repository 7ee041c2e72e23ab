import test from 'ava';
import fc from 'fast-check';
import { IsaError } from '../../boards/errors.ts';
import {
  OPS,
  WORD_BYTES,
  decodeProgram,
  decodeWord,
  encodeProgram,
  instr,
  packPooled,
  type Instruction,
  type OpName,
} from '../../boards/isa/index.ts';

const SEED = 0xc07e;
const opNames = Object.keys(OPS) as OpName[];

/** Arbitrary *valid* instruction: only the opcode's fields and flag bits may be non-zero. */
const validInstruction: fc.Arbitrary<Instruction> = fc.constantFrom(...opNames).chain((op) => {
  const spec = OPS[op];
  const operands = Object.entries(spec.operands as Record<string, string>).map(
    ([name, slot]) =>
      [name, slot === 'a' ? fc.integer({ min: 0, max: 0xffff }) : fc.nat({ max: 0xffffffff })] as const,
  );
  return fc
    .record({
      op: fc.constant(op),
      flags: fc.integer({ min: 0, max: 255 }).map((f) => f & spec.flagMask),
      ...Object.fromEntries(operands),
    })
    .map((r) => r as unknown as Instruction);
});

test('encode → decode is the identity on valid programs', (t) => {
  fc.assert(
    fc.property(fc.array(validInstruction, { maxLength: 40 }), (program) => {
      const bytes = encodeProgram(program);
      t.is(bytes.length, program.length * WORD_BYTES);
      t.deepEqual(decodeProgram(bytes), program);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('decode → encode is the identity on every word that decodes', (t) => {
  let decoded = 0;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (word) => {
      let ins: Instruction;
      try {
        ins = decodeWord(word);
      } catch (err) {
        t.true(err instanceof IsaError);
        return;
      }
      decoded++;
      t.deepEqual(encodeProgram([ins]), word);
    }),
    {
      seed: SEED,
      numRuns: 2000,
      examples: [[new Uint8Array([0x3f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]],
    },
  );
  t.true(decoded > 0, 'at least the END example decodes');
});

test('the word layout is little-endian op|flags|a|b|c|d as docs/isa.md says', (t) => {
  const bytes = encodeProgram([
    instr('MVIN', { flags: 1, rows: 0x0102, dram: 0x03040506, localRow: 0x0708090a, cols: 0x0b0c0d0e }),
  ]);
  t.deepEqual(
    [...bytes],
    [0x20, 0x01, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0a, 0x09, 0x08, 0x07, 0x0e, 0x0d, 0x0c, 0x0b],
  );
});

test('malformed words raise IsaError naming the problem and its offset', (t) => {
  const good = encodeProgram([instr('END'), instr('END')]);
  const unknown = good.slice();
  unknown[16] = 0x7e;
  const e1 = t.throws(() => decodeProgram(unknown), { instanceOf: IsaError });
  t.regex(e1.message, /unknown opcode 0x7e at byte 16/);
  t.is(e1.offset, 16);

  const zero = new Uint8Array(16);
  t.throws(() => decodeWord(zero), { instanceOf: IsaError, message: /unknown opcode 0x00/ });

  const reserved = encodeProgram([instr('FENCE')]);
  reserved[4] = 1; // FENCE uses no fields
  t.throws(() => decodeWord(reserved), { instanceOf: IsaError, message: /field b is reserved/ });

  const badFlags = encodeProgram([instr('LOOP_MATMUL')]);
  badFlags[1] = 0x80;
  t.throws(() => decodeWord(badFlags), { instanceOf: IsaError, message: /flags 0x80/ });

  t.throws(() => decodeProgram(new Uint8Array(20)), { instanceOf: IsaError, message: /not a multiple/ });
  t.throws(() => decodeWord(new Uint8Array(8)), { instanceOf: IsaError, message: /truncated/ });
});

test('instr() refuses operands that do not fit or that the opcode does not have', (t) => {
  t.throws(() => instr('CFG_POOL', { size: 0x10000 }), {
    instanceOf: IsaError,
    message: /size=65536 does not fit 16 unsigned bits/,
  });
  t.throws(() => instr('GRANULE_END', { tag: -1 }), { instanceOf: IsaError });
  t.throws(() => instr('END', { tag: 3 } as never), {
    instanceOf: IsaError,
    message: /END: no operand named tag \(operands: none\)/,
  });
  t.throws(() => instr('MVIN', { a: 3 } as never), {
    instanceOf: IsaError,
    message: /operands: rows, dram, localRow, cols/,
  });
  t.throws(() => instr('CFG_GEMM', { I: 2 ** 32 }), { instanceOf: IsaError });
});

test('operands are named per opcode and land in the slots docs/isa.md gives', (t) => {
  const ins = instr('CFG_CONV_KERNEL', { kernel: 3, stride: 2, padding: 1, firstRow: 7 });
  t.deepEqual(ins, { op: 'CFG_CONV_KERNEL', flags: 0, kernel: 3, stride: 2, padding: 1, firstRow: 7 });
  const bytes = encodeProgram([ins]);
  const view = new DataView(bytes.buffer);
  t.deepEqual(
    [view.getUint16(2, true), view.getUint32(4, true), view.getUint32(8, true), view.getUint32(12, true)],
    [3, 2, 1, 7],
  );
  const back = decodeWord(bytes);
  if (back.op !== 'CFG_CONV_KERNEL') return t.fail(back.op);
  t.is(back.firstRow, 7);
  t.is(packPooled(3, 4), 0x0003_0004);
  // every opcode names each slot at most once, and only a is 16 bits
  for (const op of opNames) {
    const slots = Object.values(OPS[op].operands as Record<string, string>);
    t.is(new Set(slots).size, slots.length, op);
  }
});
