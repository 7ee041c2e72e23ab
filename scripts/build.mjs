// Bundles the CLI into one ESM file. Native addons (serialport, node-pty) stay external:
// they load their compiled binding from node_modules at run time.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

await build({
  entryPoints: ['runtime/cli/main.ts'],
  outfile: 'dist/cotenant.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['serialport', '@serialport/*', 'node-pty'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

// The library API (`import { openBoard, loadModel, Runtime } from 'cotenant'`, docs/api.md):
// one ESM bundle beside the CLI (so shm: finds its worker) plus .d.ts files from tsc.
await build({
  entryPoints: ['runtime/api/index.ts'],
  outfile: 'dist/api.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['serialport', '@serialport/*', 'node-pty'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.api.json'], {
  stdio: 'inherit',
});

// The shared-memory PCIe backend runs the emulator in a worker thread; drivers/pcie/shm.ts
// loads this file from beside dist/cotenant.mjs.
await build({
  entryPoints: ['drivers/pcie/shm-worker.ts'],
  outfile: 'dist/shm-worker.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

// `cotenant eval moca` runs its cells on worker threads; runtime/cli/commands/eval-moca.ts
// loads this file from beside dist/cotenant.mjs.
await build({
  entryPoints: ['runtime/cli/eval-moca-worker.ts'],
  outfile: 'dist/eval-moca-worker.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['serialport', '@serialport/*', 'node-pty'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
