/**
 * Static figures of a seccomp program for one architecture: size, unreachable code, which
 * syscalls it always allows, allows conditionally or denies, how much of it the kernel's
 * constant-action cache covers, and what it costs to run (instructions executed per allowed
 * syscall). The definitions follow the benchmark's (`shared/bench/README.md`) so the numbers
 * compare with the peer compilers':
 *
 * - `alwaysAllowed` / `conditional`: syscalls whose result is `ALLOW` for every argument vector /
 *   for some but not all. Decided by {@link explorePaths} (symbolic, sound: "always allowed"
 *   means no feasible path reaches anything else); when a syscall has more paths than the limit
 *   it is decided by the sampled vectors instead and marked `exact: false`.
 * - Cost of an allowed syscall: the mean number of instructions executed over the sampled
 *   argument vectors (see {@link argumentSamples}) that the program allows. If no sampled vector
 *   is allowed, the witnesses of the allowing paths are used instead.
 * - `costUniform`: mean over allowed syscalls; `costFrequency`: weighted by the frequency map
 *   (by syscall name; syscalls without an entry weigh 1); `costCache`: like `costFrequency`
 *   with the syscalls the kernel caches costing 0; `maxCost`: the largest per-syscall cost.
 * - `cacheCoverage`: the share of always-allowed syscalls that the kernel's install-time
 *   emulation ({@link cacheAllowed}) proves allowed.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { cacheAllowed, cacheCheck } from './cache.js';
import { type EmulationSuccess, emulate, seccompActionName, type SeccompActionName } from './emulate.js';
import { explorePaths, type PathOutcome, type WordCondition, wordsToArgs } from './analyze-paths.js';
import { BPF_ABS, BPF_IND, BPF_JA, BPF_JMP, BPF_LD, BPF_LDX, BPF_MSH, BPF_RET, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR } from './opcodes.js';
import type { BpfProgram } from './types.js';
import { isConditionalJump } from './validate.js';

/** Options of {@link analyzeProgram}. */
export interface AnalyzeOptions {
  /** The architecture the program is for (audit value, word size, byte order, names). */
  readonly arch: ArchTable;
  /**
   * How often each syscall is made, by name (an `@frequency` file's counts).
   * @defaultValue none: every syscall weighs 1
   */
  readonly frequencies?: ReadonlyMap<string, number | bigint>;
  /**
   * Syscall numbers to analyse.
   * @defaultValue 0–1023 and every number of the architecture's table above 1023
   */
  readonly syscalls?: readonly number[];
  /**
   * Most symbolic paths per syscall before falling back to sampling.
   * @defaultValue 4096
   */
  readonly maxPaths?: number;
  /**
   * Most sampled argument vectors per syscall for costs.
   * @defaultValue 1024
   */
  readonly maxSamples?: number;
  /**
   * What analyses of many programs share ({@link createAnalysisCache}): a syscall whose checks
   * compile to the same code in several programs is searched and sampled once. The figures are
   * the same as without it.
   * @defaultValue none: every syscall is analysed on its own
   */
  readonly cache?: AnalysisCache;
}

/**
 * What analyses of many programs share: the per-syscall results of the syscalls that check
 * arguments, by everything such a result depends on (see {@link analyzeProgram}). Make one per
 * batch of programs (`syscage build` makes one per build) and pass it as
 * {@link AnalyzeOptions.cache}.
 */
export interface AnalysisCache {
  /** Per-syscall results held (for reports and benchmarks). */
  readonly size: number;
}

/** A cached per-syscall result, without the frequency weight (which is the caller's). */
type SharedSyscall = Omit<SyscallAnalysis, 'weight' | 'hasFrequency'>;

/** The cache behind {@link AnalysisCache}: per architecture table object, results by {@link fragmentKey}. */
class SharedAnalyses implements AnalysisCache {
  readonly byTable = new WeakMap<ArchTable, Map<string, SharedSyscall>>();
  size = 0;

  results(arch: ArchTable): Map<string, SharedSyscall> {
    let results = this.byTable.get(arch);
    if (results === undefined) {
      results = new Map();
      this.byTable.set(arch, results);
    }
    return results;
  }
}

/** Makes an empty {@link AnalysisCache}. */
export function createAnalysisCache(): AnalysisCache {
  return new SharedAnalyses();
}

