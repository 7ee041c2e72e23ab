// Turns a device spec from the command line into an open Device. A spec is either a board
// id from boards/definitions.ts (the in-process emulator of that board) or
// `scheme:rest` for a transport; each scheme is one entry in OPENERS, so a transport adds
// itself with one line here.
import { boardIds, findBoard } from '../../boards/definitions.ts';
import { createEmulatedBoard, type ExecutionMode } from '../../boards/emulator/index.ts';
import { ConfigError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';

export interface OpenDeviceOptions {
  /** Execution mode of an emulated board (default timing). */
  readonly mode?: ExecutionMode;
}

type Opener = (rest: string, opts: OpenDeviceOptions) => Promise<Device>;

async function openEmulated(boardId: string, opts: OpenDeviceOptions): Promise<Device> {
  const def = findBoard(boardId);
  if (def === undefined) throw new ConfigError(`unknown board "${boardId}"; valid boards: ${boardIds().join(', ')}`);
  return new InProcessDevice(createEmulatedBoard(def, opts.mode === undefined ? {} : { mode: opts.mode }));
}

/** scheme → opener. `emu:<board>` is the explicit form of a bare board id. */
const OPENERS: Record<string, Opener> = {
  emu: openEmulated,
};

export function deviceSchemes(): string[] {
  return Object.keys(OPENERS);
}

export async function openDevice(spec: string, opts: OpenDeviceOptions = {}): Promise<Device> {
  if (findBoard(spec) !== undefined) return openEmulated(spec, opts);
  const colon = spec.indexOf(':');
  if (colon > 0) {
    const opener = OPENERS[spec.slice(0, colon)];
    if (opener !== undefined) return opener(spec.slice(colon + 1), opts);
  }
  const schemes = deviceSchemes().map((s) => `${s}:<…>`).join(', ');
  throw new ConfigError(`unknown device "${spec}"; valid choices: a board id (${boardIds().join(', ')}) or ${schemes}`);
}
