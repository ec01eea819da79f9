/**
 * Dispatch planning: the syscall-number space [0, 2^32) cut into ranges of equal outcome, and a
 * decision tree of `jge`/`jeq` tests on the number that reaches each range.
 *
 * The tree minimises expected cost plus a size penalty. A range's weight follows the
 * performance model of architecture.md: every allowed syscall counts a little (uniform cost),
 * its frequency counts more (frequency-weighted cost), and syscalls the kernel's action cache
 * cannot serve (argument filters) count most, because for them the filter runs on every call.
 * Denied syscalls weigh almost nothing: they end the process or fail, so they are rare.
 */
import type { LoweredPolicy, LoweredSyscall } from './lower.js';
import { actionReturnValue, type SeccompAction } from './options.js';

/** What one range of numbers gets: a fixed action, or a syscall's argument filters. */
export type Outcome =
  | { readonly kind: 'action'; readonly key: string; readonly action: SeccompAction }
  | { readonly kind: 'filters'; readonly key: string; readonly syscall: LoweredSyscall };

/** Consecutive numbers `[low, high]` with one outcome. */
export interface Segment {
  readonly low: number;
  readonly high: number;
  readonly outcome: Outcome;
  /** Planning weight of the numbers in the range. */
  readonly weight: number;
  /** Syscall numbers of the table inside the range. */
  readonly syscallCount: number;
}

/** A dispatch tree over segments. */
export type DispatchTree =
  | { readonly kind: 'leaf'; readonly segment: Segment }
  /** `jge threshold`: numbers >= threshold go to `high`. */
  | { readonly kind: 'split'; readonly threshold: number; readonly low: DispatchTree; readonly high: DispatchTree }
  /**
   * Segments tested one after the other (`jeq`, or `jge`/`jgt` against the range's ends) inside
   * `[low, high]`; numbers matching none get the background outcome.
   */
  | {
      readonly kind: 'chain';
      readonly low: number;
      readonly high: number;
      readonly tests: readonly ChainTest[];
      readonly background: Outcome;
    };

/** How a chain leaf tests one segment. */
export interface ChainTest {
  readonly segment: Segment;
  /**
   * `eq`: `jeq low`. `below`: `jgt high`, false means inside (nothing lower remains).
   * `above`: `jge low`, true means inside (nothing higher remains). `range`: both.
   */
  readonly form: 'eq' | 'below' | 'above' | 'range';
}

/** Weights of the planning objective (see the module comment). */
export interface PlanWeights {
  /** Weight of every allowed syscall, divided among them (uniform cost). */
  readonly uniform: number;
  /** Weight of frequency, divided by the total frequency of allowed syscalls. */
  readonly frequency: number;
  /** Extra frequency weight of syscalls with argument filters (not cacheable). */
  readonly uncached: number;
  /** Weight of a denied syscall relative to an allowed one. */
  readonly denied: number;
  /** Cost of one dispatch instruction (program size). */
  readonly size: number;
}

/**
 * Default weights, tuned on the crosvm corpus (see bench/corpus.ts). Uniform and
 * frequency-weighted cost count alike; syscalls with argument filters get half again their
 * frequency on top, because the kernel's cache cannot serve them (a heavier bias buys little
 * under the cache model and costs every other syscall a dispatch level); one dispatch
 * instruction is worth about a tenth of an average level.
 */
export const defaultPlanWeights: PlanWeights = {
  uniform: 1,
  frequency: 0.5,
  uncached: 0.5,
  denied: 0.001,
  size: 0.012,
};

function outcomeOf(policy: LoweredPolicy, syscall: LoweredSyscall | undefined): Outcome {
  if (syscall === undefined) return actionOutcome(policy.defaultAction);
  if (syscall.filters.length === 0) return actionOutcome(syscall.fallback.action);
  return { kind: 'filters', key: `f:${filtersKey(syscall)}`, syscall };
}

function actionOutcome(action: SeccompAction): Outcome {
  return { kind: 'action', key: `a:${actionReturnValue(action)}`, action };
}

/** A key equal for syscalls whose filters compile to the same code. */
export function filtersKey(syscall: LoweredSyscall): string {
  const parts = syscall.filters.map(
    (filter) =>
      `${filter.clauses.map((clause) => clause.map((atom) => `${atom.arg}${atom.operator}${atom.value}`).join('&')).join('|')}>${actionReturnValue(filter.action)}`,
  );
  return `${parts.join(';')};>${actionReturnValue(syscall.fallback.action)}`;
}

const maxNumber = 0xffffffff;

/**
 * Cuts [0, 2^32) into segments. With `merge`, neighbours with the same outcome join (holes with
 * the invalid-number action join a default range when the actions are the same); without it,
 * every syscall number of the table is its own segment.
 */
