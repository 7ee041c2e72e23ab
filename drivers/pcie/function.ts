// What the PCIe device needs of a PCIe function, whatever reaches it: BAR register
// accesses, DMA both ways, and the completion interrupt. Types only.
// - mmio*: 32-bit, 4-byte aligned BAR offsets (the register map + the LINK block).
// - dma*: board bus addresses; an address the card refuses rejects with DeviceFault.
// - waitInterrupt(): resolves once a completion interrupt has been raised since the last
//   call; rejects with TimeoutError after timeoutMs.
// - Any call after the function is gone rejects with DisconnectedError.
export interface PcieFunction {
  readonly name: string;
  /** "pcie-xdma" or "pcie-shm", reported by hello(). */
  readonly transport: string;
  /** Largest single DMA transfer. */
  readonly maxDmaBytes: number;
  mmioRead(offset: number): Promise<number>;
  mmioWrite(offset: number, value: number): Promise<void>;
  /** Optional: register writes (not the LINK block) issued as one burst, in order. On a
   *  card they are posted writes microseconds apart; the shared-memory emulator takes them
   *  in one mailbox request, at one board time. */
  mmioWriteMany?(writes: readonly { readonly offset: number; readonly value: number }[]): Promise<void>;
  dmaRead(address: number, length: number): Promise<Uint8Array>;
  dmaWrite(address: number, data: Uint8Array): Promise<void>;
  waitInterrupt(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
