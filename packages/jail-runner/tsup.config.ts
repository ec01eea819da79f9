import { defineConfig } from 'tsup';

export default defineConfig({
  // launcher.ts is the script the runner starts as the launcher and supervisor processes.
  entry: ['src/index.ts', 'src/launcher.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
