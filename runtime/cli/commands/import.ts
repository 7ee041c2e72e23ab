import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../../boards/errors.ts';
import { importOnnx } from '../../import/onnx.ts';
import { modelTotals } from '../../models/metrics.ts';
import { writeModelPackage } from '../../models/package-io.ts';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'Import a QDQ-quantized ONNX model into a cotenant model package (layer table, int8 weights, requantization); docs/import.md',
    )
    .argument('<model.onnx>', 'quantized ONNX model (QuantizeLinear/DequantizeLinear around each operator)')
    .option('-o, --out <dir>', 'package folder to write (default: the model file name without .onnx)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { out?: string; json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const pkg = importOnnx(bytes, basename(file));
      const dir = opts.out ?? basename(file, extname(file));
      await writeModelPackage(dir, pkg);
      const t = modelTotals(pkg.table);
      const out = {
        package: dir,
        model: pkg.table.name,
        layers: t.layers,
        macs: t.macs,
        weightBytes: t.weightBytes,
        input: `${pkg.input.dtype} [${pkg.input.shape.join(', ')}]`,
        output: `${pkg.output.dtype} [${pkg.output.shape.join(', ')}]`,
      };
      if (opts.json) process.stdout.write(JSON.stringify(out) + '\n');
      else
        process.stdout.write(
          `imported ${file} → ${dir}: ${out.layers} layers, ${out.macs} MACs, ${out.weightBytes} weight bytes; input ${out.input}, output ${out.output}\n`,
        );
    });
}
