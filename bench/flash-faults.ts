// The flash fault loop at full length: 200 flashes of the built CLI over a real PTY, each
// with the emulator or the host SIGKILLed at a random point (seeded), each followed by a
// check of the flash file, then an undisturbed rerun. Prints how the kills fell and whether
// every flash file stayed whole and bootable and every orphaned host exited by itself.
// Usage: npm run build && npm run bench:flash-faults [-- --iterations 200 --seed 1 --baud 921600]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMU } from '../boards/definitions.ts';
import { runKillLoop, type IterationReport } from '../test/firmware/helpers/kill-loop.ts';

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}

const root = fileURLToPath(new URL('../', import.meta.url));
const iterations = arg('--iterations') ?? 200;
const seed = arg('--seed') ?? 1;
const baud = arg('--baud');
const started = performance.now();
const r = await runKillLoop({
  iterations,
  seed,
  dir: mkdtempSync(join(tmpdir(), 'cotenant-faults-')),
  cli: [process.execPath, join(root, 'dist/cotenant.mjs')],
  cwd: root,
  imageBytes: 512 * 1024,
  ...(baud === undefined ? {} : { baud }),
  onIteration: (it) => {
    if (it.index % 20 === 19) process.stderr.write(`${it.index + 1}/${iterations}\n`);
  },
});
const count = (f: (it: IterationReport) => boolean) => r.iterations.filter(f).length;
const exits = new Map<string, number>();
for (const it of r.iterations)
  if (it.victim === 'emulator' && !it.finishedFirst)
    exits.set(String(it.hostExit), (exits.get(String(it.hostExit)) ?? 0) + 1);
const rows: [string, string | number][] = [
  ['iterations', iterations],
  ['seed', seed],
  ['line', baud === undefined ? 'unpaced PTY' : `${baud} baud`],
  ['image bytes', 512 * 1024],
  ['uninterrupted flash (process start to exit), ms', Math.round(r.cleanFlashMs)],
  ['emulator SIGKILLed mid-flash', count((it) => it.victim === 'emulator' && !it.finishedFirst)],
  ['host SIGKILLed mid-flash', count((it) => it.victim === 'host' && !it.finishedFirst)],
  ['flash finished before its kill point', count((it) => it.finishedFirst)],
  ['host exit after its emulator died (code: count)', [...exits].map(([c, n]) => `${c}: ${n}`).join(', ')],
  ['host hung after its emulator died', count((it) => it.hung)],
  ['flash file whole after the kill', `${count((it) => it.fileBytes === EMU.flash.bytes)}/${iterations}`],
  ['board bootable from the file', `${count((it) => it.bootable)}/${iterations}`],
  ['flashes completed (incl. reruns finishing one)', r.completedFlashes],
  [
    'final undisturbed rerun',
    r.finalConfirmed ? `installed, runs ${r.finalVersion}` : `FAILED (${r.finalVersion})`,
  ],
  ['wall time, s', Math.round((performance.now() - started) / 1000)],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(50)} ${v}\n`);
const ok =
  r.finalConfirmed &&
  count((it) => it.hung) === 0 &&
  count((it) => it.fileBytes === EMU.flash.bytes && it.bootable) === iterations;
process.exitCode = ok ? 0 : 1;
