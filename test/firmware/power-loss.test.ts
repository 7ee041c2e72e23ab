// Power loss at every flash operation of an update — before each erase and page program
// (which includes every block boundary) and in the middle of each of them — must leave a
// board that boots a valid signed image, and a rerun of the same command must finish the
// job. All cases are run, not a sample.
import test, { type ExecutionContext } from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { DisconnectedError, FlashError } from '../../boards/errors.ts';
import {
  createFlashPeripheral,
  factoryFlash,
  type EmulatedFlash,
  type PowerCut,
} from '../../boards/emulator/flash/index.ts';
import { encodeRecord } from '../../boards/emulator/flash/boot-state.ts';
import { confirmBoot, FlashClient, flashImage, rollbackBoot } from '../../firmware-host/flash/index.ts';
import { devPrivateKey, parseImage, verifyImage } from '../../firmware-host/image/index.ts';
import { FlashOnlyDevice } from './helpers/flash-device.ts';
import { makeImage } from './helpers/images.ts';

const BLOCK = 4 * 1024;
const image = makeImage({
  version: { major: 2, minor: 0, patch: 0, build: 1 },
  manifest: { tiles: 2, throttle: true, functional: true },
  bodyBytes: 14_000,
});
const dev = devPrivateKey();
/** Flash operations the write phase needs by the spec: per block one sector erase and one program per 256-byte page. */
const blocks = Math.ceil(image.length / BLOCK);
const lastBlock = image.length - (blocks - 1) * BLOCK;
const WRITE_OPS = blocks + (blocks - 1) * (BLOCK / 256) + Math.ceil(lastBlock / 256);

type Scenario = (d: FlashOnlyDevice) => Promise<unknown>;

/** Runs `scenario` on a board made from `start`, cutting power at `cut`; returns the board afterwards. */
async function runWithCut(
  start: Uint8Array,
  scenario: Scenario,
  cut: PowerCut | undefined,
): Promise<{ flash: EmulatedFlash; completed: boolean; firstOp: number }> {
  const flash = createFlashPeripheral(EMU, { flash: start, seed: cut === undefined ? 1 : cut.atOp + 1 });
  const device = new FlashOnlyDevice(EMU, flash); // power-on boot (may itself write boot state)
  const firstOp = flash.nor.ops.length;
  flash.armPowerCut(cut);
  try {
    await scenario(device);
    return { flash, completed: true, firstOp };
  } catch (err) {
    if (!(err instanceof FlashError || err instanceof DisconnectedError)) throw err;
    return { flash, completed: false, firstOp };
  }
}

/** After power returns: boots, and the booted slot holds an image the host verifies too. */
function assertBootsSigned(t: ExecutionContext, flash: EmulatedFlash, label: string): string {
  const r = flash.boot();
  if (r.status !== 0 || r.manifest === undefined) {
    t.fail(`${label}: board does not boot (status ${r.status})`);
    return 'none';
  }
  const slot = r.slot === 'A' ? EMU.flash.slotA : EMU.flash.slotB;
  const bytes = flash.flashBytes().subarray(slot.base, slot.base + slot.bytes);
  const parsed = parseImage(bytes.subarray(0, imageLength(bytes)));
  verifyImage(parsed, [dev], 'CEMU');
  return `${r.manifest.version.major}.${r.manifest.version.minor}.${r.manifest.version.patch}`;
}

function imageLength(slot: Uint8Array): number {
  const dv = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  const trailerAt = 64 + dv.getUint32(8, true);
  return trailerAt + dv.getUint32(trailerAt + 4, true);
}

async function everyCut(
  t: ExecutionContext,
  start: Uint8Array,
  scenario: Scenario,
  finish: Scenario,
  expectFinal: string,
): Promise<{ cases: number; versions: Set<string> }> {
  const clean = await runWithCut(start, scenario, undefined);
  t.true(clean.completed, 'scenario completes without a cut');
  const ops = clean.flash.nor.ops.length;
  t.true(ops > clean.firstOp);
  const versions = new Set<string>();
  let cases = 0;
  for (let atOp = clean.firstOp; atOp < ops; atOp++) {
    for (const phase of ['before', 'mid'] as const) {
      const label = `cut ${phase} op ${atOp} (${clean.flash.nor.ops[atOp]!.kind} at 0x${clean.flash.nor.ops[atOp]!.offset.toString(16)})`;
      const { flash, completed } = await runWithCut(start, scenario, { atOp, phase });
      t.false(completed, `${label}: the cut should interrupt the scenario`);
      versions.add(assertBootsSigned(t, flash, label));
      // power is back: running the finishing command completes the job
      const device = new FlashOnlyDevice(EMU, flash);
      await finish(device);
      t.is(assertBootsSigned(t, flash, `${label}, after rerun`), expectFinal, label);
      cases++;
    }
  }
  return { cases, versions };
}

const update: Scenario = (d) => flashImage(d, image, { blockBytes: BLOCK });

test('power cut at every erase/program of a confirmed update: always boots a signed image, rerun completes', async (t) => {
  const { cases, versions } = await everyCut(t, factoryFlash(EMU), update, update, '2.0.0');
  // write ops + boot-state records: select test, boot ROM marks the trial attempted, confirm
  t.true(blocks >= 4);
  t.is(cases, 2 * (WRITE_OPS + 3));
  t.deepEqual([...versions].sort(), ['1.0.0', '2.0.0']);
});

test('power cut during --no-confirm, reboot-revert, confirm and rollback steps', async (t) => {
  const trialThenRevert: Scenario = async (d) => {
    await flashImage(d, image, { blockBytes: BLOCK, confirm: false });
    await d.reset();
  };
  const r1 = await everyCut(t, factoryFlash(EMU), trialThenRevert, update, '2.0.0');
  t.is(r1.cases, 2 * (WRITE_OPS + 3)); // select, attempted, revert

  // A board whose boot state says "test slot B at next boot" (B holds 2.0.0): its power-on
  // boot runs B on trial, then the scenario confirms or rolls back.
  const pending = await runWithCut(
    factoryFlash(EMU),
    async (d) => {
      await flashImage(d, image, { blockBytes: BLOCK, confirm: false });
      await d.reset(); // unconfirmed: reverts to A
      await new FlashClient(d).selectTest(1);
    },
    undefined,
  );
  t.true(pending.completed);
  const trialFlash = pending.flash.flashBytes();
  const r2 = await everyCut(
    t,
    trialFlash,
    (d) => confirmBoot(d),
    async (d) => {
      if ((await d.hello()).trial) await confirmBoot(d);
      else await update(d);
    },
    '2.0.0',
  );
  t.is(r2.cases, 2); // one boot-state record
  const r3 = await everyCut(
    t,
    trialFlash,
    (d) => rollbackBoot(d),
    async (d) => {
      if ((await d.hello()).trial) await rollbackBoot(d);
    },
    '1.0.0',
  );
  t.is(r3.cases, 2); // the rollback record (the boot after it has nothing to record)
});

test('power cut while the boot-state log rotates to its other sector', async (t) => {
  // Fill the first boot-state sector with records (state: A confirmed) so the next writes rotate.
  const start = factoryFlash(EMU);
  const perSector = EMU.flash.sectorBytes / 32;
  for (let i = 0; i < perSector; i++)
    start.set(
      encodeRecord({ confirmed: 0, trialSlot: undefined, trialState: 0 }, i + 1),
      EMU.flash.bootState.base + 32 * i,
    );
  const { cases } = await everyCut(t, start, update, update, '2.0.0');
  t.is(cases, 2 * (WRITE_OPS + 4)); // the select-test record needs an erase of the other sector first
});
