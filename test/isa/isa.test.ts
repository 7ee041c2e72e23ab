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
  type Instruction,
  type OpName,
} from '../../boards/isa/index.ts';

const SEED = 0xc07e;
const opNames = Object.keys(OPS) as OpName[];

/** Arbitrary *valid* instruction: only the opcode's fields and flag bits may be non-zero. */
const validInstruction: fc.Arbitrary<Instruction> = fc.constantFrom(...opNames).chain((op) => {
  const spec = OPS[op];
  const used = (f: string) => (spec.fields as readonly string[]).includes(f);
  return fc.record({
    op: fc.constant(op),
    flags: fc.integer({ min: 0, max: 255 }).map((f) => f & spec.flagMask),
    a: used('a') ? fc.integer({ min: 0, max: 0xffff }) : fc.constant(0),
    b: used('b') ? fc.nat({ max: 0xffffffff }) : fc.constant(0),
    c: used('c') ? fc.nat({ max: 0xffffffff }) : fc.constant(0),
    d: used('d') ? fc.nat({ max: 0xffffffff }) : fc.constant(0),
  });
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
    instr('MVIN', { flags: 1, a: 0x0102, b: 0x03040506, c: 0x0708090a, d: 0x0b0c0d0e }),
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

test('instr() refuses fields that do not fit or are reserved', (t) => {
  t.throws(() => instr('CFG_POOL', { a: 0x10000 }), { instanceOf: IsaError, message: /16 unsigned bits/ });
  t.throws(() => instr('GRANULE_END', { b: -1 }), { instanceOf: IsaError });
  t.throws(() => instr('END', { c: 3 }), { instanceOf: IsaError, message: /reserved/ });
  t.throws(() => instr('CFG_GEMM', { b: 2 ** 32 }), { instanceOf: IsaError });
});
