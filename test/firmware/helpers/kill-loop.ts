// The flash fault loop: `cotenant emu --pty --flash-file F` and `cotenant flash` as two real
// processes, one of them SIGKILLed at a random point of each flash, then the same command
// rerun as a user would. After every iteration the flash file must be whole (the board's
// flash size, never torn) and hold a bootable board, and a host whose emulator died must
// exit by itself. Used by test/firmware/kill-loop.test.ts (a few iterations) and
// bench/flash-faults.ts (200, with figures).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU } from '../../../boards/definitions.ts';
import { createEmulatedBoard } from '../../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../../boards/emulator/flash/index.ts';
import { mulberry32Unit } from '../../../boards/prng.ts';
import { GLOBAL_REGISTERS } from '../../../boards/registers.ts';
import { buildImage, devPrivateKey, signImage } from '../../../firmware-host/image/index.ts';

export interface KillLoopOptions {
  readonly iterations: number;
  readonly seed: number;
  /** Scratch directory: images and the flash file. */
  readonly dir: string;
  /** How to run the CLI: argv prefix (e.g. [node, 'dist/cotenant.mjs']) and its cwd. */
  readonly cli: readonly string[];
  readonly cwd: string;
  /** Emulator line rate (default unpaced). */
  readonly baud?: number;
  readonly imageBytes: number;
  /** A host left running this long after its emulator died counts as a hang (and is killed). */
  readonly hangMs?: number;
  readonly onIteration?: (it: IterationReport) => void;
}

export type Victim = 'emulator' | 'host';

export interface IterationReport {
  readonly index: number;
  readonly victim: Victim;
  /** Delay after the host started, ms. */
  readonly killAtMs: number;
  /** The host had already finished (no kill happened). */
  readonly finishedFirst: boolean;
  readonly hostExit: number | string | null;
  readonly hung: boolean;
  readonly fileBytes: number;
  readonly bootable: boolean;
  readonly runningVersion: string;
}

export interface KillLoopResult {
  readonly iterations: readonly IterationReport[];
  /** Full flashes that completed (including the final one). */
  readonly completedFlashes: number;
  /** Wall time of one uninterrupted flash, measured first (kill points are drawn below it). */
  readonly cleanFlashMs: number;
  readonly finalVersion: string;
  readonly finalConfirmed: boolean;
}