/**
 * True when every jump of the program moves forward by a byte offset (`jt`, `jf` in 0–255, `ja`
 * by a non-negative 32-bit `k`), as every program the kernel accepts does. Only then do runs and
 * searches from the number's first argument load depend on nothing but the code they reach;
 * other programs are analysed without the cache.
 */
function forwardOnly(program: BpfProgram): boolean {
  for (const insn of program) {
    if ((insn.code & 0x07) !== BPF_JMP) continue;
    if (insn.code === (BPF_JMP | BPF_JA)) {
      if (!Number.isInteger(insn.k) || insn.k < 0 || insn.k > 0xffffffff) return false;
    } else if (!Number.isInteger(insn.jt) || !Number.isInteger(insn.jf) || insn.jt < 0 || insn.jf < 0 || insn.jt > 255 || insn.jf > 255) return false;
  }
  return true;
}

/**
 * Everything {@link exploreSyscall} of `nr` depends on besides the architecture table and the
 * limits, for a program whose run for `nr` passes `prefix` (the kernel's cache emulation: loads
 * of the number and the architecture, constant jumps and `and`) and stops at `prefix`'s last pc,
 * an `ld [k]` of anything else:
 *
 * - the number (the search, the samples' seed and every run read it);
 * - how many instructions the prefix executes (every run's count includes them, so the costs do;
 *   without it, the same checks reached by a deeper dispatch would get the shallower one's cost);
 * - the code reachable from that pc, each instruction with its jump targets as positions in that
 *   code (`-1` past the end), so the same checks at other addresses give the same key.
 *
 * Every run and search path goes through the prefix unchanged (it reads no argument) and then
 * only through that code; the prefix leaves X and scratch memory untouched and the load at that
 * pc overwrites A, so equal keys give equal results.
 */
function fragmentKey(program: BpfProgram, nr: number, prefix: readonly number[]): string {
  const start = prefix[prefix.length - 1] ?? 0;
  // Forward jumps only: the code reachable from `start` in increasing pc order.
  const reached = new Uint8Array(program.length);
  reached[start] = 1;
  const pcs: number[] = [];
  for (let pc = start; pc < program.length; pc++) {
    if (reached[pc] !== 1) continue;
    pcs.push(pc);
    const insn = program[pc];
    if (insn === undefined) continue;
    const targets = jumpTargets(insn, pc);
    for (const target of targets) if (target < program.length) reached[target] = 1;
  }
  const position = new Map<number, number>();
  pcs.forEach((pc, at) => position.set(pc, at));
  let key = `${nr >>> 0}|${prefix.length - 1}|`;
  for (const pc of pcs) {
    const insn = program[pc];
    if (insn === undefined) continue;
    key += `${insn.code},${insn.k}`;
    for (const target of jumpTargets(insn, pc)) key += `,${position.get(target) ?? -1}`;
    key += ';';
  }
  return key;
}

/** Where control goes after `insn` at `pc`: none after a return, one or two pcs otherwise. */
function jumpTargets(insn: BpfProgram[number], pc: number): number[] {
  const cls = insn.code & 0x07;
  if (cls === BPF_RET) return [];
  if (insn.code === (BPF_JMP | BPF_JA)) return [pc + 1 + insn.k];
  if (cls === BPF_JMP) return [pc + 1 + insn.jt, pc + 1 + insn.jf];
  return [pc + 1];
}

/** How a program treats one syscall number. */
export type SyscallVerdict = 'always-allowed' | 'conditional' | 'denied';

/** The figures of one syscall number. */
export interface SyscallAnalysis {
  /** The syscall number analysed, in the architecture's numbering. */
  readonly nr: number;
  /** The architecture's name for the number, if it has one. */
  readonly name: string | undefined;
  /** `always-allowed` when every argument vector gets `ALLOW`, `conditional` for some, else `denied`. */
  readonly verdict: SyscallVerdict;
  /** False when the verdict comes from sampling because the path limit was hit. */
  readonly exact: boolean;
  /** Every action some argument vector reaches, sorted (`unknown` for `ret a` of an unknown). */
  readonly actions: readonly SeccompActionName[];
  /** The kernel's install-time cache proves the syscall allowed. */
  readonly cacheable: boolean;
  /** Mean instructions executed over allowed samples; `undefined` for denied syscalls. */
  readonly cost: number | undefined;
  /** Mean instructions executed over the sampled vectors the program does not allow. */
  readonly denialCost: number | undefined;
  /** Weight from the frequency map (1 when missing). */
  readonly weight: number;
  /** True when the frequency map has an entry for the syscall. */
  readonly hasFrequency: boolean;
  /** Argument vectors sampled for the cost, and how many of them the program allows. */
  readonly samples: number;
  /** How many of the {@link SyscallAnalysis.samples} vectors the program allows. */
  readonly allowedSamples: number;
  /** An argument vector the program allows, if one was found. */
  readonly allowedExample: readonly bigint[] | undefined;
  /** An argument vector the program does not allow, if one was found. */
  readonly deniedExample: readonly bigint[] | undefined;
}

