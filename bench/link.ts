// Link benchmark (npm run bench:link): the emulator served by `cotenant emu --pty` in a
// child process, reached over a real PTY with serialport, as a devkit would be.
// - bulk write throughput and efficiency (payload bytes / wire bytes, both directions) unpaced
// - register read round trip: median and p99
// - throughput at --baud 921600 and 3000000 as a fraction of line rate (10 bits a byte)
// Last line: `link: efficiency=<0..1> throughput=<MB/s> rtt_us=<median>`.
import { SerialDevice } from '../drivers/serial/device.ts';
import { openSerialChannel } from '../drivers/serial/serialport-channel.ts';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BOARDS } from '../boards/definitions.ts';
import { startEmu } from './emu-child.ts';

const DRAM = BOARDS.emu.dram.base;

async function stopEmu(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

function data(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 131 + 7) & 0xff;
  return d;
}

async function bulk(
  baud: number | undefined,
  bytes: number,
): Promise<{ mbps: number; efficiency: number; lineFraction: number | undefined }> {
  const { path, child } = await startEmu(baud ? ['--baud', String(baud)] : []);
  try {
    const dev = await SerialDevice.connect(
      await openSerialChannel(path, baud ?? 3_000_000),
      baud ? { baud } : {},
    );
    const payload = data(bytes);
    await dev.writeMemory(DRAM, payload.subarray(0, 64 * 1024)); // warm-up
    const s0 = { ...dev.link.stats };
    const t0 = performance.now();
    await dev.writeMemory(DRAM, payload);
    const sec = (performance.now() - t0) / 1000;
    const wire = dev.link.stats.bytesOut - s0.bytesOut + (dev.link.stats.bytesIn - s0.bytesIn);
    const back = await dev.readMemory(DRAM + bytes - 4096, 4096);
    if (!back.every((b, i) => b === payload[bytes - 4096 + i]))
      throw new Error('bulk data did not read back intact');
    await dev.close();
    const bps = bytes / sec;
    return { mbps: bps / 1e6, efficiency: bytes / wire, lineFraction: baud ? bps / (baud / 10) : undefined };
  } finally {
    await stopEmu(child);
  }
}

async function rtt(n: number): Promise<{ median: number; p99: number }> {
  const { path, child } = await startEmu([]);
  try {
    const dev = await SerialDevice.connect(await openSerialChannel(path, 3_000_000));
    for (let i = 0; i < 200; i++) await dev.readRegister('SCRATCH');
    const us: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await dev.readRegister('SCRATCH');
      us.push((performance.now() - t0) * 1000);
    }
    await dev.close();
    us.sort((a, b) => a - b);
    return { median: us[Math.floor(n / 2)]!, p99: us[Math.floor(n * 0.99)]! };
  } finally {
    await stopEmu(child);
  }
}

// A wedged link must fail the bench loudly rather than hang it (drivers/serial/fd-writer.ts
// explains the serialport write stall this once caught).
const watchdog = setTimeout(() => {
  console.error('link bench stalled for 120 s: the PTY link went silent');
  process.exit(1);
}, 120_000);
const unpaced = await bulk(undefined, 8 << 20);
console.log(
  `bulk write, unpaced PTY: ${unpaced.mbps.toFixed(1)} MB/s, efficiency ${unpaced.efficiency.toFixed(4)} (payload / wire bytes both ways, 4 KiB frames)`,
);
const r = await rtt(3000);
console.log(`register read round trip: median ${r.median.toFixed(0)} µs, p99 ${r.p99.toFixed(0)} µs`);
for (const [baud, bytes] of [
  [921_600, 256 << 10],
  [3_000_000, 1 << 20],
] as const) {
  const p = await bulk(baud, bytes);
  console.log(
    `bulk write at ${baud} baud: ${(p.mbps * 1000).toFixed(1)} kB/s = ${p.lineFraction!.toFixed(3)} of line rate (${baud / 10 / 1000} kB/s)`,
  );
}
clearTimeout(watchdog);
console.log(
  `link: efficiency=${unpaced.efficiency.toFixed(4)} throughput=${unpaced.mbps.toFixed(1)} rtt_us=${r.median.toFixed(0)}`,
);
