// The shared-memory mailbox: every reply belongs to its own request. A host that took any
// wake-up for "done" could read the previous request's reply — found by CI as "LINK says
// 6 events, mailbox holds 0": the worker's notify for one request ran after the host had
// already seen DONE, taken the reply and posted the next request. Here a second thread
// sends stray notifies all the time, which makes that interleaving certain instead of rare.
import { Worker } from 'node:worker_threads';
import test from 'ava';
import { LINK_BLOCK_BASE, LINK_MAGIC, LinkReg } from '../../boards/wire/pcie.ts';
import { PROTOCOL_VERSION } from '../../boards/wire/protocol.ts';
import { ShmFunction } from '../../drivers/pcie/shm.ts';
import { Ctl } from '../../drivers/pcie/shm-protocol.ts';

const NOISE = `
const { workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData.sab, 0, 16);
const stop = new Int32Array(workerData.stop);
while (Atomics.load(stop, 0) === 0) Atomics.notify(ctl, workerData.state);
`;

test('stray wake-ups never hand the host another request’s reply', async (t) => {
  const fn = await ShmFunction.start('emu');
  // the mailbox's control words, as the worker sees them (the test reaches in on purpose)
  const sab = (fn as unknown as { ctl: Int32Array }).ctl.buffer as SharedArrayBuffer;
  const stop = new SharedArrayBuffer(4);
  const noise = new Worker(NOISE, { eval: true, workerData: { sab, stop, state: Ctl.STATE } });
  try {
    const magic = LINK_BLOCK_BASE + LinkReg.MAGIC;
    const version = LINK_BLOCK_BASE + LinkReg.VERSION;
    let wrong = 0;
    for (let i = 0; i < 2000; i++) {
      if ((await fn.mmioRead(magic)) !== LINK_MAGIC) wrong++;
      if ((await fn.mmioRead(version)) !== PROTOCOL_VERSION) wrong++;
    }
    t.is(wrong, 0);
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    await noise.terminate();
    await fn.close();
  }
});
