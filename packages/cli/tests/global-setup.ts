// Builds jail-runner's launcher once per test run. `run` and `learn` in this process start the
// launcher (and its tracer or supervisor) as Node processes; from a source checkout that is the
// TypeScript source through tsx, about 0.8 s more CPU per start than the built script. The
// tests point SYSCAGE_LAUNCHER at this build (tests/setup-launcher.ts), as jail-runner's own do;
// the spawned binary keeps its packaged launcher (helpers.ts leaves the variable out).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The launcher script built for this run. */
    syscageLauncher: string;
  }
}

const launcherSource = fileURLToPath(new URL('../../jail-runner/src/launcher.ts', import.meta.url));
// Under jail-runner's node_modules, so that the launcher's runtime import of koffi resolves.
const cacheDir = fileURLToPath(new URL('../../jail-runner/node_modules/.cache/syscage-cli-launcher', import.meta.url));

export default async function setup(project: TestProject): Promise<() => void> {
  mkdirSync(cacheDir, { recursive: true });
  // A folder of its own per project and run: runs and projects at the same time do not share one.
  const dir = mkdtempSync(join(cacheDir, 'run-'));
  const script = join(dir, 'launcher.js');
  await build({
    entryPoints: [launcherSource],
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@syscage/source'],
    // koffi loads its native binary from its own folder: keep it a runtime import.
    external: ['koffi'],
    logLevel: 'error',
  });
  project.provide('syscageLauncher', script);
  return () => {
    rmSync(dir, { recursive: true, force: true });
  };
}
