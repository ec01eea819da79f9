/**
 * What every package's `tsup.config.ts` builds: the JavaScript of `dist/` only. The bundled
 * declarations (`dist/*.d.ts`) of all packages come from one process, the root
 * `build:declarations` task (`tools/build/declarations.ts`), which each package's `build`
 * depends on (turbo.json); a declaration build per package paid TypeScript's start-up 13 times
 * (see CONTRIBUTING.md, "How long the loop takes").
 *
 * A package whose config is the default points at this file
 * (`export { default } from '../../tools/tsup/package.js'`); one that differs passes what
 * differs to {@link packageConfig}.
 */
import { defineConfig, type Options } from 'tsup';

/**
 * What `clean` keeps in `dist/` (tsup removes every other file before a build): the
 * declarations, which the declaration task may already have written.
 */
export const keepDeclarations = ['!**/*.d.ts'];

/** The shared tsup options (ESM for Node 20, source maps, `src/index.ts`), then `options`. */
export function packageConfig(options: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: keepDeclarations,
    target: 'node20',
    ...options,
  };
}

export default defineConfig(packageConfig());