export function buildSegments(policy: LoweredPolicy, merge: boolean, weights: PlanWeights = defaultPlanWeights): Segment[] {
  const bySyscall = new Map<number, LoweredSyscall>();
  for (const syscall of policy.syscalls) bySyscall.set(syscall.number, syscall);

  // Normalisers: how many syscalls may be allowed, and their total frequency.
  let allowedCount = 0;
  let allowedFrequency = 0;
  for (const number of policy.arch.numbers) {
    const syscall = bySyscall.get(number);
    const outcome = outcomeOf(policy, syscall);
    if (outcome.kind === 'filters' || outcome.action.kind === 'allow' || outcome.action.kind === 'log') {
      allowedCount++;
      allowedFrequency += syscall?.frequency ?? 1;
    }
  }
  allowedCount = Math.max(allowedCount, 1);
  allowedFrequency = Math.max(allowedFrequency, 1);

  const weightOf = (outcome: Outcome, frequency: number): number => {
    const share = weights.uniform / allowedCount + (weights.frequency * frequency) / allowedFrequency;
    if (outcome.kind === 'filters') return share + (weights.uncached * frequency) / allowedFrequency;
    if (outcome.action.kind === 'allow' || outcome.action.kind === 'log') return share;
    return share * weights.denied;
  };

  const invalid = actionOutcome(policy.invalidNumberAction);
  const segments: { low: number; high: number; outcome: Outcome; weight: number; syscallCount: number }[] = [];
  const push = (low: number, high: number, outcome: Outcome, weight: number, count: number): void => {
    const last = segments[segments.length - 1];
    if (merge && last !== undefined && last.outcome.key === outcome.key && last.high + 1 === low) {
      last.high = high;
      last.weight += weight;
      last.syscallCount += count;
      return;
    }
    segments.push({ low, high, outcome, weight, syscallCount: count });
  };
  let next = 0;
  for (const number of policy.arch.numbers) {
    if (number < 0 || number > maxNumber) continue;
    if (number > next) push(next, number - 1, invalid, 0, 0);
    const syscall = bySyscall.get(number);
    const outcome = outcomeOf(policy, syscall);
    push(number, number, outcome, weightOf(outcome, syscall?.frequency ?? 1), 1);
    next = number + 1;
  }
  if (next <= maxNumber) push(next, maxNumber, invalid, 0, 0);
  return segments;
}

/** Longest run of tested segments a chain leaf may have. */
const maxChainTests = 10;

/**
 * The tests of a chain leaf over segments i..j with `background` untested, in order: by weight
 * per test instruction, heaviest first (Smith's rule), each in the cheapest form the segments
 * already ruled out allow. Returns undefined when too many segments would be tested.
 */
function chainTests(segments: readonly Segment[], i: number, j: number, background: string): ChainTest[] | undefined {
  const low = segments[i]?.low ?? 0;
  const high = segments[j]?.high ?? 0;
  const candidates: { index: number; segment: Segment; cost: number }[] = [];
  for (let index = i; index <= j; index++) {
    const segment = segments[index];
    if (segment === undefined || segment.outcome.key === background) continue;
    if (candidates.length === maxChainTests) return undefined;
    const single = segment.low === segment.high || segment.low === low || segment.high === high;
    candidates.push({ index, segment, cost: single ? 1 : 2 });
  }
  candidates.sort((a, b) => b.segment.weight / b.cost - a.segment.weight / a.cost || a.index - b.index);
  const removed = new Set<number>();
  let first = i;
  let last = j;
  const tests: ChainTest[] = [];
  for (const { index, segment } of candidates) {
    const form: ChainTest['form'] =
      segment.low === segment.high ? 'eq' : index === first ? 'below' : index === last ? 'above' : 'range';
    tests.push({ segment, form });
    removed.add(index);
    while (first <= last && removed.has(first)) first++;
    while (last >= first && removed.has(last)) last--;
  }
  return tests;
}

/** Instructions a chain test executes to rule its segment out (or in). */
function testLength(test: ChainTest): number {
  return test.form === 'range' ? 2 : 1;
}

/** Cost (weighted instructions plus size) of a chain leaf. */
function chainCost(tests: readonly ChainTest[], backgroundWeight: number, weights: PlanWeights): number {
  let executed = 0;
  let cost = 0;
  for (const test of tests) {
    // A number inside a `range` segment passes both of its tests; one outside may leave after one.
    executed += testLength(test);
    cost += test.segment.weight * executed;
  }
  return cost + backgroundWeight * executed + weights.size * executed;
}

interface ChainChoice {
  readonly cost: number;
  readonly background: Outcome;
  readonly tests: readonly ChainTest[];
}

/**
 * The best chain leaf over segments i..j, trying each outcome of the range as the background
 * (the default action leaves the allowed segments to test; allowed leaves denied islands).
 */
