// A tile fault while measuring step costs is a DeviceFault with the tile, address and
// fault code, naming the step it ran; not a bare Error the CLI would print as a crash.
import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { DeviceFault } from '../../boards/errors.ts';
import { FAULT_DMA_OUT_OF_REGION } from '../../boards/events.ts';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { measureSteps } from '../../runtime/executor/probe.ts';
import { variantInfo, type CompiledLike, type PreparedVariant } from '../../runtime/executor/workload.ts';

test('a faulting step while probing is a DeviceFault with tile, address, code and the step', async (t) => {
  const region = { base: EMU.dram.base, limit: EMU.dram.base + 0x10000 };
  const outside = region.limit + 0x100;
  const program = encodeProgram([
    instr('CFG_LOAD', { stride: 16 }),
    instr('MVIN', { rows: 1, dram: outside, localRow: 0, cols: 16 }),
    instr('END'),
  ]);
  const compiled: CompiledLike = {
    steps: [
      {
        index: 0,
        layers: { first: 0, last: 0 },
        programs: [{ tile: 0, address: region.base, bytes: program }],
        macs: 0,
        readBytes: 16,
        writeBytes: 0,
        estCycles: 100,
      },
    ],
    layout: { regionBase: region.base, regionBytes: 0x10000 },
  };
  const v: PreparedVariant = {
    label: 'probe-test t1/layer',
    info: variantInfo({ tiles: 1, granule: { kind: 'layer' } }, compiled),
    compiled,
    region,
  };
  const device = await openDevice('emu');
  try {
    await device.writeMemory(region.base, program);
    const err = await t.throwsAsync(measureSteps(device, v, [0]), { instanceOf: DeviceFault });
    t.deepEqual(err.detail, { tile: 0, address: outside, faultCode: FAULT_DMA_OUT_OF_REGION });
    t.regex(
      err.message,
      new RegExp(
        `^measuring probe-test t1/layer: tile 0 faulted: DMA outside the tile region \\(code 1\\) at address 0x${outside.toString(16)}, cycle \\d+, step 0 on tiles 0 \\(region 0x${region.base.toString(16)}\\.\\.0x${region.limit.toString(16)}\\)$`,
      ),
    );
  } finally {
    await device.close();
  }
});
