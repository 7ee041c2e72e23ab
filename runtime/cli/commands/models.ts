import type { Command } from 'commander';
import { loadModel, modelNames, modelTotals } from '../../models/index.ts';
import { printTable } from '../output.ts';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('List the model zoo: layers, MACs, int8 weight bytes')
    .option('--json', 'print one JSON array')
    .action((opts: { json?: boolean }) => {
      const rows = modelNames().map((name) => {
        const m = loadModel(name);
        const t = modelTotals(m);
        return {
          name,
          displayName: m.displayName,
          layers: t.layers,
          macs: t.macs,
          weightBytes: t.weightBytes,
        };
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      printTable(
        rows.map((r) => ({
          model: r.name,
          name: r.displayName,
          layers: r.layers,
          GMACs: Number((r.macs / 1e9).toFixed(3)),
          'weights MiB': Number((r.weightBytes / 2 ** 20).toFixed(2)),
        })),
      );
    });
}
