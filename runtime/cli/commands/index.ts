// Every CLI command, one module each. Add a line per new command module.
import type { Command } from 'commander';
import { registerBoards } from './boards.ts';
import { registerModels } from './models.ts';
import { registerProfile } from './profile.ts';
import { registerRun } from './run.ts';
import { registerAnalyze } from './analyze.ts';
import { registerCompare } from './compare.ts';
import { registerEmu } from './emu.ts';
import { registerPorts } from './ports.ts';
import { registerHello } from './hello.ts';
import { registerHil } from './hil.ts';
import { registerKeygen } from './keygen.ts';
import { registerImage } from './image.ts';
import { registerFlash } from './flash.ts';
import { registerConfirm } from './confirm.ts';
import { registerRollback } from './rollback.ts';
import { registerImport } from './import.ts';
import { registerInfer } from './infer.ts';
import { registerEval } from './eval.ts';

export function registerAll(program: Command): void {
  registerBoards(program);
  registerModels(program);
  registerProfile(program);
  registerRun(program);
  registerImport(program);
  registerInfer(program);
  registerAnalyze(program);
  registerCompare(program);
  registerEval(program);
  registerKeygen(program);
  registerImage(program);
  registerFlash(program);
  registerConfirm(program);
  registerRollback(program);
  registerEmu(program);
  registerPorts(program);
  registerHello(program);
  registerHil(program);
}
