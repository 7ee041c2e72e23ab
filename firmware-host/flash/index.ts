// Flashing over any Device: the register-level client and the A/B update built on it.
export { FlashClient } from './client.ts';
export {
  flashImage,
  confirmBoot,
  rollbackBoot,
  type FlashOptions,
  type FlashProgress,
  type FlashPhase,
  type FlashReport,
  type BootChange,
} from './update.ts';
export { DEFAULT_TIMEOUTS, stepTimeoutMs, type FlashTimeouts } from './timeouts.ts';
export * as flashProtocol from './protocol.ts';
