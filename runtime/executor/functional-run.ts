// Real tensors through a scenario run: tenants whose model is a package and that name an
// `inputs` folder get request k's input from file k mod n; every completed request's output
// is kept (ONNX layout and type). Other package tenants compute on a zero input.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import type { CompiledModel } from '../compiler/types.ts';
import { inputBytes, inputFromFile, outputTensor, packageImage, type OutputTensor } from '../infer.ts';
import type { ModelPackage } from '../models/package.ts';
import type { LoadedScenario } from '../scenario/resolve.ts';
import type { SessionData } from './session.ts';

export interface TenantOutput {
  /** Request number within the tenant (arrival order, from 0). */
  readonly seq: number;
  readonly input: string | undefined;
  readonly output: OutputTensor;
}

/** Session hooks for a scenario with inputs, or undefined when no tenant has any. */
export async function functionalRun(
  device: Device,
  loaded: LoadedScenario,
  packages: ReadonlyMap<string, ModelPackage>,
): Promise<{ data: SessionData; outputs: TenantOutput[][] } | undefined> {
  if (loaded.inputs.every((f) => f === undefined)) return undefined;
  const pkgs = loaded.models.map((m) => packages.get(m));
  const inputs: (Int8Array[] | undefined)[] = [];
  for (let i = 0; i < pkgs.length; i++) {
    const files = loaded.inputs[i];
    const pkg = pkgs[i];
    if (files === undefined || pkg === undefined) {
      inputs.push(undefined);
      continue;
    }
    const list: Int8Array[] = [];
    for (const f of files) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(f);
      } catch (e) {
        throw new ConfigError(
          `${loaded.source}: tenants[${i}].inputs: cannot read ${f}: ${(e as Error).message}`,
        );
      }
      list.push(inputFromFile(pkg, bytes, basename(f)));
    }
    inputs.push(list);
  }
  const outputs: TenantOutput[][] = pkgs.map(() => []);
  const seqOf = new Map<number, number>();
  const counters = pkgs.map(() => 0);
  const u8 = (a: Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.length);
  const data: SessionData = {
    async upload(tenant, v) {
      const pkg = pkgs[tenant];
      if (pkg === undefined) return;
      for (const { address, bytes } of packageImage(
        v.compiled as CompiledModel,
        pkg,
        new Int8Array(inputBytes(pkg)),
      ))
        await device.writeMemory(address, bytes);
    },
    async onJobStart(job, v) {
      const seq = counters[job.tenant]!++;
      seqOf.set(job.id, seq);
      const list = inputs[job.tenant];
      if (list === undefined) return;
      await device.writeMemory(
        (v.compiled as CompiledModel).layout.input.address,
        u8(list[seq % list.length]!),
      );
    },
    async onJobEnd(job, outcome, v) {
      const pkg = pkgs[job.tenant];
      const list = loaded.inputs[job.tenant];
      if (pkg === undefined || list === undefined || v === undefined) return;
      if (outcome !== 'completed' && outcome !== 'missed') return;
      const seq = seqOf.get(job.id)!;
      const { address, bytes } = (v.compiled as CompiledModel).layout.output;
      const raw = await device.readMemory(address, bytes);
      outputs[job.tenant]!.push({
        seq,
        input: list[seq % list.length],
        output: outputTensor(pkg, new Int8Array(raw.buffer, raw.byteOffset, raw.length)),
      });
    },
  };
  return { data, outputs };
}
