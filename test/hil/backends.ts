// Device factories for the HIL contract suite: every transport CI can run, each on a fresh
// emulated board, plus COTENANT_BOARD (a real board) when set.
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import type { Device } from '../../drivers/device.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { PcieDevice } from '../../drivers/pcie/device.ts';
import { ShmFunction } from '../../drivers/pcie/shm.ts';
import { XdmaFunction } from '../../drivers/pcie/xdma.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { openSerialChannel } from '../../drivers/serial/serialport-channel.ts';
import { xdmaFilesFor } from './xdma-adapter.ts';

export interface Backend {
  readonly name: string;
  open(): Promise<{ device: Device; cleanup(): Promise<void> }>;
}

export const CI_BACKENDS: readonly Backend[] = [
  {
    name: 'in-process',
    async open() {
      const device = new InProcessDevice(createEmulatedBoard(BOARDS.emu));
      return { device, cleanup: () => device.close() };
    },
  },
  {
    name: 'serial over a real PTY',
    async open() {
      const server = new PtyBoardServer(createEmulatedBoard(BOARDS.emu));
      const device = await SerialDevice.connect(await openSerialChannel(server.path, 3_000_000));
      return {
        device,
        cleanup: async () => {
          await device.close();
          server.close();
        },
      };
    },
  },
  {
    name: 'serial over a real PTY, events as frames',
    async open() {
      const server = new PtyBoardServer(createEmulatedBoard(BOARDS.emu));
      const device = await SerialDevice.connect(await openSerialChannel(server.path, 3_000_000), {
        inlineEvents: false,
      });
      return {
        device,
        cleanup: async () => {
          await device.close();
          server.close();
        },
      };
    },
  },
  {
    name: 'PCIe shared memory (worker)',
    async open() {
      const device = await PcieDevice.connect(await ShmFunction.start('emu'));
      return { device, cleanup: () => device.close() };
    },
  },
  {
    name: 'PCIe XDMA files (emulated)',
    async open() {
      const { io } = xdmaFilesFor(createEmulatedBoard(BOARDS.emu));
      const device = await PcieDevice.connect(await XdmaFunction.open('/dev/xdma0', { io }));
      return { device, cleanup: () => device.close() };
    },
  },
];
