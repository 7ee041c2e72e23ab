// A free-running board behind a link of fixed latency, with no wall clock in it: the
// board's clock (drivers/pacing/free-running-board.ts, injectable `now`) moves only by
// `roundTripMs` per operation, as if each register access, poll or batch took one round
// trip of host time. Runs on it are deterministic, so a test can say what a given host
// latency does to a schedule without timing anything.
import { findBoard } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import type { Device, RegisterWrite } from '../../drivers/device.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { FreeRunningBoard } from '../../drivers/pacing/free-running-board.ts';
import type { RegisterName } from '../../boards/registers.ts';

export function slowLinkDevice(boardId: string, speed: number, roundTripMs: number): Device {
  let ms = 0;
  const board = new FreeRunningBoard(createEmulatedBoard(findBoard(boardId)!), { speed, now: () => ms });
  const inner = new InProcessDevice(board);
  const trip = <T>(f: () => Promise<T>): Promise<T> => {
    ms += roundTripMs;
    return f();
  };
  return {
    board: inner.board,
    hello: () => trip(() => inner.hello()),
    readRegister: (name: RegisterName, tile?: number) => trip(() => inner.readRegister(name, tile)),
    writeRegister: (name: RegisterName, value: number, tile?: number) =>
      trip(() => inner.writeRegister(name, value, tile)),
    writeRegisters: (writes: readonly RegisterWrite[]) => trip(() => inner.writeRegisters(writes)),
    readMemory: (address: number, length: number) => trip(() => inner.readMemory(address, length)),
    writeMemory: (address: number, data: Uint8Array) => trip(() => inner.writeMemory(address, data)),
    advance: (untilCycle: number) => trip(() => inner.advance(untilCycle)),
    reset: () => trip(() => inner.reset()),
    close: () => inner.close(),
  };
}
