// The tile's instruction decoder. Same rules as boards/isa decodeWord() (docs/isa.md: known
// opcode, only defined flag bits, unused fields zero), but reading the word straight from
// a DataView: the binary-parser decoder costs microseconds per word, which dominated whole
// inference runs in the bench. test/emulator/decode.test.ts checks both agree on any word.
import { LAYOUT, OPS, WORD_BYTES, opByCode, type Instruction, type Slot } from '../isa/index.ts';

const SLOTS: readonly Slot[] = ['a', 'b', 'c', 'd'];
/** Per opcode name: which of a, b, c, d must be zero. */
const UNUSED = new Map<string, readonly boolean[]>(
  [...LAYOUT].map(([op, layout]) => [op, SLOTS.map((s) => !layout.some(([, slot]) => slot === s))]),
);

/** The instruction at `offset`, or undefined when the word is malformed or truncated. */
export function decodeAt(view: DataView, offset: number): Instruction | undefined {
  if (offset < 0 || offset + WORD_BYTES > view.byteLength) return undefined;
  const op = opByCode(view.getUint8(offset));
  if (op === undefined) return undefined;
  const spec = OPS[op];
  const flags = view.getUint8(offset + 1);
  if ((flags & ~spec.flagMask) !== 0) return undefined;
  const raw: Record<Slot, number> = {
    a: view.getUint16(offset + 2, true),
    b: view.getUint32(offset + 4, true),
    c: view.getUint32(offset + 8, true),
    d: view.getUint32(offset + 12, true),
  };
  const unused = UNUSED.get(op)!;
  if (
    (unused[0] && raw.a !== 0) ||
    (unused[1] && raw.b !== 0) ||
    (unused[2] && raw.c !== 0) ||
    (unused[3] && raw.d !== 0)
  )
    return undefined;
  const ins: Record<string, number | string> = { op, flags };
  for (const [name, slot] of LAYOUT.get(op)!) ins[name] = raw[slot];
  return ins as Instruction;
}
