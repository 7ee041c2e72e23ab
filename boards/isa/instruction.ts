// An instruction as data, its encoding to a 16-byte word and its decoding back.
// Decoding uses binary-parser (declarative layout); every malformed word raises IsaError
// with its byte offset, so the emulator can fault cleanly on garbage programs.
import { Parser } from 'binary-parser';
import { IsaError } from '../errors.ts';
import { OPS, WORD_BYTES, opByCode, type Field, type OpName } from './opcodes.ts';

export interface Instruction {
  readonly op: OpName;
  readonly flags: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const FIELD_MAX: Record<Field, number> = { a: 0xffff, b: 0xffffffff, c: 0xffffffff, d: 0xffffffff };

const wordParser = new Parser()
  .endianness('little')
  .uint8('op')
  .uint8('flags')
  .uint16('a')
  .uint32('b')
  .uint32('c')
  .uint32('d');

/** Builds an instruction, checking every field against the opcode's table entry. */
export function instr(op: OpName, fields: Partial<Omit<Instruction, 'op'>> = {}): Instruction {
  const ins: Instruction = {
    op,
    flags: fields.flags ?? 0,
    a: fields.a ?? 0,
    b: fields.b ?? 0,
    c: fields.c ?? 0,
    d: fields.d ?? 0,
  };
  validate(ins);
  return ins;
}

function validate(ins: Instruction, offset?: number): void {
  const spec = OPS[ins.op];
  const where = offset === undefined ? '' : ` at byte ${offset}`;
  if (!Number.isInteger(ins.flags) || ins.flags < 0 || (ins.flags & ~spec.flagMask) !== 0) {
    throw new IsaError(
      `${ins.op}${where}: flags 0x${ins.flags.toString(16)} set bits outside 0x${spec.flagMask.toString(16)}`,
      offset,
    );
  }
  for (const f of ['a', 'b', 'c', 'd'] as const) {
    const v = ins[f];
    if (!Number.isInteger(v) || v < 0 || v > FIELD_MAX[f]) {
      throw new IsaError(
        `${ins.op}${where}: field ${f}=${v} does not fit ${f === 'a' ? 16 : 32} unsigned bits`,
        offset,
      );
    }
    if (v !== 0 && !(spec.fields as readonly Field[]).includes(f)) {
      throw new IsaError(`${ins.op}${where}: field ${f} is reserved and must be 0 (got ${v})`, offset);
    }
  }
}

export function encodeInto(ins: Instruction, out: Uint8Array, offset: number): void {
  validate(ins);
  const view = new DataView(out.buffer, out.byteOffset + offset, WORD_BYTES);
  view.setUint8(0, OPS[ins.op].code);
  view.setUint8(1, ins.flags);
  view.setUint16(2, ins.a, true);
  view.setUint32(4, ins.b, true);
  view.setUint32(8, ins.c, true);
  view.setUint32(12, ins.d, true);
}

export function encodeProgram(program: readonly Instruction[]): Uint8Array {
  const out = new Uint8Array(program.length * WORD_BYTES);
  program.forEach((ins, i) => encodeInto(ins, out, i * WORD_BYTES));
  return out;
}

/** Decodes the word at byte `offset`; errors report that offset (the program address). */
export function decodeWord(bytes: Uint8Array, offset = 0): Instruction {
  if (offset < 0 || offset + WORD_BYTES > bytes.length) {
    throw new IsaError(
      `truncated instruction at byte ${offset}: need ${WORD_BYTES} bytes, have ${Math.max(0, bytes.length - offset)}`,
      offset,
    );
  }
  const raw = wordParser.parse(bytes.subarray(offset, offset + WORD_BYTES)) as {
    op: number;
    flags: number;
    a: number;
    b: number;
    c: number;
    d: number;
  };
  const op = opByCode(raw.op);
  if (op === undefined)
    throw new IsaError(`unknown opcode 0x${raw.op.toString(16).padStart(2, '0')} at byte ${offset}`, offset);
  const ins: Instruction = { op, flags: raw.flags, a: raw.a, b: raw.b, c: raw.c, d: raw.d };
  validate(ins, offset);
  return ins;
}

export function decodeProgram(bytes: Uint8Array): Instruction[] {
  if (bytes.length % WORD_BYTES !== 0) {
    throw new IsaError(
      `program is ${bytes.length} bytes, not a multiple of the ${WORD_BYTES}-byte word`,
      bytes.length - (bytes.length % WORD_BYTES),
    );
  }
  const out: Instruction[] = [];
  for (let off = 0; off < bytes.length; off += WORD_BYTES) out.push(decodeWord(bytes, off));
  return out;
}
