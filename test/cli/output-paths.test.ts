// Output paths in folders that do not exist yet are created; a path nobody could write, a
// directory given as a file, or a value the board cannot take is a one-line error naming
// the option (exit 2 for a usage/config error), never "internal error" with a stack trace.
import test from 'ava';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU } from '../../boards/definitions.ts';
import { cli, FIXTURES, tempDir } from '../runtime/cli-helpers.ts';

const SMALL = join(FIXTURES, 'transports.json');

function noStack(t: import('ava').ExecutionContext, stderr: string): void {
  t.false(stderr.includes('internal error'), stderr);
  t.notRegex(stderr, /^\s+at /m, 'no stack trace');
}

test('image build -o and image sign -o create their folders', async (t) => {
  const dir = tempDir();
  const img = join(dir, 'a', 'b', 'fw.img');
  const b = await cli('image', 'build', '--board', 'emu', '--fw-version', '1.2.3', '-o', img);
  t.is(b.status, 0, b.stderr);
  t.true(existsSync(img));
  const signed = join(dir, 'c', 'fw.signed.img');
  const s = await cli('image', 'sign', img, '--key', 'dev', '-o', signed);
  t.is(s.status, 0, s.stderr);
  t.true(statSync(signed).size > statSync(img).size);
});

test('hil --junit and hello --flash-file create their folders', async (t) => {
  const dir = tempDir();
  const junit = join(dir, 'reports', 'hil.xml');
  const flash = join(dir, 'boards', 'one', 'board.flash');
  const [h, hello] = await Promise.all([
    cli('hil', '--board', 'emu', '--junit', junit),
    cli('hello', '--board', 'emu', '--flash-file', flash),
  ]);
  t.is(h.status, 0, h.stderr);
  t.regex(readFileSync(junit, 'utf8'), /<testsuite/);
  t.is(hello.status, 0, hello.stderr);
  t.regex(hello.stdout, /firmware: +\d+\.\d+\.\d+/);
  t.is(statSync(flash).size, EMU.flash.bytes, 'hello --flash-file boots from (and keeps) that flash');
  const again = await cli('hello', '--board', 'emu', '--flash-file', flash, '--json');
  t.is(again.status, 0, again.stderr);
  t.is((JSON.parse(again.stdout) as { board: string }).board, 'emu');
});

test('a user mistake is a one-line error: a file in the way of a folder, a directory as flash file', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'plain.txt');
  writeFileSync(file, 'x');
  const r = await cli('run', SMALL, '--trace', join(file, 'sub', 't.json'));
  t.is(r.status, 2, r.stderr);
  t.regex(
    r.stderr,
    /^error: cannot create the folder for --trace .*plain\.txt\/sub\/t\.json: .*\(E(NOTDIR|EXIST)\)$/m,
  );
  noStack(t, r.stderr);
  t.is(r.stdout, '', 'refused before the run');

  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  const h = await cli('hello', '--board', 'emu', '--flash-file', folder);
  t.is(h.status, 2, h.stderr);
  t.regex(h.stderr, /^error: cannot read --flash-file .*a-folder: it is a directory \(EISDIR\)$/m);
  noStack(t, h.stderr);
});

test('image build --tiles beyond the board is refused when building, not at boot', async (t) => {
  const dir = tempDir();
  const out = join(dir, 'fw.img');
  const r = await cli('image', 'build', '--board', 'emu', '--fw-version', '1.0.0', '--tiles', '9', '-o', out);
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /--tiles 9: board emu has 4 tiles, so this firmware would not boot there; use 1\.\.4/);
  t.false(existsSync(out));
  const zero = await cli(
    'image',
    'build',
    '--board',
    'emu',
    '--fw-version',
    '1.0.0',
    '--tiles',
    '0',
    '-o',
    out,
  );
  t.is(zero.status, 2);
  t.regex(zero.stderr, /--tiles 0 must be a positive integer/);
});

test('scenario checks: tiles beyond the board, the shape of run', async (t) => {
  const dir = tempDir();
  const base = JSON.parse(readFileSync(SMALL, 'utf8')) as { tenants: Record<string, unknown>[] };
  const tooMany = join(dir, 'tiles.json');
  writeFileSync(tooMany, JSON.stringify({ ...base, tenants: [{ ...base.tenants[0], tiles: 99 }] }));
  const noRun = join(dir, 'run.json');
  writeFileSync(noRun, JSON.stringify({ ...base, run: {} }));
  const [a, b] = await Promise.all([cli('run', tooMany), cli('run', noRun)]);
  t.is(a.status, 2, a.stderr);
  t.regex(a.stderr, /tenants\[0\]\.tiles: 99 is more than the 4 tiles of board emu; use 1\.\.4/);
  t.false(a.stderr.includes('measuring'), 'refused before measuring anything');
  t.is(b.status, 2, b.stderr);
  t.regex(b.stderr, /run: give exactly one of "requests" and "duration": \{ "requests": N \}/);
  t.false(b.stderr.includes('Invalid input'));
});

test('help states the default serial baud', async (t) => {
  const r = await cli('hello', '--help');
  t.is(r.status, 0);
  t.regex(r.stdout.replace(/\s+/g, ' '), /serial:PATH\[@baud\] \(default 3000000 baud\)/);
});
