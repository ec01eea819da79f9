/**
 * Dispatch planning: the syscall-number space [0, 2^32) cut into ranges of equal outcome, and a
 * decision tree of `jge`/`jeq` tests on the number that reaches each range.
 *
 * The tree minimises expected cost plus a size penalty. A range's weight follows the
 * performance model of docs/architecture.md: every allowed syscall counts a little (uniform cost),
 * its call count counts more (frequency-weighted cost), and syscalls the kernel's action cache
 * cannot serve count their call count once more, because for them the filter runs on every
 * call: those with argument filters, and denied syscalls that are made anyway (a counted denied
 * syscall, e.g. a `read` a narrow policy refuses). Uncounted denied syscalls weigh almost
 * nothing: they end the process or fail, so they are rare.
 */
import type { LoweredPolicy, LoweredSyscall } from './lower.js';
import { actionReturnValue, type SeccompAction } from './options.js';
import { type UnfoldStep, unfold } from './unfold.js';

/** What one range of numbers gets: a fixed action, or a syscall's argument filters. */
export type Outcome =
  | { readonly kind: 'action'; readonly key: string; readonly action: SeccompAction }
  | { readonly kind: 'filters'; readonly key: string; readonly syscall: LoweredSyscall };

/** Consecutive numbers `[low, high]` with one outcome. */
export interface Segment {
  /** First syscall number of the range (inclusive). */
  readonly low: number;
  /** Last syscall number of the range (inclusive). */
  readonly high: number;
  /** What every number of the range gets. */
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
  /** Weight of a call count, divided by the total count of allowed and counted denied syscalls. */
  readonly frequency: number;
  /** Extra frequency weight of syscalls the cache cannot serve (argument filters, counted denied ones). */
  readonly uncached: number;
  /** Uniform weight of an uncounted denied syscall relative to an allowed one. */
  readonly denied: number;
  /** Cost of one dispatch instruction (program size). */
  readonly size: number;
}

/**
 * Default weights, tuned on the crosvm corpus (see bench/corpus.ts): uniform and
 * frequency-weighted cost count alike; syscalls with argument filters count their frequency
 * once more, because the kernel's cache cannot serve them (a heavier bias buys little under the
 * cache model and costs every other syscall a dispatch level); one dispatch instruction is
 * worth about 3% of the whole policy's weight (a heavier size term shrinks the corpus by under
 * 1.5% more while every cost mean grows).
 */
