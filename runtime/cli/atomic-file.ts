// Whole-file writes that a crash cannot tear: the bytes go to a temporary file next to the
// target, are fsynced, and replace the target by rename(2), which is atomic on POSIX file
// systems. A reader (or the next run after SIGKILL or a power cut) sees either the old file
// or the new one, never a truncated mix. The temporary name is fixed per target, so a
// writer killed mid-write leaves at most one stale `<file>.tmp`, which the next write
// replaces.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomicSync(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // Make the rename itself durable (a power cut right after it could otherwise undo it).
  try {
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    /* some file systems refuse fsync on a directory; the rename is still atomic */
  }
}
