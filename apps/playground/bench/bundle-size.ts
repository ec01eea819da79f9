/**
 * `pnpm bench`: builds the production bundle and prints every file's size, raw and gzipped, and
 * what a first visit downloads (the architecture tables are separate, lazily loaded chunks).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, formatBuildReport } from '../tests/support/build-app.js';

const outDir = await mkdtemp(join(tmpdir(), 'syscage-playground-bench-'));
try {
  const report = await buildApp(outDir);
  process.stdout.write(`playground production bundle\n${formatBuildReport(report)}\n`);
} finally {
  await rm(outDir, { recursive: true, force: true });
}
