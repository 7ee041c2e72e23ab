// What a board is, as data. Every number the emulator, compiler, scheduler and drivers use
// about the hardware comes from one of these constants; nothing is tuned elsewhere.

export type BoardId = 'emu' | 'moca-8t' | 'fpga-serial' | 'fpga-pcie';

export interface MemoryRegion {
  /** Byte address on the board's DRAM bus. All addresses stay below 2^31 so 32-bit
   *  registers hold them and JS bit operations never see a sign bit. */
  readonly base: number;
  readonly bytes: number;
}

export interface FlashLayout {
  readonly bytes: number;
  /** Erase unit. Erased bytes read 0xFF; programming can only clear bits. */
  readonly sectorBytes: number;
  /** Largest program unit (one write command). */
  readonly pageBytes: number;
  readonly slotA: MemoryRegion;
  readonly slotB: MemoryRegion;
  /** Boot-state record (active slot, test/confirmed flag), kept in two sectors so an
   *  update of one never leaves both invalid. */
  readonly bootState: MemoryRegion;
}

export interface BoardDefinition {
  readonly id: BoardId;
  readonly name: string;
  readonly description: string;
  /** Four ASCII characters reported by the BOARD_ID register. */
  readonly boardIdCode: string;
  readonly clockHz: number;
  readonly tiles: number;
  /** Systolic array is DIM×DIM int8 processing elements, weight-stationary. */
  readonly dim: number;
  readonly scratchpadBytes: number;
  readonly scratchpadBanks: number;
  readonly accumulatorBytes: number;
  readonly accumulatorBanks: number;
  readonly l2Bytes: number;
  readonly l2Banks: number;
  /** Bytes per cycle one L2 bank can return. */
  readonly l2BankBytesPerCycle: number;
  /** Peak DRAM bandwidth of all channels together, bytes per cycle. */
  readonly dramBytesPerCycle: number;
  readonly dramChannels: number;
  /** Banks per DRAM channel (a DDR3 device has 8). */
  readonly dramBanksPerChannel: number;
  /** Load-to-use latency of a DRAM access with the controller's queues empty and the row
   *  open (a lone sequential stream), cycles. Queueing and row conflicts add to it. */
  readonly dramLatencyCycles: number;
  /** Extra latency of a row conflict: precharge + activate (DDR3 tRP + tRCD), cycles. */
  readonly dramRowMissCycles: number;
  /** DDR3 refresh: every `dramRefreshIntervalCycles` (tREFI) a rank is refreshed and serves
   *  nothing for `dramRefreshCycles` (tRFC), cycles. 0 refresh cycles: no refresh modelled. */
  readonly dramRefreshIntervalCycles: number;
  readonly dramRefreshCycles: number;
  readonly l2HitLatencyCycles: number;
  /** Width of a tile's DMA port, bytes per cycle. */
  readonly tileBusBytesPerCycle: number;
  /** Read requests a tile's DMA can have outstanding, and their maximum size. */
  readonly dmaMaxInflight: number;
  readonly dmaRequestBytes: number;
  readonly throttleEngine: boolean;
  readonly dram: MemoryRegion;
  /** Host-visible staging buffer the flash controller programs from. */
  readonly flashStaging: MemoryRegion;
  readonly flash: FlashLayout;
  readonly defaultBaud: number;
}
