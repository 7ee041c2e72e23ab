// cotenant image build | inspect | sign | verify (docs/image-format.md).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { boardIds, findBoard } from '../../../boards/definitions.ts';
import { ConfigError } from '../../../boards/errors.ts';
import {
  buildImage,
  FLAG_DEVELOPMENT,
  parseImage,
  signImage,
  verifyImage,
  checkHash,
  type ParsedImage,
} from '../../../firmware-host/image/index.ts';
import { printTable } from '../output.ts';
import { writeOutputFile } from '../output-file.ts';
import { collect, loadPrivateKey, loadPublicKeys } from './keys-option.ts';

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Board ids (emu, moca-8t…) or raw 4-character BOARD_ID codes → codes. */
export function boardCodes(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => findBoard(s)?.boardIdCode ?? s);
}

/** The firmware cannot enable more tiles than a board it is built for has: refuse here,
 *  not at the board's boot (raw codes of unknown boards cannot be checked). */
function checkTiles(tiles: number, codes: readonly string[]): void {
  if (!Number.isInteger(tiles) || tiles < 1)
    throw new ConfigError(`--tiles ${tiles} must be a positive integer`);
  for (const code of codes) {
    const def = boardIds()
      .map((id) => findBoard(id)!)
      .find((d) => d.boardIdCode === code);
    if (def !== undefined && tiles > def.tiles)
      throw new ConfigError(
        `--tiles ${tiles}: board ${def.id} has ${def.tiles} tiles, so this firmware would not boot there; use 1..${def.tiles}`,
      );
  }
}

function parseVersion(text: string): { major: number; minor: number; patch: number; build: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:\+(\d+))?$/.exec(text);
  if (m === null)
    throw new ConfigError(`--fw-version "${text}" is not major.minor.patch[+build] (e.g. 2.1.0+17)`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), build: Number(m[4] ?? 0) };
}

function describe(p: ParsedImage): Record<string, unknown> {
  const v = p.header.version;
  let integrity = 'ok';
  try {
    checkHash(p);
  } catch (err) {
    integrity = err instanceof Error ? err.message : String(err);
  }
  return {
    bytes: p.bytes.length,
    version: `${v.major}.${v.minor}.${v.patch}+${v.build}`,
    boards: p.header.boards,
    loadAddress: `0x${p.header.loadAddress.toString(16)}`,
    development: (p.header.flags & FLAG_DEVELOPMENT) !== 0,
    payloadBytes: p.header.payloadSize,
    manifest: p.manifest ?? null,
    sha256: p.claimedSha256 === undefined ? null : Buffer.from(p.claimedSha256).toString('hex'),
    integrity,
    signatures: p.signatures.map((s) => s.keyId),
  };
}

export function registerImage(program: Command): void {
  const image = program.command('image').description('Build, inspect, sign and verify firmware images');

  image
    .command('build')
    .description('Build an unsigned firmware image whose payload is a manifest (+ optional body)')
    .requiredOption(
      '--board <ids>',
      'boards it may boot on: board ids or 4-char codes, comma-separated (e.g. emu,moca-8t)',
    )
    .requiredOption('--fw-version <v>', 'firmware version major.minor.patch[+build]')
    .requiredOption('-o, --out <file>', 'image file to write')
    .option('--tiles <n>', 'tiles the firmware enables (default: all of the first board)')
    .option('--no-throttle', 'firmware without the throttle engine')
    .option('--no-functional', 'firmware without functional (arithmetic) mode')
    .option('--body <file>', 'firmware bytes to append after the manifest')
    .option('--load-address <addr>', 'load address (informational on emulated boards)', '0')
    .option('--dev', 'mark as a development build')
    .action(
      (o: {
        board: string;
        fwVersion: string;
        out: string;
        tiles?: string;
        throttle: boolean;
        functional: boolean;
        body?: string;
        loadAddress: string;
        dev?: boolean;
      }) => {
        const boards = boardCodes(o.board);
        const first = findBoard(o.board.split(',')[0]!.trim());
        const tiles = o.tiles === undefined ? first?.tiles : Number(o.tiles);
        if (tiles === undefined)
          throw new ConfigError('--tiles is required when --board names raw board codes');
        checkTiles(tiles, boards);
        const bytes = buildImage({
          boards,
          version: parseVersion(o.fwVersion),
          manifest: { tiles, throttle: o.throttle, functional: o.functional },
          loadAddress: Number(o.loadAddress),
          development: o.dev === true,
          ...(o.body === undefined ? {} : { body: readFile(o.body) }),
        });
        writeOutputFile(o.out, bytes, '-o');
        process.stdout.write(
          `${o.out}: ${bytes.length} bytes, unsigned (sign with: cotenant image sign ${o.out} --key <key.pem>)\n`,
        );
      },
    );

  image
    .command('inspect <file>')
    .description("Show an image's header, manifest and signatures")
    .option('--json', 'print one JSON object')
    .action((file: string, o: { json?: boolean }) => {
      const d = describe(parseImage(readFile(file)));
      if (o.json === true) {
        process.stdout.write(JSON.stringify(d) + '\n');
        return;
      }
      printTable(
        Object.entries(d).map(([field, value]) => ({
          field,
          value: typeof value === 'string' ? value : JSON.stringify(value),
        })),
      );
    });

  image
    .command('sign <file>')
    .description(
      'Add an Ed25519 signature (a key file from cotenant keygen, or "dev" for the development key)',
    )
    .requiredOption('--key <key.pem|dev>', 'private key')
    .option('-o, --out <file>', 'write the signed image here (default: replace the input)')
    .action((file: string, o: { key: string; out?: string }) => {
      const signed = signImage(readFile(file), loadPrivateKey(o.key));
      const out = o.out ?? file;
      writeOutputFile(out, signed, o.out === undefined ? 'the signed image' : '-o');
      const p = parseImage(signed);
      process.stdout.write(
        `${out}: signed by ${p.signatures.at(-1)!.keyId} (${p.signatures.length} signature(s))\n`,
      );
    });

  image
    .command('verify <file>')
    .description('Check integrity and signature (and optionally the board), as the boot ROM will')
    .option('--key <pub.pem|dev>', 'trusted public key (repeatable)', collect, [])
    .option('--board <id>', 'board the image must be built for')
    .action((file: string, o: { key: string[]; board?: string }) => {
      if (o.key.length === 0)
        throw new ConfigError('give at least one --key <pub.pem> (or --key dev) to verify against');
      const v = verifyImage(
        readFile(file),
        loadPublicKeys(o.key),
        o.board === undefined ? undefined : boardCodes(o.board)[0],
      );
      process.stdout.write(`${file}: OK — sha256 ${v.sha256}, signed by trusted key ${v.keyId}\n`);
    });
}