export const defaultPlanWeights: PlanWeights = {
  uniform: 1,
  frequency: 1,
  uncached: 1,
  denied: 0.001,
  size: 0.03,
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
 * Cuts [0, 2^32) into segments: one per syscall number of the table and one per hole. With
 * `merge`, pass {@link mergeRanges} joins neighbours with the same outcome (holes with the
 * invalid-number action join a default range when the actions are the same).
 */
export function buildSegments(policy: LoweredPolicy, merge: boolean, weights: PlanWeights = defaultPlanWeights): Segment[] {
  // One outcome object per listed syscall, one for every unlisted number.
  const bySyscall = new Map<number, { syscall: LoweredSyscall; outcome: Outcome }>();
  for (const syscall of policy.syscalls) bySyscall.set(syscall.number, { syscall, outcome: outcomeOf(policy, syscall) });
  const unlisted = outcomeOf(policy, undefined);
  const allows = (outcome: Outcome): boolean =>
    outcome.kind === 'filters' || outcome.action.kind === 'allow' || outcome.action.kind === 'log';

  // A number's call count: from the policy's profile (listed or not), else the listed
  // syscall's own count; `undefined` when nothing counts it.
  const countOf = (number: number): number | undefined => {
    if (policy.callFrequencies !== undefined) return policy.callFrequencies.get(number);
    return bySyscall.get(number)?.syscall.frequency;
  };
  const allowed = (number: number): boolean => allows(bySyscall.get(number)?.outcome ?? unlisted);

  // Normalisers: how many syscalls may be allowed, and the total count of the syscalls the cost
  // figures average over (allowed ones, counted or weighing 1, and counted denied ones).
  let allowedCount = 0;
  let totalFrequency = 0;
  for (const number of policy.arch.numbers) {
    const count = countOf(number);
    if (allowed(number)) {
      allowedCount++;
      totalFrequency += count ?? 1;
    } else totalFrequency += count ?? 0;
  }
  allowedCount = Math.max(allowedCount, 1);
  totalFrequency = Math.max(totalFrequency, 1);

  const weightOf = (outcome: Outcome, count: number | undefined): number => {
    const uniformShare = weights.uniform / allowedCount;
    if (outcome.kind === 'filters') return uniformShare + ((weights.frequency + weights.uncached) * (count ?? 1)) / totalFrequency;
    if (outcome.action.kind === 'allow' || outcome.action.kind === 'log') return uniformShare + (weights.frequency * (count ?? 1)) / totalFrequency;
    // A denial is never cached: a denied syscall that is made often costs its dispatch each time.
    return uniformShare * weights.denied + ((weights.frequency + weights.uncached) * (count ?? 0)) / totalFrequency;
  };

  const invalid = actionOutcome(policy.invalidNumberAction);
  const segments: Segment[] = [];
  const push = (low: number, high: number, outcome: Outcome, weight: number, count: number): void => {
    segments.push({ low, high, outcome, weight, syscallCount: count });
  };
  let next = 0;
  for (const number of policy.arch.numbers) {
    if (number < 0 || number > maxNumber) continue;
    if (number > next) push(next, number - 1, invalid, 0, 0);
    const entry = bySyscall.get(number);
    const outcome = entry?.outcome ?? unlisted;
    push(number, number, outcome, weightOf(outcome, countOf(number)), 1);
    next = number + 1;
  }
  if (next <= maxNumber) push(next, maxNumber, invalid, 0, 0);
  return merge ? mergeRanges(segments) : segments;
}

/**
 * Pass `mergeRanges`. Input: segments, one per syscall number and one per hole between numbers.
 * Output: the same cover of [0, 2^32) with every run of neighbours of one outcome joined into
 * one segment (weights and syscall counts summed), so the dispatch tests ranges, not numbers.
 */
export function mergeRanges(segments: readonly Segment[]): Segment[] {
  const merged: { low: number; high: number; outcome: Outcome; weight: number; syscallCount: number }[] = [];
  for (const segment of segments) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.outcome.key === segment.outcome.key && last.high + 1 === segment.low) {
      last.high = segment.high;
      last.weight += segment.weight;
      last.syscallCount += segment.syscallCount;
    } else merged.push({ low: segment.low, high: segment.high, outcome: segment.outcome, weight: segment.weight, syscallCount: segment.syscallCount });
  }
  return merged;
}

/** Longest run of tested segments a chain leaf may have, by default. */
export const defaultMaxChainTests = 6;

/** The forms of {@link ChainTest}, by the number {@link chainForm} gives. */
const chainFormNames: readonly ChainTest['form'][] = ['eq', 'below', 'above', 'range'];

/** Test instructions of a chain test: two for a `range` (both bounds), one for the other forms. */
export function chainFormTests(form: ChainTest['form']): number {
  return form === 'range' ? 2 : 1;
}

/**
 * The chain-leaf rule, defined once for the planner's costs, the size bound and the tree it
 * builds: a chain tests its segments one after the other, each in the cheapest form the
 * segments tested before it allow. `eq` (0) for a single number; `below` (1) when the segment
 * is the lowest not yet ruled out (`first`: `jgt high`, false means inside); `above` (2) when it
 * is the highest (`last`: `jge low`); else `range` (3), both bounds. Callers keep `first` and
 * `last` as segments are ruled out, and count two instructions for form 3, one otherwise
 * ({@link chainFormTests}).
 */
function chainForm(single: boolean, index: number, first: number, last: number): number {
  return single ? 0 : index === first ? 1 : index === last ? 2 : 3;
}

/**
 * Chain leaves on typed arrays, for the planner: which segments a chain over i..j tests and in
 * which order (by weight per test instruction, heaviest first: Smith's rule; a segment at an end
 * of the chain counts one instruction, an inner range two), their forms ({@link chainForm}),
 * and the chain's cost.
 */
class ChainCoster {
  private readonly outcome: Int32Array;
  private readonly weight: Float64Array;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly removed: Uint8Array;
  private readonly picked: Int32Array;
  private readonly pickedCost: Float64Array;
  private readonly outcomes: number;
  /** Per outcome (row of `segments.length + 1`), how many segments before each index have it. */
  private readonly countBefore: Int32Array;
  /** Per outcome, the weight of the segments before each index that have it. */
  private readonly weightBefore: Float64Array;
  /** The weight of all segments before each index. */
  private readonly totalBefore: Float64Array;
  /** Whether {@link bestBelow} may skip chains by their lower bound (weights and size are non-negative). */
  private readonly boundable: boolean;
  /** Weight of the untested (background) segments of the last {@link order}. */
  private backgroundWeight = 0;

