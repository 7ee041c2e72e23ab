// The firmware commands end to end as a user runs them (one process per command).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import=tsx', 'runtime/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test('keygen → image build → sign → inspect → verify → flash --flash-file; refusals are clear', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cotenant-fw-'));
  const k = cli('keygen', '--out', dir);
  t.is(k.status, 0, k.stderr);
  t.regex(k.stdout, /key id: +[0-9a-f]{16}/);
  t.regex(cli('keygen', '--out', dir).stderr, /exists; pick another --name/);

  const img = join(dir, 'fw.img');
  writeFileSync(join(dir, 'body.bin'), Buffer.alloc(5000, 0x5a));
  const b = cli(
    'image',
    'build',
    '--board',
    'emu',
    '--fw-version',
    '2.3.4+56',
    '--tiles',
    '2',
    '--no-throttle',
    '--body',
    join(dir, 'body.bin'),
    '-o',
    img,
  );
  t.is(b.status, 0, b.stderr);
  t.is(cli('image', 'verify', img, '--key', 'dev').status, 1); // unsigned
  t.regex(cli('image', 'verify', img, '--key', 'dev').stderr, /not signed/);
  const mine = join(dir, 'mine.img');
  t.is(cli('image', 'sign', img, '--key', join(dir, 'cotenant-fw.pem'), '-o', mine).status, 0);
  t.is(cli('image', 'sign', img, '--key', 'dev').status, 0);

  const i = cli('image', 'inspect', img, '--json');
  t.is(i.status, 0, i.stderr);
  t.like(JSON.parse(i.stdout), {
    version: '2.3.4+56',
    boards: ['CEMU'],
    manifest: { tiles: 2, throttle: false, functional: true },
    integrity: 'ok',
    signatures: ['dd77c4b0773cec22'],
  });
  t.regex(
    cli('image', 'verify', img, '--key', 'dev', '--board', 'emu').stdout,
    /OK — sha256 [0-9a-f]{64}, signed by trusted key dd77c4b0773cec22/,
  );
  t.regex(
    cli('image', 'verify', img, '--key', 'dev', '--board', 'moca-8t').stderr,
    /built for CEMU, not for this board \(MOC8\)/,
  );
  t.regex(cli('image', 'verify', mine, '--key', join(dir, 'cotenant-fw.pub.pem')).stdout, /OK/);

  // hello lists the keys the board's boot ROM trusts (the development key's id)
  t.regex(
    cli('hello', '--board', 'emu').stdout,
    /^keys: +[0-9a-f]{16} \(the boot ROM boots images signed by these\)$/m,
  );
  const flash = join(dir, 'board.flash');
  const f = cli('flash', img, '--board', 'emu', '--flash-file', flash, '--json');
  t.is(f.status, 0, f.stderr);
  t.like(JSON.parse(f.stdout), {
    slot: 'B',
    confirmed: true,
    hello: { firmwareVersion: '2.3.4+56', tiles: 2, bootSlot: 'B', trial: false },
  });
  t.is(readFileSync(flash).length, 4 * 1024 * 1024);
  const again = cli('flash', img, '--board', 'emu', '--flash-file', flash);
  t.is(again.status, 0, again.stderr);
  t.regex(again.stdout, /^already installed: the board runs 2\.3\.4\+56 from slot B/);
  // the board remembers: rolling back returns to the factory image in A
  t.regex(cli('rollback', '--board', 'emu', '--flash-file', flash).stdout, /slot A runs 1\.0\.0\+0/);
  // an image signed with a key the board does not trust is refused by its boot ROM
  const u = cli('flash', mine, '--board', 'emu', '--flash-file', flash);
  t.is(u.status, 1);
  t.regex(u.stderr, /the board trusts only [0-9a-f]{16} .*would refuse to boot it/);
  t.regex(cli('confirm', '--board', 'emu', '--flash-file', flash).stderr, /nothing to confirm/);
});
