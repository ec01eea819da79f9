/**
 * Benchmark (issue 18 item 4): `syscage build` of the repository's policies/ tree against
 * compiling the same filters alone, in one process and one run. Target: the build takes at most
 * 1.5× the CPU time of the compiles.
 *
 * - compile only: for every loaded policy of every architecture folder (the list is made before
 *   timing), `resolvePolicy` with one parse cache and `compilePolicy` with the build's defaults,
 *   then `encodeProgram`: the compiler's work and nothing else;
 * - build: `syscage build policies -o <tmp> --summary json` through `runCli`, with everything it
 *   does by default (naming and review lint, proofs of every distinct program, analysis for the
 *   manifest, the audit at level `high`, output).
 *
 * The two alternate, after one untimed warm-up each, `SYSCAGE_BENCH_ROUNDS` times (default 3), and
 * the medians of CPU time (user + system of this process, so load from elsewhere counts less
 * than in wall time) are compared. Each round also times the build's own steps alone on the same
 * filters (naming lint, proofs, analysis, the audit at its default level), to say where the rest
 * goes; proofs and analysis here take every filter, the build only each distinct program (each
 * step with one shared cache per round, as the build makes one; the audit too).
 *
 * Run with `pnpm bench` in this package (`pnpm --filter @syscage/cli bench` from the root).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArchTable, loadArchTable } from '@syscage/arch-tables';
import { type BpfProgram, type LoweredPolicy, auditProgram, compilePolicy, createAnalysisCache, createAuditCache, createProofCache, encodeProgram } from '@syscage/bpf-codegen';
import { classifyPolicyFileName, createParseCache, defaultIncludeMap, isDevicePolicyName, lintPolicyTree, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { analyzeBuiltProgram } from '../src/build/analysis.js';
import { runCli } from '../src/index.js';
import { compileDefaults } from '../src/options.js';
import { proofFailure } from '../src/proof.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const treeDir = join(repoRoot, 'policies');
const rounds = Number(process.env.SYSCAGE_BENCH_ROUNDS ?? '3');
const target = 1.5;
const out = mkdtempSync(join(tmpdir(), 'syscage-build-speed-'));
const quiet = { stdout: (): void => undefined, stderr: (text: string): void => void process.stderr.write(text), color: false, cwd: repoRoot, debug: false };

// The filters build compiles: every loaded policy (by the tree's naming convention) of every
// architecture folder, with each architecture's table.
interface Job {
  readonly entry: string;
  readonly arch: string;
  readonly table: ArchTable;
}
const jobs: Job[] = [];
for (const folder of readdirSync(treeDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
  const loaded = await loadArchTable(folder, (specifier) => import(specifier));
  if (!loaded.ok) throw new Error(loaded.message);
  for (const file of readdirSync(join(treeDir, folder)).sort()) {
    const role = classifyPolicyFileName(file);
    if (role.kind === 'loaded' || role.kind === 'process') jobs.push({ entry: join(treeDir, folder, file), arch: loaded.table.name, table: loaded.table });
  }
}
// The defaults `syscage build` compiles with (no --default-action, no --kill-thread).
const compileOptions = compileDefaults({});

function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

interface Compiled {
  readonly entry: string;
  readonly program: BpfProgram;
  readonly lowered: LoweredPolicy;
  readonly table: ArchTable;
}

function compileOnly(): Compiled[] {
  const host = createNodeHost();
  const cache = createParseCache();
  const compiled: Compiled[] = [];
  for (const job of jobs) {
    const resolved = resolvePolicy(job.entry, { host, cache, arch: job.arch, includeMap: defaultIncludeMap(job.entry), includeRoots: [treeDir] });
    const result = compilePolicy(resolved, job.table, compileOptions);
    if (result.program === undefined || result.lowered === undefined) throw new Error(`${job.entry} does not compile`);
    encodeProgram(result.program, { byteOrder: job.table.endianness });
    compiled.push({ entry: job.entry, program: result.program, lowered: result.lowered, table: job.table });
  }
  return compiled;
}

async function build(): Promise<number> {
  const before = process.cpuUsage();
  const code = await runCli(['build', 'policies', '-o', join(out, 'build'), '--summary', 'json'], quiet);
  const used = process.cpuUsage(before);
  if (code !== 0) throw new Error(`build exited ${code}`);
  return (used.user + used.system) / 1000;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

// Warm-up: JIT, module cache, the arch tables.
let programs = compileOnly();
await build();
const compileTimes: number[] = [];
const buildTimes: number[] = [];
// The build's own steps, each alone on the same filters, in every round.
const stepNames = ['naming lint of the tree', 'proofs (verifyProgram)', 'analysis for the manifest', 'audit (auditProgram)'] as const;
const stepTimes = new Map<string, number[]>(stepNames.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  compileTimes.push(
    cpuMs(() => {
      programs = compileOnly();
    }),
  );
  buildTimes.push(await build());
  stepTimes.get(stepNames[0])?.push(cpuMs(() => void lintPolicyTree(treeDir, { host: createNodeHost(), lint: 'error', includeMap: [], cache: createParseCache() })));
  // One proof cache per round, as the build makes one.
  stepTimes.get(stepNames[1])?.push(
    cpuMs(() => {
      const proofs = createProofCache();
      for (const { lowered, program, table } of programs) proofFailure(lowered, program, table, proofs);
    }),
  );
  // One analysis cache per round, as the build makes one.
  stepTimes.get(stepNames[2])?.push(
    cpuMs(() => {
      const shared = createAnalysisCache();
      for (const { lowered, program, table } of programs) analyzeBuiltProgram(program, lowered, table, shared);
    }),
  );
  stepTimes.get(stepNames[3])?.push(
    cpuMs(() => {
      const cache = createAuditCache();
      for (const { entry, lowered, program, table } of programs) auditProgram(program, { arch: table, device: isDevicePolicyName(entry), policy: lowered, cache });
    }),
  );
}
rmSync(out, { recursive: true, force: true });

const compileMedian = median(compileTimes);
const buildMedian = median(buildTimes);
const ratio = buildMedian / compileMedian;
const proofs = median(stepTimes.get(stepNames[1]) ?? []);
console.log(`build of policies/ (${jobs.length} filters): ${buildMedian.toFixed(0)} ms CPU; compiling the same filters alone: ${compileMedian.toFixed(0)} ms CPU (medians of ${rounds})`);
for (const name of stepNames) {
  const ms = median(stepTimes.get(name) ?? []);
  console.log(`  of which ${name}: ${ms.toFixed(0)} ms (${((100 * ms) / buildMedian).toFixed(0)}% of the build)`);
}
// `syscage compile` proves each program too (issue 21), so compiling and proving is the other floor.
console.log(`  build takes ${(buildMedian / (compileMedian + proofs)).toFixed(2)}× compiling and proving the same filters (what syscage compile does for each)`);
console.log(`${ratio <= target ? 'PASS' : 'FAIL'} build takes ${ratio.toFixed(2)}× compile-only (≤ ${target}×)`);
process.exitCode = ratio <= target ? 0 : 1;