interface Running {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | string | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function run(cli: readonly string[], cwd: string, args: readonly string[]): Running {
  const proc = spawn(cli[0]!, [...cli.slice(1), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string | null>((resolve) =>
    proc.on('close', (code, signal) => resolve(code ?? signal)),
  );
  return { proc, exited, stdout: () => out, stderr: () => err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the board would boot from this flash file: its size, and the booted version (or undefined). */
export function inspectFlashFile(file: string): { bytes: number; version: string | undefined } {
  const raw = readFileSync(file);
  if (raw.length !== EMU.flash.bytes) return { bytes: raw.length, version: undefined };
  const board = createEmulatedBoard(EMU, { flash: createFlashPeripheral(EMU, { flash: raw }) });
  if (board.readRegister(GLOBAL_REGISTERS.BOOT_STATUS) !== 0)
    return { bytes: raw.length, version: undefined };
  return { bytes: raw.length, version: board.info().firmwareVersion };
}

function image(version: number, bytes: number, seed: number): Uint8Array {
  const body = new Uint8Array(bytes);
  const rnd = mulberry32Unit(seed);
  for (let i = 0; i < bytes; i++) body[i] = Math.floor(rnd() * 256);
  return signImage(
    buildImage({
      boards: [EMU.boardIdCode],
      version: { major: version, minor: 0, patch: 0, build: 0 },
      manifest: { tiles: EMU.tiles, throttle: true, functional: true },
      body,
      development: true,
    }),
    devPrivateKey(),
  );
}

export async function runKillLoop(o: KillLoopOptions): Promise<KillLoopResult> {
  const rnd = mulberry32Unit(o.seed);
  const hangMs = o.hangMs ?? 60_000;
  const flashFile = join(o.dir, 'board.flash');
  const images = [2, 3].map((v, i) => {
    const file = join(o.dir, `fw${v}.img`);
    writeFileSync(file, image(v, o.imageBytes, o.seed + i));
    return { file, version: `${v}.0.0+0` };
  });
  const baudSuffix = o.baud === undefined ? '' : `@${o.baud}`;

  let emu: (Running & { path: string }) | undefined;
  const startEmu = async (): Promise<Running & { path: string }> => {
    const r = run(o.cli, o.cwd, [
      'emu',
      '--pty',
      '--flash-file',
      flashFile,
      ...(o.baud === undefined ? [] : ['--baud', String(o.baud)]),
    ]);
    for (;;) {
      const m = r.stdout().match(/^(\/dev\/pts\/\d+)\n/m);
      if (m) return { ...r, path: m[1]! };
      const done = await Promise.race([r.exited.then(() => true), sleep(20).then(() => false)]);
      if (done) throw new Error(`emulator exited at start: ${r.stderr()}`);
    }
  };
  const flash = (img: string) =>
    run(o.cli, o.cwd, ['flash', img, '--board', `serial:${emu!.path}${baudSuffix}`]);

  let want = 0; // index of the image being installed; flips after each completed flash
  let completed = 0;
  const finished = (r: Running): boolean => {
    if (/^(flashed|board runs|already installed)/m.test(r.stdout())) {
      completed++;
      want = 1 - want;
      return true;
    }
    return false;
  };

  emu = await startEmu();
  const t0 = performance.now();
  const clean = flash(images[want]!.file);
  if ((await clean.exited) !== 0 || !finished(clean))
    throw new Error(`the first, uninterrupted flash failed: ${clean.stderr()}`);
  const cleanFlashMs = performance.now() - t0;

  const reports: IterationReport[] = [];
  for (let index = 0; index < o.iterations; index++) {
    emu ??= await startEmu();
    const victim: Victim = index % 2 === 0 ? 'emulator' : 'host';
    // process start-up is part of a flash command: draw across the whole of it, and a bit past
    const killAtMs = Math.round(rnd() * cleanFlashMs * 1.1);
    const host = flash(images[want]!.file);
    const finishedFirst = await Promise.race([
      host.exited.then(() => true),
      sleep(killAtMs).then(() => false),
    ]);
    let hung = false;
    if (!finishedFirst) {
      if (victim === 'emulator') {
        emu.proc.kill('SIGKILL');
        await emu.exited;
        emu = undefined;
        // the host must notice and exit by itself
        hung = !(await Promise.race([host.exited.then(() => true), sleep(hangMs).then(() => false)]));
        if (hung) host.proc.kill('SIGKILL');
      } else {
        host.proc.kill('SIGKILL');
      }
    }
    const hostExit = await host.exited;
    finished(host);
    // the flash file as it is now (the emulator, if alive, replaces it atomically)
    const seen = existsSync(flashFile) ? inspectFlashFile(flashFile) : { bytes: 0, version: undefined };
    const it: IterationReport = {
      index,
      victim,
      killAtMs,
      finishedFirst,
      hostExit,
      hung,
      fileBytes: seen.bytes,
      bootable: seen.version !== undefined,
      runningVersion: seen.version ?? 'none',
    };
    reports.push(it);
    o.onIteration?.(it);
  }

  // and finally the user's rerun, undisturbed, must complete
  emu ??= await startEmu();
  const last = flash(images[want]!.file);
  const lastExit = await last.exited;
  const wanted = images[want]!.version;
  const ok = lastExit === 0 && finished(last);
  emu.proc.kill('SIGTERM');
  await emu.exited;
  const final = inspectFlashFile(flashFile);
  return {
    iterations: reports,
    completedFlashes: completed,
    cleanFlashMs,
    finalVersion: final.version ?? 'none',
    finalConfirmed: ok && final.version === wanted,
  };
}
