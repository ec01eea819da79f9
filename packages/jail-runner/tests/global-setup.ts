// Builds the programs the tests start once per test run, so each start is plain Node instead of
// Node with a TypeScript loader transforming the runner's sources again: the launcher (the tests
// point SYSCAGE_LAUNCHER at it, see vitest.config.ts) and tests/programs/nested.ts (provided to
// the tests as `nestedProgram`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Options, build } from 'tsup';
import type { TestProject } from 'vitest/node';
import { launcherBuildDir } from '../vitest.config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundled tests/programs/nested.ts: run it with `node`. */
    nestedProgram: string;
  }
}

// Absolute, since the root vitest config runs this with the repository as the working folder.
const launcherSource = fileURLToPath(new URL('../src/launcher.ts', import.meta.url));
const nestedSource = fileURLToPath(new URL('./programs/nested.ts', import.meta.url));

export default async function setup(project: TestProject): Promise<void> {
  const common: Options = {
    outDir: launcherBuildDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    config: false,
    dts: false,
    silent: true,
    // koffi loads its native binary from its own folder: keep it a runtime import.
    external: ['koffi'],
  };
  await build({ ...common, entry: { launcher: launcherSource }, clean: true });
  // The nested program runs the runner from its sources (as `--conditions=@syscage/source` did
  // under tsx): every workspace package is bundled in, only koffi stays a runtime import.
  await build({
    ...common,
    entry: { nested: nestedSource },
    noExternal: [/^(?!koffi(?:\/|$))/],
    esbuildOptions(options) {
      options.conditions = ['@syscage/source'];
    },
  });
  project.provide('nestedProgram', path.join(launcherBuildDir, 'nested.js'));
}
