/**
 * Run-time figures of a compiled policy for the manifest, from bpf-codegen's `analyzeProgram`
 * (the benchmark's definitions): what an allowed syscall costs to evaluate, and how much of the
 * policy the kernel's constant-action cache serves without running the filter.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { type AnalysisCache, type BpfProgram, type LoweredPolicy, analyzeProgram } from '@syscage/bpf-codegen';

/** Evaluation cost, verdict counts and cache coverage of one program (rounded to 3 decimals). */
export interface ProgramAnalysis {
  /**
   * Mean instructions executed per allowed syscall: `uniform` weighs every allowed syscall
   * equally, `frequency` by the policy's `@frequency` counts (1 when missing), `cached` like
   * `frequency` with the syscalls the kernel caches costing 0; `max` is the largest. `null`
   * when the program allows nothing.
   */
  readonly cost: {
    readonly uniform: number | null;
    readonly frequency: number | null;
    readonly cached: number | null;
    readonly max: number | null;
  };
  /** The architecture table's syscall numbers by how the program treats them. */
  readonly syscalls: { readonly alwaysAllowed: number; readonly conditional: number; readonly denied: number };
  /** Share of always-allowed syscalls the kernel's cache proves allowed; `null` when there are none. */
  readonly cacheCoverage: number | null;
  /** Instructions no path reaches (0 for a well-formed program). */
  readonly unreachable: number;
}

function round(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 1000) / 1000;
}

/** The numbers of each table, sorted, made once per table object (tables never change once loaded). */
const numbersByTable = new WeakMap<ArchTable, readonly number[]>();

function tableNumbers(table: ArchTable): readonly number[] {
  const known = numbersByTable.get(table);
  if (known !== undefined) return known;
  const numbers = [...new Set(Object.values(table.syscalls))].sort((a, b) => a - b);
  numbersByTable.set(table, numbers);
  return numbers;
}

/**
 * Analyses a compiled program with the frequencies of its lowered policy; with a `cache`, the
 * analysis shares the syscalls whose checks compile to the same code with earlier analyses made
 * with it (the same figures, sooner when a tree's programs share rules).
 */
export function analyzeBuiltProgram(program: BpfProgram, policy: LoweredPolicy, table: ArchTable, cache?: AnalysisCache): ProgramAnalysis {
  const frequencies = new Map<string, number>();
  for (const syscall of policy.syscalls) frequencies.set(syscall.name, syscall.frequency);
  // Numbers outside the table are denied by every compiled program (SC4 invalid-number action),
  // so they change no cost or coverage figure; leaving them out keeps the analysis fast.
  const syscalls = tableNumbers(table);
  const analysis = analyzeProgram(program, { arch: table, frequencies, syscalls, ...(cache === undefined ? {} : { cache }) });
  return {
    cost: {
      uniform: round(analysis.costUniform),
      frequency: round(analysis.costFrequency),
      cached: round(analysis.costCache),
      max: round(analysis.maxCost),
    },
    syscalls: { alwaysAllowed: analysis.alwaysAllowed, conditional: analysis.conditional, denied: analysis.denied },
    cacheCoverage: round(analysis.cacheCoverage),
    unreachable: analysis.unreachable.length,
  };
}
