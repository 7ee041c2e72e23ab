// An in-memory wire between a host ByteChannel and a board-side byte sink. Bytes cross
// asynchronously (setImmediate), like a real line, so neither side re-enters the other.
import type { ByteChannel } from '../serial/channel.ts';

export interface BoardEnd {
  /** Bytes from the board to the host. */
  write(data: Uint8Array): void;
  /** Listener for bytes from the host. */
  onData(listener: (chunk: Uint8Array) => void): void;
}

export function createPipe(name = 'memory pipe'): {
  host: ByteChannel;
  board: BoardEnd;
  disconnect(err?: Error): void;
} {
  let toBoard: ((c: Uint8Array) => void) | undefined;
  let toHost: ((c: Uint8Array) => void) | undefined;
  let onClose: ((err?: Error) => void) | undefined;
  let closed = false;
  let hostQueue: Uint8Array[] = [];
  let boardQueue: Uint8Array[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const hq = hostQueue,
      bq = boardQueue;
    hostQueue = [];
    boardQueue = [];
    if (closed) return;
    for (const c of bq) toBoard?.(c);
    for (const c of hq) toHost?.(c);
  };
  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const host: ByteChannel = {
    name,
    write(data) {
      if (closed) return;
      boardQueue.push(data.slice());
      schedule();
    },
    onData(l) {
      toHost = l;
    },
    onClose(l) {
      onClose = l;
    },
    async flushInput() {
      hostQueue = [];
    },
    async close() {
      if (closed) return;
      closed = true;
    },
  };
  const board: BoardEnd = {
    write(data) {
      if (closed) return;
      hostQueue.push(data.slice());
      schedule();
    },
    onData(l) {
      toBoard = l;
    },
  };
  return {
    host,
    board,
    disconnect(err) {
      if (closed) return;
      closed = true;
      onClose?.(err ?? new Error('wire cut'));
    },
  };
}
