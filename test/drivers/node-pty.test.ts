// node-pty is optional (it builds from source): without it, serving a PTY says what to
// install instead of failing at import time, and nothing else needs it.
import test from 'ava';
import { ConfigError } from '../../boards/errors.ts';
import { loadNodePty } from '../../drivers/serial/node-pty.ts';

test('a missing node-pty is a ConfigError that says what to install', (t) => {
  const missing = () => {
    throw Object.assign(new Error("Cannot find module 'node-pty'"), { code: 'MODULE_NOT_FOUND' });
  };
  const err = t.throws(() => loadNodePty(missing), { instanceOf: ConfigError });
  t.regex(err.message, /optional package node-pty.*python3, make and a C\+\+ compiler.*npm install node-pty/);
  t.regex(String((err.cause as Error).message), /Cannot find module/);
});

test('the installed node-pty loads lazily and opens a PTY pair', (t) => {
  const pty = loadNodePty();
  const pair = pty.open({ encoding: null });
  t.regex(pair.ptsName, /^\/dev\/pts\/\d+$/);
  pair.slave.destroy();
  pair.master.destroy();
});
