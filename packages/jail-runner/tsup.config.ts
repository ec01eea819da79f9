import { defineConfig } from 'tsup';
import { nodeDeclarationCompilerOptions } from '../../tools/tsup/declarations.js';

export default defineConfig({
  // launcher.ts is the script the runner starts as the launcher and supervisor processes.
  entry: ['src/index.ts', 'src/launcher.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts', compilerOptions: nodeDeclarationCompilerOptions },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
