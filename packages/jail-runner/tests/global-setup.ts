// Builds the launcher script once per test run, so each launch starts plain Node instead of
// Node with a TypeScript loader (the tests point SYSCAGE_LAUNCHER at it, see vitest.config.ts).
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { launcherBuildDir } from '../vitest.config.js';

// Absolute, since the root vitest config runs this with the repository as the working folder.
const launcherSource = fileURLToPath(new URL('../src/launcher.ts', import.meta.url));

export default async function setup(): Promise<void> {
  await build({
    entry: { launcher: launcherSource },
    outDir: launcherBuildDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    config: false,
    dts: false,
    clean: true,
    silent: true,
    // koffi loads its native binary from its own folder: keep it a runtime import.
    external: ['koffi'],
  });
}
