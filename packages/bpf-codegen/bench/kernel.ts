// Benchmark: what a filter costs in the real kernel, per syscall, for every x86_64 policy of the
// two shared crosvm corpora and of the repository's policies/ tree. `pnpm bench:kernel`.
//
// For each policy the call mix is its call counts (`@frequency`, else the typical profile: what
// the planner lays out for, `LoweredPolicy.callFrequencies`) scaled to about MIX calls in a fixed
// shuffled order, each with argument values the policy allows (unconstrained arguments are -1,
// so every call the kernel runs fails fast: EBADF, EFAULT, EINVAL). The mix runs in children of
// one C harness (bench/kernel-timing.c, compiled with clang here), one child per variant: no
// filter, Syscage's filter, libseccomp's default layout and its binary tree (python3-seccomp
// builds the filter from the same rules and exports its BPF), interleaved pass by pass in a
// random order per round. A run's overhead per call is the mean over the mix's calls of (fewest
// cycles the call took over the run's passes with the filter − fewest without): minima, because
// on a shared machine everything else only adds time. The runs are independent replicates, so
// corpus means, differences between compilers (paired by run) and the figures of each kind of
// call come with 95% t intervals; the per-policy table shows the median over runs. A call the
// policy denies runs no syscall body under a filter, so its no-filter counterpart is an invalid
// syscall number (ENOSYS, no body either): its overhead is the whole price of the denial.
//
// Where the time goes: per corpus, each kind of call's ns and share of the difference; per
// policy, the difference libseccomp − Syscage split by kind, with the path (instructions, loads,
// taken jumps, guessed mispredictions) of the calls that run the filter, and across a corpus's
// policies a least-squares fit of the measured difference per call on the path differences.
// The mix gives every counted syscall at least one call, so the rarely counted ones (a jail's
// set-up syscalls, mostly denied afterwards) weigh more in it than in the counts; the corpus
// means are also printed with each call weighted by its share of the counts.
//
// The filters run as compiled except that every kill, trap, trace and user-notify return is
// rewritten to errno (ERRNO_MARKER) so that a denied call cannot end the harness; a `ret` costs
// the same whatever its constant, and the kernel's action cache only looks for ALLOW.
//
// Options: --runs N (default 12), --passes N (per run, default 20), --mix N (calls per mix,
// default 400), --filter TEXT (policies whose key contains TEXT), --plan-weights JSON (a fourth
// variant: Syscage with these planner weights), --json FILE (every figure).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { archX86_64 } from '@syscage/arch-x86-64';
import { classifyPolicyFileName, createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { sharedData } from '../../../tools/shared-data/index.js';
import { cacheAllowed } from '../src/cache.js';
import { cacheDifferences, formatInterval, interval, leastSquares, mean, mispredictions, pathFeatures, type Interval, type PathFeatures } from './kernel-analysis.js';
import { compilePolicy } from '../src/compile.js';
import { emulate, seccompActionName } from '../src/emulate.js';
import { encodeProgram } from '../src/decode.js';
import { compileWithLibseccomp, libseccompAvailable } from '../src/libseccomp-node.js';
import { libseccompRequestFromPolicy } from '../src/libseccomp-rules.js';
import type { LoweredPolicy, LoweredSyscall } from '../src/lower.js';
import { evaluatePolicy, evaluateSyscall } from '../src/reference.js';
import { defaultPlanWeights, type PlanWeights } from '../src/plan.js';
import type { BpfProgram } from '../src/types.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const harnessSource = fileURLToPath(new URL('./kernel-timing.c', import.meta.url));

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index < 0 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
const runs = option('--runs', 12);
const passes = option('--passes', 20);
const mixSize = option('--mix', 400);
const filterIndex = process.argv.indexOf('--filter');
const keyFilter = filterIndex < 0 ? undefined : process.argv[filterIndex + 1];
const jsonIndex = process.argv.indexOf('--json');
const jsonOut = jsonIndex < 0 ? undefined : process.argv[jsonIndex + 1];
// --plan-weights JSON: a fourth variant, Syscage with these planner weights merged over the
// defaults, timed side by side with the others (an A/B of a cost-model change in one run).
const weightsIndex = process.argv.indexOf('--plan-weights');
const trialWeights: PlanWeights | undefined =
  weightsIndex < 0 ? undefined : { ...defaultPlanWeights, ...(JSON.parse(process.argv[weightsIndex + 1] ?? '{}') as Partial<PlanWeights>) };

function skip(reason: string): never {
  console.log(`SKIP: kernel bench ${reason}`);
  process.exit(0);
}

// --- Can this machine run it? ---------------------------------------------------------------
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`needs x86_64 Linux (this is ${process.platform}/${process.arch})`);
const status = readFileSync('/proc/self/status', 'utf8');
if (!/^Seccomp:/m.test(status)) skip('needs a kernel with seccomp (no Seccomp line in /proc/self/status)');
const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
if (clang.error !== undefined || clang.status !== 0) skip('needs clang to compile bench/kernel-timing.c (.ci/run installs it)');
const scratch = mkdtempSync(join(tmpdir(), 'syscage-kernel-bench-'));
process.on('exit', () => {
  rmSync(scratch, { recursive: true, force: true });
});
const harness = join(scratch, 'kernel-timing');
const built = spawnSync('clang', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', harness, harnessSource], { encoding: 'utf8' });
if (built.status !== 0) skip(`could not compile bench/kernel-timing.c: ${built.stderr.trim()}`);
const withLibseccomp = libseccompAvailable();
if (!withLibseccomp) console.log('WARN: python3-seccomp is missing under /usr/bin/python3: libseccomp columns are left out');

// --- Which policies -------------------------------------------------------------------------
interface Job {
  readonly corpus: string;
  readonly name: string;
  readonly path: string;
  readonly defaultAction?: 'trap';
}
const jobs: Job[] = [];
for (const corpus of ['crosvm-2022-06', 'crosvm-2026-08']) {
  const data = sharedData(`corpus/${corpus}`);
  if (!data.present) {
    console.log(`SKIP: ${corpus}: ${data.skipReason}`);
    continue;
  }
  const folder = join(data.path, 'x86_64');
  // Every policy of the folder, as the counted benchmark compiles them (crosvm's build: trap).
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.policy')).sort()) {
    jobs.push({ corpus, name: file.slice(0, -'.policy'.length), path: join(folder, file), defaultAction: 'trap' });
  }
}
{
  const folder = join(repoRoot, 'policies', 'x86_64');
  // The tree's loaded policies, with the defaults `syscage build` uses.
  for (const file of readdirSync(folder).sort()) {
    const role = classifyPolicyFileName(file);
    if (role.kind === 'loaded' || role.kind === 'process') jobs.push({ corpus: 'policies', name: file.slice(0, -'.policy'.length), path: join(folder, file) });
  }
}

