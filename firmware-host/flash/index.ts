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
export {
  DEFAULT_TIMEOUTS,
  StepTimeoutError,
  blockBytesFor,
  stepTimeoutMs,
  type FlashTimeouts,
  type StepSize,
} from './timeouts.ts';
export * as flashProtocol from './protocol.ts';
