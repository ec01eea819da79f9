/**
 * Builds the production bundle once for the whole test run (the end-to-end test serves it and
 * the bundle test inspects it) and hands its description to the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { buildApp, type BuildReport } from './support/build-app.js';

declare module 'vitest' {
  export interface ProvidedContext {
    playgroundBuild: BuildReport;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outDir = await mkdtemp(join(tmpdir(), 'syscage-playground-dist-'));
  project.provide('playgroundBuild', await buildApp(outDir));
  return () => rm(outDir, { recursive: true, force: true });
}
