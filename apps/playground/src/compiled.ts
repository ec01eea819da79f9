/**
 * Compiling the resolved workspace for one architecture and deriving what the right-hand side
 * of the page shows: disassembly with origins, the dispatch tree the compiler planned, and the
 * size, cost and kernel-cache figures of the performance model (docs/architecture.md).
 */
import type { ArchTable } from '@syscage/arch-tables';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import {
  cacheCheck,
  compilePolicy,
  disassemble,
  emulate,
  type BpfProgram,
  type CompileOptions,
  type CompileStats,
  type DisassembledInstruction,
  type LoweredPolicy,
} from '@syscage/bpf-codegen';
import type { Diagnostic } from '@syscage/policy-parser';
import { displayTree, type DisplayNode } from './dispatch-view.js';
import { mapInstructions, type InstructionOrigin } from './program-map.js';
import type { CompileFlags } from './workspace.js';

/** The kernel's limit on one filter's length (`BPF_MAXINSNS`). */
export const MAX_INSTRUCTIONS = 4096;

/** One figure of the summary panel. */
export interface Figure {
  /** Stable id, used by tests and styles. */
  readonly id: string;
  readonly label: string;
  readonly value: string;
  /** What the figure means, shown as a tooltip. */
  readonly detail: string;
}

/** A compiled program and everything derived from it. */
export interface CompiledView {
  readonly table: ArchTable;
  readonly program: BpfProgram;
  readonly lowered: LoweredPolicy;
  readonly stats: CompileStats;
  readonly instructions: readonly DisassembledInstruction[];
  readonly origins: readonly InstructionOrigin[];
  /** The program's tests of the syscall number, as a tree (absent if it never loads `nr`). */
  readonly tree: DisplayNode | undefined;
  readonly figures: readonly Figure[];
}

/** Result of {@link compileWorkspace}: the view when compilation succeeded, and its diagnostics. */
export interface CompileOutcome {
  readonly compiled?: CompiledView;
  readonly diagnostics: readonly Diagnostic[];
}

/** Compile options for the flags, as `syscage compile` builds them (absent flags: its defaults). */
export function compileOptionsFor(flags: CompileFlags = {}): CompileOptions {
  return {
    useKillProcess: flags.useKillProcess === true,
    logFailures: flags.logFailures === true,
    denylist: flags.denylist === true,
    optimize: flags.optimize !== false,
  };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((100 * part) / whole).toFixed(part === whole ? 0 : 1)}%`;
}

function mean(values: readonly { value: number; weight: number }[]): string {
  const total = values.reduce((sum, entry) => sum + entry.weight, 0);
  if (total === 0) return '—';
  return (values.reduce((sum, entry) => sum + entry.value * entry.weight, 0) / total).toFixed(2);
}

/** Size, cost and cache figures of a program under the performance model. */
export function programFigures(program: BpfProgram, lowered: LoweredPolicy, stats: CompileStats, table: ArchTable): Figure[] {
  const unconditional = lowered.syscalls.filter((syscall) => syscall.filters.length === 0 && syscall.fallback.action.kind === 'allow');
  const cached = unconditional.filter((syscall) => cacheCheck(program, table.auditArch, syscall.number).verdict === 'allow');
  const costs = lowered.syscalls.map((syscall) => {
    const run = emulate(program, { nr: syscall.number, arch: table.auditArch, instructionPointer: 0n, args: [] }, { byteOrder: table.endianness, recordPath: false });
    const executed = run.instructionsExecuted;
    const isCached = cacheCheck(program, table.auditArch, syscall.number).verdict === 'allow';
    return { executed, frequency: syscall.frequency, isCached };
  });
  const filtered = lowered.syscalls.filter((syscall) => syscall.filters.length > 0).length;
  return [
    { id: 'instructions', label: 'Instructions', value: `${program.length} / ${MAX_INSTRUCTIONS}`, detail: 'program length, against the kernel limit BPF_MAXINSNS' },
    { id: 'syscalls', label: 'Listed syscalls', value: `${lowered.syscalls.length}`, detail: `${unconditional.length} allowed unconditionally, ${filtered} with argument filters` },
    { id: 'ranges', label: 'Dispatch ranges', value: `${stats.ranges}`, detail: 'ranges of syscall numbers with one outcome, reached by the dispatch tree' },
    { id: 'blocks', label: 'Filter blocks', value: `${stats.filterBlocks}`, detail: 'distinct argument-filter blocks (identical ones are shared)' },
    { id: 'trampolines', label: 'Trampolines', value: `${stats.trampolines}`, detail: '`ja` instructions added for conditional jumps longer than 255' },
    { id: 'cache', label: 'Cache coverage', value: `${cached.length}/${unconditional.length} (${percent(cached.length, unconditional.length)})`, detail: "unconditionally allowed syscalls the kernel's constant-action cache serves without running the filter (Linux ≥ 5.11)" },
    { id: 'cost-uniform', label: 'Mean cost', value: mean(costs.map((cost) => ({ value: cost.executed, weight: 1 }))), detail: 'instructions executed per listed syscall, each counted once (arguments all 0)' },
    { id: 'cost-frequency', label: 'Frequency-weighted cost', value: mean(costs.map((cost) => ({ value: cost.executed, weight: cost.frequency }))), detail: 'instructions executed per call, weighted by the call counts the compiler planned with (@frequency files, else its typical profile; arguments all 0)' },
    { id: 'cost-cached', label: 'Cost with the cache', value: mean(costs.map((cost) => ({ value: cost.isCached ? 0 : cost.executed, weight: cost.frequency }))), detail: 'as the frequency-weighted cost, with syscalls the kernel cache serves costing 0' },
  ];
}

/** Compiles `resolved` for `table` as `syscage compile` with `flags` does. */
export function compileWorkspace(resolved: ResolvedPolicy, table: ArchTable, sources: ReadonlyMap<string, string>, flags: CompileFlags = {}): CompileOutcome {
  const result = compilePolicy(resolved, table, compileOptionsFor(flags));
  const { program, lowered, stats } = result;
  if (program === undefined || lowered === undefined || stats === undefined) return { diagnostics: result.diagnostics };
  const instructions = disassemble(program, { arch: table });
  const origins = mapInstructions(instructions, lowered, resolved, table, sources);
  return {
    diagnostics: result.diagnostics,
    compiled: {
      table,
      program,
      lowered,
      stats,
      instructions,
      origins,
      tree: displayTree(instructions, origins, lowered),
      figures: programFigures(program, lowered, stats, table),
    },
  };
}

