// A/B firmware update over any Device (docs/flashing.md):
//   check image → sync + info → write the inactive slot block by block (skipping blocks
//   that already hold the right bytes, so a rerun after an interruption resumes) → hash
//   the whole slot → boot ROM verify → select as test → reboot → hello → confirm.
// Nothing here touches the running slot or the boot state until the new image has been
// verified on the board, so an interruption at any point leaves the old firmware booting.
// Nothing is erased until the host knows the board would boot the image (its signer is a
// key the board reports trusting in hello), so a refused image never costs the fallback;
// an image already running and confirmed is reported as such and not written again.
import { createHash, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { Device, HelloInfo } from '../../drivers/device.ts';
import { DisconnectedError, FlashError, ProtocolError, TimeoutError } from '../../boards/errors.ts';
import { decodeBoardId, encodeFwVersion } from '../../boards/registers.ts';
import { describeBootCode } from '../image/format.ts';
import { parseImage, type ParsedImage } from '../image/parse.ts';
import { checkBoard, checkHash, checkSignedForKeyIds, verifyImage } from '../image/sign.ts';
import { FlashClient } from './client.ts';
import { ENCODING, FLASH_STATUS, NO_SLOT, SLOT_LETTER, type FlashInfo, type SlotIndex } from './protocol.ts';
import {
  blockBytesFor,
  DEFAULT_TIMEOUTS,
  StepTimeoutError,
  withTimeout,
  type FlashTimeouts,
  type StepSize,
} from './timeouts.ts';

export type FlashPhase = 'connect' | 'write' | 'verify' | 'reboot' | 'confirm';

export interface FlashProgress {
  readonly phase: FlashPhase;
  /** Image bytes written or found already in place so far (write phase). */
  readonly doneBytes: number;
  readonly totalBytes: number;
}

export interface FlashOptions {
  /** Confirm after a healthy hello (default true); false leaves the new slot on trial. */
  readonly confirm?: boolean;
  readonly onProgress?: (p: FlashProgress) => void;
  /** Write unit, a multiple of the sector size; default from the link's rate (blockBytesFor:
   *  ~3 s of line time, 32 KiB at 115 200 baud, 256 KiB at 921 600 baud and on unpaced links).
   *  Each block is one resume check, one erase and one program: larger blocks spend fewer
   *  round trips (measured at 921600 baud: 32 KiB blocks reach 0.85 of line rate, 256 KiB
   *  blocks 0.95), smaller ones resume finer and fit a slow line's step timeouts. */
  readonly blockBytes?: number;
  /** 'auto' deflates a block when that saves at least 5% of its bytes. */
  readonly compress?: 'auto' | 'never';
  /** Retries of one step after a TimeoutError or ProtocolError from the transport. */
  readonly retries?: number;
  readonly timeouts?: Partial<FlashTimeouts>;
  /** When given, the image must verify against one of these keys before anything is sent. */
  readonly trustedKeys?: readonly KeyObject[];
}

export interface FlashReport {
  readonly slot: 'A' | 'B';
  readonly imageBytes: number;
  /** Bytes sent into the staging window (after compression). */
  readonly stagedBytes: number;
  readonly blocks: number;
  readonly skippedBlocks: number;
  readonly compressedBlocks: number;
  readonly confirmed: boolean;
  /** The board already ran this image, confirmed: nothing was written. */
  readonly alreadyInstalled: boolean;
  readonly hello: HelloInfo;
}

const DEFAULT_RETRIES = 3;
const COMPRESS_MIN_SAVING = 0.05;

export async function flashImage(
  device: Device,
  image: Uint8Array,
  opts: FlashOptions = {},
): Promise<FlashReport> {
  const parsed = parseImage(image);
  checkHash(parsed);
  if (opts.trustedKeys !== undefined) verifyImage(parsed, opts.trustedKeys);
  const timeouts: FlashTimeouts = {
    ...DEFAULT_TIMEOUTS,
    linkBytesPerSecond: device.linkBytesPerSecond,
    ...opts.timeouts,
  };
  const client = new FlashClient(device);
  const progress = (phase: FlashPhase, doneBytes: number) =>
    opts.onProgress?.({ phase, doneBytes, totalBytes: image.length });
  const step: Step = (what, size, fn) =>
    retrying(what, opts.retries ?? DEFAULT_RETRIES, () => withTimeout(fn(), timeouts, size, what));
  const hashSize = (bytes: number): StepSize => ({ boardBytes: bytes });

  progress('connect', 0);
  const info = await step('sync', {}, () => client.sync());
  checkBoard(parsed, decodeBoardId(await step('board id', {}, () => device.readRegister('BOARD_ID'))));
  const before = await step('hello', {}, () => device.hello());
  checkSignedForKeyIds(parsed, before.trustedKeyIds);
  if (info.trial === 1) {
    // Resume after an interruption between reboot and confirm: the trial slot already runs this image.
    const running =
      info.bootedSlot === 0 ? info.slotABase : info.bootedSlot === 1 ? info.slotBBase : undefined;
    if (
      running !== undefined &&
      image.length <= (info.bootedSlot === 0 ? info.slotABytes : info.slotBBytes)
    ) {
      const onBoard = await step('hash', hashSize(image.length), () => client.hash(running, image.length));
      if (Buffer.from(onBoard).equals(sha256(image)))
        return finishTrial(device, client, parsed, info.bootedSlot as SlotIndex, image.length, opts, step);
    }
    throw new FlashError(
      `board is running slot ${letter(info.bootedSlot)} on trial; run cotenant confirm to keep it or cotenant rollback to drop it, then flash again`,
    );
  }
  if (info.bootedSlot === 0 || info.bootedSlot === 1) {
    // A rerun after the update finished: the running, confirmed slot already holds the image.
    // Writing it again would overwrite the fallback in the other slot with the same image.
    const running = info.bootedSlot === 0 ? info.slotABase : info.slotBBase;
    const runningBytes = info.bootedSlot === 0 ? info.slotABytes : info.slotBBytes;
    if (image.length <= runningBytes) {
      const onBoard = await step('hash', hashSize(image.length), () => client.hash(running, image.length));
      if (Buffer.from(onBoard).equals(sha256(image)))
        return {
          slot: SLOT_LETTER[info.bootedSlot],
          imageBytes: image.length,
          stagedBytes: 0,
          blocks: 0,
          skippedBlocks: 0,
          compressedBlocks: 0,
          confirmed: true,
          alreadyInstalled: true,
          hello: before,
        };
    }
  }
  const target: SlotIndex = info.bootedSlot === 0 ? 1 : 0;
  const base = target === 0 ? info.slotABase : info.slotBBase;
  const slotBytes = target === 0 ? info.slotABytes : info.slotBBytes;
  if (image.length > slotBytes)
    throw new FlashError(
      `image is ${image.length} bytes; slot ${SLOT_LETTER[target]} holds ${slotBytes}. Build a smaller image.`,
    );
  const blockBytes =
    opts.blockBytes ??
    Math.min(blockBytesFor(timeouts.linkBytesPerSecond, info.sectorBytes), info.stagingBytes);
  if (blockBytes % info.sectorBytes !== 0 || blockBytes <= 0 || blockBytes > info.stagingBytes) {
    throw new FlashError(
      `block size ${blockBytes} must be a positive multiple of the ${info.sectorBytes}-byte sector and at most the ${info.stagingBytes}-byte staging window`,
    );
  }

  let staged = 0;
  let skipped = 0;
  let compressed = 0;
  const blocks = Math.ceil(image.length / blockBytes);
  const whole = await step('hash', hashSize(image.length), () => client.hash(base, image.length));
  const alreadyThere = Buffer.from(whole).equals(sha256(image));
  for (let i = 0; i < blocks; i++) {
    const off = i * blockBytes;
    const data = image.subarray(off, Math.min(off + blockBytes, image.length));
    progress('write', off);
    if (
      alreadyThere ||
      Buffer.from(
        await step('hash', hashSize(data.length), () => client.hash(base + off, data.length)),
      ).equals(sha256(data))
    ) {
      skipped++;
      continue;
    }
    const eraseLen = Math.ceil(data.length / info.sectorBytes) * info.sectorBytes;
    await step('erase', { boardBytes: eraseLen }, () => client.erase(base + off, eraseLen));
    const packed = encode(data, opts.compress ?? 'auto', (info.encodings & (1 << ENCODING.ZLIB)) !== 0);
    if (packed.encoding === ENCODING.ZLIB) compressed++;
    staged += packed.bytes.length;
    const perStagedByte = data.length / packed.bytes.length;
    await step('write', { linkBytes: packed.bytes.length, boardBytes: data.length }, () =>
      client.program(base + off, data.length, packed.bytes, packed.encoding, (staged) =>
        progress('write', off + Math.floor(staged * perStagedByte)),
      ),
    );
  }
  progress('write', image.length);

  progress('verify', image.length);
  const onBoard = await step('hash', hashSize(image.length), () => client.hash(base, image.length));
  if (!Buffer.from(onBoard).equals(sha256(image)))
    throw new FlashError(
      `slot ${SLOT_LETTER[target]} does not read back as the image (SHA-256 differs); flash again`,
    );
  const code = await step('verify', hashSize(image.length), () => client.verifySlot(target));
  if (code !== 0)
    throw new FlashError(
      `the board's boot ROM refuses the written image: ${describeBootCode(code)}. The running firmware is untouched.`,
    );

  await step('select', {}, () => client.selectTest(target));
  progress('reboot', image.length);
  // Not retried: a second reset would end the trial (the boot ROM reverts an attempted trial).
  await withTimeout(device.reset(), timeouts, {}, 'reboot');
  const done = await finishTrial(device, client, parsed, target, image.length, opts, step);
  return { ...done, stagedBytes: staged, blocks, skippedBlocks: skipped, compressedBlocks: compressed };
}

/** After the reboot into the test slot: check it runs the image, then confirm unless told not to. */
async function finishTrial(
  device: Device,
  client: FlashClient,
  parsed: ParsedImage,
  target: SlotIndex,
  imageBytes: number,
  opts: FlashOptions,
  step: Step,
): Promise<FlashReport> {
  const hello = await checkTrial(device, client, parsed, target, step);
  const base = {
    slot: SLOT_LETTER[target],
    imageBytes,
    stagedBytes: 0,
    blocks: 0,
    skippedBlocks: 0,
    compressedBlocks: 0,
    alreadyInstalled: false,
  };
  if (opts.confirm === false) return { ...base, confirmed: false, hello };
  opts.onProgress?.({ phase: 'confirm', doneBytes: imageBytes, totalBytes: imageBytes });
  await step('confirm', {}, () => confirmOnce(client, target));
  return { ...base, confirmed: true, hello: await step('hello', {}, () => device.hello()) };
}

type Step = <T>(what: string, size: StepSize, fn: () => Promise<T>) => Promise<T>;

/** Checks the board came up running the test slot on trial, with the image's version. */
async function checkTrial(
  device: Device,
  client: FlashClient,
  parsed: ParsedImage,
  target: SlotIndex,
  step: Step,
): Promise<HelloInfo> {
  const hello = await step('hello', {}, () => device.hello());
  const info = await step('flash info', {}, () => client.info());
  if (info.bootedSlot !== target || info.trial !== 1) {
    const code = target === 0 ? info.slotACode : info.slotBCode;
    throw new FlashError(
      `after reboot the board runs ${slotName(info.bootedSlot)}, not the new slot ${SLOT_LETTER[target]} (${describeBootCode(code)}); the old firmware stays active`,
    );
  }
  const v = parsed.header.version;
  const fw = await step('version', {}, () => device.readRegister('FW_VERSION'));
  if (fw !== encodeFwVersion(v)) {
    throw new FlashError(
      `new firmware reports version 0x${fw.toString(16)}, image says ${v.major}.${v.minor}.${v.patch}; not confirming (the next reboot reverts)`,
    );
  }
  return hello;
}

/** CONFIRM, idempotent: a retry after a lost reply finds the slot already confirmed. */
async function confirmOnce(client: FlashClient, target: SlotIndex): Promise<void> {
  try {
    await client.confirm();
  } catch (err) {
    const info = await client.info();
    if (info.bootedSlot === target && info.trial === 0 && info.confirmedSlot === target) return;
    throw err;
  }
}

export interface BootChange {
  /** Slot running after the operation. */
  readonly slot: 'A' | 'B';
  readonly trial: boolean;
  readonly hello: HelloInfo;
}

/** Makes the slot on trial permanent. Throws FlashError when nothing is on trial. */
export async function confirmBoot(device: Device): Promise<BootChange> {
  const client = new FlashClient(device);
  const info = await client.sync();
  if (info.trial !== 1)
    throw new FlashError(
      `nothing to confirm: slot ${letter(info.bootedSlot)} is running and already confirmed`,
    );
  await client.confirm();
  const after = await client.info();
  return { slot: letter(after.bootedSlot), trial: after.trial === 1, hello: await device.hello() };
}

/**
 * Drops a trial (or, with no trial, switches back to the other slot if it holds a valid
 * image) and reboots into the result.
 */
export async function rollbackBoot(device: Device): Promise<BootChange> {
  const client = new FlashClient(device);
  await client.sync();
  try {
    await client.rollback();
  } catch (err) {
    if (err instanceof FlashError && err.status === FLASH_STATUS.IMAGE_INVALID) {
      throw new FlashError(
        `cannot roll back: the other slot holds no bootable image (${describeBootCode(err.result ?? 0)})`,
        { cause: err, status: err.status, ...(err.result === undefined ? {} : { result: err.result }) },
      );
    }
    throw err;
  }
  await device.reset();
  const after = await client.info();
  return { slot: letter(after.bootedSlot), trial: after.trial === 1, hello: await device.hello() };
}

function encode(
  data: Uint8Array,
  mode: 'auto' | 'never',
  zlibOk: boolean,
): { encoding: number; bytes: Uint8Array } {
  if (mode === 'auto' && zlibOk) {
    const z = deflateSync(data);
    if (z.length <= data.length * (1 - COMPRESS_MIN_SAVING)) return { encoding: ENCODING.ZLIB, bytes: z };
  }
  return { encoding: ENCODING.RAW, bytes: data };
}

async function retrying<T>(what: string, retries: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const transient =
        err instanceof ProtocolError || (err instanceof TimeoutError && !(err instanceof StepTimeoutError));
      if (!transient || attempt >= retries) {
        if (err instanceof DisconnectedError || err instanceof TimeoutError) {
          throw new FlashError(
            `${what} failed: ${err.message}. The board still boots a verified image; run the same flash command again to resume where it stopped.`,
            { cause: err },
          );
        }
        throw err;
      }
    }
  }
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function slotName(slot: number): string {
  return slot === NO_SLOT ? 'no slot (bootloader)' : `slot ${SLOT_LETTER[slot === 1 ? 1 : 0]}`;
}

function letter(slot: number): 'A' | 'B' {
  if (slot === NO_SLOT)
    throw new FlashError(
      'the board has no bootable firmware (it waits in its bootloader); flash an image to recover it',
    );
  return SLOT_LETTER[slot === 1 ? 1 : 0];
}

export type { FlashInfo };
