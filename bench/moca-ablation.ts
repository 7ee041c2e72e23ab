// `npm run bench:moca-ablation`: what moca's regulator and co-location each contribute
// against static-partition on the nine best-effort cells of MoCA's protocol
// (runtime/eval/moca-ablation.ts; docs/evaluation.md, "moca against static-partition").
// Last line: `moca-ablation: above_static=<n>/9 regulator_only=<n>/9 colocation_only=<n>/9
// throttled=<share> at_floor=<share>`.
import { openDevice } from '../runtime/cli/open-device.ts';
import { formatTable } from '../runtime/cli/output.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { ablationLine, ablationTable, mocaAblation } from '../runtime/eval/moca-ablation.ts';
import { cellName, mocaCells } from '../runtime/eval/moca-protocol.ts';

const rows = await mocaAblation(mocaCells(undefined, undefined, [false]), {
  open: (b) => openDevice(b),
  compileFor: (d) => zooCompiler(d.board),
  layersOf: zooLayers,
  onCell: (c) => process.stderr.write(`${cellName(c)}…\n`),
});
process.stdout.write(formatTable(ablationTable(rows)));
process.stdout.write(`${ablationLine(rows)}\n`);
