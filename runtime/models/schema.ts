// Validation of a model table (zoo file or user-supplied object). Structural checks with
// zod, then semantic checks (shapes agree with kernel/stride/padding, inputs name earlier
// layers, multi-input layers read one concat buffer). Every failure is a ModelError naming
// the model, the layer and the field.
import { z } from 'zod';
import { ModelError } from '../../boards/errors.ts';
import type { Layer, ModelTable } from './types.ts';

const pos = z.number().int().positive();
const nonneg = z.number().int().nonnegative();
const shape3 = z.tuple([pos, pos, pos]);
const concat = z.object({ buffer: z.string().min(1), offset: nonneg }).strict();
const base = { name: z.string().min(1), inputs: z.array(z.string().min(1)).min(1) };

const layerSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...base,
      kind: z.enum(['conv', 'dwconv']),
      in: shape3,
      out: shape3,
      kernel: pos,
      stride: pos,
      padding: nonneg,
      paddingEnd: z.tuple([nonneg, nonneg]).optional(),
      relu: z.boolean(),
      pool: z.object({ size: pos, stride: pos, padding: nonneg, h: pos, w: pos }).strict().optional(),
      concat: concat.optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('matmul'),
      I: pos,
      J: pos,
      K: pos,
      weights: z.enum(['A', 'B', 'none']),
      relu: z.boolean(),
      heads: pos.optional(),
      batched: z.enum(['qkt', 'pv']).optional(),
      concat: concat.optional(),
      split: z.object({ of: z.string(), colOffset: nonneg, fullJ: pos }).strict().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('pool'),
      in: shape3,
      out: shape3,
      kernel: pos,
      stride: pos,
      padding: nonneg,
      mode: z.enum(['max', 'avg']).optional(),
      countIncludePad: z.boolean().optional(),
    })
    .strict(),
  z.object({ ...base, kind: z.literal('add'), I: pos, J: pos, relu: z.boolean() }).strict(),
  z.object({ ...base, kind: z.literal('global_avgpool'), in: shape3 }).strict(),
  z.object({ ...base, kind: z.enum(['softmax', 'layernorm']), rows: pos, cols: pos }).strict(),
]);

const modelSchema = z
  .object({
    name: z.string().min(1),
    displayName: z.string().min(1),
    source: z.string(),
    input: z.object({ h: pos, w: pos, c: pos }).strict(),
    layers: z.array(z.unknown()).min(1),
  })
  .strict();

function where(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** Validates `raw` as a model table; `label` names it in messages (file or model name). */
export function parseModel(raw: unknown, label: string): ModelTable {
  const top = modelSchema.safeParse(raw);
  if (!top.success) {
    const issue = top.error.issues[0]!;
    throw new ModelError(`model ${label}: field ${where(issue.path)}: ${issue.message}`);
  }
  const name = top.data.name;
  const layers: Layer[] = top.data.layers.map((rawLayer, i) => {
    const r = layerSchema.safeParse(rawLayer);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const lname =
        typeof rawLayer === 'object' && rawLayer !== null && 'name' in rawLayer
          ? String((rawLayer as { name: unknown }).name)
          : `#${i}`;
      throw new ModelError(
        `model ${name}: layer ${lname} (index ${i}): field ${where(issue.path)}: ${issue.message}`,
      );
    }
    return r.data as Layer;
  });
  const model: ModelTable = { ...top.data, layers };
  checkSemantics(model);
  return model;
}

function convOut(inp: number, k: number, s: number, p: number, end = p): number {
  return Math.floor((inp + p + end - k) / s) + 1;
}

function poolOutOk(got: number, inp: number, k: number, s: number, p: number): boolean {
  const floor = Math.floor((inp + 2 * p - k) / s) + 1;
  return got === floor || got === floor + 1; // ceil mode gives at most one more
}

