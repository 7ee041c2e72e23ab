// The PCIe function's host interface (docs/protocol.md, "PCIe"): the board's register map
// in BAR space at its usual offsets, plus a LINK block for what a register write alone
// cannot say (lockstep advance, reset, info), and a mailbox window in the DMA address space
// where the results of LINK commands (event records, info, error text) are read back.

/** BAR offset of the LINK block (above every board's register map). */
export const LINK_BLOCK_BASE = 0x1_0000;

export const LinkReg = {
  MAGIC: 0x00, //         ro  'CTPL' little-endian
  VERSION: 0x04, //       ro  protocol version
  ADV_UNTIL_LO: 0x08, //  rw  ADVANCE target cycle
  ADV_UNTIL_HI: 0x0c, //  rw
  CMD: 0x10, //           wo  LinkCmd; completion raises interrupt 0
  STATUS: 0x14, //        ro  0 = ok, else a wire Status code (message in the mailbox)
  RESULT_BYTES: 0x18, //  ro  bytes of the last command's result in the mailbox window
  CYCLE_LO: 0x1c, //      ro  board cycle after the last ADVANCE
  CYCLE_HI: 0x20, //      ro
  EVENTS: 0x24, //        ro  events in the result (ADVANCE)
  IRQ_COUNT: 0x28, //     ro  completions raised since power-on
} as const;

export const LinkCmd = { ADVANCE: 1, RESET: 2, INFO: 3 } as const;

export const LINK_MAGIC = 0x4c505443; // 'CTPL'

/** DMA address of the mailbox window (outside DRAM and the flash staging window). */
export const MAILBOX_BASE = 0x7000_0000;
export const MAILBOX_BYTES = 1 << 20;
