import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMU } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { ConfigError } from '../../boards/errors.ts';
import { GLOBAL_REGISTERS } from '../../boards/registers.ts';
import { flashFromFile } from '../../runtime/cli/flash-file.ts';

test('a missing flash file starts from factory flash and is written at once', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'cotenant-')), 'board.flash');
  const { flash } = flashFromFile(EMU, file);
  const saved = readFileSync(file);
  t.is(saved.length, EMU.flash.bytes);
  t.deepEqual(new Uint8Array(saved), flash.flashBytes());
  const board = createEmulatedBoard(EMU, { flash });
  t.is(board.readRegister(GLOBAL_REGISTERS.BOOT_STATUS), 0, 'factory image boots');
});

test('flash contents come back from the file, and autosave writes changes', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'cotenant-')), 'board.flash');
  const first = flashFromFile(EMU, file, true);
  const bytes = first.flash.flashBytes();
  bytes[EMU.flash.slotA.base + 100] = 0x00; // corrupt slot A's image: the boot ROM must refuse it
  first.flash.setFlashBytes(bytes);
  first.save();
  const again = flashFromFile(EMU, file);
  const board = createEmulatedBoard(EMU, { flash: again.flash });
  t.not(
    board.readRegister(GLOBAL_REGISTERS.BOOT_STATUS),
    0,
    'the corrupted image from the file is what boots (and fails)',
  );
});

test('a flash file of the wrong size is a ConfigError naming both sizes', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'cotenant-')), 'short.flash');
  writeFileSync(file, new Uint8Array(1000));
  const err = t.throws(() => flashFromFile(EMU, file), { instanceOf: ConfigError });
  t.regex(err.message, /1000 bytes; board emu has 4194304 bytes/);
});
