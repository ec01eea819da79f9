// Benchmark: what a filter costs in the real kernel, per syscall, for every x86_64 policy of the
// two shared crosvm corpora and of the repository's policies/ tree. `pnpm bench:kernel`.
//
// For each policy the call mix is its call counts (`@frequency`, else the typical profile: what
// the planner lays out for, `LoweredPolicy.callFrequencies`) scaled to about MIX calls in a fixed
// shuffled order, each with argument values the policy allows (unconstrained arguments are -1,
// so every call the kernel runs fails fast: EBADF, EFAULT, EINVAL). The mix runs in children of
// one C harness (bench/kernel-timing.c, compiled with clang here), side by side: no filter,
// Syscage's filter, libseccomp's default layout and its binary tree (python3-seccomp builds the
// filter from the same rules and exports its BPF). Overhead per call is the median over runs of
// the mean over the mix's calls of (fewest cycles the call took over the passes with the filter −
// fewest without): minima, because on a shared machine everything else only adds time. The
// whole-pass figure (median pass with − without) is kept in the JSON. A call the policy denies runs no
// syscall body under a filter, so its no-filter counterpart is an invalid syscall number (ENOSYS,
// no body either): its overhead is the whole price of the denial.
//
// The filters run as compiled except that every kill, trap, trace and user-notify return is
// rewritten to errno (ERRNO_MARKER) so that a denied call cannot end the harness; a `ret` costs
// the same whatever its constant, and the kernel's action cache only looks for ALLOW.
//
// Options: --runs N (default 8: each variant times as often first, second, third and fourth), --passes N (default 30), --mix N (calls per mix, default 400),
// --filter TEXT (policies whose key contains TEXT), --json FILE (every figure).
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
import { compilePolicy } from '../src/compile.js';
import { emulate, seccompActionName } from '../src/emulate.js';
import { encodeProgram } from '../src/decode.js';
import { compileWithLibseccomp, libseccompAvailable, libseccompRequestFromPolicy } from '../src/libseccomp-node.js';
import type { LoweredPolicy, LoweredSyscall } from '../src/lower.js';
import { evaluatePolicy, evaluateSyscall } from '../src/reference.js';
import type { BpfProgram } from '../src/types.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const harnessSource = fileURLToPath(new URL('./kernel-timing.c', import.meta.url));

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index < 0 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
const runs = option('--runs', 8);
const passes = option('--passes', 30);
const mixSize = option('--mix', 400);
const filterIndex = process.argv.indexOf('--filter');
const keyFilter = filterIndex < 0 ? undefined : process.argv[filterIndex + 1];
const jsonIndex = process.argv.indexOf('--json');
const jsonOut = jsonIndex < 0 ? undefined : process.argv[jsonIndex + 1];

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
    for (let copy = 0; copy < times; copy++) calls.push({ nr, name, args, denied, ...(errno === undefined ? {} : { errno }) });
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

