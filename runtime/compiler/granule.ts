// Parsing the --granule option: "layer", "block" / "block:N", or a cycle budget ("50000",
// "50k", "2m").
import { ConfigError } from '../../boards/errors.ts';
import type { GranuleSpec } from './types.ts';

export function parseGranule(text: string): GranuleSpec {
  const s = text.trim().toLowerCase();
  if (s === 'layer') return { kind: 'layer' };
  const block = /^block(?::(\d+))?$/.exec(s);
  if (block) {
    const n = block[1] === undefined ? 4 : Number(block[1]);
    if (n < 1) throw new ConfigError(`granule "${text}": a block needs at least 1 layer`);
    return { kind: 'block', layers: n };
  }
  const cyc = /^(\d+(?:\.\d+)?)([km]?)$/.exec(s);
  if (cyc) {
    const max = Math.round(Number(cyc[1]) * (cyc[2] === 'k' ? 1e3 : cyc[2] === 'm' ? 1e6 : 1));
    if (max >= 1) return { kind: 'cycles', max };
  }
  throw new ConfigError(
    `granule "${text}" is not valid; use layer, block, block:N (layers per granule) or a cycle budget such as 50000, 50k, 2m`,
  );
}
