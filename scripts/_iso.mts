import { openDevice } from '../runtime/cli/open-device.ts';
import { zooCompiler } from '../runtime/executor/compile-adapter.ts';
import { measureSteps } from '../runtime/executor/probe.ts';
import { prepareVariant, RegionAllocator, uploadPrograms } from '../runtime/executor/workload.ts';
import { PROBE_RESERVED_BYTES } from '../runtime/executor/probe.ts';
const models = process.argv.slice(2);
const device = await openDevice('moca-8t');
const compile = zooCompiler(device.board);
for (const m of models) {
  const row: string[] = [];
  for (const tiles of [1,2,3,4,5,6,8]) {
    for (const g of [{kind:'layer' as const}]) {
      const regions = new RegionAllocator(device.board, PROBE_RESERVED_BYTES);
      const t0 = Date.now();
      let v;
      try { v = prepareVariant(compile, m, { tiles, granule: g }, regions, m); } catch (e) { row.push(`${tiles}:ERR ${(e as Error).message.slice(0,60)}`); continue; }
      await uploadPrograms(device, v);
      const c = await measureSteps(device, v, Array.from({length:tiles},(_,i)=>i), []);
      const tot = c.reduce((a,b)=>a+b,0);
      const est = v.compiled.steps.reduce((a,s)=>a+s.estCycles,0);
      const rd = v.compiled.steps.reduce((a,s)=>a+s.readBytes+s.writeBytes,0);
      row.push(`${tiles}:${(tot/1e6).toFixed(2)}M est ${(est/1e6).toFixed(2)} B/c ${(rd/tot).toFixed(1)} ${Date.now()-t0}ms`);
    }
  }
  console.log(m, row.join(' | '));
}
await device.close();
