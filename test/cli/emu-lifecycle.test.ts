// `cotenant emu --pty` as a user runs it: SIGTERM stops it cleanly, and it does not outlive
// the process that started it (the README's `npx cotenant emu … &`, where npx is the parent).
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../runtime/cli-helpers.ts';

const EMU_ARGS = ['--import=tsx', 'runtime/cli/main.ts', 'emu', '--pty'];

/** Resolves with the first stdout line that matches. */
function lineMatching(p: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    p.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const m = buf.match(re);
      if (m) resolve(m);
    });
    p.on('close', () => reject(new Error(`exited before printing ${re}: ${buf}`)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM stops the emulator cleanly and leaves an intact flash file', async (t) => {
  const file = join(tempDir(), 'b.flash');
  const p = spawn(process.execPath, [...EMU_ARGS, '--flash-file', file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await lineMatching(p, /^\/dev\/pts\/\d+$/m);
  const closed = new Promise<number | string | null>((resolve) => p.on('close', (c, s) => resolve(c ?? s)));
  p.kill('SIGTERM');
  t.is(await closed, 0);
  t.is(readFileSync(file).length, 4 << 20);
  t.false(existsSync(`${file}.tmp`));
});

test('the emulator exits when the process that started it dies', async (t) => {
  // a parent that starts the emulator, reports its pid, and is then SIGKILLed (no chance to clean up)
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify(EMU_ARGS)}, { stdio: ['ignore', 'inherit', 'inherit'] });
       console.log('child ' + c.pid);`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = Number((await lineMatching(parent, /^child (\d+)$/m))[1]);
  await lineMatching(parent, /^\/dev\/pts\/\d+$/m);
  t.true(alive(pid));
  parent.kill('SIGKILL');
  // bounded wait for the orphan to notice (it polls its parent): a hang fails the test
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  t.false(alive(pid), 'the emulator outlived its parent');
});
