import test from 'ava';
import { readFileSync } from 'node:fs';
import { cliReference } from '../../runtime/cli/program.ts';

test('docs/cli.md is the help text of the CLI as built (run `npm run docs:cli` after changing a command)', (t) => {
  const onDisk = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  t.is(onDisk, cliReference());
});
