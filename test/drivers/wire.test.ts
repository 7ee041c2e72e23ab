import test from 'ava';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from '../../boards/wire/cobs.ts';
import { crc32 } from '../../boards/wire/crc32.ts';
import { FrameDecoder, decodeFrame, encodeFrame, type Frame } from '../../boards/wire/frame.ts';
import {
  decodeAdvanceReply,
  decodeEvents,
  decodeInfo,
  encodeAdvanceReply,
  encodeEvents,
  encodeInfo,
} from '../../boards/wire/messages.ts';
import { ProtocolError } from '../../boards/errors.ts';
import type { BoardEvent } from '../../boards/events.ts';

const SEED = { seed: 0xc07e, numRuns: 300 };

test('CRC-32 check value of "123456789" is 0xCBF43926', (t) => {
  t.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  t.is(crc32(new Uint8Array(0)), 0);
});

test('COBS known vectors (from the COBS paper / Wikipedia)', (t) => {
  const cases: [number[], number[]][] = [
    [[0x00], [0x01, 0x01]],
    [
      [0x00, 0x00],
      [0x01, 0x01, 0x01],
    ],
    [
      [0x11, 0x22, 0x00, 0x33],
      [0x03, 0x11, 0x22, 0x02, 0x33],
    ],
    [
      [0x11, 0x22, 0x33, 0x44],
      [0x05, 0x11, 0x22, 0x33, 0x44],
    ],
    [
      [0x11, 0x00, 0x00, 0x00],
      [0x02, 0x11, 0x01, 0x01, 0x01],
    ],
  ];
  for (const [raw, enc] of cases) {
    t.deepEqual([...cobsEncode(Uint8Array.from(raw))], enc);
    t.deepEqual([...cobsDecode(Uint8Array.from(enc))], raw);
  }
  // 254 non-zero bytes: one full block, no trailing zero implied
  const run = Uint8Array.from({ length: 254 }, (_, i) => i + 1);
  const e = cobsEncode(run);
  t.is(e[0], 0xff);
  t.is(e.length, 255);
  t.deepEqual(cobsDecode(e), run);
});

test('COBS round-trips any bytes, never emits 0x00, stays within its overhead bound', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (raw) => {
      const enc = cobsEncode(raw);
      t.true(enc.indexOf(0) === -1);
      t.true(enc.length <= cobsMaxEncodedLength(raw.length));
      t.deepEqual(cobsDecode(enc), raw);
    }),
    SEED,
  );
});

test('frame encode/decode round trip; 4 KiB of data costs < 1% on the wire', (t) => {
  const payload = Uint8Array.from({ length: 4100 }, (_, i) => (i * 31) & 0xff);
  const wire = encodeFrame(0x06, 0xbeef, payload, 1);
  t.is(wire[wire.length - 1], 0);
  t.true(wire.subarray(0, wire.length - 1).indexOf(0) === -1);
  const f = decodeFrame(wire.subarray(0, wire.length - 1));
  t.is(f.type, 0x06);
  t.is(f.seq, 0xbeef);
  t.is(f.flags, 1);
  t.deepEqual(f.payload, payload);
  t.true(4096 / wire.length >= 0.97, `efficiency ${4096 / wire.length}`);
});

test('a single flipped bit anywhere in a frame is caught as ProtocolError', (t) => {
  const wire = encodeFrame(0x03, 7, Uint8Array.from([1, 2, 3, 4])).subarray(0, -1);
  for (let i = 0; i < wire.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = wire.slice();
      bad[i]! ^= 1 << bit;
      if (bad.indexOf(0) !== -1) continue; // becomes a delimiter: the stream decoder splits there
      t.throws(() => decodeFrame(bad), { instanceOf: ProtocolError });
    }
  }
});

