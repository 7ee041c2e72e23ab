// Tensor files for `cotenant infer`: NumPy .npy (format 1.0–3.0, little-endian float32,
// int8 or uint8, C order) and raw .bin (the input's own type, ONNX layout).
import { ConfigError } from '../boards/errors.ts';

export type TensorData = Float32Array | Int8Array | Uint8Array;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, 'f4' | 'i1' | 'u1'> = {
  '<f4': 'f4',
  '|i1': 'i1',
  '|u1': 'u1',
  '<i1': 'i1',
  '<u1': 'u1',
};

export function parseNpy(bytes: Uint8Array, label: string): { data: TensorData; shape: number[] } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new ConfigError(`${label}: not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const kind = descr === undefined ? undefined : DESCR[descr];
  if (kind === undefined)
    throw new ConfigError(
      `${label}: dtype ${descr ?? '?'} is not supported (float32, int8 or uint8, little-endian)`,
    );
  if (fortran !== 'False')
    throw new ConfigError(`${label}: Fortran-ordered arrays are not supported (save in C order)`);
  const shape = (shapeText ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const size = kind === 'f4' ? 4 : 1;
  if (bytes.length - start < count * size)
    throw new ConfigError(
      `${label}: shape (${shape.join(', ')}) needs ${count * size} data bytes, the file has ${bytes.length - start}`,
    );
  const body = Uint8Array.from(bytes.subarray(start, start + count * size)); // a copy (Buffer.slice is a view)
  const data =
    kind === 'f4' ? new Float32Array(body.buffer) : kind === 'i1' ? new Int8Array(body.buffer) : body;
  return { data, shape };
}

export function formatNpy(data: TensorData, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Int8Array ? '|i1' : '|u1';
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
