// The library API: `import { openBoard, loadModel, Runtime } from 'cotenant'` (docs/api.md).
// Like the CLI, this entry point composes a board, a transport and the runtime; library
// code below it never prints.
import type { Device } from '../../drivers/device.ts';
import { openDevice } from '../cli/open-device.ts';
import { loadModelPath } from '../import/load.ts';
import type { ModelPackage } from '../models/package.ts';

export { Runtime } from './runtime.ts';
export type {
  AdmissionVerdict,
  InferOptions,
  InferResult,
  RuntimeStats,
  Tenant,
  TenantOptions,
} from './types.ts';
export type { ModelPackage, TensorQuant } from '../models/package.ts';
export type { OutputTensor } from '../infer.ts';
export type { Device as Board } from '../../drivers/device.ts';
export {
  CotenantError,
  AdmissionError,
  ConfigError,
  ModelError,
  TimeoutError,
  DisconnectedError,
  DeviceFault,
} from '../../boards/errors.ts';

/** Opens a board by the same spec strings as `--board`: a board id (`emu`, `moca-8t`, the
 *  in-process emulator), `emu:<board>`, `serial:<path>[@baud]`, `shm:<board>`, `pcie:<dev>`.
 *  Emulated boards are opened in functional mode, so inferences compute real outputs. */
export function openBoard(spec: string): Promise<Device> {
  return openDevice(spec, { mode: 'functional' });
}

/** A model: a package folder written by `cotenant import`, or a QDQ-quantized `.onnx` file
 *  (imported in memory). */
export function loadModel(path: string): Promise<ModelPackage> {
  return loadModelPath(path);
}
