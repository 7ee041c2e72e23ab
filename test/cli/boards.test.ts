import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BOARDS } from '../../boards/definitions.ts';

const MAIN = fileURLToPath(new URL('../../runtime/cli/main.ts', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import=tsx', MAIN, ...args], { encoding: 'utf8' });

test('boards --json lists every board definition with its parameters', (t) => {
  const r = cli('boards', '--json');
  t.is(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as {
    id: string;
    tiles: number;
    dim: number;
    dramBytesPerCycle: number;
    scratchpadKiB: number;
  }[];
  t.deepEqual(
    rows.map((b) => b.id),
    Object.keys(BOARDS),
  );
  const moca = rows.find((b) => b.id === 'moca-8t');
  t.like(moca, { tiles: 8, dim: 16, dramBytesPerCycle: 16, scratchpadKiB: 128 });
});

test('boards prints a table; an unknown option is a usage error (exit 2)', (t) => {
  const table = cli('boards');
  t.is(table.status, 0);
  t.regex(table.stdout, /^board\s+tiles\s+array/m);
  t.regex(table.stdout, /moca-8t\s+8\s+16x16/);
  const bad = cli('boards', '--bogus');
  t.is(bad.status, 2);
  t.regex(bad.stderr, /unknown option '--bogus'/);
});
