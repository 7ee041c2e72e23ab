// An instruction as data, its encoding to a 16-byte word and its decoding back.
// An Instruction carries its operands by name (opcodes.ts); `ins.op` discriminates the
// union, so `switch (ins.op)` narrows to the opcode's fields. Decoding uses binary-parser
// (declarative layout); every malformed word raises IsaError with its byte offset, so the
// emulator can fault cleanly on garbage programs.
import { Parser } from 'binary-parser';
import { IsaError } from '../errors.ts';
import {
  OPS,
  WORD_BYTES,
  opByCode,
  type OpName,
  type Operands,
  type OpsOf,
  type Slot,
  type Unit,
} from './opcodes.ts';

/** One opcode's instruction: its name, flags and named operands. */
export type InstructionOf<O extends OpName> = { readonly op: O; readonly flags: number } & Operands<O>;

/** Any instruction; narrow with `switch (ins.op)`. */
export type Instruction = { [O in OpName]: InstructionOf<O> }[OpName];

/** The instructions of one unit, e.g. UnitInstruction<'fine'> for MVIN, MVOUT, PRELOAD, COMPUTE. */
export type UnitInstruction<U extends Unit> = Extract<Instruction, { readonly op: OpsOf<U> }>;

/** Narrows `ins` to the instructions of `unit`. */
export function inUnit<U extends Unit>(ins: Instruction, unit: U): ins is UnitInstruction<U> {
  return OPS[ins.op].unit === unit;
}

/** The word's slots as numbers: what the encoding stores, before operands are named. */
export interface RawWord {
  readonly op: OpName;
  readonly flags: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const SLOTS: readonly Slot[] = ['a', 'b', 'c', 'd'];
const SLOT_MAX: Record<Slot, number> = { a: 0xffff, b: 0xffffffff, c: 0xffffffff, d: 0xffffffff };

/** Per opcode: [operand name, slot] in slot order. */
export const LAYOUT = new Map<OpName, readonly (readonly [string, Slot])[]>(
  (Object.keys(OPS) as OpName[]).map((op) => {
    const entries = Object.entries(OPS[op].operands as Readonly<Record<string, Slot>>);
    entries.sort((x, y) => SLOTS.indexOf(x[1]) - SLOTS.indexOf(y[1]));
    return [op, entries];
  }),
);

const wordParser = new Parser()
  .endianness('little')
  .uint8('op')
  .uint8('flags')
  .uint16('a')
  .uint32('b')
  .uint32('c')
  .uint32('d');

type Fields<O extends OpName> = Partial<Operands<O>> & { readonly flags?: number };

/** Builds an instruction; operands left out are 0. Checks every operand and flag against
 *  the opcode's table entry. */
export function instr<O extends OpName>(op: O, fields: Fields<O> = {}): Extract<Instruction, { op: O }> {
  const given = fields as Readonly<Record<string, number | undefined>>;
  const layout = LAYOUT.get(op)!;
  for (const key of Object.keys(given)) {
    if (key !== 'flags' && given[key] !== undefined && !layout.some(([name]) => name === key)) {
      const names = layout.map(([name]) => name).join(', ') || 'none';
      throw new IsaError(`${op}: no operand named ${key} (operands: ${names})`);
    }
  }
  const ins: Record<string, number | string> = { op, flags: given.flags ?? 0 };
  for (const [name] of layout) ins[name] = given[name] ?? 0;
  const typed = ins as unknown as Extract<Instruction, { op: O }>;
  toRaw(typed);
  return typed;
}

/** The word's slots for `ins`, checking its flags and operand ranges. */
export function toRaw(ins: Instruction, offset?: number): RawWord {
  const named = ins as unknown as Readonly<Record<string, number>>;
  const raw: Record<Slot, number> = { a: 0, b: 0, c: 0, d: 0 };
  for (const [name, slot] of LAYOUT.get(ins.op)!) raw[slot] = named[name]!;
  const word = { op: ins.op, flags: ins.flags, ...raw };
  validate(word, offset);
  return word;
}

/** Names the slots of a raw word, checking reserved slots are zero. */
export function fromRaw(raw: RawWord, offset?: number): Instruction {
  validate(raw, offset);
  const ins: Record<string, number | string> = { op: raw.op, flags: raw.flags };
  for (const [name, slot] of LAYOUT.get(raw.op)!) ins[name] = raw[slot];
  return ins as Instruction;
}

function validate(w: RawWord, offset?: number): void {
  const spec = OPS[w.op];
  const where = offset === undefined ? '' : ` at byte ${offset}`;
  if (!Number.isInteger(w.flags) || w.flags < 0 || (w.flags & ~spec.flagMask) !== 0) {
    throw new IsaError(
      `${w.op}${where}: flags 0x${w.flags.toString(16)} set bits outside 0x${spec.flagMask.toString(16)}`,
      offset,
    );
  }
  const layout = LAYOUT.get(w.op)!;
  for (const slot of SLOTS) {
    const v = w[slot];
    const name = layout.find(([, s]) => s === slot)?.[0];
    if (!Number.isInteger(v) || v < 0 || v > SLOT_MAX[slot]) {
      throw new IsaError(
        `${w.op}${where}: ${name ?? `field ${slot}`}=${v} does not fit ${slot === 'a' ? 16 : 32} unsigned bits`,
        offset,
      );
    }
    if (v !== 0 && name === undefined) {
      throw new IsaError(`${w.op}${where}: field ${slot} is reserved and must be 0 (got ${v})`, offset);
    }
  }
}

export function encodeInto(ins: Instruction, out: Uint8Array, offset: number): void {
  const w = toRaw(ins);
  const view = new DataView(out.buffer, out.byteOffset + offset, WORD_BYTES);
  view.setUint8(0, OPS[w.op].code);
  view.setUint8(1, w.flags);
  view.setUint16(2, w.a, true);
  view.setUint32(4, w.b, true);
  view.setUint32(8, w.c, true);
  view.setUint32(12, w.d, true);
}

export function encodeProgram(program: readonly Instruction[]): Uint8Array {
  const out = new Uint8Array(program.length * WORD_BYTES);
  program.forEach((ins, i) => encodeInto(ins, out, i * WORD_BYTES));
  return out;
}

/** Decodes the word at `offset` of `bytes`; errors name that offset. */
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
  return fromRaw({ op, flags: raw.flags, a: raw.a, b: raw.b, c: raw.c, d: raw.d }, offset);
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