interface Timing {
  /**
   * Overhead per call in ns, median over runs of the mean over the mix's calls of (fewest cycles
   * of the call with the filter − fewest without); undefined when the variant failed.
   */
  readonly overhead?: number;
  /** The same from whole passes: median over runs of (median pass with − median pass without) / calls. */
  readonly overheadPass?: number;
  /** Per class: mean overhead per call of that class, ns (from per-call minima), median over runs. */
  readonly denied?: number;
  readonly cached?: number;
  readonly uncached?: number;
  readonly error?: string;
  /** Calls whose warm-up result differs from the expectation. */
  readonly mismatches: string[];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length);

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
  const run = spawnSync(harness, argv, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`kernel-timing failed on ${key}: ${run.stderr || (run.error?.message ?? '')}`);
  let tscHz = 0;
  const errors = new Map<number, string>();
  const results = new Map<number, Map<number, number>>();
  const passTimes = new Map<number, Map<number, number>>(); // variant → run → median pass cycles
  const callMins = new Map<string, number>(); // `${run} ${variant} ${index}` → cycles
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
    } else if (kind === 'call') callMins.set(`${words[1] ?? ''} ${words[2] ?? ''} ${words[3] ?? ''}`, Number(words[4]));
  }
  const nsPerCycle = 1e9 / tscHz;
  const baseResults = results.get(0);
  const timings = variants.map((variant, position): Timing => {
    const index = position + 1;
    const error = errors.get(index) ?? errors.get(0);
    if (error !== undefined) return { error, mismatches: [] };
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
    const perRun: number[] = [];
    const perRunMin: number[] = [];
    const classes = { denied: [] as number[], cached: [] as number[], uncached: [] as number[] };
    for (let r = 0; r < runs; r++) {
      const withFilter = passTimes.get(index)?.get(r);
      const without = passTimes.get(0)?.get(r);
      if (withFilter === undefined || without === undefined) continue;
      perRun.push(((withFilter - without) * nsPerCycle) / mix.calls.length);
      const sums = { denied: [] as number[], cached: [] as number[], uncached: [] as number[] };
      let minTotal = 0;
      mix.calls.forEach((call, at) => {
        const filtered = callMins.get(`${r} ${index} ${at}`);
        const plain = callMins.get(`${r} 0 ${at}`);
        if (filtered === undefined || plain === undefined) return;
        const cls = call.denied ? 'denied' : cacheAllowed(program, archX86_64.auditArch, call.nr) ? 'cached' : 'uncached';
        sums[cls].push((filtered - plain) * nsPerCycle);
        minTotal += (filtered - plain) * nsPerCycle;
      });
      perRunMin.push(minTotal / mix.calls.length);
      for (const cls of ['denied', 'cached', 'uncached'] as const) {
        const value = mean(sums[cls]);
        if (value !== undefined) classes[cls].push(value);
      }
    }
    return {
      ...(perRunMin.length === 0 ? {} : { overhead: median(perRunMin) }),
      ...(perRun.length === 0 ? {} : { overheadPass: median(perRun) }),
      ...(classes.denied.length === 0 ? {} : { denied: median(classes.denied) }),
      ...(classes.cached.length === 0 ? {} : { cached: median(classes.cached) }),
      ...(classes.uncached.length === 0 ? {} : { uncached: median(classes.uncached) }),
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

// --- Main ------------------------------------------------------------------------------------
const labels = ['syscage', 'libseccomp default', 'libseccomp tree'];
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

/** Least-squares line y = a + b·x. */
function fit(pairs: readonly (readonly [number, number])[]): { a: number; b: number } | undefined {
  if (pairs.length < 3) return undefined;
  const mx = mean(pairs.map(([x]) => x)) ?? 0;
  const my = mean(pairs.map(([, y]) => y)) ?? 0;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  if (sxx === 0) return undefined;
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

const defined = (values: readonly (number | undefined)[]): number[] => values.filter((value): value is number => value !== undefined && !Number.isNaN(value));
type ClassName = 'overhead' | 'cached' | 'uncached' | 'denied';
const columnMean = (subset: readonly Row[], index: number, field: ClassName): number | undefined =>
  mean(defined(subset.map((row) => row.timings[index]?.[field])));

interface CorpusSummary {
  readonly corpus: string;
  readonly policies: number;
  readonly overhead: (number | undefined)[];
  readonly cached: (number | undefined)[];
  readonly uncached: (number | undefined)[];
  readonly denied: (number | undefined)[];
  readonly counted: (number | undefined)[];
  readonly uncachedShare: (number | undefined)[];
}
const corpora = [...new Set(rows.map((row) => row.corpus))];
const summaries: CorpusSummary[] = corpora.map((corpus) => {
  // Means over the policies every compiler produced a timing for, so the columns compare.
  const subset = rows.filter((row) => row.corpus === corpus && row.timings.every((timing, index) => timing?.overhead !== undefined || (index > 0 && !withLibseccomp)));
  const columns = labels.map((_, index) => index);
  return {
    corpus,
    policies: subset.length,
    overhead: columns.map((index) => columnMean(subset, index, 'overhead')),
    cached: columns.map((index) => columnMean(subset, index, 'cached')),
    uncached: columns.map((index) => columnMean(subset, index, 'uncached')),
    denied: columns.map((index) => columnMean(subset, index, 'denied')),
    counted: columns.map((index) => mean(defined(subset.map((row) => row.counted[index])))),
    uncachedShare: columns.map((index) => mean(defined(subset.map((row) => row.uncachedShare[index])))),
  };
});

console.log(`\ncorpus means (ns of filter overhead per call; ratios are libseccomp / Syscage)`);
console.log(`${'corpus'.padEnd(16)} ${'policies'.padStart(8)} ${'syscage'.padStart(9)}${'lsc dflt'.padStart(9)}${'lsc tree'.padStart(9)} ${'dflt/sc'.padStart(8)} ${'tree/sc'.padStart(8)}`);
for (const summary of summaries) {
  const [ours, byDefault, byTree] = summary.overhead;
  console.log(
    `${summary.corpus.padEnd(16)} ${String(summary.policies).padStart(8)} ${summary.overhead.map((value) => fixed(value).padStart(9)).join('')} ${ratioText(byDefault, ours).padStart(8)} ${ratioText(byTree, ours).padStart(8)}`,
  );
}
console.log(`\nwhere the time goes, per call of each kind (corpus means, ns; counted = instructions per call of the mix with cached calls at 0; uncached = share of the mix's calls that run the filter)`);
for (const summary of summaries) {
  labels.forEach((label, index) => {
    console.log(
      `${summary.corpus.padEnd(16)} ${label.padEnd(20)} cached ${fixed(summary.cached[index]).padStart(6)}  allowed, filter run ${fixed(summary.uncached[index]).padStart(6)}  denied ${fixed(summary.denied[index]).padStart(6)}  counted ${fixed(summary.counted[index], 2).padStart(6)}  uncached ${fixed((summary.uncachedShare[index] ?? Number.NaN) * 100, 1).padStart(5)}%`,
    );
  });
}

// The model against the kernel: counted instructions per call (cache model) against measured ns.
const pairs: [number, number][] = [];
const perCompiler = labels.map(() => [] as [number, number][]);
const differences: [number, number][] = [];
for (const row of rows) {
  row.timings.forEach((timing, index) => {
    const counted = row.counted[index];
    if (timing?.overhead === undefined || counted === undefined) return;
    pairs.push([counted, timing.overhead]);
    perCompiler[index]?.push([counted, timing.overhead]);
  });
  // Between compilers on one policy: the same mix and the same moment, only the program differs.
  const ours = row.timings[0]?.overhead;
  for (const index of [1, 2]) {
    const theirs = row.timings[index]?.overhead;
    const countedOurs = row.counted[0];
    const countedTheirs = row.counted[index];
    if (ours === undefined || theirs === undefined || countedOurs === undefined || countedTheirs === undefined) continue;
    differences.push([countedTheirs - countedOurs, theirs - ours]);
  }
}
const line = fit(pairs);
console.log(`\ncounted cost against measured overhead`);
console.log(`  across policies and compilers: r = ${fixed(pearson(pairs), 2)} over ${pairs.length} filters; fit: ${line === undefined ? '-' : `${line.a.toFixed(1)} ns + ${line.b.toFixed(2)} ns per counted instruction`}`);
labels.forEach((label, index) => {
  console.log(`  ${label.padEnd(20)} r = ${fixed(pearson(perCompiler[index] ?? []), 2)} over ${perCompiler[index]?.length ?? 0} policies`);
});
console.log(`  difference between compilers on one policy (libseccomp − Syscage, counted vs measured): r = ${fixed(pearson(differences), 2)} over ${differences.length} pairs`);
console.log(
  '  why they disagree: a cached call (always allowed, the kernel proved it at load) runs no filter but still pays the seccomp entry path;\n' +
    `  filters run ${jit === '0' ? 'interpreted' : 'JIT-compiled'}, so an instruction costs well under a nanosecond next to the fixed price of calling the filter,\n` +
    '  and the counted model charges neither the fixed price nor branch mispredictions of a shuffled mix.',
);
const left = [...new Set(rows.flatMap((row) => row.left))];
if (left.length > 0) console.log(`\nleft out of the mixes: ${left.join(', ')}`);
console.log(`\ntimed on ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${kernel}, TSC ${(tscHz / 1e9).toFixed(3)} GHz; kill and trap returns rewritten to errno ${ERRNO_MARKER} for the timing`);
if (jsonOut !== undefined) writeFileSync(jsonOut, JSON.stringify({ machine: cpus()[0]?.model, kernel, jit, runs, passes, mixSize, rows, summaries }, null, 2));
