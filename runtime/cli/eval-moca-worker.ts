// Worker thread of `cotenant eval moca`: runs the cells it is sent, one at a time, each on
// in-process emulated boards of the protocol (runtime/eval/moca-cell.ts), and posts each
// cell's result back (runtime/eval/pool.ts).
import { parentPort } from 'node:worker_threads';
import { zooCompiler, zooLayers } from '../executor/compile-adapter.ts';
import { runCell, type CellResult } from '../eval/moca-cell.ts';
import type { WorkerReply } from '../eval/pool.ts';
import type { MocaCellJob } from '../eval/moca-eval.ts';
import { openDevice } from './open-device.ts';

const port = parentPort;
if (port === null) throw new Error('eval-moca-worker.ts runs as a worker thread only');
port.on('message', (job: MocaCellJob) => {
  runCell(job.cell, {
    ...job.options,
    open: (board) => openDevice(board),
    compileFor: (d) => zooCompiler(d.board),
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
