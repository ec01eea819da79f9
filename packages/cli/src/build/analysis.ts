/**
 * Run-time figures of a compiled policy for the manifest: what a syscall costs to evaluate, and
 * how much of the policy the kernel's constant-action cache serves without running the filter.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, type LoweredPolicy, cacheAllowed, emulate } from '@syscage/bpf-codegen';

/** Evaluation cost and cache coverage of one program. */
export interface ProgramAnalysis {
  /**
   * Mean instructions executed per syscall (arguments all zero):
   * - `uniform`: over every syscall number of the architecture's table, equally weighted;
   * - `frequency`: over the policy's syscalls, weighted by their `@frequency` counts (1 when
   *   not listed), i.e. the cost of a running device that makes only allowed calls;
   * - `cached`: as `frequency`, counting 0 for syscalls the kernel's cache serves.
   */
  readonly cost: { readonly uniform: number; readonly frequency: number; readonly cached: number };
  /** Syscalls the policy allows whatever their arguments, and how many of them the kernel caches. */
  readonly cache: { readonly unconditional: number; readonly cached: number; readonly coverage: number };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Analyses a compiled program against its lowered policy and architecture table. */
export function analyzeBuiltProgram(program: BpfProgram, policy: LoweredPolicy, table: ArchTable): ProgramAnalysis {
  const executed = (nr: number): number => {
    const run = emulate(
      program,
      { nr, arch: table.auditArch, instructionPointer: 0n, args: [] },
      { byteOrder: table.endianness, recordPath: false },
    );
    return run.instructionsExecuted;
  };
  const numbers = [...new Set(Object.values(table.syscalls))].sort((a, b) => a - b);
  const uniform = numbers.length === 0 ? 0 : numbers.reduce((sum, nr) => sum + executed(nr), 0) / numbers.length;

  let weight = 0;
  let weighted = 0;
  let weightedCached = 0;
  let unconditional = 0;
  let cached = 0;
  for (const syscall of policy.syscalls) {
    const cost = executed(syscall.number);
    const isCached = cacheAllowed(program, table.auditArch, syscall.number);
    weight += syscall.frequency;
    weighted += syscall.frequency * cost;
    if (!isCached) weightedCached += syscall.frequency * cost;
    if (syscall.filters.length === 0 && syscall.fallback.action.kind === 'allow') {
      unconditional++;
      if (isCached) cached++;
    }
  }
  return {
    cost: {
      uniform: round(uniform),
      frequency: round(weight === 0 ? 0 : weighted / weight),
      cached: round(weight === 0 ? 0 : weightedCached / weight),
    },
    cache: { unconditional, cached, coverage: round(unconditional === 0 ? 1 : cached / unconditional) },
  };
}
