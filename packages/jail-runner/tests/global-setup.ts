// Builds the launcher script once per test run, so each launch starts plain Node instead of
// Node with a TypeScript loader (the tests point SYSCAGE_LAUNCHER at it, see vitest.config.ts).
import { build } from 'tsup';
import { launcherBuildDir } from '../vitest.config.js';

export default async function setup(): Promise<void> {
  await build({
    entry: { launcher: 'src/launcher.ts' },
    outDir: launcherBuildDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    config: false,
    dts: false,
    clean: true,
    silent: true,
  });
}
