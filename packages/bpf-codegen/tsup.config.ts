import { defineConfig } from 'tsup';
import { declarationCompilerOptions } from '../../tools/tsup/declarations.js';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: { compilerOptions: declarationCompilerOptions },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
