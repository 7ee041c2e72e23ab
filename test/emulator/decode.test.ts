// The tile's fast decoder agrees with the ISA's binary-parser decoder on every word:
// same instruction for valid words, rejection for malformed ones.
import test from 'ava';
import fc from 'fast-check';
import { decodeAt } from '../../boards/emulator/decode.ts';
import { OPS, decodeWord, encodeProgram, instr, type OpName } from '../../boards/isa/index.ts';

function both(bytes: Uint8Array) {
  let slow: unknown;
  try {
    slow = decodeWord(bytes, 0);
  } catch {
    slow = undefined;
  }
  return { slow, fast: decodeAt(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0) };
}

test('random words: fast decode = binary-parser decode', (t) => {
  const word = fc.uint8Array({ minLength: 16, maxLength: 16 });
  // Bias towards real opcodes so valid words are common, not only garbage.
  const codes = Object.values(OPS).map((o) => o.code);
  const near = fc
    .tuple(word, fc.constantFrom(...codes), fc.constantFrom(0, 1, 2, 4, 0x80))
    .map(([w, op, flags]) => {
      const b = Uint8Array.from(w);
      b[0] = op;
      b[1] = flags;
      return b;
    });
  fc.assert(
    fc.property(fc.oneof(word, near), (b) => {
      const { slow, fast } = both(b);
      t.deepEqual(fast, slow);
    }),
    { seed: 42, numRuns: 3000 },
  );
});

test('every opcode with its fields set round-trips', (t) => {
  for (const op of Object.keys(OPS) as OpName[]) {
    const spec = OPS[op];
    const f = Object.fromEntries(
      Object.entries(spec.operands as Record<string, string>).map(([name, slot]) => [
        name,
        slot === 'a' ? 0xfff1 : 0x87654321,
      ]),
    );
    const ins = instr(op, { ...f, flags: spec.flagMask } as never);
    t.deepEqual(both(encodeProgram([ins])).fast, ins, op);
  }
  t.is(decodeAt(new DataView(new ArrayBuffer(15)), 0), undefined, 'truncated word');
});
