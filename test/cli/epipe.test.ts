// `cotenant … | head`: the reader goes away before the output is written. The CLI must stop
// quietly (exit 0, nothing on stderr), not die with an EPIPE stack trace.
import test from 'ava';
import { spawn } from 'node:child_process';
import { ROOT } from '../runtime/cli-helpers.ts';

test('output into a closed pipe ends the command quietly', async (t) => {
  const p = spawn(process.execPath, ['--import=tsx', 'runtime/cli/main.ts', 'models', '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout.destroy(); // like `head` exiting before the command prints
  let stderr = '';
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
  t.is(stderr, '');
  t.is(status, 0);
});
