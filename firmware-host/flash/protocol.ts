// The flash controller's register protocol, host side (docs/flashing.md). The emulated
// controller in boards/emulator/flash/layout.ts keeps its own copy of these numbers;
// test/firmware/layout-agreement.test.ts checks that the two agree.

/** FLASH_CMD values. */
export const CMD = {
  SYNC: 0x01,
  INFO: 0x02,
  ERASE: 0x03,
  PROGRAM: 0x04,
  HASH: 0x05,
  VERIFY_SLOT: 0x06,
  SET_BOOT: 0x07,
} as const;
export const BOOT_ACTION = { TEST: 1, CONFIRM: 2, ROLLBACK: 3 } as const;
export const ENCODING = { RAW: 0, ZLIB: 1 } as const;
export const NO_SLOT = 0xff;
export const INFO_MAGIC = 0x4c465443; // "CTFL"
export const FLASH_PROTOCOL_VERSION = 1;

/** FLASH_STATUS values with what each means to a person holding the board. */
export const STATUS: Readonly<Record<number, { name: string; meaning: string }>> = {
  0: { name: 'OK', meaning: 'done' },
  1: { name: 'BAD_COMMAND', meaning: 'the flash controller does not know this command or encoding' },
  2: { name: 'BAD_RANGE', meaning: 'the range is misaligned or not inside one firmware slot' },
  3: {
    name: 'SLOT_IN_USE',
    meaning: 'the slot holds the running (or fallback) firmware and cannot be changed now',
  },
  4: { name: 'DECODE', meaning: 'the staged block did not decompress to the announced length' },
  5: { name: 'PROGRAM_VERIFY', meaning: 'flash did not read back what was programmed (not erased, or worn)' },
  6: { name: 'IMAGE_INVALID', meaning: 'the boot ROM refuses the image in that slot' },
  7: { name: 'BAD_STATE', meaning: 'the boot state does not allow this now' },
};

export const INFO_FIELDS = [
  'magic',
  'protocolVersion',
  'flashBytes',
  'sectorBytes',
  'pageBytes',
  'slotABase',
  'slotABytes',
  'slotBBase',
  'slotBBytes',
  'stagingBytes',
  'encodings',
  'bootedSlot',
  'trial',
  'confirmedSlot',
  'trialSlot',
  'trialState',
  'slotACode',
  'slotBCode',
] as const;

export type FlashInfo = Readonly<Record<(typeof INFO_FIELDS)[number], number>>;

export type SlotIndex = 0 | 1;
export const SLOT_LETTER = ['A', 'B'] as const;
