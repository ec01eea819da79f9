import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  // The output is a data table; a source map would more than double the install size and map
  // only object literals.
  sourcemap: false,
  clean: true,
  target: 'node20',
});
