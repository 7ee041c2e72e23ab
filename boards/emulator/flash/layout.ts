// The boot ROM's copy of the byte layouts it must understand: firmware image, manifest,
// boot-state record, flash-controller commands and status codes. The one documented
// source is docs/image-format.md and docs/flashing.md; the host tooling in firmware-host/
// keeps its own copy (a boot ROM is built separately from the host tools), and
// test/firmware/layout-agreement.test.ts checks the two copies agree.

export const IMAGE_MAGIC = 0x57465443; //          "CTFW" little-endian
export const IMAGE_HEADER_BYTES = 64;
export const IMAGE_FORMAT_VERSION = 1;
export const IMAGE_BOARD_SLOTS = 4; //             board-compatibility entries of 4 ASCII chars
export const IMAGE_FLAGS_KNOWN = 0x1; //           bit 0: development build (informational)

export const HDR = {
  magic: 0,
  headerSize: 4,
  formatVersion: 6,
  payloadSize: 8,
  loadAddress: 12,
  major: 16,
  minor: 17,
  patch: 18,
  reserved0: 19,
  build: 20,
  boards: 24,
  flags: 40,
  reserved: 44,
} as const;

export const TRAILER_MAGIC = 0x4c545443; //        "CTTL"
export const TRAILER_HEADER_BYTES = 8; //          magic u32 + total length u32 (incl. these 8)
export const TLV_SHA256 = 0x0010; //               32 bytes: SHA-256 over header + payload
export const TLV_KEY_ID = 0x0020; //               8 bytes: SHA-256(raw public key)[0..8]
export const TLV_ED25519 = 0x0021; //              64 bytes: Ed25519 signature of the SHA-256 digest
export const KEY_ID_BYTES = 8;

export const MANIFEST_MAGIC = 0x464d5443; //       "CTMF"
export const MANIFEST_BYTES = 16;
export const MANIFEST_CAP_THROTTLE = 1 << 0;
export const MANIFEST_CAP_FUNCTIONAL = 1 << 1;

/** Boot ROM result codes (BOOT_STATUS, VERIFY_SLOT result, INFO slot codes). */
export const BOOT = {
  OK: 0,
  EMPTY: 1,
  BAD_MAGIC: 2,
  BAD_HEADER: 3,
  TRUNCATED: 4,
  BAD_TRAILER: 5,
  HASH_MISMATCH: 6,
  UNSIGNED: 7,
  UNKNOWN_KEY: 8,
  BAD_SIGNATURE: 9,
  WRONG_BOARD: 10,
  BAD_MANIFEST: 11,
  NO_BOOTABLE: 12,
} as const;

export const BOOT_RECORD_MAGIC = 0x53425443; //    "CTBS"
export const BOOT_RECORD_BYTES = 32;
export const NO_SLOT = 0xff;
export const TRIAL_NONE = 0;
export const TRIAL_PENDING = 1; //                 selected for a test boot, not yet booted
export const TRIAL_ATTEMPTED = 2; //               booted once on trial; unconfirmed → revert next boot

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
/** SET_BOOT actions (FLASH_ARG low byte; slot in bits 8..15 for TEST). */
export const BOOT_ACTION = { TEST: 1, CONFIRM: 2, ROLLBACK: 3 } as const;
/** PROGRAM encodings (FLASH_ARG bits 24..31; bits 0..23 = encoded length in staging). */
export const ENCODING = { RAW: 0, ZLIB: 1 } as const;
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

export const INFO_MAGIC = 0x4c465443; //           "CTFL"
export const FLASH_PROTOCOL_VERSION = 1;
/** INFO block: u32 little-endian words in this order, written at staging offset 0. */
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
