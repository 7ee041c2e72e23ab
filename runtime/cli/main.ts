// The cotenant command line: the one composition root that picks a board, a transport and
// the runtime. Library code never prints; commands here do. Each command lives in its own
// file under commands/ and registers itself on the program (program.ts).
import { CommanderError } from 'commander';
import { CotenantError } from '../../boards/errors.ts';
import { fsReason } from './output-file.ts';
import { buildProgram } from './program.ts';

const EXIT_USAGE = 2;
/** How long a finished command may take to let go of its handles before it exits anyway. */
const EXIT_GRACE_MS = 2000;
const EXIT_FAILURE = 1;

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message (or help/version, which exit 0)
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof CotenantError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.code === 'CONFIG' ? EXIT_USAGE : EXIT_FAILURE;
    }
    if (isSystemError(err)) {
      // A file or device the user named is missing, unreadable or busy: their fix, not a bug.
      const where = err.path === undefined ? '' : ` ${err.path}`;
      process.stderr.write(`error: cannot ${err.syscall ?? 'use'}${where}: ${fsReason(err)}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(
      `internal error (a bug in cotenant; please report it with this trace): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_FAILURE;
  }
}

/** An error from a system call (fs, serial port open…): it has an errno code and a syscall. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}

// A reader that goes away early (`cotenant models | head -3`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is over. Normally nothing is left and the process ends now; if a native
// handle lingers (a serial port whose far end vanished), do not hang on it.
setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
