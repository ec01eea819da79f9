/**
 * The compiler: a resolved policy and an architecture table in, a seccomp BPF program out.
 * Pipeline: lower (names → numbers) → plan (ranges and dispatch tree) → emit (node graph) →
 * assemble (offsets, trampolines, size limit).
 */
import type { ArchTable } from '@syscage/arch-tables';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import type { Diagnostic, RelatedLocation } from '@syscage/policy-parser';
import { type AssembledProgram, assemble } from './assemble.js';
import { codegenDiagnostic, fileStart } from './codes.js';
import { type CodeNode, NodeFactory, compileFilters, emitDispatchTree, pathStateLimit } from './emit.js';
import { type LoweredPolicy, lowerPolicy } from './lower.js';
import { type CompileOptions, defaultSizeBudget } from './options.js';
import { joinFilters, resolvePasses } from './passes.js';
import { BPF_MAXINSNS, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR } from './opcodes.js';
import {
  type DispatchTree,
  type Outcome,
  type PlanWeights,
  buildSegments,
  chainFormTests,
  defaultPlanWeights,
  filtersKey as filtersKeyOf,
  planDispatch,
  smallestDispatchTests,
} from './plan.js';
import type { BpfProgram } from './types.js';

/** Figures about one compilation. */
export interface CompileStats {
  /** Program length. */
  readonly instructions: number;
  /** Dispatch tests of the chosen layout (one per split and chain test, two per range test). */
  readonly dispatchTests: number;
  /**
   * The fewest dispatch tests a plan of the planner's kind can have (the size budget's base);
   * absent when the cost-planned layout is off or the budget is lifted.
   */
  readonly smallestDispatchTests?: number;
  /** Ranges of equal outcome the number space was cut into. */
  readonly ranges: number;
  /** Distinct argument-filter blocks. */
  readonly filterBlocks: number;
  /** `ja` instructions added after loads whose successor could not follow. */
  readonly loadJumps: number;
  /** `ja` trampolines for conditional jumps beyond 255. */
  readonly trampolines: number;
}

/** Result of compiling a lowered policy. */
export interface CodegenResult {
  /** Absent when the program would exceed BPF_MAXINSNS. */
  readonly program?: BpfProgram;
  /** Size and planning figures, present even when the program was not produced. */
  readonly stats: CompileStats;
  /** Code generation findings (SC4xxx); an error means `program` is absent. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Result of {@link compilePolicy}. */
export interface CompileResult {
  /** The program; absent when there are errors. */
  readonly program?: BpfProgram;
  /** The lowered policy (absent when lowering failed); the reference semantics run on it. */
  readonly lowered?: LoweredPolicy;
  /** Size and planning figures; absent when lowering failed before code generation ran. */
  readonly stats?: CompileStats;
  /** Lowering and code generation diagnostics (the resolver's are not repeated). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Options of {@link generateProgram} beyond {@link CompileOptions}. */
export interface GenerateOptions extends CompileOptions {
  /** Planning weights (for experiments); the defaults follow the performance model. */
  readonly planWeights?: PlanWeights;
  /**
   * Search every split of every range (no Knuth bound) and chain leaves of up to 12 tests:
   * slower, for measuring how far the default search is from the best plan of its kind (the
   * benchmark's floors).
   * @defaultValue false
   */
  readonly exhaustivePlan?: boolean;
}

function countReachable(root: CodeNode): number {
  const seen = new Set<number>();
  const stack: CodeNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined || seen.has(node.id)) continue;
    seen.add(node.id);
    if (node.kind === 'test') stack.push(node.jt, node.jf);
    else if (node.kind === 'load') stack.push(node.next);
  }
  return seen.size;
}

/**
 * Planning weights of the smallest layout: the size term outweighs every cost term, so the plan
 * has the fewest dispatch instructions and, among those, the cheapest.
 */
function smallestLayoutWeights(weights: PlanWeights): PlanWeights {
  return { ...weights, size: 1000 * (weights.uniform + 2 * (weights.frequency + weights.uncached) + 1) };
}

/** Dispatch instructions of a tree: one per split, and each chain test's (two for a range test). */
function dispatchTestCount(tree: DispatchTree): number {
  let count = 0;
  const stack: DispatchTree[] = [tree];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.kind === 'split') {
      count++;
      stack.push(node.low, node.high);
    } else if (node.kind === 'chain') {
      for (const test of node.tests) count += chainFormTests(test.form);
    }
  }
  return count;
}

/**
 * Generates the program of a lowered policy. Every stage builds its trees and graphs with an
 * explicit stack (`unfold`), so no policy is too large for the engine's stack: the only limit
 * is the kernel's 4096 instructions (`SC4020`).
 */
export function generateProgram(policy: LoweredPolicy, options: GenerateOptions = {}): CodegenResult {
  return generateUnchecked(policy, options);
}

