// One HIL contract suite, many targets (drivers/hil/cases.ts). Real hardware runs when
// COTENANT_BOARD names it (e.g. serial:/dev/ttyUSB0@3000000 or pcie:/dev/xdma0); otherwise
// those cases are listed as skipped with the reason.
import test from 'ava';
import { HIL_CASES } from '../../drivers/hil/cases.ts';
import type { Device } from '../../drivers/device.ts';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { CI_BACKENDS, type Backend } from './backends.ts';

function register(backend: Backend): void {
  let opened: Promise<{ device: Device; cleanup(): Promise<void> }> | undefined;
  const device = async (): Promise<Device> => (await (opened ??= backend.open())).device;
  for (const c of HIL_CASES) {
    test.serial(`${backend.name}: ${c.name}`, async (t) => {
      await t.notThrowsAsync(c.run(await device()));
    });
  }
  test.after.always(async () => {
    if (opened) await (await opened).cleanup();
  });
}

for (const b of CI_BACKENDS) register(b);

const real = process.env['COTENANT_BOARD'];
if (real) {
  register({
    name: `COTENANT_BOARD=${real}`,
    async open() {
      const d = await openDevice(real);
      return { device: d, cleanup: () => d.close() };
    },
  });
} else {
  for (const c of HIL_CASES)
    test.skip(`real board: ${c.name} — skipped: set COTENANT_BOARD=serial:/dev/ttyUSB0@3000000 or pcie:/dev/xdma0 to run on hardware`, () =>
      undefined);
}