function bestChain(segments: readonly Segment[], i: number, j: number, weights: PlanWeights): ChainChoice | undefined {
  const totals = new Map<string, { weight: number; outcome: Outcome }>();
  for (let index = i; index <= j; index++) {
    const segment = segments[index];
    if (segment === undefined) continue;
    const entry = totals.get(segment.outcome.key);
    if (entry === undefined) totals.set(segment.outcome.key, { weight: segment.weight, outcome: segment.outcome });
    else entry.weight += segment.weight;
  }
  let best: ChainChoice | undefined;
  for (const candidate of totals.values()) {
    const tests = chainTests(segments, i, j, candidate.outcome.key);
    if (tests === undefined) continue;
    const cost = chainCost(tests, candidate.weight, weights);
    if (best === undefined || cost < best.cost - 1e-12) best = { cost, background: candidate.outcome, tests };
  }
  return best;
}

/** Options of {@link planDispatch}. */
export interface PlanSettings {
  /** Optimal tree by dynamic programming (else: split in the middle). */
  readonly costTree: boolean;
  /** Allow chain leaves (segments tested one by one against a background outcome). */
  readonly chainLeaves: boolean;
  /** Restrict split search with Knuth's monotonicity bound. @defaultValue true */
  readonly knuthBound?: boolean;
  readonly weights?: PlanWeights;
}

/** Plans the dispatch tree over segments. */
export function planDispatch(segments: readonly Segment[], settings: PlanSettings): DispatchTree {
  const weights = settings.weights ?? defaultPlanWeights;
  const count = segments.length;
  if (count === 0) throw new Error('no segments to dispatch');
  if (!settings.costTree) return bisect(segments, 0, count - 1);

  const prefix = new Float64Array(count + 1);
  for (let index = 0; index < count; index++) prefix[index + 1] = (prefix[index] ?? 0) + (segments[index]?.weight ?? 0);
  const weightBetween = (i: number, j: number): number => (prefix[j + 1] ?? 0) - (prefix[i] ?? 0);

  // best[i*count+j]: minimal cost of a subtree over segments i..j; choice: split index m
  // (left i..m-1, right m..j), or -1 for an island leaf.
  const chains = new Map<number, ChainChoice>();
  const best = new Float64Array(count * count);
  const choice = new Int32Array(count * count);
  // Knuth's bound on the split point (the best root of i..j lies between those of i..j-1 and
  // i+1..j) keeps planning quadratic. Chain leaves break the bound's premise, so next to one
  // the search falls back to the whole interval.
  for (let length = 2; length <= count; length++) {
    for (let i = 0; i + length - 1 < count; i++) {
      const j = i + length - 1;
      const row = i * count;
      let from = i + 1;
      let to = j;
      if (settings.knuthBound !== false && length > 2) {
        const left = choice[row + j - 1] ?? -1;
        const right = choice[row + count + j] ?? -1;
        if (left > 0) from = Math.max(from, left);
        if (right > 0) to = Math.min(to, Math.max(from, right));
      }
      const total = weightBetween(i, j) + weights.size;
      let bestCost = Infinity;
      let bestChoice = from;
      for (let m = from; m <= to; m++) {
        const cost = total + (best[row + m - 1] as number) + (best[m * count + j] as number);
        if (cost < bestCost - 1e-12) {
          bestCost = cost;
          bestChoice = m;
        }
      }
      if (settings.chainLeaves && length <= 2 * maxChainTests + 1) {
        const chain = bestChain(segments, i, j, weights);
        if (chain !== undefined && chain.cost < bestCost - 1e-12) {
          bestCost = chain.cost;
          bestChoice = -1;
          chains.set(row + j, chain);
        }
      }
      best[row + j] = bestCost;
      choice[row + j] = bestChoice;
    }
  }

  const build = (i: number, j: number): DispatchTree => {
    const segment = segments[i];
    if (segment === undefined) throw new Error('segment index out of range');
    if (i === j) return { kind: 'leaf', segment };
    const m = choice[i * count + j] ?? i + 1;
    if (m === -1) {
      const chain = chains.get(i * count + j);
      const last = segments[j];
      if (chain === undefined || last === undefined) throw new Error('chain leaf missing');
      return { kind: 'chain', low: segment.low, high: last.high, tests: chain.tests, background: chain.background };
    }
    const high = segments[m];
    if (high === undefined) throw new Error('split index out of range');
    return { kind: 'split', threshold: high.low, low: build(i, m - 1), high: build(m, j) };
  };
  return build(0, count - 1);
}

function bisect(segments: readonly Segment[], i: number, j: number): DispatchTree {
  const segment = segments[i];
  if (segment === undefined) throw new Error('segment index out of range');
  if (i === j) return { kind: 'leaf', segment };
  const m = (i + j + 1) >> 1;
  const high = segments[m];
  if (high === undefined) throw new Error('split index out of range');
  return { kind: 'split', threshold: high.low, low: bisect(segments, i, m - 1), high: bisect(segments, m, j) };
}
