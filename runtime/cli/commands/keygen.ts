// cotenant keygen: a new Ed25519 signing key pair for firmware images.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../../boards/errors.ts';
import {
  generateKeyPair,
  keyId,
  privateKeyToPem,
  publicKeyToPem,
  rawPublicKey,
} from '../../../firmware-host/image/index.ts';
import { writeOutputFile } from '../output-file.ts';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description(
      'Create an Ed25519 key pair for signing firmware images (<name>.pem private, <name>.pub.pem public)',
    )
    .option('--out <dir>', 'directory to write the key files into', '.')
    .option('--name <base>', 'file name base', 'cotenant-fw')
    .option('--force', 'overwrite existing key files')
    .action((opts: { out: string; name: string; force?: boolean }) => {
      const priv = join(opts.out, `${opts.name}.pem`);
      const pub = join(opts.out, `${opts.name}.pub.pem`);
      for (const f of [priv, pub])
        if (existsSync(f) && opts.force !== true)
          throw new ConfigError(`${f} exists; pick another --name or --out, or pass --force to replace it`);
      const { privateKey, publicKey } = generateKeyPair();
      writeOutputFile(priv, privateKeyToPem(privateKey), 'the private key', { mode: 0o600 });
      writeOutputFile(pub, publicKeyToPem(publicKey), 'the public key');
      process.stdout.write(
        `private key: ${priv} (keep it secret)\npublic key:  ${pub}\nkey id:      ${keyId(publicKey)}\nraw public:  ${Buffer.from(rawPublicKey(publicKey)).toString('hex')}\n`,
      );
    });
}
