// Flashing throughput over a real PTY paced at a UART line rate (default 921600 baud, 10
// bits a byte both ways): effective image bytes per second of a full `flashImage` (sync,
// write with resume checks, hash verify, boot-ROM verify, test boot, confirm), as a fraction
// of the line's raw byte rate, for a 1 MiB incompressible and a 1 MiB compressible image.
// Usage: npm run bench:flash [-- --baud 921600]
import { EMU } from '../boards/definitions.ts';
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import { createFlashPeripheral } from '../boards/emulator/flash/index.ts';
import { PtyBoardServer } from '../drivers/serial/pty-server.ts';
import { openSerialChannel } from '../drivers/serial/serialport-channel.ts';
import { SerialDevice } from '../drivers/serial/device.ts';
import { flashImage, type FlashReport } from '../firmware-host/flash/index.ts';
import { buildImage, devPrivateKey, signImage } from '../firmware-host/image/index.ts';

const MiB = 1024 * 1024;
const SIGNED_OVERHEAD = 64 + 16 + (8 + 36 + 12 + 68); // header + manifest + trailer with one signature

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}

/** Incompressible: xorshift bytes. Compressible: a code-like stream of 32-bit words (a few
 *  opcodes, few registers, small immediates) that deflates about 2.4:1, like real firmware. */
function body(kind: 'incompressible' | 'compressible', n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 0x2545f491;
  const rnd = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  if (kind === 'incompressible') {
    for (let i = 0; i < n; i++) out[i] = rnd() & 0xff;
    return out;
  }
  const opcodes = [0x13, 0x33, 0x03, 0x23, 0x63, 0x6f, 0x37, 0x67];
  for (let i = 0; i + 4 <= n; i += 4) {
    const r = rnd();
    const word =
      opcodes[r & 7]! | (((r >>> 3) & 0x7) << 7) | (((r >>> 6) & 0x3) << 15) | (((r >>> 20) & 0x3) << 20);
    out[i] = word & 0xff;
    out[i + 1] = (word >>> 8) & 0xff;
    out[i + 2] = (word >>> 16) & 0xff;
    out[i + 3] = word >>> 24;
  }
  return out;
}

function image(kind: 'incompressible' | 'compressible'): Uint8Array {
  const img = signImage(
    buildImage({
      boards: [EMU.boardIdCode],
      version: { major: 2, minor: 0, patch: 0, build: 1 },
      manifest: { tiles: EMU.tiles, throttle: true, functional: true },
      body: body(kind, MiB - SIGNED_OVERHEAD),
      development: true,
    }),
    devPrivateKey(),
  );
  if (img.length !== MiB) throw new Error(`bench image is ${img.length} bytes, expected exactly 1 MiB`);
  return img;
}

async function run(
  kind: 'incompressible' | 'compressible',
  baud: number,
  blockBytes: number,
): Promise<{
  fraction: number;
  seconds: number;
  report: FlashReport;
  link: { requests: number; retransmits: number; timeouts: number; badFrames: number };
}> {
  const server = new PtyBoardServer(createEmulatedBoard(EMU, { flash: createFlashPeripheral(EMU) }), {
    baud,
  });
  const dev = await SerialDevice.connect(await openSerialChannel(server.path, baud), { baud });
  try {
    const img = image(kind);
    const t0 = process.hrtime.bigint();
    const report = await flashImage(dev, img, { blockBytes });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!report.confirmed || report.hello.firmwareVersion !== '2.0.0+1')
      throw new Error(`${kind}: board did not end on the new firmware`);
    const lineBytesPerSecond = baud / 10;
    return {
      fraction: img.length / seconds / lineBytesPerSecond,
      seconds,
      report,
      link: { ...dev.link.stats },
    };
  } finally {
    await dev.close();
    server.close();
  }
}

const baud = argValue('--baud', 921_600);
const blockBytes = argValue('--block-kib', 256) * 1024;
const results: Record<string, number> = {};
for (const kind of ['incompressible', 'compressible'] as const) {
  const r = await run(kind, baud, blockBytes);
  results[kind] = r.fraction;
  process.stdout.write(
    `${kind}: 1 MiB in ${r.seconds.toFixed(2)} s at ${baud} baud = ${(MiB / r.seconds / 1024).toFixed(1)} KiB/s, ` +
      `${r.report.stagedBytes} B sent (${r.report.compressedBlocks}/${r.report.blocks} blocks deflated) → ${r.fraction.toFixed(3)} of line rate; link: ${r.link.requests} requests, ${r.link.retransmits} retransmitted, ${r.link.badFrames} bad frames\n`,
  );
}
process.stdout.write(
  `flash: incompressible=${results.incompressible!.toFixed(3)} compressible=${results.compressible!.toFixed(3)}\n`,
);
