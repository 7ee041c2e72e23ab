// `--link-jitter` of run and analyze: the release jitter J the analysis counts for every
// tenant (docs/scheduler.md, "The link"), in board cycles or board time ("40000", "40000cyc",
// "200us"). Without it a free-running board's J is derived from round trips measured at the
// start, and a lockstep board's is 0.
import { ConfigError } from '../../boards/errors.ts';
import { durationSchema, toCycles } from '../scenario/duration.ts';
import type { LinkTerm } from '../executor/session.ts';

export const LINK_JITTER_HELP =
  'release jitter J of every tenant: board cycles or board time ("40000", "200us"); default: measured on a free-running board, 0 on a lockstep one';

export function parseLinkJitter(value: string | undefined, clockHz: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*0+(\.0*)?\s*$/.test(value)) return 0;
  const parsed = durationSchema.safeParse(/^\s*[0-9.e+-]+\s*$/i.test(value) ? Number(value) : value);
  if (!parsed.success || 'xIsolated' in parsed.data)
    throw new ConfigError(
      `--link-jitter ${value}: give board cycles or a board time, e.g. --link-jitter 40000 or --link-jitter 200us`,
    );
  return toCycles(parsed.data, clockHz);
}

/** One line for people: what the analysis counted for the link. */
export function describeLink(l: LinkTerm): string {
  const where = l.lockstep ? 'lockstep board' : `free-running board at speed ${l.speed}`;
  const how =
    l.source === 'measured'
      ? `from ${l.roundTrips!.samples} round trips measured now (max ${l.roundTrips!.maxMs.toFixed(3)} ms; --link-jitter to set it)`
      : l.source === 'given'
        ? 'as given (--link-jitter)'
        : "the host's latency never shows";
  return `link: ${where}; release jitter J = ${l.jitter} cycles${l.lockstep ? '' : ' (also the shortest a granule counts)'}, ${how}\n`;
}
