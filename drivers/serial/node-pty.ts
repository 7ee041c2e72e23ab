// node-pty, loaded only when a PTY is served. It is an optional dependency: it ships no Linux
// prebuilt binary and builds from source with node-gyp (python3, make, a C++ compiler), so
// `npm ci` on a slim image skips it when the build fails and everything but `emu --pty` works.
import { createRequire } from 'node:module';
import { ConfigError } from '../../boards/errors.ts';

/** What pty-server.ts uses of node-pty. open() exists at run time (lib/index.js) but is
 *  missing from node-pty's typings. */
export interface PtyPair {
  master: {
    on(ev: 'data', l: (d: Buffer) => void): void;
    on(ev: 'error', l: (e: Error) => void): void;
    destroy(): void;
  };
  slave: { destroy(): void };
  ptsName: string;
  _fd: number;
}
export interface NodePty {
  open(o: { encoding: null }): PtyPair;
}

export const NODE_PTY_INSTALL_HINT =
  'serving a board on a pseudo-terminal needs the optional package node-pty, which is not installed ' +
  '(it builds from source: install python3, make and a C++ compiler, e.g. apt-get install python3 make g++, ' +
  'then run npm install node-pty). Everything else works without it.';

let cached: NodePty | undefined;

/** Loads node-pty, or throws ConfigError saying what to install. `load` replaces require (tests). */
export function loadNodePty(load?: (id: string) => unknown): NodePty {
  if (load === undefined && cached !== undefined) return cached;
  let mod: unknown;
  try {
    mod = (load ?? createRequire(import.meta.url))('node-pty');
  } catch (err) {
    throw new ConfigError(NODE_PTY_INSTALL_HINT, { cause: err });
  }
  const m = mod as Partial<NodePty> & { default?: Partial<NodePty> };
  const open = m.open ?? m.default?.open;
  if (typeof open !== 'function')
    throw new ConfigError(`${NODE_PTY_INSTALL_HINT} (the installed node-pty has no open())`);
  const pty: NodePty = { open: (o) => open(o) };
  if (load === undefined) cached = pty;
  return pty;
}
