import type { Command } from 'commander';
import { boardIds, findBoard } from '../../../boards/definitions.ts';
import { ConfigError } from '../../../boards/errors.ts';
import { parseGranule } from '../../compiler/granule.ts';
import { modelNames, resolveModelName } from '../../models/index.ts';
import { profileModel } from '../../profile.ts';
import { openDevice } from '../open-device.ts';
import { printTable } from '../output.ts';

/** MoCA runs one model per pair of tiles, so a pair is the default group. */
const DEFAULT_TILES = 2;

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description(
      'Run one inference of a zoo model in isolation and report latency, MACs, utilization and DRAM traffic',
    )
    .argument('<model>', `zoo model (${modelNames().join(', ')})`)
    .option('--board <board>', `board id (${boardIds().join(', ')})`, 'emu')
    .option('--tiles <n>', `tiles the model runs on (default ${DEFAULT_TILES}, MoCA's pair)`)
    .option('--granule <size>', 'layer | block[:N] | <cycles> (e.g. 50k)', 'layer')
    .option('--functional', 'perform the arithmetic with seeded random weights (default: timing mode)')
    .option(
      '--layers',
      'also report every step (one layer with --granule layer): cycles, MACs, utilization, DRAM bytes, stall cycles',
    )
    .option('--json', 'print one JSON object')
    .action(
      async (
        modelArg: string,
        opts: {
          board: string;
          tiles?: string;
          granule: string;
          functional?: boolean;
          layers?: boolean;
          json?: boolean;
        },
      ) => {
        const model = resolveModelName(modelArg);
        if (model === undefined)
          throw new ConfigError(`unknown model "${modelArg}"; valid models: ${modelNames().join(', ')}`);
        const board = findBoard(opts.board);
        if (board === undefined)
          throw new ConfigError(`unknown board "${opts.board}"; valid boards: ${boardIds().join(', ')}`);
        const tiles = opts.tiles === undefined ? Math.min(DEFAULT_TILES, board.tiles) : Number(opts.tiles);
        if (!Number.isInteger(tiles) || tiles < 1 || tiles > board.tiles)
          throw new ConfigError(
            `--tiles must be an integer from 1 to ${board.tiles} on board ${board.id} (got ${opts.tiles})`,
          );
        const granule = parseGranule(opts.granule);
        const device = await openDevice(board.id, opts.functional ? { mode: 'functional' } : {});
        try {
          const r = await profileModel(device, model, {
            tiles,
            granule,
            ...(opts.functional ? { functionalSeed: 1 } : {}),
            layers: opts.layers === true,
          });
          const out = {
            model: r.model,
            board: r.board,
            tiles: r.tiles,
            granule: opts.granule,
            steps: r.steps,
            cycles: r.cycles,
            ms: r.ms,
            macs: r.macs,
            utilization: r.utilization,
            dramBytesRead: r.dramBytesRead,
            dramBytesWritten: r.dramBytesWritten,
            throttleStallCycles: r.stallCycles,
            estCycles: r.estCycles,
            ...(r.layers
              ? {
                  layers: r.layers.map((l) => ({
                    step: l.step,
                    layers: l.names,
                    classes: l.classes,
                    cycles: l.cycles,
                    macs: l.macs,
                    utilization: l.utilization,
                    dramBytesRead: l.dramBytesRead,
                    dramBytesWritten: l.dramBytesWritten,
                    throttleStallCycles: l.stallCycles,
                    estCycles: l.estCycles,
                  })),
                }
              : {}),
          };
          if (opts.json) {
            process.stdout.write(JSON.stringify(out) + '\n');
            return;
          }
          printTable([
            {
              metric: 'model',
              value: `${out.model} on ${out.board}, ${out.tiles} tile(s), granule ${out.granule} (${out.steps} steps)`,
            },
            {
              metric: 'latency',
              value: `${out.cycles} cycles = ${out.ms.toFixed(3)} ms at ${board.clockHz / 1e6} MHz`,
            },
            { metric: 'MACs', value: String(out.macs) },
            { metric: 'array utilization', value: `${(out.utilization * 100).toFixed(1)} %` },
            { metric: 'DRAM read', value: `${out.dramBytesRead} B` },
            { metric: 'DRAM written', value: `${out.dramBytesWritten} B` },
            { metric: 'throttle stall', value: `${out.throttleStallCycles} cycles` },
            { metric: 'compiler estimate', value: `${out.estCycles} cycles` },
          ]);
          if (r.layers) {
            process.stdout.write('\n');
            printTable(
              r.layers.map((l) => ({
                step: l.step,
                layer: l.names.join('+'),
                class: [...new Set(l.classes)].join('+'),
                cycles: l.cycles,
                MACs: l.macs,
                'util %': Number((l.utilization * 100).toFixed(1)),
                'DRAM rd B': l.dramBytesRead,
                'DRAM wr B': l.dramBytesWritten,
                stall: l.stallCycles,
                est: l.estCycles,
              })),
            );
          }
        } finally {
          await device.close();
        }
      },
    );
}
