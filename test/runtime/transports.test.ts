// Issue 3: the same scenario and seed give the same traceDigest in-process, over a real
// PTY (serial transport, emulator served by PtyBoardServer) and over shared memory (the
// emulator in a worker behind the shm PCIe function). The digest covers every arrival,
// step start (tiles, throttle settings), step end and outcome with its board cycle, so
// equality means the transports drove the board through the same lockstep history.
import test from 'ava';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import type { Device } from '../../drivers/device.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../../runtime/executor/compile-adapter.ts';
import { runLoaded, type SessionResult } from '../../runtime/executor/session.ts';
import { loadScenarioFile, type LoadedScenario } from '../../runtime/scenario/resolve.ts';
import type { PolicyName } from '../../runtime/scenario/schema.ts';

const loaded = loadScenarioFile(new URL('fixtures/transports.json', import.meta.url).pathname);

async function runOn(
  device: Device,
  policy: PolicyName,
  scenario: LoadedScenario = loaded,
): Promise<SessionResult> {
  try {
    return await runLoaded(scenario, {
      device,
      compile: zooCompiler(device.board),
      layersOf: zooLayers,
      policy,
    });
  } finally {
    await device.close();
  }
}

/** Both policies: cotenant (one lane, no throttling here) and moca (throttle writes). */
const POLICIES: readonly PolicyName[] = ['cotenant', 'moca'];

test('same scenario and seed → same traceDigest in-process, over a real PTY and over shared memory', async (t) => {
  for (const policy of POLICIES) {
    const inproc = await runOn(await openDevice('emu'), policy);
    const shm = await runOn(await openDevice('shm:emu'), policy);
    const server = new PtyBoardServer(createEmulatedBoard(BOARDS.emu));
    let serial: SessionResult;
    try {
      serial = await runOn(await openDevice(`serial:${server.path}`), policy);
    } finally {
      server.close();
    }
    // The run did real work: every request ended, some of them under contention.
    t.is(inproc.exec.records.length, 16, policy);
    t.true(
      inproc.perTenant.every((x) => x.requests > 0),
      policy,
    );
    t.is(shm.traceDigest, inproc.traceDigest, `${policy}: shm`);
    t.is(serial.traceDigest, inproc.traceDigest, `${policy}: serial over PTY`);
    t.deepEqual(serial.overall, inproc.overall, `${policy}: serial metrics`);
    t.deepEqual(shm.overall, inproc.overall, `${policy}: shm metrics`);
    if (policy === 'moca') {
      // MoCA's regulator throttled at least one step, so THROTTLE writes crossed every link.
      const throttled = inproc.exec.trace.filter((r) => r.k === 'start' && r.throttle.some((v) => v !== 0));
      t.true(throttled.length > 0, 'moca throttled some step');
    }
  }
});

test('the digest is not a constant: another seed changes it', async (t) => {
  const other: LoadedScenario = {
    ...loaded,
    scenario: { ...loaded.scenario, seed: loaded.scenario.seed + 1 },
  };
  const a = await runOn(await openDevice('emu'), 'cotenant');
  const b = await runOn(await openDevice('emu'), 'cotenant', other);
  t.not(a.traceDigest, b.traceDigest);
});
