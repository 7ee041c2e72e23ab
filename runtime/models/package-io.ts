// A model package on disk: <dir>/model.json + <dir>/params.bin (docs/import.md). Written
// atomically (temporary file, then rename), read back with validation: the layer table with
// the zoo schema, the rest with zod, and every byte range checked against params.bin.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelError } from '../../boards/errors.ts';
import { layerBiasCount, layerWeightBytes } from './metrics.ts';
import type { LayerParams, ModelPackage } from './package.ts';
import { parseModel } from './schema.ts';

export const PACKAGE_JSON = 'model.json';
export const PACKAGE_PARAMS = 'params.bin';

const int8 = z.number().int().min(-128).max(127);
const tensor = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().positive()).min(2).max(4),
    scale: z.number().positive(),
    zeroPoint: z.number().int().min(-128).max(255),
    dtype: z.enum(['int8', 'uint8']),
  })
  .strict();
const range = z
  .object({ offset: z.number().int().nonnegative(), count: z.number().int().nonnegative() })
  .strict();
const fileSchema = z
  .object({
    format: z.literal('cotenant-model'),
    version: z.literal(1),
    table: z.unknown(),
    input: tensor,
    output: tensor,
    layers: z.array(
      z
        .object({
          name: z.string(),
          quant: z
            .object({
              zA: int8,
              zB: int8,
              zC: int8,
              lo: int8,
              hi: int8,
              scales: z.array(z.number().positive()),
              perChannel: z.boolean(),
            })
            .strict()
            .nullable(),
          weights: range.nullable(),
          bias: range.nullable(),
        })
        .strict(),
    ),
  })
  .strict();

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function writeModelPackage(dir: string, pkg: ModelPackage): Promise<void> {
  await mkdir(dir, { recursive: true });
  const chunks: Uint8Array[] = [];
  let at = 0;
  const put = (bytes: Uint8Array): number => {
    const off = at;
    chunks.push(bytes);
    at += bytes.length;
    return off;
  };
  const layers = pkg.table.layers.map((l, i) => {
    const p = pkg.params[i] ?? null;
    const q = pkg.quant.get(l.name) ?? null;
    return {
      name: l.name,
      quant: q && { ...q, scales: [...q.scales] },
      weights: p && {
        offset: put(new Uint8Array(p.weights.buffer, p.weights.byteOffset, p.weights.length)),
        count: p.weights.length,
      },
      bias: p && {
        offset: put(new Uint8Array(Int32Array.from(p.bias).buffer)),
        count: p.bias.length,
      },
    };
  });
  const params = new Uint8Array(at);
  let o = 0;
  for (const c of chunks) {
    params.set(c, o);
    o += c.length;
  }
  const json = {
    format: 'cotenant-model',
    version: 1,
    table: pkg.table,
    input: pkg.input,
    output: pkg.output,
    layers,
  };
  await writeAtomic(join(dir, PACKAGE_PARAMS), params);
  await writeAtomic(join(dir, PACKAGE_JSON), JSON.stringify(json, null, 1) + '\n');
}

export async function readModelPackage(dir: string): Promise<ModelPackage> {
  let text: string;
  let params: Uint8Array;
  try {
    text = await readFile(join(dir, PACKAGE_JSON), 'utf8');
    params = await readFile(join(dir, PACKAGE_PARAMS));
  } catch (e) {
    throw new ModelError(
      `${dir} is not a model package (${(e as Error).message}); create one with cotenant import model.onnx -o ${dir}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${dir}/${PACKAGE_JSON}: not JSON (${(e as Error).message})`);
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ModelError(
      `${dir}/${PACKAGE_JSON}: field ${issue.path.map(String).join('.')}: ${issue.message}`,
    );
  }
  const f = r.data;
  const table = parseModel(f.table, `${dir}/${PACKAGE_JSON}`);
  if (f.layers.length !== table.layers.length || f.layers.some((l, i) => l.name !== table.layers[i]!.name))
    throw new ModelError(`${dir}/${PACKAGE_JSON}: "layers" must list the table's layers in order`);
  const slice = (what: string, off: number, bytes: number): Uint8Array => {
    if (off + bytes > params.length)
      throw new ModelError(
        `${dir}/${PACKAGE_PARAMS}: ${what} [${off}, +${bytes}) is past its end (${params.length} bytes)`,
      );
    return Uint8Array.from(params.subarray(off, off + bytes)); // a copy with its own buffer
  };
  const out: (LayerParams | null)[] = f.layers.map((l, i) => {
    const layer = table.layers[i]!;
    const wantW = layerWeightBytes(layer);
    if (wantW === 0) return null;
    if (!l.weights || !l.bias || l.weights.count !== wantW || l.bias.count !== layerBiasCount(layer))
      throw new ModelError(
        `${dir}/${PACKAGE_JSON}: layer ${l.name} needs ${wantW} weights and ${layerBiasCount(layer)} biases`,
      );
    const w = slice(`weights of ${l.name}`, l.weights.offset, l.weights.count);
    const b = slice(`biases of ${l.name}`, l.bias.offset, 4 * l.bias.count);
    return { weights: new Int8Array(w.buffer), bias: new Int32Array(b.buffer) };
  });
  return {
    table,
    quant: new Map(f.layers.flatMap((l) => (l.quant ? [[l.name, l.quant] as const] : []))),
    params: out,
    input: f.input,
    output: f.output,
  };
}