  constructor(
    private readonly segments: readonly Segment[],
    private readonly weights: PlanWeights,
    private readonly maxChainTests: number,
  ) {
    this.picked = new Int32Array(maxChainTests);
    this.pickedCost = new Float64Array(maxChainTests);
    const count = segments.length;
    this.outcome = new Int32Array(count);
    this.weight = new Float64Array(count);
    this.low = new Float64Array(count);
    this.high = new Float64Array(count);
    this.removed = new Uint8Array(count);
    const ids = new Map<string, number>();
    segments.forEach((segment, index) => {
      let id = ids.get(segment.outcome.key);
      if (id === undefined) {
        id = ids.size;
        ids.set(segment.outcome.key, id);
      }
      this.outcome[index] = id;
      this.weight[index] = segment.weight;
      this.low[index] = segment.low;
      this.high[index] = segment.high;
    });
    this.outcomes = ids.size;
    const stride = count + 1;
    this.countBefore = new Int32Array(this.outcomes * stride);
    this.weightBefore = new Float64Array(this.outcomes * stride);
    this.totalBefore = new Float64Array(stride);
    let boundable = weights.size >= 0 && Number.isFinite(weights.size);
    for (let index = 0; index < count; index++) {
      const weight = this.weight[index] ?? 0;
      if (!(weight >= 0 && Number.isFinite(weight))) boundable = false;
      this.totalBefore[index + 1] = (this.totalBefore[index] ?? 0) + weight;
      for (let outcome = 0; outcome < this.outcomes; outcome++) {
        const at = outcome * stride + index;
        const own = this.outcome[index] === outcome;
        this.countBefore[at + 1] = (this.countBefore[at] ?? 0) + (own ? 1 : 0);
        this.weightBefore[at + 1] = (this.weightBefore[at] ?? 0) + (own ? weight : 0);
      }
    }
    this.boundable = boundable;
  }

  /**
   * Puts the tested segments of the chain over i..j with background `background` into `picked`
   * in test order and returns how many there are, or -1 when more than `maxChainTests`.
   */
  private order(i: number, j: number, background: number): number {
    const { outcome, weight, picked, pickedCost, maxChainTests, low, high } = this;
    const lowBound = low[i] ?? 0;
    const highBound = high[j] ?? 0;
    let backgroundWeight = 0;
    let k = 0;
    for (let index = i; index <= j; index++) {
      if (outcome[index] === background) {
        backgroundWeight += weight[index] ?? 0;
        continue;
      }
      if (k === maxChainTests) return -1;
      const single = low[index] === high[index] || low[index] === lowBound || high[index] === highBound;
      // Insertion sort by weight per test, heaviest first, ties by position.
      const cost = single ? 1 : 2;
      const ratio = (weight[index] ?? 0) / cost;
      let at = k;
      while (at > 0) {
        const previous = picked[at - 1] ?? 0;
        const previousRatio = (weight[previous] ?? 0) / (pickedCost[at - 1] ?? 1);
        if (previousRatio >= ratio) break;
        picked[at] = previous;
        pickedCost[at] = pickedCost[at - 1] ?? 1;
        at--;
      }
      picked[at] = index;
      pickedCost[at] = cost;
      k++;
    }
    this.backgroundWeight = backgroundWeight;
    return k;
  }

  /**
   * Walks the chain over i..j in test order (after {@link order} put `k` segments in `picked`):
   * each segment's form by the chain rule, the tests pushed to `into` when given. Returns the
   * chain's cost.
   */
  private walk(i: number, j: number, k: number, into?: ChainTest[]): number {
    const { picked, weight, low, high, removed } = this;
    let first = i;
    let last = j;
    let executed = 0;
    let total = 0;
    for (let n = 0; n < k; n++) {
      const index = picked[n] ?? 0;
      const form = chainForm(low[index] === high[index], index, first, last);
      // A number inside a `range` segment passes both of its tests.
      executed += form === 3 ? 2 : 1;
      total += (weight[index] ?? 0) * executed;
      if (into !== undefined) {
        const segment = this.segments[index];
        const name = chainFormNames[form];
        if (segment === undefined || name === undefined) throw new Error('chain test out of range');
        into.push({ segment, form: name });
      }
      removed[index] = 1;
      while (first <= last && removed[first] === 1) first++;
      while (last >= first && removed[last] === 1) last--;
    }
    for (let n = 0; n < k; n++) removed[picked[n] ?? 0] = 0;
    return total + this.backgroundWeight * executed + this.weights.size * executed;
  }

