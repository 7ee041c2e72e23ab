// Images for the firmware tests, built with the host tooling.
import type { KeyObject } from 'node:crypto';
import {
  buildImage,
  devPrivateKey,
  signImage,
  type ImageManifest,
  type ImageVersion,
} from '../../../firmware-host/image/index.ts';

export interface TestImage {
  readonly boards?: readonly string[];
  readonly version?: ImageVersion;
  readonly manifest?: ImageManifest;
  readonly bodyBytes?: number;
  /** 'random' (incompressible, seeded) or 'pattern' (compressible). */
  readonly body?: 'random' | 'pattern';
  /** Signing key; null = leave unsigned. Default: the development key. */
  readonly key?: KeyObject | null;
  readonly seed?: number;
}

export function seededBytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

export function patternBytes(n: number): Uint8Array {
  const text = Buffer.from('conv2d 3x3 s1 relu; matmul 16x16 int8; requant >>7; ');
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = text[i % text.length]!;
  return out;
}

export function makeImage(o: TestImage = {}): Uint8Array {
  const n = o.bodyBytes ?? 0;
  const image = buildImage({
    boards: o.boards ?? ['CEMU'],
    version: o.version ?? { major: 2, minor: 1, patch: 3, build: 42 },
    manifest: o.manifest ?? { tiles: 2, throttle: false, functional: true },
    body: o.body === 'pattern' ? patternBytes(n) : seededBytes(n, o.seed),
    development: true,
  });
  const key = o.key === undefined ? devPrivateKey() : o.key;
  return key === null ? image : signImage(image, key);
}
