// Worker thread of `cotenant eval moca`: runs the cells it is sent, one at a time, each on
// in-process emulated boards of the protocol (runtime/eval/moca-cell.ts), and posts each
// cell's result back (runtime/eval/pool.ts).
import { parentPort } from 'node:worker_threads';
import type { BoardDefinition } from '../../boards/types.ts';
import type { CompileFn } from '../executor/workload.ts';
import { zooCompiler, zooLayers } from '../executor/compile-adapter.ts';
import { runCell, type CellResult } from '../eval/moca-cell.ts';
import type { WorkerReply } from '../eval/pool.ts';
import type { MocaCellJob } from '../eval/moca-eval.ts';
import { openDevice } from './open-device.ts';

// Compiled programs are a pure function of (board, model, tiles, granule, region base); a
// worker keeps them for all the runs it does (every policy of every cell recompiles the
// same variants at the same places otherwise).
const compiled = new Map<string, ReturnType<CompileFn>>();
function cachedCompiler(board: BoardDefinition): CompileFn {
  const compile = zooCompiler(board);
  return (model, tiles, granule, regionBase) => {
    const key = `${board.id}|${model}|${tiles}|${JSON.stringify(granule)}|${regionBase}`;
    let c = compiled.get(key);
    if (c === undefined) {
      c = compile(model, tiles, granule, regionBase);
      compiled.set(key, c);
    }
    return c;
  };
}

const port = parentPort;
if (port === null) throw new Error('eval-moca-worker.ts runs as a worker thread only');
port.on('message', (job: MocaCellJob) => {
  runCell(job.cell, {
    ...job.options,
    open: (board) => openDevice(board),
    compileFor: (d) => cachedCompiler(d.board),
    layersOf: zooLayers,
  }).then(
    (result) => port.postMessage({ ok: true, result } satisfies WorkerReply<CellResult>),
    (err: unknown) =>
      port.postMessage({
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      } satisfies WorkerReply<CellResult>),
  );
});
