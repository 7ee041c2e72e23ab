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
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
