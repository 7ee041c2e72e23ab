// Lockstep determinism: the same host calls give byte-identical events and cycles over
// every transport (docs/protocol.md and docs/emulator.md: lockstep determinism).
import test from 'ava';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import type { Device } from '../../drivers/device.ts';
import { CI_BACKENDS } from './backends.ts';

async function transcript(d: Device): Promise<string> {
  await d.reset();
  const dram = d.board.dram.base;
  const out: unknown[] = [];
  for (const tile of [0, 1]) {
    const prog = encodeProgram([
      instr('CFG_LOAD', { stride: 16 }),
      ...Array.from({ length: 6 }, (_, k) => [
        instr('MVIN', { rows: 16, dram: dram + 0x8000 * (k + 1) + tile * 0x100, localRow: 16 * k, cols: 16 }),
        instr('GRANULE_END', { tag: tile * 100 + k }),
      ]).flat(),
      instr('END'),
    ]);
    await d.writeMemory(dram + 0x100_0000 + tile * 0x1000, prog);
    await d.writeRegister('CMD_ADDR', dram + 0x100_0000 + tile * 0x1000, tile);
    await d.writeRegister('CMD_LEN', prog.length, tile);
  }
  await d.writeRegister('DOORBELL', 1, 0);
  await d.writeRegister('DOORBELL', 1, 1);
  let cycle = (await d.advance(0)).cycle;
  for (let i = 0; i < 200 && out.filter((x) => (x as { kind?: string }).kind === 'done').length < 2; i++) {
    const r = await d.advance(cycle + 300);
    cycle = r.cycle;
    out.push({ cycle }, ...r.events);
  }
  out.push({
    busyTile0: await d.readRegister('PERF_BUSY_LO', 0),
    rdBeats1: await d.readRegister('PERF_RD_BEATS_LO', 1),
  });
  return JSON.stringify(out);
}

test('same host calls → identical events and cycles on every transport', async (t) => {
  const results: string[] = [];
  for (const b of CI_BACKENDS) {
    const { device, cleanup } = await b.open();
    try {
      results.push(await transcript(device));
    } finally {
      await cleanup();
    }
  }
  const reference = results[0]!;
  t.true(reference.includes('"kind":"done"'), 'the programs ran to completion');
  for (let i = 1; i < results.length; i++) t.is(results[i], reference, CI_BACKENDS[i]!.name);
});
