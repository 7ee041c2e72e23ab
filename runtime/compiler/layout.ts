// Memory layout inside the tenant's region: weight blocks first (live for the whole
// inference), then activation buffers, which share memory when their lifetimes — measured
// in steps, because pieces of one step run concurrently — do not overlap (first fit,
// earliest-born first), then the program words. All addresses absolute, 64-byte aligned.
import type { Buffer } from './lower.ts';
import type { PlannedStep } from './plan.ts';

export const ALIGN = 64;
export const alignUp = (x: number, a = ALIGN): number => Math.ceil(x / a) * a;

export interface Placement {
  /** Absolute address of every buffer (by id); buffers of 0 bytes get the region base. */
  readonly base: number[];
  /** End of weights + activations (programs go from here). */
  readonly dataEnd: number;
}

export function placeBuffers(
  buffers: readonly Buffer[],
  steps: readonly PlannedStep[],
  regionBase: number,
  inputBuf: number,
  outputBuf: number,
): Placement {
  const base = buffers.map(() => regionBase);
  let at = regionBase;
  for (const b of buffers) {
    if (b.kind !== 'weights' || b.bytes === 0) continue;
    base[b.id] = at;
    at = alignUp(at + b.bytes);
  }
  const actBase = at;

  const life = new Map<number, [number, number]>();
  steps.forEach((s, i) => {
    for (const p of s.parts)
      for (const sp of [...p.reads, ...p.writes]) {
        const l = life.get(sp.buf);
        life.set(sp.buf, l ? [Math.min(l[0], i), Math.max(l[1], i)] : [i, i]);
      }
  });
  const last = steps.length - 1;
  const lin = life.get(inputBuf);
  life.set(inputBuf, [0, lin ? lin[1] : 0]);
  const lout = life.get(outputBuf);
  life.set(outputBuf, [lout ? lout[0] : last, last]);

  const acts = buffers
    .filter((b) => b.kind !== 'weights' && b.bytes > 0 && life.has(b.id))
    .sort((x, y) => life.get(x.id)![0] - life.get(y.id)![0] || y.bytes - x.bytes || x.id - y.id);
  const placed: { lo: number; hi: number; life: [number, number] }[] = [];
  let end = actBase;
  for (const b of acts) {
    const lb = life.get(b.id)!;
    const clash = placed.filter((p) => p.life[0] <= lb[1] && lb[0] <= p.life[1]).sort((x, y) => x.lo - y.lo);
    let off = actBase;
    for (const p of clash) {
      if (off + b.bytes <= p.lo) break;
      off = Math.max(off, alignUp(p.hi));
    }
    base[b.id] = off;
    placed.push({ lo: off, hi: off + b.bytes, life: lb });
    end = Math.max(end, alignUp(off + b.bytes));
  }
  return { base, dataEnd: end };
}
