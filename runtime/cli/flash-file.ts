// An emulated board's flash kept in a file, so its firmware survives between commands
// (`cotenant flash --flash-file`) or between runs of a served board (`cotenant emu
// --flash-file`). A missing file starts from factory flash. Every save replaces the file
// atomically, so a process killed mid-save leaves the previous contents, never a torn file.
import { existsSync, readFileSync } from 'node:fs';
import { createFlashPeripheral, type EmulatedFlash } from '../../boards/emulator/flash/index.ts';
import { ConfigError } from '../../boards/errors.ts';
import { writeFileAtomicSync } from './atomic-file.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { ensureParentDir, fsReason } from './output-file.ts';

export interface PersistentFlash {
  readonly flash: EmulatedFlash;
  /** Writes the current flash contents back to the file. */
  save(): void;
}

/** `autosave`: write the file after every command or boot that changed flash. */
export function flashFromFile(def: BoardDefinition, file: string, autosave = false): PersistentFlash {
  ensureParentDir(file, '--flash-file');
  let initial: Uint8Array | undefined;
  if (existsSync(file)) {
    try {
      initial = readFileSync(file);
    } catch (err) {
      throw new ConfigError(`cannot read --flash-file ${file}: ${fsReason(err)}`, { cause: err });
    }
    if (initial.length !== def.flash.bytes)
      throw new ConfigError(
        `${file} is ${initial.length} bytes; board ${def.id} has ${def.flash.bytes} bytes of flash (delete it to start from factory flash)`,
      );
  }
  // onChange only fires on later commands and boots, after `flash` is initialised
  const save = (): void => writeFileAtomicSync(file, flash.flashBytes());
  const flash: EmulatedFlash = createFlashPeripheral(def, {
    ...(initial === undefined ? {} : { flash: initial }),
    ...(autosave ? { onChange: save } : {}),
  });
  if (initial === undefined) save();
  return { flash, save };
}
