// The tile's instruction decoder. Same rules as boards/isa decodeWord() (docs/isa.md: known
// opcode, only defined flag bits, unused fields zero), but reading the word straight from
// a DataView: the binary-parser decoder costs microseconds per word, which dominated whole
// inference runs in the bench. test/emulator/decode.test.ts checks both agree on any word.
import { OPS, WORD_BYTES, opByCode, type Field, type Instruction } from '../isa/index.ts';

const FIELDS: readonly Field[] = ['a', 'b', 'c', 'd'];
/** Per opcode name: which of a, b, c, d must be zero. */
const UNUSED = new Map<string, readonly boolean[]>(
  Object.entries(OPS).map(([name, spec]) => [
    name,
    FIELDS.map((f) => !(spec.fields as readonly Field[]).includes(f)),
  ]),
);

/** The instruction at `offset`, or undefined when the word is malformed or truncated. */
export function decodeAt(view: DataView, offset: number): Instruction | undefined {
  if (offset < 0 || offset + WORD_BYTES > view.byteLength) return undefined;
  const op = opByCode(view.getUint8(offset));
  if (op === undefined) return undefined;
  const spec = OPS[op];
  const flags = view.getUint8(offset + 1);
  if ((flags & ~spec.flagMask) !== 0) return undefined;
  const ins: Instruction = {
    op,
    flags,
    a: view.getUint16(offset + 2, true),
    b: view.getUint32(offset + 4, true),
    c: view.getUint32(offset + 8, true),
    d: view.getUint32(offset + 12, true),
  };
  const unused = UNUSED.get(op)!;
  if (
    (unused[0] && ins.a !== 0) ||
    (unused[1] && ins.b !== 0) ||
    (unused[2] && ins.c !== 0) ||
    (unused[3] && ins.d !== 0)
  )
    return undefined;
  return ins;
}
