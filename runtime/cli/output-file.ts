// Files the CLI writes for the user (--trace, --report, --junit, -o, key files): the
// parent folder is created when missing, the bytes replace the target atomically (a
// temporary file next to it, then rename(2)), and a path the user cannot write to is a
// ConfigError naming the option and the reason, never a stack trace.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../boards/errors.ts';

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
  const tmp = `${file}.tmp`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ConfigError(`cannot write ${what} ${file}: ${fsReason(err)}`, { cause: err });
  }
}