test('stream decoder: frames split across chunks arbitrarily, garbage in between is skipped', (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          type: fc.integer({ min: 1, max: 0x7f }),
          seq: fc.integer({ min: 0, max: 0xffff }),
          payload: fc.uint8Array({ maxLength: 300 }),
        }),
        { maxLength: 8 },
      ),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
      (frames, cuts) => {
        const parts = frames.map((f) => encodeFrame(f.type, f.seq, f.payload));
        const garbage = Uint8Array.from([0x41, 0x42, 0x43, 0]);
        const all = new Uint8Array(garbage.length + parts.reduce((n, p) => n + p.length, 0));
        all.set(garbage, 0);
        let o = garbage.length;
        for (const p of parts) {
          all.set(p, o);
          o += p.length;
        }
        const got: Frame[] = [];
        let errors = 0;
        const dec = new FrameDecoder(
          (f) => got.push(f),
          () => errors++,
        );
        let i = 0,
          c = 0;
        while (i < all.length) {
          const n = cuts[c++ % cuts.length]!;
          dec.push(all.subarray(i, i + n));
          i += n;
        }
        t.is(errors, 1); // the garbage
        t.deepEqual(
          got.map((f) => [f.type, f.seq, [...f.payload]]),
          frames.map((f) => [f.type, f.seq, [...f.payload]]),
        );
      },
    ),
    SEED,
  );
});

test('fuzz: the stream decoder only ever reports ProtocolError, never throws or hangs', (t) => {
  let typed = 0; // ProtocolErrors seen: the fuzz must actually reach the error paths
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 10 }), (chunks) => {
      const dec = new FrameDecoder(
        () => undefined,
        (e) => {
          if (!(e instanceof ProtocolError)) throw e;
          typed++;
        },
        512,
      );
      for (const c of chunks) dec.push(c);
      return true;
    }),
    { seed: 0xfeed, numRuns: 2000 },
  );
  // mutations of valid frames too: closer to what a noisy line produces
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      (payload, muts) => {
        const wire = encodeFrame(0x05, 1, payload).slice();
        for (const [pos, v] of muts) wire[pos % wire.length] = v;
        try {
          decodeFrame(wire.subarray(0, -1));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          typed++;
        }
        const dec = new FrameDecoder(
          () => undefined,
          (e) => {
            if (!(e instanceof ProtocolError)) throw e;
            typed++;
          },
        );
        dec.push(wire);
        return true;
      },
    ),
    { seed: 0xbad, numRuns: 2000 },
  );
  t.true(typed > 0, `${typed} malformed inputs reported as ProtocolError`);
});

test('fuzz: message decoders only raise ProtocolError', (t) => {
  let typed = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (p) => {
      for (const f of [decodeEvents, decodeInfo, decodeAdvanceReply]) {
        try {
          f(p);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          typed++;
        }
      }
      return true;
    }),
    { seed: 7, numRuns: 2000 },
  );
  t.true(typed > 0, `${typed} malformed payloads reported as ProtocolError`);
});

test('events and info round-trip through their payload encodings', (t) => {
  const events: BoardEvent[] = [
    { kind: 'granule', tile: 1, cycle: 2 ** 40 + 5, tag: 9 },
    { kind: 'done', tile: 3, cycle: 77, tag: 0xffffffff },
    { kind: 'fault', tile: 0, cycle: 12, address: 0x7fff0000, code: 1 },
    { kind: 'log', cycle: 99, message: 'booted slot A — ok' },
  ];
  t.deepEqual(decodeEvents(encodeEvents(events)), events);
  const r = decodeAdvanceReply(encodeAdvanceReply(123456789012, 40, events, true));
  t.deepEqual(r, { cycle: 123456789012, firstEventSeq: 40, eventCount: 4, inline: events });
  t.is(decodeAdvanceReply(encodeAdvanceReply(5, 40, events, false)).inline, undefined);
  const info = {
    boardId: 'CEMU',
    firmwareVersion: '1.2.3+4',
    tiles: 4,
    capabilities: { throttle: true, functional: false, flash: true, lockstep: true },
    bootSlot: 'B' as const,
    trial: true,
    trustedKeyIds: ['0123456789abcdef', 'fedcba9876543210'],
  };
  t.deepEqual(decodeInfo(encodeInfo(info)), info);
  t.deepEqual(decodeInfo(encodeInfo({ ...info, trustedKeyIds: [] })).trustedKeyIds, []);
});
