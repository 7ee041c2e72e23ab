// A model by path: a package folder (cotenant import) or a QDQ .onnx file imported in memory.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../../boards/errors.ts';
import type { ModelPackage } from '../models/package.ts';
import { readModelPackage } from '../models/package-io.ts';
import { importOnnx } from './onnx.ts';

export async function loadModelPath(path: string): Promise<ModelPackage> {
  if (!path.toLowerCase().endsWith('.onnx')) return readModelPackage(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return importOnnx(bytes, basename(path));
}
