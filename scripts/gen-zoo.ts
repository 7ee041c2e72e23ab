// Converts MoCA layer tables (JSON per model, described in docs/models.md; read only here) into
// the repo's own compact zoo under runtime/models/zoo/. Run once: `npx tsx scripts/gen-zoo.ts <dir>`.
// Keeps what the compiler needs (shapes, stride/padding, pool, relu, data flow, concat,
// split); drops provenance. Checks per-layer MACs / weight bytes against the source.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type Src = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const srcDir = process.argv[2];
if (srcDir === undefined) {
  console.error('usage: npx tsx scripts/gen-zoo.ts <dir with the layer-table JSON files> (docs/models.md)');
  process.exit(2);
}
const outDir = new URL('../runtime/models/zoo/', import.meta.url).pathname;

const NAMES: Record<string, string> = {
  'resnet50.json': 'resnet50',
  'alexnet.json': 'alexnet',
  'googlenet.json': 'googlenet',
  'squeezenet.json': 'squeezenet',
  'kws.json': 'kws',
  'yolov2.json': 'yolov2',
  'yololite.json': 'yololite',
  'bert_base.json': 'bert-base',
  'mobilenet_v2.json': 'mobilenetv2',
};

function concatOf(l: Src): { buffer: string; offset: number } | undefined {
  if (!l.concat) return undefined;
  // googlenet conv_62: "inception5b_out_google1 (logical; artifact writes conv_62_out_google1)"
  const buffer = String(l.concat.buffer).split(' ')[0]!;
  return { buffer, offset: l.concat.channel_offset };
}

function convert(l: Src): Src {
  const base = { name: l.name, kind: l.kind, inputs: l.inputs };
  switch (l.kind) {
    case 'conv':
    case 'dwconv': {
      const out: Src = {
        ...base,
        in: [l.in_h, l.in_w, l.in_c],
        out: [l.out_h, l.out_w, l.out_c],
        kernel: l.kernel,
        stride: l.stride,
        padding: l.padding,
        relu: l.relu,
      };
      if (l.pool)
        out.pool = {
          size: l.pool.size,
          stride: l.pool.stride,
          padding: l.pool.padding,
          h: l.pool.out_h,
          w: l.pool.out_w,
        };
      const c = concatOf(l);
      if (c) out.concat = c;
      return out;
    }
    case 'matmul': {
      const g = l.gemm;
      const out: Src = { ...base, I: g.I, J: g.J, K: g.K, weights: g.weight_operand ?? 'none', relu: l.relu };
      if (g.count !== undefined && g.count > 1) {
        out.heads = g.count;
        out.batched = l.op === 'batched_matmul_QKt' ? 'qkt' : 'pv';
      }
      const c = concatOf(l);
      if (c) out.concat = c;
      if (l.split) out.split = { of: l.split.of, colOffset: l.split.col_offset, fullJ: l.split.full_J };
      return out;
    }
    case 'pool':
      return {
        ...base,
        in: [l.in_h, l.in_w, l.in_c],
        out: [l.out_h, l.out_w, l.out_c],
        kernel: l.kernel,
        stride: l.stride,
        padding: l.padding,
      };
    case 'add':
      return { ...base, I: l.gemm.I, J: l.gemm.J, relu: l.relu };
    case 'global_avgpool':
      return { ...base, in: [l.in_h, l.in_w, l.in_c] };
    case 'softmax':
      return { ...base, rows: (l.shape.heads ?? 1) * l.shape.rows, cols: l.shape.cols };
    case 'layernorm':
      return { ...base, rows: l.shape.rows, cols: l.shape.cols };
    default:
      throw new Error(`layer ${l.name}: unknown kind ${l.kind}`);
  }
}

function macsOf(l: Src): number {
  switch (l.kind) {
    case 'conv':
      return l.out[0] * l.out[1] * l.out[2] * l.kernel * l.kernel * l.in[2];
    case 'dwconv':
      return l.out[0] * l.out[1] * l.out[2] * l.kernel * l.kernel;
    case 'matmul':
      return l.I * l.J * l.K * (l.heads ?? 1);
    default:
      return 0;
  }
}

for (const file of readdirSync(srcDir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const name = NAMES[file];
  if (name === undefined) throw new Error(`no zoo name for ${file}`);
  const src = JSON.parse(readFileSync(join(srcDir, file), 'utf8')) as Src;
  const input =
    src.input.seq_len !== undefined
      ? { h: src.input.seq_len, w: 1, c: src.input.hidden }
      : { h: src.input.h, w: src.input.w, c: src.input.c };
  const layers = (src.layers as Src[]).map(convert);
  layers.forEach((l, i) => {
    const s = (src.layers as Src[])[i]!;
    if (macsOf(l) !== s.macs) throw new Error(`${file} ${l.name}: macs ${macsOf(l)} != source ${s.macs}`);
  });
  const lines = layers.map((l) => '    ' + JSON.stringify(l));
  const head = { name, displayName: src.display_name, source: src.source_kind, input };
  const text = `{\n  ${JSON.stringify(head).slice(1, -1)},\n  "layers": [\n${lines.join(',\n')}\n  ]\n}\n`;
  writeFileSync(join(outDir, `${name}.json`), text);
  process.stdout.write(`${name}: ${layers.length} layers\n`);
}
