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

/** FLASH_STATUS values. */
export const FLASH_STATUS = {
  OK: 0,
  BAD_COMMAND: 1,
  BAD_RANGE: 2,
  SLOT_IN_USE: 3,
  DECODE: 4,
  PROGRAM_VERIFY: 5,
  IMAGE_INVALID: 6,
  BAD_STATE: 7,
} as const;
export type FlashStatusName = keyof typeof FLASH_STATUS;

/** What each FLASH_STATUS means to a person holding the board. */
export const FLASH_STATUS_MEANING: Readonly<Record<FlashStatusName, string>> = {
  OK: 'done',
  BAD_COMMAND: 'the flash controller does not know this command or encoding',
  BAD_RANGE: 'the range is misaligned or not inside one firmware slot',
  SLOT_IN_USE: 'the slot holds the running (or fallback) firmware and cannot be changed now',
  DECODE: 'the staged block did not decompress to the announced length',
  PROGRAM_VERIFY: 'flash did not read back what was programmed (not erased, or worn)',
  IMAGE_INVALID: 'the boot ROM refuses the image in that slot',
  BAD_STATE: 'the boot state does not allow this now',
};

/** The name of a FLASH_STATUS value, or undefined for a value this tool does not know. */
export function flashStatusName(status: number): FlashStatusName | undefined {
  return (Object.keys(FLASH_STATUS) as FlashStatusName[]).find((k) => FLASH_STATUS[k] === status);
}

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
