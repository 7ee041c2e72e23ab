// One error hierarchy for the whole project. It lives at the bottom layer (boards/) so the
// emulator, drivers, firmware host and runtime can all throw and catch the same types.
// Every error carries a stable `code` (for scripts and exit codes) and a message that
// says what is wrong and what to do about it.

export type ErrorCode =
  | 'CONFIG'
  | 'ISA'
  | 'PROTOCOL'
  | 'TIMEOUT'
  | 'DISCONNECTED'
  | 'DEVICE_FAULT'
  | 'IMAGE'
  | 'FLASH'
  | 'ADMISSION'
  | 'MODEL'
  | 'COMPILE';

export class CotenantError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad user input: options, scenario files, board names. */
export class ConfigError extends CotenantError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options);
  }
}

/** A tile instruction word that does not decode, or an instruction that cannot be encoded. */
export class IsaError extends CotenantError {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super('ISA', message);
  }
}

/** A frame or reply that violates the wire protocol (bad CRC, unknown type, wrong length…). */
export class ProtocolError extends CotenantError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROTOCOL', message, options);
  }
}

/** The board did not answer in time (after retries). */
export class TimeoutError extends CotenantError {
  constructor(
    message: string,
    readonly timeoutMs?: number,
  ) {
    super('TIMEOUT', message);
  }
}

/** The link to the board is gone (port closed, cable pulled, worker exited). */
export class DisconnectedError extends CotenantError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DISCONNECTED', message, options);
  }
}

/** The board reported a fault (e.g. a DMA outside the tenant's region) or refused a command. */
export class DeviceFault extends CotenantError {
  constructor(
    message: string,
    readonly detail: { tile?: number; address?: number; faultCode?: number } = {},
    options?: { cause?: unknown },
  ) {
    super('DEVICE_FAULT', message, options);
  }
}

/** A firmware image that is malformed, unsigned, tampered or built for another board. */
export class ImageError extends CotenantError {
  constructor(
    message: string,
    readonly reason: string = 'malformed',
  ) {
    super('IMAGE', message);
  }
}

/** Flashing failed (erase/write/verify), with what to do next. */
export class FlashError extends CotenantError {
  /** The flash controller's FLASH_STATUS when the board refused a command (named in
   *  firmware-host/flash/protocol.ts FLASH_STATUS); undefined when the host gave up itself. */
  readonly status: number | undefined;
  /** FLASH_RESULT alongside that status (e.g. the boot code behind IMAGE_INVALID). */
  readonly result: number | undefined;
  constructor(message: string, options?: { cause?: unknown; status?: number; result?: number }) {
    super('FLASH', message, options);
    this.status = options?.status;
    this.result = options?.result;
  }
}

/** A scenario that admission control cannot guarantee. */
export class AdmissionError extends CotenantError {
  constructor(message: string) {
    super('ADMISSION', message);
  }
}

/** A model table that is malformed or names an unknown model. */
export class ModelError extends CotenantError {
  constructor(message: string) {
    super('MODEL', message);
  }
}

/** A layer the compiler cannot map onto the board. */
export class CompileError extends CotenantError {
  constructor(message: string) {
    super('COMPILE', message);
  }
}
