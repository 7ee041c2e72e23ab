// Connects the XDMA backend's injectable file I/O to an emulated PCIe endpoint: the user
// BAR file maps offsets to registers, h2c/c2h file positions to board memory, and the
// events file answers once a completion interrupt has fired. A refused DMA is EIO, as the
// XDMA driver reports it.
import type { EmulatedBoard } from '../../boards/emulator/api.ts';
import { PcieEndpoint } from '../../boards/emulator/serial-firmware/pcie-endpoint.ts';
import type { XdmaFileIo } from '../../drivers/pcie/xdma.ts';

export function xdmaFilesFor(
  board: EmulatedBoard,
  prefix = '/dev/xdma0',
): { io: XdmaFileIo; endpoint: PcieEndpoint } {
  const endpoint = new PcieEndpoint(board);
  const kinds = new Map<number, string>();
  let nextFd = 10;
  let irqSeen = 0;
  const eio = (err: unknown): never => {
    throw Object.assign(new Error(err instanceof Error ? err.message : String(err)), { code: 'EIO' });
  };
  const io: XdmaFileIo = {
    async open(path) {
      const kind = ['_user', '_h2c_0', '_c2h_0', '_events_0'].find((s) => path === prefix + s);
      if (kind === undefined)
        throw Object.assign(new Error(`ENOENT: no such file ${path}`), { code: 'ENOENT' });
      kinds.set(nextFd, kind);
      return nextFd++;
    },
    async pread(fd, length, position) {
      const kind = kinds.get(fd);
      if (kind === '_user') {
        const b = new Uint8Array(4);
        try {
          new DataView(b.buffer).setUint32(0, endpoint.mmioRead(position), true);
        } catch (e) {
          eio(e);
        }
        return b.subarray(0, length);
      }
      if (kind === '_c2h_0') {
        try {
          return endpoint.dmaRead(position, length);
        } catch (e) {
          return eio(e);
        }
      }
      if (kind === '_events_0') {
        if (endpoint.irqCount === irqSeen)
          throw Object.assign(new Error('interrupt never fired'), { code: 'ETIMEDOUT' });
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, endpoint.irqCount - irqSeen, true);
        irqSeen = endpoint.irqCount;
        return b;
      }
      throw Object.assign(new Error('bad fd'), { code: 'EBADF' });
    },
    async pwrite(fd, data, position) {
      const kind = kinds.get(fd);
      if (kind === '_user') {
        try {
          endpoint.mmioWrite(position, new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true));
        } catch (e) {
          eio(e);
        }
        return 4;
      }
      if (kind === '_h2c_0') {
        try {
          endpoint.dmaWrite(position, data.slice());
        } catch (e) {
          eio(e);
        }
        return data.length;
      }
      throw Object.assign(new Error('bad fd'), { code: 'EBADF' });
    },
    async close(fd) {
      kinds.delete(fd);
    },
  };
  return { io, endpoint };
}
