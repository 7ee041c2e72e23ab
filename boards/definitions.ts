// The board catalogue. Parameters for `emu` and `moca-8t` are those of the MoCA evaluation SoC
// (docs/emulator.md, "The boards"); latencies are DDR3 / L2 figures at 1 GHz (same place).
import type { BoardDefinition, BoardId, FlashLayout } from './types.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

const FLASH_4M: FlashLayout = {
  bytes: 4 * MiB,
  sectorBytes: 4 * KiB,
  pageBytes: 256,
  slotA: { base: 0x000000, bytes: 1536 * KiB },
  slotB: { base: 0x180000, bytes: 1536 * KiB },
  bootState: { base: 0x300000, bytes: 8 * KiB },
};

const COMMON = {
  clockHz: 1_000_000_000,
  dim: 16,
  accumulatorBytes: 64 * KiB,
  accumulatorBanks: 2,
  l2Bytes: 2 * MiB,
  l2Banks: 8,
  l2BankBytesPerCycle: 16,
  dramBytesPerCycle: 16,
  dramChannels: 2,
  dramBanksPerChannel: 8,
  dramLatencyCycles: 100,
  // DDR3-1600 (JEDEC speed bin 11-11-11): tRP = tRCD = 13.75 ns → 27.5 ns at 1 GHz
  dramRowMissCycles: 28,
  // DDR3 refresh (JEDEC JESD79-3: tREFI = 7.8 us below 85 C; tRFC = 160 ns for a 2 Gb device),
  // the values of FireSim's FASED DDR3 timing model at 1 GHz (docs/emulator.md, "DRAM under load")
  dramRefreshIntervalCycles: 7800,
  dramRefreshCycles: 160,
  l2HitLatencyCycles: 20,
  tileBusBytesPerCycle: 16,
  dmaMaxInflight: 16,
  dmaRequestBytes: 64,
  throttleEngine: true,
  dram: { base: 0x1000_0000, bytes: 1024 * MiB },
  flashStaging: { base: 0x0800_0000, bytes: 1 * MiB },
  flash: FLASH_4M,
} as const;

export const EMU: BoardDefinition = {
  ...COMMON,
  id: 'emu',
  name: 'cotenant emulated board',
  description: '4 tiles of 16x16 int8 WS arrays, 256 KiB scratchpad, 2 MiB L2, 16 B/cycle DRAM, 1 GHz',
  boardIdCode: 'CEMU',
  tiles: 4,
  scratchpadBytes: 256 * KiB,
  scratchpadBanks: 4,
  defaultBaud: 3_000_000,
};

export const MOCA_8T: BoardDefinition = {
  ...COMMON,
  id: 'moca-8t',
  name: 'MoCA 8-tile SoC',
  description:
    '8 Gemmini tiles (16x16 int8 WS, 128 KiB scratchpad), shared 2 MiB L2, DDR3 2ch ~16 B/cycle, 1 GHz',
  boardIdCode: 'MOC8',
  tiles: 8,
  scratchpadBytes: 128 * KiB,
  scratchpadBanks: 4,
  defaultBaud: 3_000_000,
};

/** FPGA devkit profiles: the emu board's parameters behind a real link. */
export const FPGA_SERIAL: BoardDefinition = {
  ...EMU,
  id: 'fpga-serial',
  name: 'FPGA devkit (serial)',
  description: 'emu parameters on an FPGA devkit reached over USB-serial at 3 Mbaud',
  boardIdCode: 'FPGS',
};
export const FPGA_PCIE: BoardDefinition = {
  ...EMU,
  id: 'fpga-pcie',
  name: 'FPGA devkit (PCIe XDMA)',
  description: 'emu parameters on an FPGA card reached over PCIe XDMA',
  boardIdCode: 'FPGP',
};

export const BOARDS: Readonly<Record<BoardId, BoardDefinition>> = {
  emu: EMU,
  'moca-8t': MOCA_8T,
  'fpga-serial': FPGA_SERIAL,
  'fpga-pcie': FPGA_PCIE,
};

export function boardIds(): BoardId[] {
  return Object.keys(BOARDS) as BoardId[];
}

export function findBoard(id: string): BoardDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(BOARDS, id) ? BOARDS[id as BoardId] : undefined;
}