  /** Cost of the chain over i..j with background outcome `background`; Infinity if too long. */
  cost(i: number, j: number, background: number): number {
    const k = this.order(i, j, background);
    return k < 0 ? Infinity : this.walk(i, j, k);
  }

  /** The tests of the chain over i..j with background outcome `background`, in order; undefined if too long. */
  tests(i: number, j: number, background: number): ChainTest[] | undefined {
    const k = this.order(i, j, background);
    if (k < 0) return undefined;
    const tests: ChainTest[] = [];
    this.walk(i, j, k, tests);
    return tests;
  }

  /**
   * The cheapest background for a chain over i..j and its cost. Only outcomes covering all but
   * at most `maxChainTests` segments qualify; `counts` holds each outcome's number of
   * segments in i..j (kept by the caller as j grows).
   */
  best(i: number, j: number, counts: Int32Array): { cost: number; background: number } | undefined {
    let best: { cost: number; background: number } | undefined;
    const length = j - i + 1;
    for (let background = 0; background < counts.length; background++) {
      if (length - (counts[background] ?? 0) > this.maxChainTests || (counts[background] ?? 0) === 0) continue;
      const cost = this.cost(i, j, background);
      if (cost !== Infinity && (best === undefined || cost < best.cost - 1e-12)) best = { cost, background };
    }
    return best;
  }

  /**
   * {@link best} for a chain leaf over i..j that the planner would take instead of a split
   * costing `split`: the same background and cost whenever that chain costs less than `split`,
   * found without costing the chains that cannot. A chain with k tested segments costs at least
   * the weight of those segments (each is reached after at least one test) plus k times the
   * background's weight and the size weight (at least k tests run to reach the background), so
   * a background whose bound exceeds `split` is skipped; the margin, far above the rounding of
   * the bound's sums and the 1e-12 ties of {@link best}, keeps the choice exactly that of
   * {@link best} among the chains that can win. Returns undefined when none can.
   * In a VMM build every policy is planned cold in its own process, where costing every chain
   * of every short interval was most of the planning time.
   */
  bestBelow(i: number, j: number, split: number, bound: boolean): { cost: number; background: number } | undefined {
    if (!bound || !this.boundable || !Number.isFinite(split)) return this.best(i, j, this.countsOf(i, j));
    const stride = this.outcome.length + 1;
    const length = j - i + 1;
    const total = (this.totalBefore[j + 1] ?? 0) - (this.totalBefore[i] ?? 0);
    const size = this.weights.size;
    const limit = split + 1e-9 * (1 + Math.abs(split) + (this.totalBefore[stride - 1] ?? 0) + size * length);
    let best: { cost: number; background: number } | undefined;
    for (let background = 0; background < this.outcomes; background++) {
      const row = background * stride;
      const inside = (this.countBefore[row + j + 1] ?? 0) - (this.countBefore[row + i] ?? 0);
      const tested = length - inside;
      if (tested > this.maxChainTests || inside === 0) continue;
      const backgroundWeight = (this.weightBefore[row + j + 1] ?? 0) - (this.weightBefore[row + i] ?? 0);
      if (total - backgroundWeight + (backgroundWeight + size) * tested > limit) continue;
      const cost = this.cost(i, j, background);
      if (cost !== Infinity && (best === undefined || cost < best.cost - 1e-12)) best = { cost, background };
    }
    return best;
  }

