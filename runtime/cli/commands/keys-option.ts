// Shared by the image/flash commands: reading key files named on the command line
// ("dev" names the public development key).
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../../../boards/errors.ts';
import { devPrivateKey, privateKeyFromPem, publicKeyFromPem } from '../../../firmware-host/image/index.ts';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read key file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function loadPrivateKey(spec: string): KeyObject {
  return spec === 'dev' ? devPrivateKey() : privateKeyFromPem(readText(spec), spec);
}

export function loadPublicKeys(specs: readonly string[]): KeyObject[] {
  return specs.map((s) => (s === 'dev' ? devPrivateKey() : publicKeyFromPem(readText(s), s)));
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
