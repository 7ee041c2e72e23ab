// Test harness: the real emulator behind its serial firmware, joined to a SerialDevice by an
// in-memory pipe, optionally through the fault shim.
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import type { EmulatedBoard } from '../../boards/emulator/api.ts';
import {
  SerialFirmware,
  type SerialFirmwareOptions,
} from '../../boards/emulator/serial-firmware/firmware.ts';
import { FaultyChannel, type FaultProfile } from '../../drivers/link/fault-shim.ts';
import { createPipe } from '../../drivers/link/memory-pipe.ts';
import { SerialDevice, type SerialDeviceOptions } from '../../drivers/serial/device.ts';

export interface Harness {
  device: SerialDevice;
  firmware: SerialFirmware;
  board: EmulatedBoard;
  shim: FaultyChannel | undefined;
  cut(): void;
}

export async function serialHarness(
  opts: {
    faults?: FaultProfile;
    link?: SerialDeviceOptions;
    firmware?: SerialFirmwareOptions;
    board?: EmulatedBoard;
  } = {},
): Promise<Harness> {
  const board = opts.board ?? createEmulatedBoard(BOARDS.emu, { mode: 'functional' });
  const pipe = createPipe();
  const firmware = new SerialFirmware(board, (b) => pipe.board.write(b), opts.firmware);
  pipe.board.onData((c) => firmware.receive(c));
  const shim = opts.faults ? new FaultyChannel(pipe.host, opts.faults) : undefined;
  const device = await SerialDevice.connect(shim ?? pipe.host, opts.link);
  return { device, firmware, board, shim, cut: () => pipe.disconnect() };
}
