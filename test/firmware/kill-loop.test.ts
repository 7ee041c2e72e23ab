// Kill the emulator or the host at random points of a flash (real processes, SIGKILL), rerun
// as a user would: the flash file stays whole and bootable after every kill, a host whose
// board vanished exits by itself, and the final rerun installs the image. A few iterations
// here; `npm run bench:flash-faults` runs 200 and prints the figures.
import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { ROOT, tempDir } from '../runtime/cli-helpers.ts';
import { runKillLoop } from './helpers/kill-loop.ts';

test('flash fault loop: SIGKILL the emulator or the host mid-flash; every time a whole, bootable flash file', async (t) => {
  t.timeout(240_000);
  const r = await runKillLoop({
    iterations: 4,
    seed: 13,
    dir: tempDir(),
    cli: [process.execPath, '--import=tsx', 'runtime/cli/main.ts'],
    cwd: ROOT,
    imageBytes: 300_000,
    hangMs: 30_000,
  });
  for (const it of r.iterations) {
    const what = `iteration ${it.index} (${it.victim} killed at ${it.killAtMs} ms)`;
    t.is(it.fileBytes, EMU.flash.bytes, `${what}: flash file whole`);
    t.true(it.bootable, `${what}: board bootable`);
    t.false(it.hung, `${what}: host exited by itself`);
  }
  t.true(r.finalConfirmed, `final rerun installed the image (board runs ${r.finalVersion})`);
});
