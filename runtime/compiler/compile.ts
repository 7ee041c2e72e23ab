// compileModel: model table → per-step, per-tile programs inside the tenant's region.
import { CompileError, ConfigError } from '../../boards/errors.ts';
import { encodeProgram, instr, type Instruction } from '../../boards/isa/index.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { ModelTable } from '../models/types.ts';
import { l2ReadBytes, loopTileCount } from './cost.ts';
import { emitOp } from './emit.ts';
import { alignUp, placeBuffers } from './layout.ts';
import { lowerModel } from './lower.ts';
import { planSteps } from './plan.ts';
import type {
  CompiledModel,
  CompiledStep,
  CompileOptions,
  GranuleSpec,
  LayerPlan,
  LoopOp,
  SymAddr,
} from './types.ts';

function checkOptions(board: BoardDefinition, opts: CompileOptions): void {
  if (!Number.isInteger(opts.tiles) || opts.tiles < 1 || opts.tiles > board.tiles) {
    throw new ConfigError(
      `tiles must be an integer from 1 to ${board.tiles} on board ${board.id} (got ${opts.tiles})`,
    );
  }
  const g: GranuleSpec = opts.granule;
  if (g.kind === 'block' && (!Number.isInteger(g.layers) || g.layers < 1))
    throw new ConfigError(`block granule needs a positive layer count (got ${g.layers})`);
  if (g.kind === 'cycles' && (!Number.isFinite(g.max) || g.max < 1))
    throw new ConfigError(`cycles granule needs a positive cycle budget (got ${g.max})`);
  if (g.kind !== 'layer' && g.kind !== 'block' && g.kind !== 'cycles')
    throw new ConfigError(`unknown granule kind; valid: layer, block, cycles`);
  const dramEnd = board.dram.base + board.dram.bytes;
  if (
    !Number.isInteger(opts.regionBase) ||
    opts.regionBase < board.dram.base ||
    opts.regionBase >= dramEnd ||
    opts.regionBase % 64 !== 0
  ) {
    throw new ConfigError(
      `regionBase 0x${opts.regionBase.toString(16)} must be a 64-byte aligned address in the board's DRAM [0x${board.dram.base.toString(16)}, 0x${dramEnd.toString(16)})`,
    );
  }
}

function resolveOp(op: LoopOp, base: readonly number[]): LoopOp<number> {
  const r = (x: SymAddr): number => base[x.buf]! + x.off;
  switch (op.kind) {
    case 'matmul':
      return { ...op, a: r(op.a), b: r(op.b), bias: op.bias && r(op.bias), c: r(op.c) };
    case 'conv':
      return { ...op, a: r(op.a), b: r(op.b), bias: op.bias && r(op.bias), c: r(op.c) };
    case 'resadd':
      return { ...op, a: r(op.a), b: r(op.b), c: r(op.c) };
    case 'pool':
      return { ...op, a: r(op.a), c: r(op.c) };
    case 'vec':
      return { ...op, a: r(op.a), c: r(op.c) };
  }
}

export function compileModel(model: ModelTable, board: BoardDefinition, opts: CompileOptions): CompiledModel {
  checkOptions(board, opts);
  const lowered = lowerModel(model);
  const planned = planSteps(lowered.layers, opts.tiles, opts.granule, board, model.name);
  const place = placeBuffers(lowered.buffers, planned, opts.regionBase, lowered.inputBuf, lowered.outputBuf);
  const base = place.base;

  // Programs, placed after the data.
  let at = place.dataEnd;
  const steps: CompiledStep[] = planned.map((s, index) => {
    const byTile = new Map<number, Instruction[]>();
    for (const p of s.parts) {
      const words = byTile.get(p.tile) ?? [];
      if (words.length > 0) words.push(instr('FENCE')); // later layers may read what earlier ones wrote
      words.push(...emitOp(resolveOp(p.op, base), p.cost.tiles));
      byTile.set(p.tile, words);
    }
    const programs = [...byTile.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([tile, words]) => {
        const bytes = encodeProgram([...words, instr('GRANULE_END', { tag: index }), instr('END')]);
        const ref = { tile, address: at, bytes };
        at = alignUp(at + bytes.length);
        return ref;
      });
    return {
      index,
      tag: index,
      layers: { first: s.first, last: s.last },
      programs,
      macs: s.parts.reduce((x, p) => x + p.cost.macs, 0),
      readBytes: s.parts.reduce((x, p) => x + p.cost.readBytes, 0),
      writeBytes: s.parts.reduce((x, p) => x + p.cost.writeBytes, 0),
      estCycles: s.estCycles,
      loopTiles: Math.max(
        ...[...byTile.keys()].map((tile) =>
          s.parts.reduce((x, p) => x + (p.tile === tile ? loopTileCount(p.op, p.cost.tiles) : 0), 0),
        ),
      ),
      l2ReadBytes: s.parts.reduce((x, p) => x + l2ReadBytes(p.op, p.cost.tiles, board, p.cost.readBytes), 0),
    };
  });
  const regionBytes = at - opts.regionBase;
  if (opts.regionBase + regionBytes > board.dram.base + board.dram.bytes) {
    throw new CompileError(
      `model ${model.name} needs ${regionBytes} bytes of DRAM from 0x${opts.regionBase.toString(16)}, past the end of board ${board.id}'s DRAM; use a lower regionBase`,
    );
  }

  const plans: LayerPlan[] = lowered.layers.map((ll) => ({
    layer: ll.index,
    name: ll.layer.name,
    ops: ll.ops.map((op) => resolveOp(op, base)),
  }));
  const bufBytes = (id: number) => lowered.buffers[id]!.bytes;
  return {
    model: model.name,
    board: board.id,
    tiles: opts.tiles,
    steps,
    layout: {
      regionBase: opts.regionBase,
      regionBytes,
      input: { address: base[lowered.inputBuf]!, bytes: model.input.h * model.input.w * model.input.c },
      output: { address: base[lowered.outputBuf]!, bytes: bufBytes(lowered.outputBuf) },
      weights: lowered.layers.map((ll) =>
        ll.weights
          ? { address: base[ll.weights.buf]!, bytes: bufBytes(ll.weights.buf) }
          : { address: 0, bytes: 0 },
      ),
    },
    totals: {
      macs: steps.reduce((x, s) => x + s.macs, 0),
      readBytes: steps.reduce((x, s) => x + s.readBytes, 0),
      writeBytes: steps.reduce((x, s) => x + s.writeBytes, 0),
      estCycles: steps.reduce((x, s) => x + s.estCycles, 0),
    },
    plans,
    functional: opts.functional ?? false,
  };
}
