// Executes one decoded host request on an EmulatedBoard: the part of the board's firmware
// that is the same whatever link the request came over (serial frames, the PCIe
// shared-memory mailbox). Never throws: failures become an ERROR status and message.
import type { BoardEvent } from '../../events.ts';
import type { EmulatedBoard } from '../api.ts';
import { CotenantError } from '../../errors.ts';
import { MsgType, Status } from '../../wire/protocol.ts';
import {
  decodeAddress,
  decodeAddressLength,
  decodeAddressValue,
  decodeAdvanceRequest,
  decodeWriteMem,
  decodeWriteRegs,
  encodeInfo,
  encodeValue,
} from '../../wire/messages.ts';

export type ExecResult =
  | {
      readonly ok: true;
      readonly payload: Uint8Array;
      readonly advance?: { readonly cycle: number; readonly events: readonly BoardEvent[] };
    }
  | { readonly ok: false; readonly status: number; readonly message: string };

const EMPTY = new Uint8Array(0);

export function executeRequest(
  board: EmulatedBoard,
  type: number,
  payload: Uint8Array,
  maxReplyBytes: number,
): ExecResult {
  try {
    switch (type) {
      case MsgType.INFO:
        return { ok: true, payload: encodeInfo(board.info()) };
      case MsgType.READ_REG:
        return {
          ok: true,
          payload: encodeValue(board.readRegister(decodeAddress(payload, 'READ_REG request'))),
        };
      case MsgType.WRITE_REG: {
        const r = decodeAddressValue(payload, 'WRITE_REG request');
        board.writeRegister(r.address, r.value);
        return { ok: true, payload: EMPTY };
      }
      case MsgType.WRITE_REGS: {
        const writes = decodeWriteRegs(payload);
        // all or nothing: every address is checked before the first write
        const bad = writes.find((w) => w.address % 4 !== 0);
        if (bad !== undefined)
          return {
            ok: false,
            status: Status.RANGE,
            message: `WRITE_REGS: register address 0x${bad.address.toString(16)} is not 4-byte aligned; nothing was written`,
          };
        if (board.writeRegisters) board.writeRegisters(writes);
        else for (const w of writes) board.writeRegister(w.address, w.value);
        return { ok: true, payload: EMPTY };
      }
      case MsgType.READ_MEM: {
        const r = decodeAddressLength(payload, 'READ_MEM request');
        if (r.length > maxReplyBytes)
          return {
            ok: false,
            status: Status.RANGE,
            message: `READ_MEM of ${r.length} bytes exceeds the negotiated frame payload of ${maxReplyBytes}`,
          };
        return { ok: true, payload: board.readMemory(r.address, r.length) };
      }
      case MsgType.WRITE_MEM: {
        const r = decodeWriteMem(payload);
        board.writeMemory(r.address, r.data);
        return { ok: true, payload: EMPTY };
      }
      case MsgType.ADVANCE: {
        const res = board.advance(decodeAdvanceRequest(payload));
        return { ok: true, payload: EMPTY, advance: res };
      }
      case MsgType.RESET:
        if (payload.length !== 0)
          return {
            ok: false,
            status: Status.BAD_REQUEST,
            message: `RESET carries no payload, got ${payload.length} bytes`,
          };
        board.reset();
        return { ok: true, payload: EMPTY };
      default:
        return {
          ok: false,
          status: Status.UNSUPPORTED,
          message: `request type 0x${type.toString(16)} is not supported by this firmware`,
        };
    }
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, status: Status.RANGE, message: err.message };
    if (err instanceof CotenantError && err.code === 'PROTOCOL')
      return { ok: false, status: Status.BAD_REQUEST, message: err.message };
    return { ok: false, status: Status.INTERNAL, message: err instanceof Error ? err.message : String(err) };
  }
}