function generateUnchecked(policy: LoweredPolicy, options: GenerateOptions): CodegenResult {
  const passes = resolvePasses(options);
  const factory = new NodeFactory(passes.shareBlocks);
  const settings = {
    bits: policy.arch.bits,
    endianness: policy.arch.endianness,
    elideLoads: passes.elideLoads,
    pathKnowledge: passes.pathKnowledge,
    stateLimit: pathStateLimit,
    valueSets: passes.valueSets,
    valueTreeSizeWeight: (options.planWeights ?? defaultPlanWeights).size,
  } as const;
  const weights = options.planWeights ?? defaultPlanWeights;
  const segments = buildSegments(policy, passes.mergeRanges, weights);

  const blocks = new Map<string, CodeNode>();
  const blockOf = (outcome: Outcome): CodeNode => {
    if (outcome.kind === 'action') return factory.action(outcome.action);
    const shared = passes.shareBlocks ? blocks.get(outcome.key) : undefined;
    if (shared !== undefined) return shared;
    const filters = passes.joinFilters ? joinFilters(outcome.syscall.filters) : outcome.syscall.filters;
    const block = compileFilters(factory, filters, outcome.syscall.fallback.action, settings, SECCOMP_DATA_NR);
    blocks.set(outcome.key, block);
    return block;
  };
  const search: { readonly knuthBound?: boolean; readonly maxChainTests?: number } =
    options.exhaustivePlan === true ? { knuthBound: false, maxChainTests: 12 } : {};
  const plan = (planWeights: PlanWeights): DispatchTree =>
    planDispatch(segments, {
      costTree: passes.costTree,
      chainLeaves: passes.chainLeaves,
      weights: planWeights,
      ...search,
    });
  const emit = (tree: DispatchTree): AssembledProgram & { readonly dispatchTests: number } => {
    const root = factory.load(
      SECCOMP_DATA_ARCH,
      factory.test('jeq', policy.arch.auditArch, factory.load(SECCOMP_DATA_NR, emitDispatchTree(factory, tree, blockOf)), factory.action(policy.archMismatchAction)),
    );
    return { ...assemble(root), dispatchTests: dispatchTestCount(tree) };
  };

  // The cost-planned layout, unless it spends more dispatch tests over the smallest plan than
  // the size budget allows: then the size term is raised until the layout fits (or the smallest
  // layout is taken). Whether a plan fits depends on its tree alone, so only the chosen tree is
  // emitted and assembled: the search costs plans, not programs (it runs in every
  // `compile_seccomp_policy` process, where start-up time is the cost per file).
  let chosen = plan(weights);
  let smallest: number | undefined;
  const budget = options.sizeBudget ?? defaultSizeBudget;
  if (passes.costTree && Number.isFinite(budget)) {
    smallest = smallestDispatchTests(segments, passes.chainLeaves, search.maxChainTests);
    const allowed = smallest + Math.floor(Math.max(budget, 0) * smallest + 1e-9);
    if (dispatchTestCount(chosen) > allowed) {
      // Bisect the size weight (on a log scale) for the lightest one whose layout fits: the
      // lighter the size term, the more the layout spends on cost.
      let fitted = plan(smallestLayoutWeights(weights));
      let light = Math.log(Math.max(weights.size, 1e-6));
      let heavy = Math.log(smallestLayoutWeights(weights).size);
      for (let step = 0; step < 10; step++) {
        const middle = (light + heavy) / 2;
        const candidate = plan({ ...weights, size: Math.exp(middle) });
        if (dispatchTestCount(candidate) <= allowed) {
          fitted = candidate;
          heavy = middle;
        } else light = middle;
      }
      chosen = fitted;
    }
  }
  const assembled = emit(chosen);
  const stats: CompileStats = {
    instructions: assembled.program.length,
    dispatchTests: assembled.dispatchTests,
    ...(smallest === undefined ? {} : { smallestDispatchTests: smallest }),
    ranges: segments.length,
    filterBlocks: blocks.size,
    loadJumps: assembled.loadJumps,
    trampolines: assembled.trampolines,
  };
  if (assembled.program.length <= BPF_MAXINSNS) return { program: assembled.program, stats, diagnostics: [] };
  // Search trees over long value lists take more instructions than testing the values one after
  // the other; a program over the limit with them is tried again without.
  if (passes.valueSets) {
    const plain = generateUnchecked(policy, { ...options, passes: { ...options.passes, valueSets: false } });
    if (plain.program !== undefined) return plain;
  }

  // Too long: name the largest contributors.
  const contributors = [...blocks.entries()]
    .map(([key, block]) => {
      const syscall = policy.syscalls.find((candidate) => blockKeyMatches(candidate, key));
      return { syscall, size: countReachable(block) };
    })
    .sort((a, b) => b.size - a.size)
    .slice(0, 5);
  const named = contributors
    .filter((entry) => entry.syscall !== undefined)
    .map((entry) => `${entry.syscall?.name ?? '?'} (${entry.size} instructions of argument filters)`);
  const related: RelatedLocation[] = [];
  for (const entry of contributors) {
    const origin = entry.syscall?.filters[0]?.origin;
    if (origin !== undefined) related.push({ message: `filters of ${entry.syscall?.name ?? '?'}`, file: origin.file, range: origin.range });
  }
  const diagnostic = codegenDiagnostic(
    'SC4020',
    `the program has ${assembled.program.length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}; ` +
      `dispatch over ${segments.length} ranges; largest contributors: ${named.join(', ') || 'the dispatch tree'}`,
    policy.entry,
    fileStart,
    { related },
  );
  return { stats, diagnostics: [diagnostic] };
}

function blockKeyMatches(syscall: LoweredPolicy['syscalls'][number], key: string): boolean {
  return syscall.filters.length > 0 && key === `f:${filtersKeyOf(syscall)}`;
}

/**
 * Compiles a resolved policy for one architecture. Returns every lowering and code generation
 * diagnostic; the program is present only when there are no errors (the resolver's own
 * diagnostics are the caller's to check).
 */
export function compilePolicy(resolved: ResolvedPolicy, table: ArchTable, options: GenerateOptions = {}): CompileResult {
  const lowered = lowerPolicy(resolved, table, options);
  if (lowered.policy === undefined) return { diagnostics: lowered.diagnostics };
  const generated = generateProgram(lowered.policy, options);
  const diagnostics = [...lowered.diagnostics, ...generated.diagnostics];
  return generated.program === undefined
    ? { lowered: lowered.policy, stats: generated.stats, diagnostics }
    : { program: generated.program, lowered: lowered.policy, stats: generated.stats, diagnostics };
}
