import test from 'ava';
import { LinePacer } from '../../drivers/serial/line-pacer.ts';
import { mulberry32 } from '../../boards/prng.ts';

test('a paced line delivers every byte exactly once and in order, however chunks arrive', async (t) => {
  const next = mulberry32(7);
  const sent: number[] = [];
  const got: number[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const total = 30_000;
  const pacer = new LinePacer(10_000 / 20_000_000, (b) => {
    got.push(...b);
    if (got.length === total) done();
  }); // 20 Mbaud: 2 bytes/µs
  let value = 0;
  while (sent.length < total) {
    const n = Math.min(1 + (next() % 700), total - sent.length);
    const chunk = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      chunk[i] = value & 0xff;
      sent.push(value & 0xff);
      value = (value * 31 + 7) >>> 0;
    }
    pacer.push(chunk);
    chunk.fill(0); // the pacer must have copied it
    if (next() % 4 === 0) await new Promise((r) => setImmediate(r)); // arrivals spread over loop turns
  }
  await finished;
  pacer.close();
  t.is(got.length, sent.length);
  t.deepEqual(got, sent);
});

test('a closed pacer delivers nothing more', async (t) => {
  let delivered = 0;
  const pacer = new LinePacer(10_000 / 9600, (b) => {
    delivered += b.length;
  }); // ~1 ms a byte
  pacer.push(new Uint8Array(1000));
  pacer.close();
  await new Promise((r) => setTimeout(r, 20));
  t.is(delivered, 0);
});
