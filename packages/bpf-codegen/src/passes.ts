/**
 * The optimisation passes of the compiler, each named once with the form it reads and the form
 * it writes. The pipeline's forms, in order: a syscall's lowered filters → clause items (its
 * alternatives, some grouped into value sets) → a node graph of word tests; the syscall numbers →
 * segments → a dispatch tree → a node graph; the graph → the assembled program. A pass that is
 * off leaves its form as the previous stage wrote it. `tests/passes/<pass>/` holds each pass's
 * golden test: a policy and its disassembly with the pass on and off.
 */
import type { LoweredFilter } from './lower.js';
import { actionReturnValue } from './options.js';
import type { CompileOptions } from './options.js';

/**
 * Per-pass switches of the optimiser. Every pass is on unless `optimize` is false; a flag set
 * here wins over `optimize`. {@link optimizationPasses}, below, describes each pass's input and
 * output: a new pass adds its switch here and its entry there, in this one file.
 */
export interface OptimizationPasses {
  /** Join consecutive filters of one syscall that have the same action into one filter. @defaultValue true */
  readonly joinFilters?: boolean;
  /** Merge consecutive syscall numbers with the same outcome into one range. @defaultValue true */
  readonly mergeRanges?: boolean;
  /** Lay out the dispatch tree by cost (dynamic programming over ranges). @defaultValue true */
  readonly costTree?: boolean;
  /** Let small ranges be tested one by one (`jeq`, or one bound) against a background outcome instead of split. @defaultValue true */
  readonly chainLeaves?: boolean;
  /** Skip `ld` when the accumulator already holds the word. @defaultValue true */
  readonly elideLoads?: boolean;
  /** Skip argument tests whose result is known on the path (shared high-word tests). @defaultValue true */
  readonly pathKnowledge?: boolean;
  /** Share identical instruction blocks (return blocks, argument filters, suffixes). @defaultValue true */
  readonly shareBlocks?: boolean;
  /** Test four or more `arg == V` alternatives on one argument with a search tree over the values. @defaultValue true */
  readonly valueSets?: boolean;
}

/** The name of an optimisation pass (a key of {@link OptimizationPasses}). */
export type PassName = keyof OptimizationPasses;

/** One optimisation pass: its name, what it reads and writes, and why it exists. */
export interface PassDescription {
  /** The pass's switch in {@link OptimizationPasses}. */
  readonly name: PassName;
  /** The form the pass reads. */
  readonly input: string;
  /** The form the pass writes. */
  readonly output: string;
  /** What the pass changes, in one sentence. */
  readonly summary: string;
}

/** Every optimisation pass, in pipeline order. */
export const optimizationPasses: readonly PassDescription[] = [
  {
    name: 'joinFilters',
    input: "a syscall's lowered filters: ordered `||`-of-`&&` conditions, each with an action",
    output: 'the same filters with every run of consecutive filters of one action joined into one',
    summary: 'Separate rules of one syscall and action are tested like one `||` rule (so they share value sets and repeated tests).',
  },
  {
    name: 'valueSets',
    input: "one filter's alternatives",
    output: 'clause items: alternatives, and sets of four or more `arg == V` values on one argument',
    summary: 'A value set is tested with a search tree over the values instead of one test per value.',
  },
  {
    name: 'pathKnowledge',
    input: 'clause items, walked with what the path so far has tested',
    output: 'a node graph without the word tests whose result is known on their path',
    summary: 'A test decided by an earlier one (a shared high word, a known exact word) is left out.',
  },
  {
    name: 'elideLoads',
    input: 'clause items, walked with the word the accumulator holds',
    output: 'a node graph without loads of the word already in the accumulator',
    summary: 'Consecutive tests of one word load it once.',
  },
  {
    name: 'mergeRanges',
    input: 'segments: one per syscall number and one per hole between numbers',
    output: 'segments with every run of neighbours of one outcome joined',
    summary: 'The dispatch tests ranges of numbers, not single numbers.',
  },
  {
    name: 'costTree',
    input: 'segments with planning weights',
    output: 'a dispatch tree planned by expected cost plus size (else split in the middle)',
    summary: 'Frequent and uncached syscalls are reached in fewer tests.',
  },
  {
    name: 'chainLeaves',
    input: 'segments',
    output: 'dispatch tree leaves that test a few segments one by one against a background outcome',
    summary: 'Small ranges are tested with `jeq` or one bound instead of a split per range.',
  },
  {
    name: 'shareBlocks',
    input: 'the node graph',
    output: 'the node graph with identical nodes made one (return blocks, argument filters, suffixes)',
    summary: 'Identical code exists once in the program.',
  },
];

/** Every pass flag resolved to a boolean. */
export type ResolvedPasses = { readonly [K in PassName]-?: boolean };

/** Resolves `optimize` and `passes` into one flag per pass. */
export function resolvePasses(options: CompileOptions): ResolvedPasses {
  const base = options.optimize ?? true;
  const passes = options.passes ?? {};
  return Object.fromEntries(optimizationPasses.map((pass) => [pass.name, passes[pass.name] ?? base])) as Record<PassName, boolean>;
}

/**
 * Pass `joinFilters`. Filters are tried in order and the first that matches decides, so two
 * consecutive filters with the same action decide exactly like one filter with both filters'
 * alternatives; filters with different actions between them keep their order. The joined filter
 * keeps the origin of the first.
 */
export function joinFilters(filters: readonly LoweredFilter[]): LoweredFilter[] {
  const runs: { readonly first: LoweredFilter; readonly clauses: LoweredFilter['clauses'][number][] }[] = [];
  for (const filter of filters) {
    const last = runs[runs.length - 1];
    // One push per clause: a rule of 100,000s of alternatives is more arguments than a spread
    // into one call may pass.
    if (last !== undefined && actionReturnValue(last.first.action) === actionReturnValue(filter.action)) for (const clause of filter.clauses) last.clauses.push(clause);
    else runs.push({ first: filter, clauses: [...filter.clauses] });
  }
  return runs.map((run) => (run.clauses.length === run.first.clauses.length ? run.first : { ...run.first, clauses: run.clauses }));
}
