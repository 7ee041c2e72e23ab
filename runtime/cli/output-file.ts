// Files the CLI writes for the user (--trace, --report, --junit, -o, key files): the
// parent folder is created when missing, the bytes replace the target atomically (a
// temporary file next to it, fsync, rename(2): atomic-file.ts), and a path the user cannot write to is a
// ConfigError naming the option and the reason, never a stack trace.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../boards/errors.ts';
import { writeFileAtomicSync } from './atomic-file.ts';

/** Plain words for the errno codes a user's path typically runs into. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file is in the way of a folder on the path',
  ENAMETOOLONG: 'the name is too long',
};

/** "permission denied (EACCES)" for a Node fs error; the message for anything else. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${REASONS[code] ?? code.toLowerCase()} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** Creates `file`'s parent folder if it is missing. `what` names the option for errors. */
export function ensureParentDir(file: string, what: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw new ConfigError(`cannot create the folder for ${what} ${file}: ${fsReason(err)}`, { cause: err });
  }
}

/** Writes `data` to `file` (creating its folder), replacing any old file atomically. */
export function writeOutputFile(
  file: string,
  data: string | Uint8Array,
  what: string,
  opts: { mode?: number } = {},
): void {
  ensureParentDir(file, what);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    writeFileAtomicSync(file, bytes, opts.mode);
  } catch (err) {
    rmSync(`${file}.tmp`, { force: true });
    throw new ConfigError(`cannot write ${what} ${file}: ${fsReason(err)}`, { cause: err });
  }
}
