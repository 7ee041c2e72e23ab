// A ByteChannel on a real serial port (or a PTY) through the `serialport` package.
// Modem-control lines are never touched: PTYs reject the DTR/RTS ioctls, and the protocol
// does not need them (a board reset is a command, or the board's own button).
import { SerialPort } from 'serialport';
import { DisconnectedError } from '../../boards/errors.ts';
import type { ByteChannel } from './channel.ts';
import { FdWriter } from './fd-writer.ts';

export async function openSerialChannel(path: string, baudRate: number): Promise<ByteChannel> {
  const port = new SerialPort({ path, baudRate, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err)
        reject(
          new DisconnectedError(
            `cannot open serial port ${path}: ${err.message}; check the path (cotenant ports lists ports) and permissions (e.g. the dialout group)`,
            { cause: err },
          ),
        );
      else resolve();
    });
  });
  let closing = false;
  let closeListener: ((err?: Error) => void) | undefined;
  let closed = false;
  // Unix ports expose their fd: write through FdWriter (see there why); elsewhere port.write.
  const fd = (port.port as { fd?: number | null } | undefined)?.fd;
  let fdWriter: FdWriter | undefined;
  const fireClose = (err?: Error): void => {
    if (closed) return;
    closed = true;
    fdWriter?.close();
    closeListener?.(closing ? undefined : (err ?? new Error('port closed')));
    // A write failure (EIO: the far end of the PTY is gone) leaves the port open: close it so
    // its poller stops and nothing keeps the process alive.
    if (!closing && port.isOpen) port.close(() => undefined);
  };
  port.on('close', (err?: Error) => fireClose(err));
  port.on('error', (err: Error) => fireClose(err));
  if (typeof fd === 'number') fdWriter = new FdWriter(fd, (err) => fireClose(err));
  return {
    name: path,
    write(data) {
      if (closed) return;
      if (fdWriter) fdWriter.write(data);
      else port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
    onData(listener) {
      port.on('data', (chunk: Buffer) =>
        listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
      );
    },
    onClose(listener) {
      closeListener = listener;
    },
    async flushInput() {
      // Discard what the OS buffered before we opened: stale replies from an earlier host.
      await new Promise<void>((resolve) => port.flush(() => resolve()));
    },
    async close() {
      if (closed || closing) return;
      closing = true;
      await new Promise<void>((resolve) => port.close(() => resolve()));
      fireClose();
    },
  };
}

/** Parses "PATH[@baud]". */
export function parseSerialSpec(spec: string, defaultBaud: number): { path: string; baud: number } {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return { path: spec, baud: defaultBaud };
  const baud = Number(spec.slice(at + 1));
  return { path: spec.slice(0, at), baud: Number.isInteger(baud) && baud > 0 ? baud : NaN };
}
