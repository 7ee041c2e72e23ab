// `cotenant emu --pty` in a child process, as a devkit would be reached: the benches that
// measure a real PTY link start it here and read the PTY path it prints first.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../runtime/cli/main.ts', import.meta.url));

export async function startEmu(args: readonly string[]): Promise<{ path: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import=tsx', MAIN, 'emu', '--pty', ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  while (!out.includes('\n')) {
    const [chunk] = (await Promise.race([
      once(child.stdout!, 'data'),
      once(child, 'exit').then(() => {
        throw new Error('emu exited before printing its PTY path');
      }),
    ])) as [string];
    out += chunk;
  }
  return { path: out.split('\n')[0]!.trim(), child };
}