  /** Each outcome's number of segments in i..j. */
  private countsOf(i: number, j: number): Int32Array {
    const counts = new Int32Array(this.outcomes);
    for (let index = i; index <= j; index++) {
      const id = this.outcome[index] ?? 0;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    return counts;
  }
}

/**
 * The fewest dispatch tests of any plan of {@link planDispatch}'s kind over `segments`: the
 * segments cut into consecutive blocks, each a single segment (no test) or a chain leaf, joined
 * by one split per block boundary. A chain's forms follow the chain rule (`chainForm`) in
 * the order that needs the fewest tests: the segments below the first background segment from
 * the lowest up and those above the last from the highest down (each then has one bound left),
 * then the ones between (a single number one test, a longer range two). Linear in the segments
 * (chains are short), so the size budget can be checked without planning the smallest layout.
 */
export function smallestDispatchTests(segments: readonly Segment[], chainLeaves: boolean, maxChainTests: number = defaultMaxChainTests): number {
  const count = segments.length;
  if (count === 0) return 0;
  if (!chainLeaves) return count - 1;
  const ids = new Map<string, number>();
  const outcome = new Int32Array(count);
  const low = new Float64Array(count);
  const high = new Float64Array(count);
  segments.forEach((segment, index) => {
    let id = ids.get(segment.outcome.key);
    if (id === undefined) {
      id = ids.size;
      ids.set(segment.outcome.key, id);
    }
    outcome[index] = id;
    low[index] = segment.low;
    high[index] = segment.high;
  });
  // Tests of a chain over i..j with `background`, by the chain rule in the order that needs the
  // fewest: from the lowest segment up to the first background one, from the highest down to
  // the last, then those between (whose bounds are then never an end of what is left).
  const chainTests = (i: number, j: number, background: number): number => {
    let first = -1;
    let last = -1;
    for (let at = i; at <= j; at++) {
      if (outcome[at] !== background) continue;
      if (first === -1) first = at;
      last = at;
    }
    let tests = 0;
    for (let at = i; at <= j; at++) {
      if (outcome[at] === background) continue;
      // Below `first` each segment is the lowest left, above `last` the highest left.
      const form = chainForm(low[at] === high[at], at, at < first ? at : i - 1, at > last ? at : j + 1);
      tests += form === 3 ? 2 : 1;
    }
    return tests;
  };
  // blocks[j]: fewest tests, plus one per block, over the segments before j.
  const blocks = new Float64Array(count + 1);
  const counts = new Int32Array(ids.size);
  for (let j = 1; j <= count; j++) {
    let best = (blocks[j - 1] ?? 0) + 1;
    counts.fill(0);
    const end = j - 1;
    counts[outcome[end] ?? 0] = 1;
    for (let i = end - 1; i >= 0 && end - i <= 2 * maxChainTests; i--) {
      const id = outcome[i] ?? 0;
      counts[id] = (counts[id] ?? 0) + 1;
      const length = end - i + 1;
      for (let background = 0; background < counts.length; background++) {
        const inside = counts[background] ?? 0;
        if (inside === 0 || length - inside > maxChainTests) continue;
        // Every tested segment takes at least one test: skip chains that cannot win.
        const before = (blocks[i] ?? 0) + 1;
        if (before + length - inside >= best) continue;
        best = Math.min(best, before + chainTests(i, end, background));
      }
    }
    blocks[j] = best;
  }
  return (blocks[count] ?? 1) - 1;
}

/** Options of {@link planDispatch}. */
export interface PlanSettings {
  /** Optimal tree by dynamic programming (else: split in the middle). */
  readonly costTree: boolean;
  /** Allow chain leaves (segments tested one by one against a background outcome). */
  readonly chainLeaves: boolean;
  /** Restrict split search with Knuth's monotonicity bound. @defaultValue true */
  readonly knuthBound?: boolean;
  /**
   * Cost a chain leaf only where its lower bound does not exceed the split it competes with
   * (the same plan, found faster; false costs every chain, as a reference). @defaultValue true
   */
  readonly chainBound?: boolean;
  /** Longest run of tested segments a chain leaf may have. @defaultValue {@link defaultMaxChainTests} */
  readonly maxChainTests?: number;
  /** Weights of the planning objective. @defaultValue {@link defaultPlanWeights} */
  readonly weights?: PlanWeights;
}

/** Plans the dispatch tree over segments. */
export function planDispatch(segments: readonly Segment[], settings: PlanSettings): DispatchTree {
  const weights = settings.weights ?? defaultPlanWeights;
  const count = segments.length;
  if (count === 0) throw new Error('no segments to dispatch');
  if (!settings.costTree) return bisect(segments);

  const prefix = new Float64Array(count + 1);
  for (let index = 0; index < count; index++) prefix[index + 1] = (prefix[index] ?? 0) + (segments[index]?.weight ?? 0);

  // best[i*count+j]: minimal cost of a subtree over segments i..j; choice: split index m
  // (left i..m-1, right m..j), or -1 for an island leaf.
  const maxChainTests = Math.max(1, Math.floor(settings.maxChainTests ?? defaultMaxChainTests));
  const chainCoster = new ChainCoster(segments, weights, maxChainTests);
  const chainBackgrounds = new Map<number, number>();
  const best = new Float64Array(count * count);
  const choice = new Int32Array(count * count);
  // Best split point of each interval even where a chain leaf won, for Knuth's bound.
  const splitRoot = new Int32Array(count * count);
  // Knuth's bound on the split point (the best root of i..j lies between those of i..j-1 and
  // i+1..j) keeps planning quadratic. Chain leaves break the bound's premise, so the plan is
  // near-optimal rather than optimal; the bound uses the best split even where a chain won.
  const knuth = settings.knuthBound !== false;
  const size = weights.size;
  for (let length = 2; length <= count; length++) {
    for (let i = 0; i + length - 1 < count; i++) {
      const j = i + length - 1;
      const row = i * count;
      let from = i + 1;
      let to = j;
      if (knuth && length > 2) {
        const left = splitRoot[row + j - 1] as number;
        const right = splitRoot[row + count + j] as number;
        if (left > from) from = left;
        if (right > 0 && right < to) to = right < from ? from : right;
      }
      const total = (prefix[j + 1] as number) - (prefix[i] as number) + size;
      let bestCost = Infinity;
      let bestChoice = from;
      for (let m = from; m <= to; m++) {
        const cost = total + (best[row + m - 1] as number) + (best[m * count + j] as number);
        if (cost < bestCost - 1e-12) {
          bestCost = cost;
          bestChoice = m;
        }
      }
      splitRoot[row + j] = bestChoice;
      // The best chain leaf of a short interval, costed only where it can beat the split.
      if (settings.chainLeaves && length <= 2 * maxChainTests + 1) {
        const chain = chainCoster.bestBelow(i, j, bestCost, settings.chainBound !== false);
        if (chain !== undefined && chain.cost < bestCost - 1e-12) {
          bestCost = chain.cost;
          bestChoice = -1;
          chainBackgrounds.set(row + j, chain.background);
        }
      }
      best[row + j] = bestCost;
      choice[row + j] = bestChoice;
    }
  }

  const outcomeIds = new Map<string, number>();
  for (const segment of segments) if (!outcomeIds.has(segment.outcome.key)) outcomeIds.set(segment.outcome.key, outcomeIds.size);
  const outcomeIdOf = (segment: Segment): number | undefined => outcomeIds.get(segment.outcome.key);
  type Span = readonly [number, number];
  return unfold<Span, DispatchTree>([0, count - 1], ([i, j]) => {
    const segment = segments[i];
    if (segment === undefined) throw new Error('segment index out of range');
    if (i === j) return { kind: 'done', result: { kind: 'leaf', segment } };
    const m = choice[i * count + j] ?? i + 1;
    if (m === -1) {
      const background = chainBackgrounds.get(i * count + j);
      const last = segments[j];
      const backgroundSegment = segments.slice(i, j + 1).find((candidate) => outcomeIdOf(candidate) === background);
      const tests = background === undefined ? undefined : chainCoster.tests(i, j, background);
      if (tests === undefined || last === undefined || backgroundSegment === undefined) throw new Error('chain leaf missing');
      return { kind: 'done', result: { kind: 'chain', low: segment.low, high: last.high, tests, background: backgroundSegment.outcome } };
    }
    return splitAt(segments, i, m, j);
  });
}

/** A split of i..j at m (left i..m-1, right m..j), its sides built first. */
function splitAt(segments: readonly Segment[], i: number, m: number, j: number): UnfoldStep<readonly [number, number], DispatchTree> {
  const high = segments[m];
  if (high === undefined) throw new Error('split index out of range');
  return {
    kind: 'build',
    needs: [
      [i, m - 1],
      [m, j],
    ],
    build: ([low, highTree]) => ({ kind: 'split', threshold: high.low, low: low as DispatchTree, high: highTree as DispatchTree }),
  };
}

/** The tree that splits every range in the middle (the layout without `costTree`). */
function bisect(segments: readonly Segment[]): DispatchTree {
  return unfold<readonly [number, number], DispatchTree>([0, segments.length - 1], ([i, j]) => {
    const segment = segments[i];
    if (segment === undefined) throw new Error('segment index out of range');
    if (i === j) return { kind: 'done', result: { kind: 'leaf', segment } };
    return splitAt(segments, i, (i + j + 1) >> 1, j);
  });
}