/** The result of {@link analyzeProgram}. */
export interface ProgramAnalysis {
  /** Program length. */
  readonly instructions: number;
  /** Pcs no path from pc 0 reaches. */
  readonly unreachable: readonly number[];
  /** One entry per analysed syscall number, in increasing order. */
  readonly syscalls: readonly SyscallAnalysis[];
  /** Number of analysed syscalls allowed for every argument vector. */
  readonly alwaysAllowed: number;
  /** Number of analysed syscalls allowed for some argument vectors but not all. */
  readonly conditional: number;
  /** Number of analysed syscalls no argument vector gets allowed. */
  readonly denied: number;
  /** Share of always-allowed syscalls the kernel caches; `undefined` when there are none. */
  readonly cacheCoverage: number | undefined;
  /**
   * Mean instructions executed per allowed syscall, every allowed syscall weighing the same.
   * `undefined` when no syscall is allowed.
   */
  readonly costUniform: number | undefined;
  /**
   * Mean instructions executed per call, weighted by the frequency map (syscalls without an
   * entry weigh 1; denied syscalls the map names count at their denial cost). `undefined` when
   * no syscall is allowed.
   */
  readonly costFrequency: number | undefined;
  /**
   * Like {@link ProgramAnalysis.costFrequency}, with the syscalls the kernel's cache allows
   * costing 0 instructions. `undefined` when no syscall is allowed.
   */
  readonly costCache: number | undefined;
  /** The largest per-syscall cost (instructions) among allowed syscalls; `undefined` when none is allowed. */
  readonly maxCost: number | undefined;
}

/** Pcs that no path from pc 0 reaches (jumps followed both ways). */
export function unreachableInstructions(program: BpfProgram): number[] {
  const reached = new Array<boolean>(program.length).fill(false);
  if (program.length > 0) reached[0] = true;
  const mark = (pc: number): void => {
    if (pc < program.length) reached[pc] = true;
  };
  program.forEach((insn, pc) => {
    if (!reached[pc]) return;
    if ((insn.code & 0x07) === BPF_RET) return;
    if (insn.code === (BPF_JMP | BPF_JA)) mark(pc + 1 + insn.k);
    else if (isConditionalJump(insn.code)) {
      mark(pc + 1 + insn.jt);
      mark(pc + 1 + insn.jf);
    } else mark(pc + 1);
  });
  return reached.flatMap((value, pc) => (value ? [] : [pc]));
}

/** Candidate values of one compared word: 0, each constant, and the neighbours of range bounds. */
function wordCandidates(conditions: readonly WordCondition[]): number[] {
  const values = new Set<number>([0]);
  for (const c of conditions) {
    values.add(c.k);
    if (c.op === 'gt') values.add((c.k + 1) >>> 0);
    if (c.op === 'ge' && c.k > 0) values.add(c.k - 1);
  }
  return [...values].sort((a, b) => a - b);
}

/** A small deterministic PRNG (mulberry32) so samples are the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The argument vectors used to sample a syscall: for every `seccomp_data` word the program(s)
 * compare on this syscall's paths, the candidates are 0, each constant it is compared with
 * (`jeq`/`jset`, or the masked value after `and`), `k + 1` for `jgt k` and `k − 1` for `jge k`;
 * words never compared are 0. The vectors are the Cartesian product of the candidates when it
 * has at most `maxSamples` members, else `maxSamples` members of it drawn with a fixed-seed PRNG.
 */
