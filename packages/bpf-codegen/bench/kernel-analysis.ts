// What `pnpm bench:kernel` needs beyond timing (bench/kernel.ts): the statistics of its
// intervals, and what a filter's path costs once the kernel has turned the classic BPF into
// eBPF and JIT-compiled it (Linux `bpf_convert_filter`, kernel/bpf's x86-64 JIT), so the bench
// can say which of those features the measured nanoseconds follow.
import { cacheAllowed } from '../src/cache.js';
import { emulate } from '../src/emulate.js';
import { BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_RET } from '../src/opcodes.js';
import type { BpfProgram } from '../src/types.js';

/** Mean of the values (undefined when there are none). */
export const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length);

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (then 1.96). */
const t95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.1, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04];

/** A mean with the half-width of its 95% confidence interval (t interval over independent replicates). */
export interface Interval {
  readonly mean: number;
  readonly half: number;
  readonly replicates: number;
}

/** The 95% t interval of the mean of independent replicates; undefined with fewer than two. */
export function interval(values: readonly number[]): Interval | undefined {
  const finite = values.filter((value) => Number.isFinite(value));
  const average = mean(finite);
  if (average === undefined || finite.length < 2) return undefined;
  const variance = finite.reduce((sum, value) => sum + (value - average) ** 2, 0) / (finite.length - 1);
  const quantile = t95[finite.length - 2] ?? 1.96;
  return { mean: average, half: (quantile * Math.sqrt(variance)) / Math.sqrt(finite.length), replicates: finite.length };
}

/** `12.3 ± 0.4`, or `-` when there is no interval. */
export function formatInterval(value: Interval | undefined, digits = 1): string {
  return value === undefined ? '-' : `${value.mean.toFixed(digits)} ± ${value.half.toFixed(digits)}`;
}

/** Least squares: coefficients of y ≈ Σ b_i·x_i (include a column of ones for an intercept); undefined when singular. */
export function leastSquares(rows: readonly (readonly number[])[], targets: readonly number[]): number[] | undefined {
  const width = rows[0]?.length ?? 0;
  if (width === 0 || rows.length <= width) return undefined;
  // Normal equations, solved by Gauss-Jordan elimination with partial pivoting.
  const matrix = Array.from({ length: width }, () => new Array<number>(width + 1).fill(0));
  rows.forEach((row, index) => {
    for (let i = 0; i < width; i++) {
      const line = matrix[i] as number[];
      for (let j = 0; j < width; j++) line[j] = (line[j] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0);
      line[width] = (line[width] ?? 0) + (row[i] ?? 0) * (targets[index] ?? 0);
    }
  });
  for (let column = 0; column < width; column++) {
    let pivot = column;
    for (let candidate = column + 1; candidate < width; candidate++) {
      if (Math.abs(matrix[candidate]?.[column] ?? 0) > Math.abs(matrix[pivot]?.[column] ?? 0)) pivot = candidate;
    }
    if (Math.abs(matrix[pivot]?.[column] ?? 0) < 1e-9) return undefined;
    [matrix[column], matrix[pivot]] = [matrix[pivot] as number[], matrix[column] as number[]];
    const top = matrix[column] as number[];
    const scale = top[column] ?? 1;
    for (let j = column; j <= width; j++) top[j] = (top[j] ?? 0) / scale;
    for (let other = 0; other < width; other++) {
      if (other === column) continue;
      const line = matrix[other] as number[];
      const factor = line[column] ?? 0;
      for (let j = column; j <= width; j++) line[j] = (line[j] ?? 0) - factor * (top[j] ?? 0);
    }
  }
  return matrix.map((line) => line[width] ?? 0);
}

/** What one call's path through a filter costs, counted three ways. */
export interface PathFeatures {
  /** Classic BPF instructions executed, the `ret` included (the counted model). */
  readonly instructions: number;
  /**
   * eBPF instructions executed after the kernel's conversion: a conditional jump whose false
   * side is not the next instruction (and that cannot be inverted: `jset`, or both sides far)
   * becomes a jump and a `ja`; a jump constant of 2^31 or more is first moved to a register
   * (eBPF immediates are signed); a `ret` is a move and an exit.
   */
  readonly converted: number;
  /** Loads executed (`ld [k]` of a `seccomp_data` word: the number, the arch, an argument half). */
  readonly loads: number;
  /** Conditional branches executed (what the branch predictor has to guess). */
  readonly branches: number;
  /** Jumps taken in the JIT-compiled code (conditional ones that jumped, `ja`s, the exit's jump). */
  readonly taken: number;
  /** The pcs of the conditional jumps executed, with the side taken. */
  readonly decisions: readonly (readonly [pc: number, jumped: boolean])[];
}