/** Name of the buffer a layer writes: its concat target, or its own name. */
export function outputBuffer(l: Layer): string {
  return (l.kind === 'conv' || l.kind === 'dwconv' || l.kind === 'matmul') && l.concat
    ? l.concat.buffer
    : l.name;
}

function checkSemantics(m: ModelTable): void {
  const seen = new Map<string, Layer>();
  const fail = (l: Layer, field: string, msg: string): never => {
    throw new ModelError(`model ${m.name}: layer ${l.name}: field ${field}: ${msg}`);
  };
  for (const l of m.layers) {
    if (seen.has(l.name) || l.name === 'input')
      fail(l, 'name', `duplicate or reserved layer name "${l.name}"`);
    for (const inp of l.inputs)
      if (inp !== 'input' && !seen.has(inp))
        fail(l, 'inputs', `"${inp}" is not an earlier layer (layers must be in execution order)`);
    if (l.kind === 'add') {
      if (l.inputs.length !== 2) fail(l, 'inputs', `an add needs exactly 2 inputs, got ${l.inputs.length}`);
    } else if (l.kind === 'matmul' && l.batched !== undefined) {
      if (l.inputs.length !== 2) fail(l, 'inputs', 'a batched (attention) matmul needs exactly 2 inputs');
      if (l.heads === undefined) fail(l, 'heads', 'a batched matmul needs a head count');
    } else if (l.inputs.length > 1) {
      const bufs = new Set(l.inputs.map((n) => (n === 'input' ? 'input' : outputBuffer(seen.get(n)!))));
      if (bufs.size !== 1)
        fail(
          l,
          'inputs',
          `inputs ${l.inputs.join(', ')} do not all write one concat buffer, so there is no single tensor to read`,
        );
    }
    if (l.kind === 'conv' || l.kind === 'dwconv') {
      for (const [ax, i] of [
        ['h', 0],
        ['w', 1],
      ] as const) {
        const end = l.paddingEnd?.[i] ?? l.padding;
        const want = convOut(l.in[i], l.kernel, l.stride, l.padding, end);
        if (l.out[i] !== want)
          fail(
            l,
            `out.${ax}`,
            `${l.out[i]} but ${l.in[i]} with kernel ${l.kernel}, stride ${l.stride}, padding ${l.padding}${end !== l.padding ? ` (${end} at the end)` : ''} gives ${want}`,
          );
      }
      if (l.kind === 'dwconv' && l.in[2] !== l.out[2])
        fail(l, 'out.c', `a depthwise conv keeps channels (in ${l.in[2]}, out ${l.out[2]})`);
      if (l.pool) {
        if (!poolOutOk(l.pool.h, l.out[0], l.pool.size, l.pool.stride, l.pool.padding))
          fail(l, 'pool.h', `${l.pool.h} does not follow from conv output ${l.out[0]}`);
        if (!poolOutOk(l.pool.w, l.out[1], l.pool.size, l.pool.stride, l.pool.padding))
          fail(l, 'pool.w', `${l.pool.w} does not follow from conv output ${l.out[1]}`);
      }
    }
    if (l.kind === 'pool') {
      if (l.in[2] !== l.out[2]) fail(l, 'out.c', `pooling keeps channels (in ${l.in[2]}, out ${l.out[2]})`);
      if (!poolOutOk(l.out[0], l.in[0], l.kernel, l.stride, l.padding))
        fail(l, 'out.h', `${l.out[0]} does not follow from input ${l.in[0]}`);
      if (!poolOutOk(l.out[1], l.in[1], l.kernel, l.stride, l.padding))
        fail(l, 'out.w', `${l.out[1]} does not follow from input ${l.in[1]}`);
    }
    if (l.kind === 'matmul' && l.split && l.split.colOffset + l.J > l.split.fullJ)
      fail(l, 'split', `columns ${l.split.colOffset}+${l.J} exceed ${l.split.fullJ}`);
    seen.set(l.name, l);
  }
}