export function argumentSamples(
  outcomes: readonly PathOutcome[],
  littleEndian: boolean,
  maxSamples = 1024,
  seed = 1,
): bigint[][] {
  const byWord = new Map<number, WordCondition[]>();
  for (const outcome of outcomes) {
    for (const condition of outcome.conditions) {
      const list = byWord.get(condition.offset) ?? [];
      list.push(condition);
      byWord.set(condition.offset, list);
    }
  }
  const offsets = [...byWord.keys()].sort((a, b) => a - b);
  const candidates = offsets.map((offset) => wordCandidates(byWord.get(offset) ?? []));
  const total = candidates.reduce((product, list) => product * list.length, 1);
  const pick = (indexOf: (position: number, size: number) => number): bigint[] => {
    const words = new Map<number, number>();
    offsets.forEach((offset, position) => {
      const list = candidates[position] ?? [0];
      words.set(offset, list[indexOf(position, list.length)] ?? 0);
    });
    return wordsToArgs(words, littleEndian);
  };
  const vectors: bigint[][] = [];
  if (total <= maxSamples) {
    for (let index = 0; index < total; index++) {
      let rest = index;
      vectors.push(
        pick((_position, size) => {
          const digit = rest % size;
          rest = Math.floor(rest / size);
          return digit;
        }),
      );
    }
  } else {
    const random = prng(seed);
    for (let count = 0; count < maxSamples; count++) vectors.push(pick((_position, size) => Math.floor(random() * size)));
  }
  return vectors;
}

/**
 * Names by number, made once per table object (a build analyses hundreds of programs of a few
 * tables); architecture tables are generated constants, never changed once loaded.
 */
const namesByTable = new WeakMap<ArchTable, ReadonlyMap<number, readonly string[]>>();

function syscallNameMap(arch: ArchTable): ReadonlyMap<number, readonly string[]> {
  const known = namesByTable.get(arch);
  if (known !== undefined) return known;
  const names = new Map<number, string[]>();
  for (const [name, nr] of Object.entries(arch.syscalls)) {
    const list = names.get(nr) ?? [];
    list.push(name);
    names.set(nr, list);
  }
  for (const list of names.values()) list.sort();
  namesByTable.set(arch, names);
  return names;
}

/** Default syscall numbers: 0–1023 plus the table's numbers above 1023 (e.g. ARM private ones). */
export function defaultSyscallNumbers(arch: ArchTable): number[] {
  const numbers = new Set<number>();
  for (let nr = 0; nr < 1024; nr++) numbers.add(nr);
  for (const nr of Object.values(arch.syscalls)) if (nr >= 1024) numbers.add(nr);
  return [...numbers].sort((a, b) => a - b);
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The frequency map's weight for a number (by any of its names), 1 when it has none. */
function weightOf(nr: number, options: AnalyzeOptions, names: ReadonlyMap<number, readonly string[]>): { weight: number; hasFrequency: boolean } {
  for (const candidate of names.get(nr) ?? []) {
    const count = options.frequencies?.get(candidate);
    if (count !== undefined) return { weight: Number(count), hasFrequency: true };
  }
  return { weight: 1, hasFrequency: false };
}

/**
 * The run of the program for `nr` when its path reads nothing but the number, the architecture
 * and constants: every argument vector then follows that one path, so the symbolic search and
 * the sampling of {@link exploreSyscall} would find this single outcome. Most numbers of a
 * table are like this (denied by the default, or allowed outright), and this is what keeps the
 * analysis of a whole table cheap. `undefined` when the path loads an argument, the instruction
 * pointer or anything indirect, or is invalid.
 */
function argumentFreeRun(program: BpfProgram, nr: number, arch: ArchTable): EmulationSuccess | undefined {
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  const run = emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness });
  if (!run.ok) return undefined;
  for (const pc of run.path) {
    const code = program[pc]?.code ?? 0;
    const cls = code & 0x07;
    if (cls !== BPF_LD && cls !== BPF_LDX) continue;
    const mode = code & 0xe0;
    if (mode === BPF_IND || mode === BPF_MSH) return undefined;
    if (mode === BPF_ABS && program[pc]?.k !== SECCOMP_DATA_NR && program[pc]?.k !== SECCOMP_DATA_ARCH) return undefined;
  }
  return run;
}

/** The results of {@link AnalyzeOptions.cache} this program may share, if it may. */
function sharedResults(program: BpfProgram, options: AnalyzeOptions): Map<string, SharedSyscall> | undefined {
  const cache = options.cache;
  return cache instanceof SharedAnalyses && forwardOnly(program) ? cache.results(options.arch) : undefined;
}

