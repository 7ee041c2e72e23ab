import test from 'ava';
import { runHil, type HilCase } from '../../drivers/hil/cases.ts';
import { junitXml } from '../../drivers/hil/junit.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { BOARDS } from '../../boards/definitions.ts';

test('runHil reports a failing case without stopping, and JUnit XML records it escaped', async (t) => {
  const cases: HilCase[] = [
    {
      name: 'passes',
      run: async (d) => {
        await d.readRegister('SCRATCH');
      },
    },
    {
      name: 'fails <badly>',
      run: async () => {
        throw new Error('SCRATCH was "7" & not 8');
      },
    },
    { name: 'after', run: async () => undefined },
  ];
  const results = await runHil(new InProcessDevice(createEmulatedBoard(BOARDS.emu)), cases);
  t.deepEqual(
    results.map((r) => r.ok),
    [true, false, true],
  );
  const xml = junitXml('suite', results);
  t.regex(xml, /<testsuite name="suite" tests="3" failures="1"/);
  t.regex(
    xml,
    /<testcase classname="suite" name="fails &lt;badly&gt;"[^>]*>\n\s*<failure message="Error: SCRATCH was &quot;7&quot; &amp; not 8">/,
  );
});
