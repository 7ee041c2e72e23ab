// The firmware image byte layout, host side (docs/image-format.md is the one description;
// the boot ROM in boards/emulator/flash/layout.ts keeps its own copy, and
// test/firmware/layout-agreement.test.ts checks that both agree).
//
//   header (64 B) | payload (payloadSize B, starts with a 16 B manifest) | trailer (TLVs)
//
// All integers little-endian. SHA-256 covers header + payload; the Ed25519 signature signs
// that 32-byte digest; the key id is the first 8 bytes of SHA-256(raw public key).

export const IMAGE_MAGIC = 0x57465443; //          "CTFW"
export const IMAGE_HEADER_BYTES = 64;
export const IMAGE_FORMAT_VERSION = 1;
export const IMAGE_BOARD_SLOTS = 4;
export const FLAG_DEVELOPMENT = 0x1;
export const IMAGE_FLAGS_KNOWN = FLAG_DEVELOPMENT;

export const TRAILER_MAGIC = 0x4c545443; //        "CTTL"
export const TRAILER_HEADER_BYTES = 8;
export const TLV_SHA256 = 0x0010;
export const TLV_KEY_ID = 0x0020;
export const TLV_ED25519 = 0x0021;
export const KEY_ID_BYTES = 8;

export const MANIFEST_MAGIC = 0x464d5443; //       "CTMF"
export const MANIFEST_BYTES = 16;
export const MANIFEST_CAP_THROTTLE = 1 << 0;
export const MANIFEST_CAP_FUNCTIONAL = 1 << 1;

/** Boot ROM result codes and what each means, for messages. */
export const BOOT_CODES: Readonly<Record<number, { name: string; meaning: string }>> = {
  0: { name: 'OK', meaning: 'the image verifies' },
  1: { name: 'EMPTY', meaning: 'the slot is erased' },
  2: { name: 'BAD_MAGIC', meaning: 'the slot does not start with an image header' },
  3: {
    name: 'BAD_HEADER',
    meaning: 'the header has an unknown size, format version, flag or non-zero reserved field',
  },
  4: { name: 'TRUNCATED', meaning: 'the payload or trailer runs past the end of what was written' },
  5: { name: 'BAD_TRAILER', meaning: 'the TLV trailer is malformed or has no SHA-256' },
  6: { name: 'HASH_MISMATCH', meaning: 'the SHA-256 does not match: the image was altered or damaged' },
  7: { name: 'UNSIGNED', meaning: 'the image carries no signature' },
  8: { name: 'UNKNOWN_KEY', meaning: 'no signature is by a key the boot ROM trusts' },
  9: { name: 'BAD_SIGNATURE', meaning: 'the signature by a trusted key does not verify' },
  10: { name: 'WRONG_BOARD', meaning: 'the image is not built for this board' },
  11: {
    name: 'BAD_MANIFEST',
    meaning: 'the firmware manifest is missing or asks for more tiles than the board has',
  },
  12: {
    name: 'NO_BOOTABLE',
    meaning: 'neither slot holds a bootable image; the board waits in its bootloader',
  },
};

export function describeBootCode(code: number): string {
  const c = BOOT_CODES[code];
  return c === undefined ? `unknown boot code ${code}` : `${c.name} (${c.meaning})`;
}