const BPF_JMP_OP = 0xf0;
const BPF_CLASS = 0x07;
const invertible = new Set([BPF_JEQ, BPF_JGT, BPF_JGE]);

/** The features of the path a call takes through the program (undefined when the emulation fails). */
export function pathFeatures(program: BpfProgram, input: Parameters<typeof emulate>[1]): PathFeatures | undefined {
  const run = emulate(program, input);
  if (!run.ok) return undefined;
  let converted = 0;
  let loads = 0;
  let branches = 0;
  let taken = 0;
  const decisions: [number, boolean][] = [];
  run.path.forEach((pc, step) => {
    const insn = program[pc];
    if (insn === undefined) return;
    const next = run.path[step + 1];
    const cls = insn.code & BPF_CLASS;
    if (cls === BPF_RET) {
      converted += 2;
      if (pc !== program.length - 1) taken++;
      return;
    }
    if (cls !== BPF_JMP) {
      // Loads, stores and ALU operations convert one to one.
      converted++;
      if (cls === BPF_LD) loads++;
      return;
    }
    const op = insn.code & BPF_JMP_OP;
    if (op === BPF_JA) {
      if (insn.k !== 0) {
        converted++;
        taken++;
      }
      return;
    }
    if ((insn.code & 0x08) === BPF_K && insn.k >>> 0 >= 0x80000000) converted++;
    if (insn.jt === insn.jf) {
      // Both sides the same place: the kernel still emits the compare and jump.
      converted++;
      branches++;
      if (insn.jt !== 0) taken++;
      return;
    }
    const condition = next === pc + 1 + insn.jt;
    branches++;
    decisions.push([pc, condition]);
    if (insn.jf === 0) {
      converted++;
      if (condition) taken++;
    } else if (insn.jt === 0 && invertible.has(op)) {
      converted++;
      if (!condition) taken++;
    } else {
      converted += condition ? 1 : 2;
      taken++;
    }
  });
  return { instructions: run.instructionsExecuted, converted, loads, branches, taken, decisions };
}

/**
 * Mispredictions per call of a mix, guessed for a predictor that takes each branch the way most
 * of the mix's calls through it go (bimodal, no history): a call that goes the other way is
 * mispredicted there (half a misprediction on a tie). A test that splits the calls through it
 * evenly misses on half of them; one that peels off a few misses only on those.
 */
export function mispredictions(paths: readonly PathFeatures[]): number[] {
  const counts = new Map<number, [number, number]>();
  for (const path of paths) {
    for (const [pc, jumped] of path.decisions) {
      const entry = counts.get(pc) ?? [0, 0];
      entry[jumped ? 1 : 0]++;
      counts.set(pc, entry);
    }
  }
  return paths.map((path) =>
    path.decisions.reduce((sum, [pc, jumped]) => {
      const [notJumped, jumpedCount] = counts.get(pc) ?? [0, 0];
      const mine = jumped ? jumpedCount : notJumped;
      const other = jumped ? notJumped : jumpedCount;
      return sum + (mine < other ? 1 : mine === other ? 0.5 : 0);
    }, 0),
  );
}

/**
 * The syscall numbers in `[0, limit)` whose cacheability differs between two programs, as
 * `[nr, cached by a, cached by b]`: the kernel skips the filter for a cached number, so a number
 * one compiler caches and the other does not is a real difference in what a call costs.
 */
export function cacheDifferences(a: BpfProgram, b: BpfProgram, auditArch: number, limit: number): [number, boolean, boolean][] {
  const differences: [number, boolean, boolean][] = [];
  for (let nr = 0; nr < limit; nr++) {
    const first = cacheAllowed(a, auditArch, nr);
    const second = cacheAllowed(b, auditArch, nr);
    if (first !== second) differences.push([nr, first, second]);
  }
  return differences;
}
