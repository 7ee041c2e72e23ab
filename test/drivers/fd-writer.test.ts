// FdWriter with its syscalls injected: EAGAIN and EINTR retry, short writes continue in
// order, EBADF/EIO/EPIPE fail it once and stop every retry (no spinning on a dead fd).
import test from 'ava';
import { FdWriter, type FdWriterIo } from '../../drivers/serial/fd-writer.ts';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake`), { code });
}

/** A fake fd: each writeSync takes the next scripted outcome (a byte count, an errno, or
 *  'all'); deferred retries wait in `tasks` until the test runs them. */
function fakeIo(script: (number | string)[]) {
  const written: number[] = [];
  const tasks: { fn: () => void; soon: boolean; cancelled: boolean }[] = [];
  let calls = 0;
  const io: FdWriterIo = {
    writeSync(_fd, buf, offset, length) {
      calls++;
      const step = script.shift() ?? 'all';
      if (typeof step === 'string' && step !== 'all') throw errno(step);
      const n = step === 'all' ? length : Math.min(step, length);
      written.push(...buf.subarray(offset, offset + n));
      return n;
    },
    defer(fn, soon) {
      const t = { fn, soon, cancelled: false };
      tasks.push(t);
      return () => {
        t.cancelled = true;
      };
    },
  };
  /** Runs the retries scheduled so far (one loop turn); returns how many ran. */
  const runTasks = (): number => {
    let ran = 0;
    for (const t of tasks.splice(0))
      if (!t.cancelled) {
        t.fn();
        ran++;
      }
    return ran;
  };
  return { io, written, tasks, runTasks, calls: () => calls };
}

const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

test('EAGAIN: bytes wait, are retried (next turn first, then backed off), and arrive in order', (t) => {
  const f = fakeIo([...Array<string>(40).fill('EAGAIN')]);
  const errors: Error[] = [];
  const w = new FdWriter(3, (e) => errors.push(e), f.io);
  w.write(bytes(0, 10));
  w.write(bytes(10, 10)); // queued behind the first while the kernel buffer is full
  t.is(w.pendingBytes, 20);
  const soon: boolean[] = [];
  while (f.tasks.length > 0) {
    soon.push(f.tasks[0]!.soon);
    f.runTasks();
  }
  t.deepEqual(f.written, [...bytes(0, 20)]);
  t.is(w.pendingBytes, 0);
  t.deepEqual(errors, []);
  t.true(soon.slice(0, 32).every((s) => s) && soon.slice(32).every((s) => !s), 'spin, then back off');
});

test('short writes continue where they stopped, across queued buffers, in order', (t) => {
  const f = fakeIo([3, 1, 'EAGAIN', 5, 0, 7]);
  const w = new FdWriter(3, () => t.fail(), f.io);
  w.write(bytes(0, 8));
  w.write(bytes(8, 8));
  f.runTasks();
  f.runTasks();
  t.deepEqual(f.written, [...bytes(0, 16)]);
});

test('EINTR is retried at once', (t) => {
  const f = fakeIo(['EINTR']);
  const w = new FdWriter(3, () => t.fail(), f.io);
  w.write(bytes(0, 4));
  t.true(f.tasks[0]!.soon);
  f.runTasks();
  t.deepEqual(f.written, [...bytes(0, 4)]);
});

for (const code of ['EBADF', 'EIO', 'EPIPE']) {
  test(`${code}: the writer fails once, drops its queue and never calls the fd again`, (t) => {
    const f = fakeIo(['EAGAIN', code]);
    const errors: Error[] = [];
    const w = new FdWriter(3, (e) => errors.push(e), f.io);
    w.write(bytes(0, 4));
    w.write(bytes(4, 4));
    f.runTasks();
    t.is(errors.length, 1);
    t.regex(errors[0]!.message, new RegExp(code));
    const calls = f.calls();
    w.write(bytes(8, 4));
    t.is(f.runTasks(), 0, 'no retry scheduled');
    t.is(f.calls(), calls, 'no write after the failure');
    t.is(w.pendingBytes, 0);
  });
}

test('close() during an EAGAIN back-off cancels the retry: nothing spins on a closed fd', (t) => {
  const f = fakeIo([...Array<string>(100).fill('EAGAIN')]);
  const w = new FdWriter(3, () => t.fail(), f.io);
  w.write(bytes(0, 4));
  for (let i = 0; i < 40; i++) f.runTasks();
  const calls = f.calls();
  w.close();
  t.is(f.runTasks(), 0);
  w.write(bytes(4, 4));
  t.is(f.calls(), calls);
  t.deepEqual(f.written, []);
});
