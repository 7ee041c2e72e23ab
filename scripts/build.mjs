// Bundles the CLI into one ESM file. Native addons (serialport, node-pty) stay external:
// they load their compiled binding from node_modules at run time.
import { build } from 'esbuild';

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
