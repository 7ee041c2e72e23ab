// Reading ONNX TensorProto initializers (raw_data or the typed repeated fields) into plain
// numbers, and the attribute helpers the importer uses.
import type { onnx } from 'onnx-proto';
import { ModelError } from '../../boards/errors.ts';

export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

interface LongLike {
  toNumber(): number;
}

export function num(v: number | LongLike | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export interface ConstTensor {
  readonly name: string;
  readonly dims: number[];
  readonly dataType: number;
  /** Element values (exact for every supported type: float32, int8/uint8, int32, int64 < 2^53). */
  readonly values: Float64Array;
}

const ELEM_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8 };

export function readTensor(t: onnx.ITensorProto): ConstTensor {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map((d) => num(d));
  const dataType = t.dataType ?? 0;
  const count = dims.reduce((a, b) => a * b, 1);
  const size = ELEM_BYTES[dataType];
  if (size === undefined)
    throw new ModelError(
      `initializer ${name}: data type ${dataType} is not supported (float32, int8, uint8, int32, int64 are)`,
    );
  if ((t.externalData ?? []).length > 0 || t.dataLocation === 1)
    throw new ModelError(
      `initializer ${name}: external data files are not supported; save the model with its weights inside`,
    );
  const values = new Float64Array(count);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== count * size)
      throw new ModelError(
        `initializer ${name}: raw_data has ${raw.length} bytes, dims need ${count * size}`,
      );
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    for (let i = 0; i < count; i++) {
      switch (dataType) {
        case DT.FLOAT:
          values[i] = view.getFloat32(4 * i, true);
          break;
        case DT.UINT8:
          values[i] = view.getUint8(i);
          break;
        case DT.INT8:
          values[i] = view.getInt8(i);
          break;
        case DT.INT32:
          values[i] = view.getInt32(4 * i, true);
          break;
        default:
          values[i] = Number(view.getBigInt64(8 * i, true));
      }
    }
    return { name, dims, dataType, values };
  }
  const src: readonly (number | LongLike)[] =
    dataType === DT.FLOAT
      ? (t.floatData ?? [])
      : dataType === DT.INT64
        ? (t.int64Data ?? [])
        : (t.int32Data ?? []);
  if (src.length !== count)
    throw new ModelError(`initializer ${name}: has ${src.length} values, dims need ${count}`);
  for (let i = 0; i < count; i++) {
    const v = num(src[i]);
    // int8 stored in int32_data keeps its sign; uint8 its value
    values[i] = dataType === DT.FLOAT ? Math.fround(v) : v;
  }
  return { name, dims, dataType, values };
}

export type Attrs = ReadonlyMap<string, onnx.IAttributeProto>;

export function attrsOf(node: onnx.INodeProto): Attrs {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}

export function attrInt(a: Attrs, name: string, dflt: number): number {
  const v = a.get(name);
  return v ? num(v.i) : dflt;
}

export function attrInts(a: Attrs, name: string): number[] | undefined {
  const v = a.get(name);
  return v ? (v.ints ?? []).map((x) => num(x)) : undefined;
}

export function attrFloat(a: Attrs, name: string): number | undefined {
  const v = a.get(name);
  return v ? (v.f ?? 0) : undefined;
}

export function attrString(a: Attrs, name: string): string | undefined {
  const v = a.get(name);
  return v?.s ? new TextDecoder().decode(v.s) : undefined;
}
