// The model zoo: the repo's own layer tables (runtime/models/zoo/*.json, generated once by
// scripts/gen-zoo.ts), validated on load.
import { ModelError } from '../../boards/errors.ts';
import { parseModel } from './schema.ts';
import type { ModelTable } from './types.ts';
import alexnet from './zoo/alexnet.json' with { type: 'json' };
import bertBase from './zoo/bert-base.json' with { type: 'json' };
import googlenet from './zoo/googlenet.json' with { type: 'json' };
import kws from './zoo/kws.json' with { type: 'json' };
import mobilenetv2 from './zoo/mobilenetv2.json' with { type: 'json' };
import resnet50 from './zoo/resnet50.json' with { type: 'json' };
import squeezenet from './zoo/squeezenet.json' with { type: 'json' };
import yololite from './zoo/yololite.json' with { type: 'json' };
import yolov2 from './zoo/yolov2.json' with { type: 'json' };

export type * from './types.ts';
export { parseModel } from './schema.ts';
export { modelTotals, layerMacs, layerWeightBytes, layerBiasCount } from './metrics.ts';

const RAW: Readonly<Record<string, unknown>> = {
  resnet50,
  alexnet,
  googlenet,
  squeezenet,
  kws,
  yolov2,
  yololite,
  'bert-base': bertBase,
  mobilenetv2,
};

const ALIASES: Readonly<Record<string, string>> = {
  'resnet-50': 'resnet50',
  resnet: 'resnet50',
  'yolo-lite': 'yololite',
  yolo_lite: 'yololite',
  'yolo-v2': 'yolov2',
  yolo: 'yolov2',
  darknet19: 'yolov2',
  bert: 'bert-base',
  bert_base: 'bert-base',
  bertbase: 'bert-base',
  'mobilenet-v2': 'mobilenetv2',
  mobilenet_v2: 'mobilenetv2',
  mobilenet: 'mobilenetv2',
  'squeezenet1.1': 'squeezenet',
  'squeezenet-1.1': 'squeezenet',
};

const cache = new Map<string, ModelTable>();

/** Canonical zoo names, in the order MoCA lists its workloads, then the extras. */
export function modelNames(): string[] {
  return Object.keys(RAW);
}

/** Canonical name for `name` (case-insensitive, aliases accepted), or undefined. */
export function resolveModelName(name: string): string | undefined {
  const key = name.trim().toLowerCase();
  if (Object.prototype.hasOwnProperty.call(RAW, key)) return key;
  return ALIASES[key];
}

export function loadModel(name: string): ModelTable {
  const canon = resolveModelName(name);
  if (canon === undefined)
    throw new ModelError(`unknown model "${name}"; valid models: ${modelNames().join(', ')}`);
  let m = cache.get(canon);
  if (m === undefined) {
    m = parseModel(RAW[canon], canon);
    cache.set(canon, m);
  }
  return m;
}
