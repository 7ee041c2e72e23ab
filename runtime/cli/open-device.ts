// Turns a device spec from the command line into an open Device. A spec is either a board
// id from boards/definitions.ts (the in-process emulator of that board) or
// `scheme:rest` for a transport; each scheme is one entry in OPENERS, so a transport adds
// itself with one line here.
import { boardIds, findBoard } from '../../boards/definitions.ts';
import { createEmulatedBoard, type ExecutionMode } from '../../boards/emulator/index.ts';
import { ConfigError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';
import { openSerialChannel, parseSerialSpec } from '../../drivers/serial/serialport-channel.ts';
import { PcieDevice } from '../../drivers/pcie/device.ts';
import { XdmaFunction } from '../../drivers/pcie/xdma.ts';
import { ShmFunction } from '../../drivers/pcie/shm.ts';
import { checkSpeed } from '../../drivers/pacing/free-running-board.ts';

export interface OpenDeviceOptions {
  /** Execution mode of an emulated board (default timing). */
  readonly mode?: ExecutionMode;
}

type Opener = (rest: string, opts: OpenDeviceOptions) => Promise<Device>;

async function openEmulated(boardId: string, opts: OpenDeviceOptions): Promise<Device> {
  const def = findBoard(boardId);
  if (def === undefined)
    throw new ConfigError(`unknown board "${boardId}"; valid boards: ${boardIds().join(', ')}`);
  return new InProcessDevice(createEmulatedBoard(def, opts.mode === undefined ? {} : { mode: opts.mode }));
}

/** Default line rate for `serial:PATH` without @baud: the devkits' 3 Mbaud. */
export const DEFAULT_SERIAL_BAUD = 3_000_000;

/** `--board` help of every command that opens a device: each way to name one, and the default baud. */
export const DEVICE_HELP = `board id (${boardIds().join(', ')}: the in-process emulator), serial:PATH[@baud] (default ${DEFAULT_SERIAL_BAUD} baud), pcie:/dev/xdmaN or shm:<board>[@speed] (@speed: free-running)`;

/** `serial:PATH[@baud]` — a devkit on a USB-serial cable, or `cotenant emu --pty`. */
async function openSerial(rest: string): Promise<Device> {
  const { path, baud } = parseSerialSpec(rest, DEFAULT_SERIAL_BAUD);
  if (path === '')
    throw new ConfigError(
      'serial: give a port path, e.g. serial:/dev/ttyUSB0@3000000 (cotenant ports lists them)',
    );
  if (!Number.isInteger(baud) || baud <= 0)
    throw new ConfigError(`serial:${rest}: the baud rate after @ must be a positive integer`);
  return SerialDevice.connect(await openSerialChannel(path, baud), { baud });
}

/** `pcie:/dev/xdmaN` — an FPGA card through the XDMA driver's character devices. */
async function openPcie(rest: string): Promise<Device> {
  if (!/^\/dev\/xdma\d+$/.test(rest) && !rest.startsWith('/'))
    throw new ConfigError(`pcie:${rest}: give the XDMA device prefix, e.g. pcie:/dev/xdma0`);
  return PcieDevice.connect(await XdmaFunction.open(rest));
}

/** `shm:<board>[@F]` — the emulator in a worker thread behind a shared-memory PCIe
 *  function; with `@F` it runs free at speed F instead of in lockstep. */
async function openShm(rest: string, opts: OpenDeviceOptions): Promise<Device> {
  const at = rest.indexOf('@');
  const boardId = at < 0 ? rest : rest.slice(0, at);
  if (findBoard(boardId) === undefined)
    throw new ConfigError(`unknown board "${boardId}" for shm:; valid boards: ${boardIds().join(', ')}`);
  const speed = at < 0 ? undefined : checkSpeed(Number(rest.slice(at + 1)), `shm:${rest}: the speed after @`);
  return PcieDevice.connect(await ShmFunction.start(boardId, opts.mode ?? 'timing', speed));
}

/** scheme → opener. `emu:<board>` is the explicit form of a bare board id. */
const OPENERS: Record<string, Opener> = {
  emu: openEmulated,
  serial: openSerial,
  pcie: openPcie,
  shm: openShm,
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
  const schemes = deviceSchemes()
    .map((s) => `${s}:<…>`)
    .join(', ');
  throw new ConfigError(
    `unknown device "${spec}"; valid choices: a board id (${boardIds().join(', ')}) or ${schemes}`,
  );
}

/**
 * Opens a device for a command that needs board time to stand still while the host decides
 * (`compare`: every policy on the same arrivals, digests comparable). A free-running board
 * is refused with a ConfigError; `run` and `analyze` take either kind (openDevice).
 */
export async function openLockstepDevice(
  spec: string,
  command: string,
  opts: OpenDeviceOptions = {},
): Promise<Device> {
  const device = await openDevice(spec, opts);
  const h = await device.hello().catch(async (err: unknown) => {
    await device.close();
    throw err;
  });
  if (!h.capabilities.lockstep) {
    await device.close();
    throw new ConfigError(
      `${command}: ${spec} is a free-running board (speed ${h.speed ?? '?'}); ${command} needs a lockstep board (run and analyze take free-running ones): serve the board without --free-running (or use shm:<board> without @speed)`,
    );
  }
  return device;
}