/** Analyses one syscall number (see {@link analyzeProgram} for the definitions). */
export function analyzeSyscall(
  program: BpfProgram,
  nr: number,
  options: AnalyzeOptions,
  names: ReadonlyMap<number, readonly string[]> = syscallNameMap(options.arch),
): SyscallAnalysis {
  return analyzeNumber(program, nr, options, names, sharedResults(program, options));
}

function analyzeNumber(
  program: BpfProgram,
  nr: number,
  options: AnalyzeOptions,
  names: ReadonlyMap<number, readonly string[]>,
  shared: Map<string, SharedSyscall> | undefined,
): SyscallAnalysis {
  // The kernel's cache emulation is the cheapest run there is, and when it reaches a `ret` the
  // path read nothing but the number and the architecture.
  const cache = cacheCheck(program, options.arch.auditArch, nr);
  let fixed: { readonly returnValue: number; readonly instructionsExecuted: number } | undefined;
  if (cache.verdict === 'allow' || cache.verdict === 'other-return') {
    fixed = { returnValue: program[cache.pc]?.k ?? 0, instructionsExecuted: cache.path.length };
  } else if (cache.verdict !== 'non-constant-load') {
    fixed = argumentFreeRun(program, nr, options.arch);
  }
  if (fixed === undefined) {
    if (shared === undefined || cache.verdict !== 'non-constant-load') return exploreSyscall(program, nr, options, names);
    const key = `${options.maxPaths ?? 4096}|${options.maxSamples ?? 1024}|${fragmentKey(program, nr, cache.path)}`;
    let found = shared.get(key);
    if (found === undefined) {
      found = exploreSyscall(program, nr, options, names);
      shared.set(key, found);
      if (options.cache instanceof SharedAnalyses) options.cache.size++;
    }
    // The number's name and weight are the caller's (names and frequencies may differ).
    return {
      nr,
      name: names.get(nr)?.[0],
      verdict: found.verdict,
      exact: found.exact,
      actions: found.actions,
      cacheable: found.cacheable,
      cost: found.cost,
      denialCost: found.denialCost,
      ...weightOf(nr, options, names),
      samples: found.samples,
      allowedSamples: found.allowedSamples,
      allowedExample: found.allowedExample,
      deniedExample: found.deniedExample,
    };
  }
  const action = seccompActionName(fixed.returnValue);
  const allowed = action === 'allow';
  const example = [0n, 0n, 0n, 0n, 0n, 0n];
  return {
    nr,
    name: names.get(nr)?.[0],
    verdict: allowed ? 'always-allowed' : 'denied',
    exact: true,
    actions: [action],
    cacheable: cache.verdict === 'allow',
    cost: allowed ? fixed.instructionsExecuted : undefined,
    denialCost: allowed ? undefined : fixed.instructionsExecuted,
    ...weightOf(nr, options, names),
    samples: 1,
    allowedSamples: allowed ? 1 : 0,
    allowedExample: allowed ? example : undefined,
    deniedExample: allowed ? undefined : example,
  };
}

/**
 * {@link analyzeSyscall} by symbolic exploration and sampling alone, for any path shape (the
 * tests compare the two on every number).
 */
