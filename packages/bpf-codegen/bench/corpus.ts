// Benchmark: the crosvm-2022-06 corpus compiled as crosvm's build compiles it (default action
// trap, /usr/share/policy/crosvm mapped to the arch folder), measured with analyzeProgram the way
// ../shared/bench/README.md defines the figures, side by side with the peer figures of
// ../shared/bench/peers-crosvm-2022-06.csv (Minijail's Python compiler and libseccomp with the
// binary-tree optimisation). Prints PASS/FAIL per target. Run: `pnpm bench`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArchTable } from '@syscage/arch-tables';
import { sharedData } from '../../../tools/shared-data/index.js';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archX86_64 } from '@syscage/arch-x86-64';
import { createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { parseFrequencyFile } from '@syscage/policy-parser';
import { analyzeProgram } from '../src/analyze.js';
import { compilePolicy, type GenerateOptions } from '../src/compile.js';
import { compileWithLibseccomp, libseccompAvailable } from '../src/libseccomp-node.js';
import { libseccompRequestFromPolicy } from '../src/libseccomp-rules.js';
import type { CompileOptions } from '../src/options.js';
import { defaultPlanWeights, type PlanWeights } from '../src/plan.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = sharedData('corpus/crosvm-2022-06');
const peerFigures = sharedData('bench/peers-crosvm-2022-06.csv');
const missingShared = [corpus, peerFigures].find((data) => !data.present);
if (missingShared !== undefined) {
  console.log(`SKIP: corpus bench ${missingShared.skipReason}`);
  process.exit(0);
}
const corpusRoot = corpus.path;
const peersPath = peerFigures.path;

const tables: readonly ArchTable[] = [archX86_64, archAarch64, archArm];
const optimize = !process.argv.includes('--no-optimize');
// `--quick`: our figures only (no live libseccomp run, no profiled rerun, no CLI timing).
const quick = process.argv.includes('--quick');
// `--plan-weights '{"size":0.01}'`: planner weights to try (merged over the defaults).
const weightsArgument = process.argv[process.argv.indexOf('--plan-weights') + 1];
const planWeights: Partial<PlanWeights> = process.argv.includes('--plan-weights') && weightsArgument !== undefined ? (JSON.parse(weightsArgument) as Partial<PlanWeights>) : {};
// `--no-typical-frequencies`: lay out policies without @frequency as if every syscall weighed 1.
const options: CompileOptions & GenerateOptions = {
  defaultAction: 'trap',
  optimize,
  typicalFrequencies: !process.argv.includes('--no-typical-frequencies'),
  ...(Object.keys(planWeights).length === 0 ? {} : { planWeights: { ...defaultPlanWeights, ...planWeights } }),
};

interface Figures {
  readonly insns: number;
  readonly coverage: number;
  readonly uniform: number;
  readonly frequency: number;
  readonly cache: number;
}

// Peer figures, per `arch/policy` and compiler.
const peers = new Map<string, Map<string, Figures>>();
{
  const [header = '', ...rows] = readFileSync(peersPath, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const at = (row: string[], name: string): string => row[columns.indexOf(name)] ?? '';
  for (const line of rows) {
    const row = line.split(',');
    const key = `${at(row, 'arch')}/${at(row, 'policy')}`;
    const byCompiler = peers.get(key) ?? new Map<string, Figures>();
    byCompiler.set(at(row, 'compiler'), {
      insns: Number(at(row, 'insns')),
      coverage: Number(at(row, 'cache_coverage')),
      uniform: Number(at(row, 'cost_uniform')),
      frequency: Number(at(row, 'cost_freq')),
      cache: Number(at(row, 'cost_cache')),
    });
    peers.set(key, byCompiler);
  }
}

// The bench weights every architecture with x86_64's frequency file, by syscall name.
const frequencyFile = parseFrequencyFile(readFileSync(join(corpusRoot, 'x86_64', 'common_device.frequency'), 'utf8'), 'common_device.frequency');
const frequencies = new Map<string, bigint>();
for (const entry of frequencyFile.entries) frequencies.set(entry.descriptor.name, (frequencies.get(entry.descriptor.name) ?? 0n) + entry.count);

// The bench README's syscall range.
const syscallNumbers = Array.from({ length: 1024 }, (_, nr) => nr);

// Compile everything once in this process (timed), then analyse.
const host = createNodeHost();
const cache = createParseCache();
const jobs: { arch: ArchTable; policy: string; path: string }[] = [];
for (const arch of tables) {
  for (const file of readdirSync(join(corpusRoot, arch.name)).filter((name) => name.endsWith('.policy')).sort()) {
    jobs.push({ arch, policy: file.replace(/\.policy$/, ''), path: join(corpusRoot, arch.name, file) });
  }
}
const started = performance.now();
const compiled = jobs.map((job) => {
  const resolved = resolvePolicy(job.path, { host, cache, arch: job.arch.name });
  return { ...job, result: compilePolicy(resolved, job.arch, options) };
});
const inProcessMs = performance.now() - started;

// libseccomp run here through the tools' Python bridge (binary-tree optimisation on), one
// process per policy as a build would run it; figures analysed like ours.
const liveLibseccomp = !quick && libseccompAvailable();
let libseccompMs = 0;
const live = new Map<string, Figures>();
if (liveLibseccomp) {
  for (const job of compiled) {
    if (job.result.lowered === undefined) continue;
    const begin = performance.now();
    const peer = compileWithLibseccomp(libseccompRequestFromPolicy(job.result.lowered).request);
    libseccompMs += performance.now() - begin;
    if (!peer.ok) continue;
    const analysis = analyzeProgram(peer.program, { arch: job.arch, frequencies, syscalls: syscallNumbers });
    live.set(`${job.arch.name}/${job.policy}`, {
      insns: peer.program.length,
      coverage: analysis.cacheCoverage ?? 1,
      uniform: analysis.costUniform ?? 0,
      frequency: analysis.costFrequency ?? 0,
      cache: analysis.costCache ?? 0,
    });
  }
}

const rows: { key: string; ours: Figures; minijail?: Figures; libseccomp?: Figures; live?: Figures }[] = [];
let failures = 0;
for (const job of compiled) {
  const program = job.result.program;
  const key = `${job.arch.name}/${job.policy}`;
  if (program === undefined) {
    failures++;
    console.log(`FAILED to compile ${key}: ${job.result.diagnostics.map((diagnostic) => diagnostic.message).join('; ')}`);
    continue;
  }
  const analysis = analyzeProgram(program, { arch: job.arch, frequencies, syscalls: syscallNumbers });
  const ours: Figures = {
    insns: program.length,
    coverage: analysis.cacheCoverage ?? 1,
    uniform: analysis.costUniform ?? 0,
    frequency: analysis.costFrequency ?? 0,
    cache: analysis.costCache ?? 0,
  };
  const byCompiler = peers.get(key);
  const minijail = byCompiler?.get('minijail-py');
  const libseccomp = byCompiler?.get('libseccomp-opt2');
  const liveFigures = live.get(key);
  rows.push({
    key,
    ours,
    ...(minijail === undefined ? {} : { minijail }),
    ...(libseccomp === undefined ? {} : { libseccomp }),
    ...(liveFigures === undefined ? {} : { live: liveFigures }),
  });
}

const pad = (text: string | number, width: number): string => String(text).padStart(width);
const fixed = (value: number | undefined, digits = 2): string => (value === undefined ? '-' : value.toFixed(digits));
console.log(
 `${'policy'.padEnd(34)}${pad('insns', 7)}${pad('mj', 6)}${pad('ls', 6)}${pad('ls*', 6)} | ${pad('uniform', 8)}${pad('mj', 7)}${pad('ls', 7)} | ${pad('freq', 7)}${pad('mj', 7)}${pad('ls', 7)} | ${pad('cache', 7)}${pad('mj', 7)}${pad('ls', 7)} | ${pad('cov', 5)}`,
);
for (const row of rows) {
  console.log(
    `${row.key.padEnd(34)}${pad(row.ours.insns, 7)}${pad(row.minijail?.insns ?? '-', 6)}${pad(row.libseccomp?.insns ?? '-', 6)}${pad(row.live?.insns ?? '-', 6)} | ` +
      `${pad(fixed(row.ours.uniform), 8)}${pad(fixed(row.minijail?.uniform), 7)}${pad(fixed(row.libseccomp?.uniform), 7)} | ` +
      `${pad(fixed(row.ours.frequency), 7)}${pad(fixed(row.minijail?.frequency), 7)}${pad(fixed(row.libseccomp?.frequency), 7)} | ` +
      `${pad(fixed(row.ours.cache, 3), 7)}${pad(fixed(row.minijail?.cache, 3), 7)}${pad(fixed(row.libseccomp?.cache, 3), 7)} | ${pad(fixed(row.ours.coverage), 5)}`,
  );
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
const byArch = new Map<string, typeof rows>();
for (const row of rows) {
  const arch = row.key.split('/')[0] ?? '';
  byArch.set(arch, [...(byArch.get(arch) ?? []), row]);
}
console.log('mj = minijail-py and ls = libseccomp-opt2 from peers-crosvm-2022-06.csv; ls* = libseccomp run here');
console.log('');
for (const [arch, list] of [...byArch.entries(), ['total', rows] as const]) {
  console.log(
    `${arch.padEnd(8)} ${pad(list.length, 3)} policies  insns ${pad(sum(list.map((row) => row.ours.insns)), 5)} ` +
      `(minijail ${sum(list.map((row) => row.minijail?.insns ?? 0))}, libseccomp ${sum(list.map((row) => row.libseccomp?.insns ?? 0))})  ` +
      `mean cost uniform ${fixed(mean(list.map((row) => row.ours.uniform)))} freq ${fixed(mean(list.map((row) => row.ours.frequency)))} ` +
      `cache ${fixed(mean(list.map((row) => row.ours.cache)), 3)}  coverage min ${fixed(Math.min(...list.map((row) => row.ours.coverage)))}`,
  );
}

if (liveLibseccomp) {
  const withLive = rows.filter((row) => row.live !== undefined);
  console.log(
    `libseccomp run here (${withLive.length} policies): insns ${sum(withLive.map((row) => row.live?.insns ?? 0))}  ` +
      `mean cost uniform ${fixed(mean(withLive.map((row) => row.live?.uniform ?? 0)))} freq ${fixed(mean(withLive.map((row) => row.live?.frequency ?? 0)))} ` +
      `cache ${fixed(mean(withLive.map((row) => row.live?.cache ?? 0)), 3)}  compile time ${libseccompMs.toFixed(0)} ms (one python3 per policy)`,
  );
} else {
  console.log('libseccomp run here: SKIP (needs /usr/bin/python3 with python3-seccomp)');
}

// The same corpus with x86_64's frequency profile given to every architecture's layout
// (`--frequency x86_64/common_device.frequency`): crosvm's aarch64/arm policies carry no
// @frequency, while the benchmark weighs them with that profile.
const rerun = (extra: CompileOptions & GenerateOptions): Figures[] =>
  compiled.map((job) => {
    const resolved = resolvePolicy(job.path, { host, cache, arch: job.arch.name });
    const program = compilePolicy(resolved, job.arch, { ...options, ...extra }).program ?? [];
    const analysis = analyzeProgram(program, { arch: job.arch, frequencies, syscalls: syscallNumbers });
    return {
      insns: program.length,
      coverage: analysis.cacheCoverage ?? 1,
      uniform: analysis.costUniform ?? 0,
      frequency: analysis.costFrequency ?? 0,
      cache: analysis.costCache ?? 0,
    };
  });
const summary = (list: readonly Figures[]): string =>
  `insns ${sum(list.map((row) => row.insns))}  mean cost uniform ${fixed(mean(list.map((row) => row.uniform)))} ` +
  `freq ${fixed(mean(list.map((row) => row.frequency)))} cache ${fixed(mean(list.map((row) => row.cache)), 3)}`;
if (!quick) console.log(`with --frequency x86_64/common_device.frequency: ${summary(rerun({ frequencies }))}`);

// Floors: each figure as low as the planner lays it out when it optimises that figure alone,
// searching exhaustively (every split, chains of up to 12 tests), with the benchmark's call
// counts given for every architecture and no size budget. A target below its floor cannot be
// met by re-weighting; it needs another kind of program. The fixed part of every path (arch load
// and test, nr load, ret: 4 instructions) and both 32-bit halves of every 64-bit comparison are
// security invariants, not choices.
const alone = (weights: Partial<PlanWeights>): CompileOptions & GenerateOptions => ({
  frequencies,
  sizeBudget: Infinity,
  exhaustivePlan: true,
  planWeights: { uniform: 0, frequency: 0, uncached: 0, denied: 0, size: 1e-4, ...weights },
});
const floorRuns = quick
  ? undefined
  : {
      insns: rerun({ sizeBudget: 0, exhaustivePlan: true }),
      uniform: rerun({ ...alone({ uniform: 1, denied: 0.001 }), typicalFrequencies: false }),
      frequency: rerun(alone({ frequency: 1 })),
      cache: rerun(alone({ uncached: 1 })),
    };
const floors =
  floorRuns === undefined
    ? undefined
    : {
        insns: sum(floorRuns.insns.map((row) => row.insns)),
        uniform: mean(floorRuns.uniform.map((row) => row.uniform)),
        frequency: mean(floorRuns.frequency.map((row) => row.frequency)),
        cache: mean(floorRuns.cache.map((row) => row.cache)),
      };
if (floorRuns !== undefined) {
  console.log('floors: each figure optimised alone (exhaustive plan, the benchmark\'s counts, no size budget); every figure of each run:');
  for (const [figure, list] of Object.entries(floorRuns)) console.log(`  ${`${figure} alone:`.padEnd(16)} ${summary(list)}`);
}

// Compile time of the whole corpus by one `syscage` process, Node start included. The CPU
// time (from /usr/bin/time) is printed too: on a loaded machine wall time mostly measures the load.
const cliBin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
let cliMs: number | undefined;
let cliCpuMs: number | undefined;
if (!quick && existsSync(cliBin)) {
  const out = mkdtempSync(join(tmpdir(), 'syscage-bench-'));
  const policies = jobs.map((job) => job.path);
  const argv = [cliBin, 'compile', ...policies, '--default-action', 'trap', '-o', out];
  const timed = existsSync('/usr/bin/time');
  const runs: { wall: number; cpu?: number }[] = [];
  for (let run = 0; run < 3; run++) {
    const begin = performance.now();
    const result = timed
      ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...argv], { encoding: 'utf8' })
      : spawnSync(process.execPath, argv, { encoding: 'utf8' });
    const wall = performance.now() - begin;
    if (result.status !== 0) {
      console.log(`syscage compile failed (${result.status}): ${result.stderr.slice(0, 500)}`);
      runs.length = 0;
      break;
    }
    const match = /cpu ([\d.]+) ([\d.]+)/.exec(result.stderr);
    runs.push(match === null ? { wall } : { wall, cpu: (Number(match[1]) + Number(match[2])) * 1000 });
  }
  rmSync(out, { recursive: true, force: true });
  if (runs.length > 0) {
    const fastest = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
    cliMs = fastest.wall;
    cliCpuMs = fastest.cpu;
  }
}

console.log('');
console.log(`compile time in this process (resolve + compile, ${jobs.length} policies): ${inProcessMs.toFixed(0)} ms`);
console.log(
  cliMs === undefined
    ? `syscage process: SKIP (build the CLI first: ${cliBin} is missing)`
    : `syscage process for the whole corpus (best of 3, Node start included): ${cliMs.toFixed(0)} ms wall` +
        (cliCpuMs === undefined ? '' : `, ${cliCpuMs.toFixed(0)} ms CPU`) +
        ` (load average ${loadavg()[0]?.toFixed(1) ?? '?'})`,
);

const worstVsPeers = rows.filter((row) => row.ours.insns > Math.min(row.minijail?.insns ?? Infinity, row.libseccomp?.insns ?? Infinity));
const total = sum(rows.map((row) => row.ours.insns));
const floorNote = (floor: number | undefined, digits: number): string => (floor === undefined ? '' : ` (floor ${fixed(floor, digits)})`);
const meanOf = (pick: (figures: Figures) => number): number => mean(rows.map((row) => pick(row.ours)));
const targets: [string, boolean, string][] = [
  ['every policy compiles', failures === 0 && rows.length === 82, `${rows.length} compiled, ${failures} failed`],
  ['no policy larger than the smaller peer', worstVsPeers.length === 0, worstVsPeers.map((row) => row.key).join(', ') || 'none larger'],
  ['at most 6,000 instructions in total', total <= 6000, `${total}${floors === undefined ? '' : ` (floor ${floors.insns})`}`],
  ['mean uniform cost <= 9.0', meanOf((figures) => figures.uniform) <= 9.0, `${fixed(meanOf((figures) => figures.uniform), 3)}${floorNote(floors?.uniform, 3)}`],
  ['mean frequency-weighted cost <= 5.9', meanOf((figures) => figures.frequency) <= 5.9, `${fixed(meanOf((figures) => figures.frequency), 3)}${floorNote(floors?.frequency, 3)}`],
  ['mean kernel-cache cost <= 0.30', meanOf((figures) => figures.cache) <= 0.3, `${fixed(meanOf((figures) => figures.cache), 3)}${floorNote(floors?.cache, 3)}`],
  ['cache coverage 1.0 everywhere', rows.every((row) => row.ours.coverage === 1), fixed(Math.min(...rows.map((row) => row.ours.coverage)), 4)],
  ['whole corpus by one syscage process < 1 s', cliMs !== undefined && cliMs < 1000, cliMs === undefined ? 'not measured' : `${cliMs.toFixed(0)} ms`],
];
console.log('');
for (const [name, ok, detail] of targets) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
