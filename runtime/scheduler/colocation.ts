// MoCA's co-location (docs/scheduler.md, "The moca baseline"): a memory-heavy model's last
// layer block shares its tile group with a request of a lighter model, one tile each, so the
// heavy tail (memory-bound: it loses little on one tile) and the light model overlap. The
// pairs and block counts are MoCA's, per model name.
import type { VariantInfo } from './types.ts';

/** Heavy model → the lighter models it may be paired with. */
export const COLOCATION_PARTNERS: Readonly<Record<string, readonly string[]>> = {
  resnet50: ['googlenet', 'squeezenet', 'yololite', 'kws'],
  yolov2: ['googlenet', 'squeezenet', 'yololite', 'kws'],
  alexnet: ['googlenet', 'yolov2', 'kws', 'resnet50'],
};

/** Layer blocks MoCA cuts each heavy model into (AlexNet: its conv part and its FC part). */
const BLOCKS: Readonly<Record<string, number>> = { resnet50: 4, yolov2: 3, alexnet: 2 };

/**
 * First layer of a heavy model's tail block, from its compiled steps; undefined for other
 * models. ResNet-50 and YOLOv2: the last of 4 (3) blocks of equal layer count. AlexNet: its
 * FC part, the trailing steps that perform at most 2 MACs per byte they load (a fully
 * connected layer on one input uses each weight byte once; convolutions reuse theirs).
 */
export function tailStartLayer(model: string, v: VariantInfo): number | undefined {
  const n = BLOCKS[model];
  if (n === undefined || v.steps.length === 0) return undefined;
  const layers = v.steps[v.steps.length - 1]!.layers.last + 1;
  if (model !== 'alexnet') return Math.floor((layers * (n - 1)) / n);
  let i = v.steps.length;
  while (i > 0 && v.steps[i - 1]!.macs <= 2 * v.steps[i - 1]!.readBytes) i--;
  return i < v.steps.length ? v.steps[i]!.layers.first : undefined;
}