export function exploreSyscall(
  program: BpfProgram,
  nr: number,
  options: AnalyzeOptions,
  names: ReadonlyMap<number, readonly string[]> = syscallNameMap(options.arch),
): SyscallAnalysis {
  const { arch } = options;
  const littleEndian = arch.endianness === 'little';
  const exploration = explorePaths(program, arch, nr, { maxPaths: options.maxPaths ?? 4096 });
  const samples = argumentSamples(exploration.outcomes, littleEndian, options.maxSamples ?? 1024, nr + 1);
  const runs = samples.map((args) => ({
    args,
    result: emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false }),
  }));
  const isAllow = (value: number | undefined): boolean => value !== undefined && seccompActionName(value) === 'allow';
  const actions = new Set<SeccompActionName>();
  let anyAllow: boolean;
  let anyOther: boolean;
  if (exploration.complete) {
    for (const outcome of exploration.outcomes) {
      actions.add(outcome.returnValue === undefined ? 'unknown' : seccompActionName(outcome.returnValue));
    }
    anyAllow = exploration.outcomes.some((o) => isAllow(o.returnValue) || (o.returnValue === undefined && !o.invalid));
    anyOther = exploration.outcomes.some((o) => !isAllow(o.returnValue));
  } else {
    for (const run of runs) actions.add(run.result.ok ? run.result.action : 'unknown');
    anyAllow = runs.some((run) => run.result.ok && run.result.action === 'allow');
    anyOther = runs.some((run) => !run.result.ok || run.result.action !== 'allow');
  }
  const verdict: SyscallVerdict = anyAllow ? (anyOther ? 'conditional' : 'always-allowed') : 'denied';
  let allowedRuns = runs.filter((run) => run.result.ok && run.result.action === 'allow');
  if (allowedRuns.length === 0 && verdict !== 'denied') {
    allowedRuns = exploration.outcomes
      .filter((o) => isAllow(o.returnValue) && o.witness !== undefined)
      .map((o) => {
        const args = o.witness ?? [];
        return {
          args: [...args],
          result: emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false }),
        };
      })
      .filter((run) => run.result.ok && run.result.action === 'allow');
  }
  const deniedWitness = exploration.outcomes.find((o) => !isAllow(o.returnValue) && o.witness !== undefined)?.witness;
  const name = names.get(nr)?.[0];
  const { weight, hasFrequency } = weightOf(nr, options, names);
  const deniedRuns = runs.filter((run) => !run.result.ok || run.result.action !== 'allow');
  return {
    nr,
    name,
    verdict,
    exact: exploration.complete,
    actions: [...actions].sort(),
    cacheable: cacheAllowed(program, arch.auditArch, nr),
    cost: verdict === 'denied' ? undefined : mean(allowedRuns.map((run) => run.result.instructionsExecuted)),
    denialCost: mean(deniedRuns.map((run) => run.result.instructionsExecuted)),
    weight,
    hasFrequency,
    samples: runs.length,
    allowedSamples: allowedRuns.length,
    allowedExample: allowedRuns[0]?.args,
    deniedExample: deniedRuns[0]?.args ?? deniedWitness,
  };
}

/**
 * Analyses a program for one architecture: reachability, per-syscall verdicts, cache coverage
 * and costs, with the benchmark's definitions (see the module comment). Never throws on an
 * invalid program: invalid paths count as not allowed.
 */
export function analyzeProgram(program: BpfProgram, options: AnalyzeOptions): ProgramAnalysis {
  const names = syscallNameMap(options.arch);
  const numbers = options.syscalls ?? defaultSyscallNumbers(options.arch);
  const shared = sharedResults(program, options);
  const syscalls = numbers.map((nr) => analyzeNumber(program, nr, options, names, shared));
  const always = syscalls.filter((s) => s.verdict === 'always-allowed');
  const allowed = syscalls.filter((s) => s.verdict !== 'denied' && s.cost !== undefined);
  // Denied syscalls that the frequency map names are made too: they count at the cost of
  // reaching their denial (which the kernel never caches), as in the benchmark's figures.
  const deniedButFrequent = syscalls.filter((s) => s.verdict === 'denied' && s.hasFrequency && s.denialCost !== undefined);
  const weighted = (costOf: (s: SyscallAnalysis) => number): number | undefined => {
    const total = [...allowed, ...deniedButFrequent].reduce((sum, s) => sum + s.weight, 0);
    if (allowed.length === 0 || total === 0) return undefined;
    const allowedPart = allowed.reduce((sum, s) => sum + s.weight * costOf(s), 0);
    const deniedPart = deniedButFrequent.reduce((sum, s) => sum + s.weight * (s.denialCost ?? 0), 0);
    return (allowedPart + deniedPart) / total;
  };
  return {
    instructions: program.length,
    unreachable: unreachableInstructions(program),
    syscalls,
    alwaysAllowed: always.length,
    conditional: syscalls.filter((s) => s.verdict === 'conditional').length,
    denied: syscalls.filter((s) => s.verdict === 'denied').length,
    cacheCoverage: always.length === 0 ? undefined : always.filter((s) => s.cacheable).length / always.length,
    costUniform: mean(allowed.map((s) => s.cost ?? 0)),
    costFrequency: weighted((s) => s.cost ?? 0),
    costCache: weighted((s) => (s.cacheable ? 0 : (s.cost ?? 0))),
    maxCost: allowed.length === 0 ? undefined : Math.max(...allowed.map((s) => s.cost ?? 0)),
  };
}

