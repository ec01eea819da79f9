/**
 * `pnpm bench`: builds the production bundle and prints every file's size, raw and gzipped, and
 * what a first visit downloads (the architecture tables and examples are separate, lazily loaded
 * chunks). Then times one analysis (resolve + compile + derived views), which the page runs
 * after each pause in typing, on every example policy of the tree for each architecture.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeWorkspace, filesReachedFrom } from '../src/analysis.js';
import { APP_ROOT, buildApp, formatBuildReport } from '../tests/support/build-app.js';
import { TABLES } from '../tests/support/fixtures.js';

const outDir = await mkdtemp(join(tmpdir(), 'syscage-playground-bench-'));
try {
  const report = await buildApp(outDir);
  process.stdout.write(`playground production bundle\n${formatBuildReport(report)}\n\n`);
} finally {
  await rm(outDir, { recursive: true, force: true });
}

process.stdout.write('analysis per edit (resolve + compile + origins + tree + figures), example policies\n');
for (const [arch, table] of TABLES) {
  const folder = join(APP_ROOT, '..', '..', 'policies', arch);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    continue;
  }
  const tree = await Promise.all(names.map(async (name) => ({ path: `/policies/${arch}/${name}`, text: await readFile(join(folder, name), 'utf8') })));
  const times: number[] = [];
  let largest = 0;
  for (const entry of tree.filter((file) => file.path.endsWith('.policy'))) {
    const workspace = { arch, entry: entry.path, files: filesReachedFrom(entry.path, tree, arch) };
    analyzeWorkspace(workspace, table);
    const start = performance.now();
    const analysis = analyzeWorkspace(workspace, table);
    times.push(performance.now() - start);
    largest = Math.max(largest, analysis.compiled?.program.length ?? 0);
  }
  times.sort((left, right) => left - right);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const worst = times[times.length - 1] ?? 0;
  process.stdout.write(`  ${arch.padEnd(8)} ${String(times.length).padStart(3)} policies  median ${median.toFixed(1)} ms  max ${worst.toFixed(1)} ms  (largest program ${largest} instructions)\n`);
}
