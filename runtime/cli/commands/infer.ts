import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../../boards/errors.ts';
import { parseGranule } from '../../compiler/granule.ts';
import { compilePackage, inferCompiled, inputFromFile, outputTensor } from '../../infer.ts';
import { readModelPackage } from '../../models/package-io.ts';
import { formatNpy } from '../../tensor-file.ts';
import { openDevice } from '../open-device.ts';
import { writeOutputFile } from '../output-file.ts';

export function registerInfer(program: Command): void {
  program
    .command('infer')
    .description(
      'Run one real inference of an imported model package in functional mode and write its output',
    )
    .argument('<model>', 'model package folder (written by cotenant import)')
    .requiredOption(
      '--input <file>',
      '.npy (float32 is quantized; int8/uint8 taken as is) or .bin (raw, the input type), ONNX layout',
    )
    .option(
      '--board <spec>',
      'board id or device spec (emu:<board>, serial:<path>, shm:<board>, pcie:<dev>)',
      'emu',
    )
    .option('--tiles <n>', 'tiles the model runs on', '1')
    .option('--granule <size>', 'layer | block[:N] | <cycles> (e.g. 50k)', 'layer')
    .option('--out <file.npy>', 'write the output tensor (quantized, the output type) as .npy')
    .option('--float', 'with --out: write the dequantized float32 output instead')
    .option('--json', 'print one JSON object')
    .action(
      async (
        dir: string,
        opts: {
          input: string;
          board: string;
          tiles: string;
          granule: string;
          out?: string;
          float?: boolean;
          json?: boolean;
        },
      ) => {
        const pkg = await readModelPackage(dir);
        let bytes: Uint8Array;
        try {
          bytes = await readFile(opts.input);
        } catch (e) {
          throw new ConfigError(`cannot read --input ${opts.input}: ${(e as Error).message}`);
        }
        const input = inputFromFile(pkg, bytes, basename(opts.input));
        const tiles = Number(opts.tiles);
        const device = await openDevice(opts.board, { mode: 'functional' });
        try {
          const compiled = compilePackage(pkg, device.board, { tiles, granule: parseGranule(opts.granule) });
          const r = await inferCompiled(device, compiled, pkg, input);
          const out = outputTensor(pkg, r.raw);
          if (opts.out !== undefined)
            writeOutputFile(opts.out, formatNpy(opts.float ? out.float : out.quantized, out.shape), '--out');
          let best = 0;
          out.float.forEach((v, i) => {
            if (v > out.float[best]!) best = i;
          });
          const summary = {
            model: pkg.table.name,
            board: device.board.id,
            tiles,
            cycles: r.run.cycles,
            ms: (r.run.cycles / device.board.clockHz) * 1e3,
            macs: r.run.macs,
            output: `${out.dtype} [${out.shape.join(', ')}]`,
            argmax: best,
            ...(opts.out !== undefined ? { written: opts.out } : {}),
          };
          if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
          else
            process.stdout.write(
              `${summary.model} on ${summary.board} (${tiles} tile${tiles > 1 ? 's' : ''}): ${summary.cycles} cycles (${summary.ms.toFixed(3)} ms), output ${summary.output}, argmax ${best}, first values [${Array.from(out.quantized.slice(0, 8)).join(', ')}]${opts.out ? `; wrote ${opts.out}` : ''}\n`,
            );
        } finally {
          await device.close();
        }
      },
    );
}
