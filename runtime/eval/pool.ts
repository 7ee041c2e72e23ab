// A small pool of worker threads for independent jobs: each worker takes the next job when
// it posts the previous one's result, so long and short jobs balance themselves. Results
// come back in job order whatever the worker that ran them; a worker's error fails the
// whole pool (every worker is terminated).
import type { Worker } from 'node:worker_threads';

export type WorkerReply<R> =
  { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: string };

export async function runPool<J, R>(
  jobs: readonly J[],
  workers: number,
  spawn: () => Worker,
  onResult?: (index: number, result: R) => void,
): Promise<R[]> {
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return results;
  const pool = Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, spawn);
  let next = 0;
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            let current = -1;
            const give = () => {
              if (next >= jobs.length) return resolve();
              current = next++;
              w.postMessage(jobs[current]);
            };
            w.on('message', (m: WorkerReply<R>) => {
              if (!m.ok) return reject(new Error(m.error));
              results[current] = m.result;
              onResult?.(current, m.result);
              give();
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (next < jobs.length || current >= 0)
                reject(new Error(`an eval worker exited (code ${code}) with jobs left`));
            });
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
