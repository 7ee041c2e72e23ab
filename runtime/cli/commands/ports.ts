// `cotenant ports`: serial ports cotenant could open. SerialPort.list() needs udevadm on
// Linux; without it, fall back to scanning /dev for serial-looking devices.
import fs from 'node:fs';
import type { Command } from 'commander';
import { SerialPort } from 'serialport';
import { printTable } from '../output.ts';

const DEV_PATTERN = /^(ttyUSB\d+|ttyACM\d+|ttyAMA\d+|ttyS\d+|rfcomm\d+|cu\..+|tty\.usb.+)$/;

interface PortRow {
  path: string;
  manufacturer: string;
  serial: string;
  vid: string;
  pid: string;
}

async function listPorts(): Promise<{ rows: PortRow[]; note?: string }> {
  try {
    const ports = await SerialPort.list();
    return {
      rows: ports.map((p) => ({
        path: p.path,
        manufacturer: p.manufacturer ?? '',
        serial: p.serialNumber ?? '',
        vid: p.vendorId ?? '',
        pid: p.productId ?? '',
      })),
    };
  } catch (err) {
    const rows: PortRow[] = [];
    for (const dir of ['/dev', '/dev/pts']) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        if (dir === '/dev' ? DEV_PATTERN.test(n) : /^\d+$/.test(n))
          rows.push({ path: `${dir}/${n}`, manufacturer: '', serial: '', vid: '', pid: '' });
      }
    }
    return {
      rows,
      note: `port details unavailable (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); listed device nodes from /dev instead — /dev/pts entries are pseudo-terminals, e.g. from \`cotenant emu --pty\``,
    };
  }
}

export function registerPorts(program: Command): void {
  program
    .command('ports')
    .description('List serial ports (works without udevadm: falls back to scanning /dev)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const { rows, note } = await listPorts();
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ports: rows, ...(note ? { note } : {}) }, null, 2) + '\n');
        return;
      }
      if (rows.length === 0) process.stdout.write('no serial ports found\n');
      else printTable(rows.map((r) => ({ ...r })));
      if (note) process.stderr.write(`note: ${note}\n`);
    });
}