// --- Filters as the harness runs them --------------------------------------------------------
/** errno the rewritten kill/trap returns give: 4000 is no errno the policies use. */
const ERRNO_MARKER = 4000;
const SECCOMP_RET_ERRNO = 0x00050000;
const BPF_RET_K = 0x06;

/** The program with every return that would end or stop the caller made errno ERRNO_MARKER. */
function harmless(program: BpfProgram): BpfProgram {
  return program.map((insn) => {
    if (insn.code !== BPF_RET_K) return insn;
    const action = seccompActionName(insn.k);
    return action === 'allow' || action === 'errno' || action === 'log' ? insn : { ...insn, k: (SECCOMP_RET_ERRNO | ERRNO_MARKER) >>> 0 };
  });
}

// --- The call mix ----------------------------------------------------------------------------
const FREE = (1n << 64n) - 1n;
/** Syscalls never run with the kernel's own body: they end, replace or fork the caller, or wait forever. */
const unsafe = new Set(['exit', 'exit_group', 'rt_sigreturn', 'clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'pause', 'vhangup']);
/** Free values that would be harmful as -1 (kill(-1) signals every process). */
const freeOverrides = new Map<string, readonly bigint[]>([['kill', [0x7ffffffen, FREE, FREE, FREE, FREE, FREE]]]);

function isAllowing(policy: LoweredPolicy, syscall: LoweredSyscall, args: readonly bigint[]): boolean {
  const kind = evaluateSyscall(policy, syscall, args).action.kind;
  return kind === 'allow' || kind === 'log';
}

/** Values worth trying for one argument of a comparison. */
function candidates(operator: string, value: bigint, bits: number): bigint[] {
  const mask = (1n << BigInt(bits)) - 1n;
  const lowestBit = value & -value;
  const list = [value, value - 1n, value + 1n, 0n, FREE & mask, ~value & mask, lowestBit];
  if (operator === 'in') list.unshift(0n);
  return list.filter((candidate) => candidate >= 0n && candidate <= mask);
}

/** Arguments the policy allows for the syscall, unconstrained ones left at the free value; `undefined` if none found. */
function allowedArguments(policy: LoweredPolicy, syscall: LoweredSyscall): bigint[] | undefined {
  const free = [...(freeOverrides.get(syscall.name) ?? [FREE, FREE, FREE, FREE, FREE, FREE])];
  if (isAllowing(policy, syscall, free)) return free;
  for (const filter of syscall.filters) {
    if (filter.action.kind !== 'allow' && filter.action.kind !== 'log') continue;
    for (const clause of filter.clauses) {
      const perArg = new Map<number, bigint[]>();
      for (const comparison of clause) {
        const list = perArg.get(comparison.arg) ?? [];
        list.push(...candidates(comparison.operator, comparison.value, policy.arch.bits));
        perArg.set(comparison.arg, list);
      }
      const argsInvolved = [...perArg.keys()];
      // Search the product of candidates (small: a clause compares one to three arguments).
      const search = (position: number, args: bigint[]): bigint[] | undefined => {
        if (position === argsInvolved.length) return isAllowing(policy, syscall, args) ? args : undefined;
        const arg = argsInvolved[position] ?? 0;
        for (const value of new Set(perArg.get(arg))) {
          const next = [...args];
          next[arg] = value;
          const found = search(position + 1, next);
          if (found !== undefined) return found;
        }
        return undefined;
      };
      const found = search(0, free);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

interface MixCall {
  readonly nr: number;
  readonly name: string;
  readonly args: readonly bigint[];
  /** The policy's action for the call. */
  readonly denied: boolean;
  /** The errno the denial returns under the harness (the policy's errno, or the marker). */
  readonly errno?: number;
  /**
   * The call's share of the policy's call counts, divided among its copies in the mix: the mix
   * gives every counted syscall at least one call, so a syscall counted 15 times in 140,000
   * gets 1 of about 400; weighted by this, a mean follows the counts instead.
   */
  readonly weight: number;
}

interface Mix {
  readonly calls: MixCall[];
  /** Syscalls left out, with the reason. */
  readonly left: string[];
}

/** Deterministic shuffle (mulberry32), so every run and compiler sees one order. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

function buildMix(policy: LoweredPolicy, libseccompSkipped: ReadonlySet<string>): Mix {
  const counts = new Map<number, number>(policy.callFrequencies ?? policy.syscalls.map((syscall) => [syscall.number, syscall.frequency]));
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const calls: MixCall[] = [];
  const left: string[] = [];
  for (const [nr, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    const name = policy.arch.names.get(nr) ?? `nr ${nr}`;
    const syscall = policy.syscalls.find((entry) => entry.number === nr);
    const free = [...(freeOverrides.get(name) ?? [FREE, FREE, FREE, FREE, FREE, FREE])];
    let args: readonly bigint[] = free;
    const decision = evaluatePolicy(policy, { nr, arch: policy.arch.auditArch, args: free });
    let denied = decision.action.kind !== 'allow' && decision.action.kind !== 'log';
    if (denied && syscall !== undefined && syscall.filters.length > 0) {
      const found = allowedArguments(policy, syscall);
      if (found !== undefined) {
        args = found;
        denied = false;
      }
    }
    if (!denied && unsafe.has(name)) {
      left.push(`${name} (allowed, and its body would end or replace the harness)`);
      continue;
    }
    if (libseccompSkipped.has(name)) {
      left.push(`${name} (libseccomp cannot express its rules)`);
      continue;
    }
    const action = evaluatePolicy(policy, { nr, arch: policy.arch.auditArch, args }).action;
    const errno = denied ? (action.kind === 'errno' ? action.errno : ERRNO_MARKER) : undefined;
    const times = Math.max(1, Math.round((mixSize * count) / total));
    const weight = count / total / times;
    for (let copy = 0; copy < times; copy++) calls.push({ nr, name, args, denied, weight, ...(errno === undefined ? {} : { errno }) });
  }
  return { calls: shuffle(calls, 0x5eccab), left };
}

// --- Running the harness ---------------------------------------------------------------------
const hex = (value: bigint | number): string => `0x${value.toString(16)}`;
/** A number no x86_64 syscall has: the no-filter stand-in for a denied call. */
const NO_SYSCALL = 1023;

interface Variant {
  readonly label: string;
  readonly program?: BpfProgram;
}

/** The kinds of call the bench reports apart. */
const kinds = ['cached', 'uncached', 'denied'] as const;
type Kind = (typeof kinds)[number];

/** One run's figures for one variant, ns per call. */
interface RunFigures {
  /** Mean over the mix's calls of (fewest cycles of the call with the filter − fewest without). */
  readonly overhead: number;
  /** The same from per-call medians over the run's passes (mispredicted branches included when they are the rule). */
  readonly overheadMedian: number;
  /** (Median pass with − median pass without) / calls. */
  readonly overheadPass: number;
  /** The mean from minima with each call weighted by its share of the policy's call counts ({@link MixCall.weight}). */
  readonly overheadWeighted: number;
  /** Per kind of call: mean overhead per call of that kind (from minima); absent when the mix has none. */
  readonly perKind: Partial<Record<Kind, number>>;
}

interface Timing {
  /** Every run's figures, in run order (runs are interleaved pass by pass, so run r of every variant met the same machine). */
  readonly runs: RunFigures[];
  /** Median over runs of {@link RunFigures.overhead}; undefined when the variant failed. */
  readonly overhead?: number;
  /** Per call of the mix: mean over runs of the overhead from minima and from medians, ns. */
  readonly perCall: { readonly min: number; readonly median: number }[];
  readonly error?: string;
  /** Calls whose warm-up result differs from the expectation. */
  readonly mismatches: string[];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** The kind of a call under a program: denied, allowed and served by the kernel's cache, or allowed after running the filter. */
function kindOf(program: BpfProgram, call: MixCall): Kind {
  return call.denied ? 'denied' : cacheAllowed(program, archX86_64.auditArch, call.nr) ? 'cached' : 'uncached';
}

function timeMix(key: string, mix: Mix, variants: readonly Variant[]): { timings: Timing[]; tscHz: number } {
  const base = join(scratch, key.replace(/[^a-z0-9_-]/gi, '_'));
  const line = (nr: number, args: readonly bigint[]): string => `${nr} ${args.map(hex).join(' ')}`;
  writeFileSync(`${base}.calls`, mix.calls.map((call) => line(call.nr, call.args)).join('\n') + '\n');
  writeFileSync(`${base}.none`, mix.calls.map((call) => line(call.denied ? NO_SYSCALL : call.nr, call.args)).join('\n') + '\n');
  const argv = [String(runs), String(passes), `${base}.none`, '-'];
  variants.forEach((variant, index) => {
    const file = `${base}.${index}.bpf`;
    writeFileSync(file, encodeProgram(harmless(variant.program ?? []), { byteOrder: 'little' }));
    argv.push(`${base}.calls`, file);
  });
  const run = spawnSync(harness, argv, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 1_800_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`kernel-timing failed on ${key}: ${run.stderr || (run.error?.message ?? '')}`);
  let tscHz = 0;
  const errors = new Map<number, string>();
  const results = new Map<number, Map<number, number>>();
  const passTimes = new Map<number, Map<number, number>>(); // variant → run → median pass cycles
  const callMins = new Map<string, number>(); // `${run} ${variant} ${index}` → fewest cycles
  const callMedians = new Map<string, number>(); // the same → median cycles
  for (const text of run.stdout.split('\n')) {
    const words = text.split(' ');
    const [kind] = words;
    if (kind === 'tsc') tscHz = Number(words[1]);
    else if (kind === 'error') errors.set(Number(words[1]), words.slice(2).join(' '));
    else if (kind === 'result') {
      const variant = Number(words[1]);
      const map = results.get(variant) ?? new Map<number, number>();
      map.set(Number(words[2]), Number(words[3]));
      results.set(variant, map);
    } else if (kind === 'pass') {
      const variant = Number(words[2]);
      const map = passTimes.get(variant) ?? new Map<number, number>();
      map.set(Number(words[1]), Number(words[3]));
      passTimes.set(variant, map);
    } else if (kind === 'call') {
      const at = `${words[1] ?? ''} ${words[2] ?? ''} ${words[3] ?? ''}`;
      callMins.set(at, Number(words[4]));
      callMedians.set(at, Number(words[5]));
    }
  }
  const nsPerCycle = 1e9 / tscHz;
  const baseResults = results.get(0);
  const timings = variants.map((variant, position): Timing => {
    const index = position + 1;
    const error = errors.get(index) ?? errors.get(0);
    if (error !== undefined) return { error, mismatches: [], runs: [], perCall: [] };
    const program = variant.program ?? [];
    // What every call returned in the warm-up pass: a denial must give its errno; an allowed call
    // must not be denied, and when it fails it must fail as it does with no filter at all (a
    // success may differ: getpid in another child).
    const mismatches: string[] = [];
    mix.calls.forEach((call, at) => {
      const got = results.get(index)?.get(at) ?? Number.NaN;
      const plain = baseResults?.get(at) ?? Number.NaN;
      const wrong = call.denied ? got !== -(call.errno ?? 0) : got === -ERRNO_MARKER || (got < 0 && got > -4096 && got !== plain);
      if (wrong && mismatches.length < 3) {
        mismatches.push(`${call.name}(${call.args.map(hex).join(', ')}) returned ${String(got)}, expected ${call.denied ? String(-(call.errno ?? 0)) : `what it returns unfiltered, ${String(plain)}`}`);
      }
    });
    const callKinds = mix.calls.map((call) => kindOf(program, call));
    const perRun: RunFigures[] = [];
    const perCallMin = mix.calls.map(() => [] as number[]);
    const perCallMedian = mix.calls.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) {
      const withFilter = passTimes.get(index)?.get(r);
      const without = passTimes.get(0)?.get(r);
      if (withFilter === undefined || without === undefined) continue;
      const sums: Record<Kind, number[]> = { denied: [], cached: [], uncached: [] };
      let minTotal = 0;
      let medianTotal = 0;
      let weightedTotal = 0;
      let weightTotal = 0;
      mix.calls.forEach((_, at) => {
        const filtered = callMins.get(`${r} ${index} ${at}`);
        const plain = callMins.get(`${r} 0 ${at}`);
        const filteredMedian = callMedians.get(`${r} ${index} ${at}`);
        const plainMedian = callMedians.get(`${r} 0 ${at}`);
        if (filtered === undefined || plain === undefined || filteredMedian === undefined || plainMedian === undefined) return;
        const overhead = (filtered - plain) * nsPerCycle;
        const overheadMedian = (filteredMedian - plainMedian) * nsPerCycle;
        sums[callKinds[at] ?? 'uncached'].push(overhead);
        perCallMin[at]?.push(overhead);
        perCallMedian[at]?.push(overheadMedian);
        minTotal += overhead;
        medianTotal += overheadMedian;
        weightedTotal += overhead * (mix.calls[at]?.weight ?? 0);
        weightTotal += mix.calls[at]?.weight ?? 0;
      });
      const perKind: Partial<Record<Kind, number>> = {};
      for (const kind of kinds) {
        const value = mean(sums[kind]);
        if (value !== undefined) perKind[kind] = value;
      }
      perRun.push({
        overhead: minTotal / mix.calls.length,
        overheadMedian: medianTotal / mix.calls.length,
        overheadPass: ((withFilter - without) * nsPerCycle) / mix.calls.length,
        overheadWeighted: weightTotal > 0 ? weightedTotal / weightTotal : Number.NaN,
        perKind,
      });
    }
    return {
      runs: perRun,
      ...(perRun.length === 0 ? {} : { overhead: median(perRun.map((figures) => figures.overhead)) }),
      perCall: mix.calls.map((_, at) => ({ min: mean(perCallMin[at] ?? []) ?? Number.NaN, median: mean(perCallMedian[at] ?? []) ?? Number.NaN })),
      mismatches,
    };
  });
  return { timings, tscHz };
}

/** Instructions the mix executes per call in the counted model: a call the kernel caches costs 0. */
function countedCost(program: BpfProgram, mix: Mix): number {
  let total = 0;
  for (const call of mix.calls) {
    if (!call.denied && cacheAllowed(program, archX86_64.auditArch, call.nr)) continue;
    const run = emulate(program, { nr: call.nr, arch: archX86_64.auditArch, instructionPointer: 0n, args: call.args }, { recordPath: false });
    if (run.ok) total += run.instructionsExecuted;
  }
  return total / mix.calls.length;
}

/** The kind of every call of the mix under the program, and the features of the paths that run the filter. */
function mixPaths(program: BpfProgram, mix: Mix): NonNullable<Row['paths'][number]> {
  const kindsOfCalls = mix.calls.map((call) => kindOf(program, call));
  const features = mix.calls.map((call, at) =>
    kindsOfCalls[at] === 'cached' ? undefined : pathFeatures(program, { nr: call.nr, arch: archX86_64.auditArch, instructionPointer: 0n, args: call.args }),
  );
  const running = features.filter((entry): entry is PathFeatures => entry !== undefined);
  const guessed = mispredictions(running);
  let next = 0;
  return mix.calls.map((_, at) => {
    const kind = kindsOfCalls[at] ?? 'uncached';
    const entry = features[at];
    if (entry === undefined) return { kind };
    const counts = { instructions: entry.instructions, converted: entry.converted, loads: entry.loads, branches: entry.branches, taken: entry.taken };
    return { kind, features: counts, mispredictions: guessed[next++] ?? 0 };
  });
}

/** Syscall numbers the cache comparison covers: every x86_64 number of the table and the x86_64 kernel's bitmap. */
const archX86_64Names = new Map(Object.entries(archX86_64.syscalls).map(([name, nr]) => [nr, name]));
const cacheLimit = Math.max(...archX86_64Names.keys()) + 1;

// --- Main ------------------------------------------------------------------------------------
const labels = ['syscage', 'libseccomp default', 'libseccomp tree', ...(trialWeights === undefined ? [] : ['syscage, trial'])];
interface Row {
  readonly key: string;
  readonly corpus: string;
  readonly calls: number;
  readonly left: string[];
  readonly timings: (Timing | undefined)[];
  readonly counted: (number | undefined)[];
  readonly instructions: (number | undefined)[];
  /** Share of the mix's calls that run the filter (denied, or allowed but not cached). */
  readonly uncachedShare: (number | undefined)[];
  /** Share of the mix's calls of each kind, per compiler. */
  readonly kindShare: (Partial<Record<Kind, number>> | undefined)[];
  /** Share of the policy's call counts of each kind, per compiler ({@link MixCall.weight}). */
  readonly countShare: (Partial<Record<Kind, number>> | undefined)[];
  /** Per compiler and call of the mix: its kind and, when it runs the filter, its path's features. */
  readonly paths: ({ readonly kind: Kind; readonly features?: Omit<PathFeatures, 'decisions'>; readonly mispredictions?: number }[] | undefined)[];
  /** Per libseccomp layout: syscall numbers whose cacheability differs from Syscage's filter (`name: syscage/libseccomp`). */
  readonly cacheDifferences: (string[] | undefined)[];
}
const rows: Row[] = [];
const host = createNodeHost();
const cache = createParseCache();
let tscHz = 0;
const keyWidth = 50;
let headerPrinted = false;
const fixed = (value: number | undefined, digits = 1): string => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const ratioText = (theirs: number | undefined, ours: number | undefined): string =>
  theirs === undefined || ours === undefined || ours <= 0 ? '-' : (theirs / ours).toFixed(2);
const readText = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8').trim() : 'unknown');
const kernel = readText('/proc/sys/kernel/osrelease');
const jit = readText('/proc/sys/net/core/bpf_jit_enable');
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
console.log(`kernel: Linux ${kernel}, bpf_jit_enable ${jit} (${jit === '0' ? 'filters are interpreted' : 'filters run JIT-compiled'})`);
console.log(`kernel bench: ${jobs.length} x86_64 policies, ${runs} runs of ${passes} passes over a mix of about ${mixSize} calls`);
for (const job of jobs) {
  const key = `${job.corpus}/${job.name}`;
  if (keyFilter !== undefined && !key.includes(keyFilter)) continue;
  if (rows.length === 0 && !headerPrinted) {
    headerPrinted = true;
    console.log(`\n${'policy'.padEnd(keyWidth)} ${'calls'.padStart(5)} ${'syscage'.padStart(9)}${'lsc dflt'.padStart(9)}${'lsc tree'.padStart(9)} ${'dflt/sc'.padStart(8)} ${'tree/sc'.padStart(8)}   (ns of filter overhead per call)`);
  }
  const resolved = resolvePolicy(job.path, { host, cache, arch: 'x86_64' });
  const compiled = compilePolicy(resolved, archX86_64, job.defaultAction === undefined ? {} : { defaultAction: job.defaultAction });
  if (compiled.program === undefined || compiled.lowered === undefined) {
    console.log(`${key}: does not compile: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
    continue;
  }
  const lowered = compiled.lowered;
  const programs: (BpfProgram | undefined)[] = [compiled.program];
  let skipped = new Set<string>();
  for (const optimize of [1, 2] as const) {
    if (!withLibseccomp) {
      programs.push(undefined);
      continue;
    }
    const translation = libseccompRequestFromPolicy(lowered, { optimize });
    skipped = new Set(translation.skipped.map((entry) => entry.syscall));
    const peer = compileWithLibseccomp(translation.request);
    programs.push(peer.ok ? peer.program : undefined);
    if (!peer.ok) console.log(`${key}: libseccomp (optimize ${optimize}) failed: ${peer.message}`);
  }
  if (trialWeights !== undefined) {
    programs.push(compilePolicy(resolved, archX86_64, { ...(job.defaultAction === undefined ? {} : { defaultAction: job.defaultAction }), planWeights: trialWeights }).program);
  }
  const mix = buildMix(lowered, skipped);
  if (mix.calls.length === 0) {
    console.log(`${key}: no call to time`);
    continue;
  }
  const present = programs.flatMap((program, index) => (program === undefined ? [] : [{ label: labels[index] ?? '', program, index }]));
  const measured = timeMix(key, mix, present);
  tscHz = measured.tscHz;
  const timings: (Timing | undefined)[] = labels.map(() => undefined);
  present.forEach((variant, position) => {
    timings[variant.index] = measured.timings[position];
  });
  const row: Row = {
    key,
    corpus: job.corpus,
    calls: mix.calls.length,
    left: mix.left,
    timings,
    counted: programs.map((program) => (program === undefined ? undefined : countedCost(program, mix))),
    instructions: programs.map((program) => program?.length),
    uncachedShare: programs.map((program) =>
      program === undefined ? undefined : mix.calls.filter((call) => call.denied || !cacheAllowed(program, archX86_64.auditArch, call.nr)).length / mix.calls.length,
    ),
    kindShare: programs.map((program) => {
      if (program === undefined) return undefined;
      const shares: Partial<Record<Kind, number>> = {};
      for (const call of mix.calls) shares[kindOf(program, call)] = (shares[kindOf(program, call)] ?? 0) + 1 / mix.calls.length;
      return shares;
    }),
    countShare: programs.map((program) => {
      if (program === undefined) return undefined;
      const shares: Partial<Record<Kind, number>> = {};
      const total = mix.calls.reduce((sum, call) => sum + call.weight, 0);
      for (const call of mix.calls) shares[kindOf(program, call)] = (shares[kindOf(program, call)] ?? 0) + call.weight / total;
      return shares;
    }),
    paths: programs.map((program) => (program === undefined ? undefined : mixPaths(program, mix))),
    cacheDifferences: programs.map((program, index) =>
      program === undefined || index === 0
        ? undefined
        : cacheDifferences(compiled.program ?? [], program, archX86_64.auditArch, cacheLimit).map(
            ([nr, ours, theirs]) => `${archX86_64Names.get(nr) ?? `nr ${nr}`}: ${ours ? 'cached' : 'runs'}/${theirs ? 'cached' : 'runs'}`,
          ),
    ),
  };
  rows.push(row);
  const problems = row.timings.flatMap((timing, index) => [
    ...(timing?.error === undefined ? [] : [`${labels[index] ?? ''}: ${timing.error}`]),
    ...(timing?.mismatches ?? []).map((text) => `${labels[index] ?? ''}: ${text}`),
  ]);
  console.log(
    `${key.padEnd(keyWidth)} ${String(row.calls).padStart(5)} ${row.timings.map((timing) => fixed(timing?.overhead).padStart(9)).join('')} ${ratioText(row.timings[1]?.overhead, row.timings[0]?.overhead).padStart(8)} ${ratioText(row.timings[2]?.overhead, row.timings[0]?.overhead).padStart(8)}` +
      (problems.length === 0 ? '' : `  !! ${problems.join('; ')}`),
  );
}

// --- Summary -----------------------------------------------------------------------------------
/** Pearson's r of paired values (undefined with fewer than three pairs or no spread). */
function pearson(pairs: readonly (readonly [number, number])[]): number | undefined {
  if (pairs.length < 3) return undefined;
  const mx = mean(pairs.map(([x]) => x)) ?? 0;
  const my = mean(pairs.map(([, y]) => y)) ?? 0;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? undefined : sxy / Math.sqrt(sxx * syy);
}

const defined = (values: readonly (number | undefined)[]): number[] => values.filter((value): value is number => value !== undefined && !Number.isNaN(value));
const columns = labels.map((_, index) => index).filter((index) => withLibseccomp || labels[index]?.startsWith('libseccomp') !== true);

/** A figure of one run of one compiler on one policy. */
type Quantity = (figures: RunFigures, row: Row, index: number) => number | undefined;

/**
 * One replicate per run of the corpus mean of a quantity (mean over the policies of that run's
 * figure), minus the same for compiler `minus` when given. Run r of every compiler met the same
 * machine (the harness interleaves them pass by pass), so the runs are independent replicates
 * and the differences are paired.
 */
function replicates(subset: readonly Row[], index: number, quantity: Quantity, minus?: number): number[] {
  const values: number[] = [];
  for (let r = 0; r < runs; r++) {
    const perPolicy: number[] = [];
    for (const row of subset) {
      const figures = row.timings[index]?.runs[r];
      const value = figures === undefined ? undefined : quantity(figures, row, index);
      if (value === undefined) continue;
      if (minus === undefined) {
        perPolicy.push(value);
        continue;
      }
      const other = row.timings[minus]?.runs[r];
      const otherValue = other === undefined ? undefined : quantity(other, row, minus);
      if (otherValue !== undefined) perPolicy.push(value - otherValue);
    }
    const average = mean(perPolicy);
    if (average !== undefined) values.push(average);
  }
  return values;
}

const overheadOf: Quantity = (figures) => figures.overhead;
const perKindOf =
  (kind: Kind): Quantity =>
  (figures) =>
    figures.perKind[kind];
/** A kind's share of the mix times its overhead per call: the kinds' contributions add up to the overhead. */
const contributionOf =
  (kind: Kind): Quantity =>
  (figures, row, index) =>
    (row.kindShare[index]?.[kind] ?? 0) * (figures.perKind[kind] ?? 0);

/** Whether a difference (libseccomp − Syscage) is known to be positive, negative, or neither at 95%. */
function verdict(difference: Interval | undefined): string {
  if (difference === undefined) return '-';
  if (difference.mean - difference.half > 0) return 'Syscage lower';
  if (difference.mean + difference.half < 0) return 'Syscage higher';
  return 'level (interval holds 0)';
}

const corpora = [...new Set(rows.map((row) => row.corpus))];
const complete = (row: Row): boolean => columns.every((index) => row.timings[index]?.overhead !== undefined);
interface CorpusSummary {
  readonly corpus: string;
  readonly policies: number;
  readonly overhead: (Interval | undefined)[];
  /** libseccomp − Syscage, per compiler (undefined for Syscage). */
  readonly difference: (Interval | undefined)[];
  readonly overheadMedian: (Interval | undefined)[];
  readonly overheadPass: (Interval | undefined)[];
  readonly overheadWeighted: (Interval | undefined)[];
  /** libseccomp − Syscage of {@link overheadWeighted}. */
  readonly differenceWeighted: (Interval | undefined)[];
  readonly perKind: Record<Kind, (Interval | undefined)[]>;
  readonly share: Record<Kind, (number | undefined)[]>;
  /** Per kind, libseccomp − Syscage of the kind's contribution to the mix mean. */
  readonly contributionDifference: Record<Kind, (Interval | undefined)[]>;
  /** libseccomp − Syscage of the contribution of the calls that run the filter (allowed after it, and denied). */
  readonly filterDifference: (Interval | undefined)[];
  readonly counted: (number | undefined)[];
  /** Per compiler: mean features of a call that runs the filter, weighted by the mix. */
  readonly path: ({ instructions: number; converted: number; loads: number; branches: number; taken: number; mispredictions: number } | undefined)[];
}
const kindRecord = <T>(make: (kind: Kind) => T): Record<Kind, T> => ({ cached: make('cached'), uncached: make('uncached'), denied: make('denied') });
const summaries: CorpusSummary[] = corpora.map((corpus) => {
  // Policies every compiler produced a timing for, so the columns compare.
  const subset = rows.filter((row) => row.corpus === corpus && complete(row));
  const per = <T>(make: (index: number) => T | undefined): (T | undefined)[] => labels.map((_, index) => (columns.includes(index) ? make(index) : undefined));
  return {
    corpus,
    policies: subset.length,
    overhead: per((index) => interval(replicates(subset, index, overheadOf))),
    difference: per((index) => (index === 0 ? undefined : interval(replicates(subset, index, overheadOf, 0)))),
    overheadMedian: per((index) => interval(replicates(subset, index, (figures) => figures.overheadMedian))),
    overheadPass: per((index) => interval(replicates(subset, index, (figures) => figures.overheadPass))),
    overheadWeighted: per((index) => interval(replicates(subset, index, (figures) => figures.overheadWeighted))),
    differenceWeighted: per((index) => (index === 0 ? undefined : interval(replicates(subset, index, (figures) => figures.overheadWeighted, 0)))),
    perKind: kindRecord((kind) => per((index) => interval(replicates(subset, index, perKindOf(kind))))),
    share: kindRecord((kind) => per((index) => mean(subset.map((row) => row.kindShare[index]?.[kind] ?? 0)))),
    contributionDifference: kindRecord((kind) => per((index) => (index === 0 ? undefined : interval(replicates(subset, index, contributionOf(kind), 0))))),
    filterDifference: per((index) => {
      if (index === 0) return undefined;
      const running: Quantity = (figures, row, at) => (contributionOf('uncached')(figures, row, at) ?? 0) + (contributionOf('denied')(figures, row, at) ?? 0);
      return interval(replicates(subset, index, running, 0));
    }),
    counted: per((index) => mean(defined(subset.map((row) => row.counted[index])))),
    path: per((index) => {
      const running = subset.flatMap((row) => (row.paths[index] ?? []).filter((call) => call.features !== undefined));
      if (running.length === 0) return undefined;
      const average = (pick: (call: (typeof running)[number]) => number): number => mean(running.map(pick)) ?? 0;
      return {
        instructions: average((call) => call.features?.instructions ?? 0),
        converted: average((call) => call.features?.converted ?? 0),
        loads: average((call) => call.features?.loads ?? 0),
        branches: average((call) => call.features?.branches ?? 0),
        taken: average((call) => call.features?.taken ?? 0),
        mispredictions: average((call) => call.mispredictions ?? 0),
      };
    }),
  };
});

const cell = (value: Interval | undefined, width = 13): string => formatInterval(value).padStart(width);
console.log(`\ncorpus means, ns of filter overhead per call with 95% intervals over ${runs} runs (each run a replicate: the mean over the corpus's policies)`);
console.log(
  `${'corpus'.padEnd(16)} ${'policies'.padStart(8)} ${labels.map((label) => label.padStart(20)).join('')}   ${labels
    .slice(1)
    .map((label) => `${label.replace('libseccomp ', '')} − Syscage`.padStart(22))
    .join('')}`,
);
for (const summary of summaries) {
  console.log(
    `${summary.corpus.padEnd(16)} ${String(summary.policies).padStart(8)} ${summary.overhead.map((value) => cell(value, 20)).join('')}   ${summary.difference
      .slice(1)
      .map((value) => cell(value, 22))
      .join('')}`,
  );
}
for (const summary of summaries) {
  console.log(`  ${summary.corpus}: ${labels.flatMap((label, index) => (index === 0 ? [] : [`against ${label} ${verdict(summary.difference[index])}`])).join('; ')}`);
}
console.log(`\nthe same from other estimators (per-call medians over a run's passes, which keep mispredicted branches when they are the rule; whole passes)`);
for (const summary of summaries) {
  console.log(`${summary.corpus.padEnd(16)} medians ${summary.overheadMedian.map((value) => cell(value, 15)).join('')}   passes ${summary.overheadPass.map((value) => cell(value, 15)).join('')}`);
}
console.log(`\nweighted by the call counts instead of the mix (every counted syscall has at least one call of the mix, so rarely counted ones weigh more in it than in the counts)`);
for (const summary of summaries) {
  const shares = kinds.map((kind) => `${kind === 'uncached' ? 'runs' : kind} ${fixed(mean(rows.filter((row) => row.corpus === summary.corpus && complete(row)).map((row) => row.countShare[0]?.[kind] ?? 0)) ?? 0, 3)}`);
  console.log(
    `${summary.corpus.padEnd(16)} ${summary.overheadWeighted.map((value) => cell(value, 20)).join('')}   ${summary.differenceWeighted
      .slice(1)
      .map((value) => cell(value, 22))
      .join('')}   (shares of the counts, Syscage: ${shares.join(', ')})`,
  );
}

console.log(`\nwhere the time goes: ns per call of each kind (cached: allowed without running the filter; runs: allowed after running it; denied), 95% intervals;`);
console.log(`share = the kind's share of the mix; Δ = libseccomp − Syscage of the kind's contribution to the mix mean (the three Δ add up to the difference above)`);
for (const summary of summaries) {
  labels.forEach((label, index) => {
    if (!columns.includes(index)) return;
    const parts = kinds.map((kind) => {
      const delta = index === 0 ? '' : ` Δ ${formatInterval(summary.contributionDifference[kind][index], 2).padStart(13)}`;
      return `${kind === 'uncached' ? 'runs' : kind} ${cell(summary.perKind[kind][index])} (${fixed((summary.share[kind][index] ?? 0) * 100, 1).padStart(4)}%)${delta}`;
    });
    console.log(`${summary.corpus.padEnd(16)} ${label.padEnd(19)} ${parts.join('  ')}`);
  });
}

console.log(`\nthe verdict, per corpus: what the filter decides and what it does not`);
for (const summary of summaries) {
  const cachedShare = summary.share.cached[0] ?? 0;
  console.log(`  ${summary.corpus}: ${fixed(cachedShare * 100, 1)}% of the calls are served by the kernel's cache and run no filter (their Δ: ${labels
    .flatMap((label, index) => (index === 0 ? [] : [`${label} ${formatInterval(summary.contributionDifference.cached[index], 2)}`]))
    .join(', ')});`);
  console.log(`    on the ${fixed((1 - cachedShare) * 100, 1)}% that run it, contribution to the mean, other − Syscage: ${labels
    .flatMap((label, index) => (index === 0 ? [] : [`${label} ${formatInterval(summary.filterDifference[index], 2)} (${verdict(summary.filterDifference[index])})`]))
    .join(', ')}`);
}

// Per policy: the difference libseccomp − Syscage split by kind of call, and the paths behind
// the kinds that run the filter, so a corpus mean that is level can be traced to its policies.
console.log(`\nwhere the time goes, per policy: Δ = libseccomp − Syscage in ns per call of the mix (95% interval over runs), split into the kinds' contributions;`);
console.log(`for the calls that run the filter, ns per call of the kind and its path, Syscage / libseccomp: classic BPF instructions, loads, taken jumps, guessed mispredictions`);
{
  type Features = { instructions: number; loads: number; taken: number; mispredictions: number };
  const pathOf = (row: Row, index: number, kind: Kind): Features | undefined => {
    const calls = (row.paths[index] ?? []).filter((call) => call.kind === kind && call.features !== undefined);
    if (calls.length === 0) return undefined;
    const average = (pick: (call: (typeof calls)[number]) => number): number => mean(calls.map(pick)) ?? 0;
    return {
      instructions: average((call) => call.features?.instructions ?? 0),
      loads: average((call) => call.features?.loads ?? 0),
      taken: average((call) => call.features?.taken ?? 0),
      mispredictions: average((call) => call.mispredictions ?? 0),
    };
  };
  const pair = (ours: number | undefined, theirs: number | undefined, digits: number): string => `${fixed(ours, digits)}/${fixed(theirs, digits)}`;
  const describe = (row: Row, index: number, kind: Kind): string => {
    const ours = pathOf(row, 0, kind);
    const theirs = pathOf(row, index, kind);
    if (ours === undefined || theirs === undefined) return '';
    const perCall = interval(replicates([row], index, perKindOf(kind), 0));
    return `${kind === 'uncached' ? 'runs' : kind}: Δ ${formatInterval(perCall, 1)} ns per call of the kind, insns ${pair(ours.instructions, theirs.instructions, 1)} loads ${pair(ours.loads, theirs.loads, 1)} taken ${pair(ours.taken, theirs.taken, 1)} mispr ${pair(ours.mispredictions, theirs.mispredictions, 2)}`;
  };
  // Across a corpus's policies, which path difference the measured difference of a denial follows.
  const causes: string[] = [];
  for (const corpus of corpora) {
    const subset = rows.filter((row) => row.corpus === corpus && complete(row));
    for (const index of columns) {
      if (index === 0) continue;
      const label = (labels[index] ?? '').replace('libseccomp ', '');
      for (const row of subset) {
        const total = interval(replicates([row], index, overheadOf, 0));
        const parts = kinds.map((kind) => `${kind === 'uncached' ? 'runs' : kind} ${formatInterval(interval(replicates([row], index, contributionOf(kind), 0)), 2)}`);
        const paths = (['denied', 'uncached'] as const).map((kind) => describe(row, index, kind)).filter((text) => text !== '');
        console.log(`${row.key.padEnd(keyWidth)} ${label.padEnd(8)} Δ ${formatInterval(total, 2).padStart(13)} = ${parts.join(' + ')}${paths.length === 0 ? '' : ` | ${paths.join(' | ')}`}`);
      }
      for (const kind of ['denied', 'uncached'] as const) {
        const samples = subset.flatMap((row) => {
          const ours = pathOf(row, 0, kind);
          const theirs = pathOf(row, index, kind);
          const measured = interval(replicates([row], index, perKindOf(kind), 0));
          return ours === undefined || theirs === undefined || measured === undefined
            ? []
            : [{ x: [1, theirs.instructions - ours.instructions, theirs.taken - ours.taken, theirs.mispredictions - ours.mispredictions], y: measured.mean }];
        });
        const fit = leastSquares(
          samples.map((sample) => sample.x),
          samples.map((sample) => sample.y),
        );
        if (fit === undefined) continue;
        // r² says how much of the spread between policies the path differences account for; with
        // few policies or paths that hardly differ, the coefficients mean little.
        const y = samples.map((sample) => sample.y);
        const average = mean(y) ?? 0;
        const spread = y.reduce((sum, value) => sum + (value - average) ** 2, 0);
        const residual = samples.reduce((sum, sample) => sum + (sample.y - sample.x.reduce((acc, value, k) => acc + value * (fit[k] ?? 0), 0)) ** 2, 0);
        causes.push(
          `  ${corpus} ${label}, ${kind === 'uncached' ? 'allowed calls that run the filter' : 'denied calls'} (${samples.length} policies): Δ per call ≈ ${fixed(fit[0], 2)} + ${fixed(fit[1], 2)}·Δinsns + ${fixed(fit[2], 2)}·Δtaken + ${fixed(fit[3], 2)}·Δmispredicted ns; r² ${fixed(spread === 0 ? undefined : 1 - residual / spread, 2)}`,
        );
      }
    }
  }
  if (causes.length > 0) {
    console.log(`\nthe same differences across a corpus's policies: least squares of the measured Δ per call of a kind on the differences of its path (libseccomp − Syscage)`);
    for (const line of causes) console.log(line);
  }
}

const cacheRows = rows.filter((row) => row.cacheDifferences.some((list) => list !== undefined));
if (cacheRows.length > 0) {
  console.log(`\ncache sets: numbers 0..${cacheLimit - 1} the kernel caches as always allowed (its install-time emulation, cacheAllowed), Syscage against libseccomp`);
  for (const index of [1, 2]) {
    if (!columns.includes(index)) continue;
    const differing = cacheRows.filter((row) => (row.cacheDifferences[index]?.length ?? 0) > 0);
    console.log(`  ${labels[index] ?? ''}: the same set on ${cacheRows.length - differing.length} of ${cacheRows.length} policies`);
    for (const row of differing) console.log(`    ${row.key}: ${(row.cacheDifferences[index] ?? []).join(', ')} (Syscage/libseccomp)`);
  }
}

console.log(`\nthe path of a call that runs the filter (mean over the mixes' calls that run it): classic BPF instructions (the counted model), eBPF instructions after the`);
console.log(`kernel's conversion, loads, conditional branches, taken jumps in the JIT-compiled code, mispredictions guessed for a predictor without history`);
for (const summary of summaries) {
  labels.forEach((label, index) => {
    const path = summary.path[index];
    if (path === undefined) return;
    console.log(
      `${summary.corpus.padEnd(16)} ${label.padEnd(19)} cBPF ${fixed(path.instructions, 2).padStart(6)}  eBPF ${fixed(path.converted, 2).padStart(6)}  loads ${fixed(path.loads, 2).padStart(5)}  branches ${fixed(path.branches, 2).padStart(6)}  taken ${fixed(path.taken, 2).padStart(6)}  mispredicted ${fixed(path.mispredictions, 2).padStart(5)}  counted per call of the mix ${fixed(summary.counted[index], 2).padStart(5)}`,
    );
  });
}

// What the nanoseconds of a call that runs the filter follow: least squares over every such call
// of every mix and compiler, its overhead (mean over runs) against its path's features.
{
  const samples: { features: Omit<PathFeatures, 'decisions'>; mispredictions: number; min: number; median: number; denied: boolean }[] = [];
  for (const row of rows) {
    if (!complete(row)) continue;
    for (const index of columns) {
      const timing = row.timings[index];
      row.paths[index]?.forEach((call, at) => {
        const measured = timing?.perCall[at];
        if (call.features === undefined || measured === undefined || !Number.isFinite(measured.min)) return;
        samples.push({ features: call.features, mispredictions: call.mispredictions ?? 0, min: measured.min, median: measured.median, denied: call.kind === 'denied' });
      });
    }
  }
  const models: { name: string; columns: string[]; x: (sample: (typeof samples)[number]) => number[] }[] = [
    { name: 'counted', columns: ['fixed', 'cBPF insn'], x: (sample) => [1, sample.features.instructions] },
    {
      name: 'JIT path',
      columns: ['fixed', 'cBPF insn', 'extra eBPF', 'load', 'taken', 'mispredicted'],
      x: (sample) => [
        1,
        sample.features.instructions,
        sample.features.converted - sample.features.instructions,
        sample.features.loads,
        sample.features.taken,
        sample.mispredictions,
      ],
    },
  ];
  console.log(`\nwhat a call that runs the filter costs: least squares of its overhead (mean over runs of the per-run minimum) on its path, over every mix and compiler; ns per unit, r²`);
  for (const denied of [false, true]) {
    const chosen = samples.filter((sample) => sample.denied === denied);
    const y = chosen.map((sample) => sample.min);
    const average = mean(y) ?? 0;
    const total = y.reduce((sum, value) => sum + (value - average) ** 2, 0);
    for (const model of models) {
      const x = chosen.map(model.x);
      const coefficients = leastSquares(x, y);
      if (coefficients === undefined) continue;
      const residual = x.reduce((sum, row, at) => sum + ((y[at] ?? 0) - row.reduce((acc, value, k) => acc + value * (coefficients[k] ?? 0), 0)) ** 2, 0);
      console.log(
        `  ${(denied ? `denied (${chosen.length})` : `allowed (${chosen.length})`).padEnd(15)} ${model.name.padEnd(9)} ${model.columns.map((name, k) => `${name} ${fixed(coefficients[k], 2)}`).join(', ')}; r² ${fixed(total === 0 ? undefined : 1 - residual / total, 2)}`,
      );
    }
  }
}

// The model against the kernel: counted instructions per call (cache model) against measured ns.
const pairs: [number, number][] = [];
const differences: [number, number][] = [];
for (const row of rows) {
  row.timings.forEach((timing, index) => {
    const counted = row.counted[index];
    if (timing?.overhead === undefined || counted === undefined) return;
    pairs.push([counted, timing.overhead]);
  });
  const ours = row.timings[0]?.overhead;
  for (const index of [1, 2]) {
    const theirs = row.timings[index]?.overhead;
    const countedOurs = row.counted[0];
    const countedTheirs = row.counted[index];
    if (ours === undefined || theirs === undefined || countedOurs === undefined || countedTheirs === undefined) continue;
    differences.push([countedTheirs - countedOurs, theirs - ours]);
  }
}
console.log(`\ncounted cost (instructions per call of the mix, cached calls at 0) against measured overhead per policy`);
console.log(`  across policies and compilers: r = ${fixed(pearson(pairs), 2)} over ${pairs.length} filters`);
console.log(`  difference between compilers on one policy (libseccomp − Syscage, counted vs measured): r = ${fixed(pearson(differences), 2)} over ${differences.length} pairs`);
console.log(
  '  a cached call runs no filter but pays the seccomp entry path, the same for every compiler; the counted model charges neither that nor the fixed\n' +
    `  price of entering the ${jit === '0' ? 'interpreted' : 'JIT-compiled'} filter, and between policies the machine's noise is larger than the instruction term.`,
);
const left = [...new Set(rows.flatMap((row) => row.left))];
if (left.length > 0) console.log(`\nleft out of the mixes: ${left.join(', ')}`);
console.log(
  `\ntimed on ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${kernel}, TSC ${(tscHz / 1e9).toFixed(3)} GHz, load average at the end ${loadavg().map((value) => value.toFixed(1)).join(' ')}; kill and trap returns rewritten to errno ${ERRNO_MARKER} for the timing`,
);
if (jsonOut !== undefined) writeFileSync(jsonOut, JSON.stringify({ machine: cpus()[0]?.model, kernel, jit, runs, passes, mixSize, rows, summaries }, null, 2));
