/**
 * Symbolic path exploration of a seccomp program for one syscall number: `nr` and `arch` are
 * known, every other `seccomp_data` word (argument halves, instruction pointer) is an unknown
 * 32-bit value. A comparison of an unknown follows both branches, each remembering the
 * condition it assumed; a branch whose conditions are contradictory is pruned. The result is
 * the set of `ret` outcomes some argument vector can reach (an over-approximation: a branch is
 * pruned only when it is proven infeasible), each with a witness argument vector when one was
 * found.
 *
 * Values are tracked as constants, "word at offset `o` masked with `m`" (a load, possibly
 * followed by `and #m`), or opaque (any other arithmetic on unknowns; comparisons of opaque
 * values branch both ways with no condition recorded).
 *
 * {@link explorePathsForNumbers} does the same for many syscall numbers in one walk: a path
 * stands for the set of numbers that take it, and a comparison of the number splits that set
 * (one walk of the dispatch instead of one per number). Each number's result is exactly what
 * {@link explorePaths} gives for it alone, the path limit included.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { aluOperation, jumpTaken } from './emulate.js';
import * as bpf from './opcodes.js';
import { firstAtLeast } from './sorted.js';
import type { BpfProgram } from './types.js';

type Value =
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'word'; readonly offset: number; readonly mask: number }
  | { readonly kind: 'opaque' }
  /** A value computed from the syscall number alone: one per number of the path, in its order. */
  /**
   * A value computed from the syscall number alone: one per number of the path, in its order;
   * `ascending` when they never decrease (the number itself, loaded from a sorted list).
   */
  | { readonly kind: 'numbers'; readonly values: readonly number[]; readonly ascending: boolean };

/** A condition a path assumed about one `seccomp_data` word: `(word & mask) op k` is `holds`. */
export interface WordCondition {
  /** Byte offset of the 32-bit word in `struct seccomp_data` (0 `nr`, 4 `arch`, 8 ip, 16+ args). */
  readonly offset: number;
  /** Bits of the word the comparison sees (u32; `0xffffffff` when the load was not masked). */
  readonly mask: number;
  /** The jump's comparison: `jeq`, `jgt`, `jge`, or `jset` (`(word & mask) & k` is non-zero). */
  readonly op: 'eq' | 'gt' | 'ge' | 'set';
  /** The constant compared with (u32). */
  readonly k: number;
  /** Whether the path took the true branch (the comparison holds) or the false one. */
  readonly holds: boolean;
}

/** One explored path to its end. */
export interface PathOutcome {
  /** The return value, or `undefined` when it depends on unknowns (`ret a`) or the path is invalid. */
  readonly returnValue: number | undefined;
  /** True when the path is invalid at run time (runs off the end, bad load, …). */
  readonly invalid: boolean;
  /** What the path assumed about the input words, in the order its jumps tested them. */
  readonly conditions: readonly WordCondition[];
  /** Instructions executed on this path. */
  readonly length: number;
  /** Argument vector that follows this path, when the witness search found one. */
  readonly witness: readonly bigint[] | undefined;
}

/** The outcome of {@link explorePaths}. */
export interface PathExploration {
  /** One entry per feasible path from pc 0 to a `ret` or an invalid instruction, in search order. */
  readonly outcomes: readonly PathOutcome[];
  /** False when the path limit was hit (the outcomes are then a subset). */
  readonly complete: boolean;
}

interface State {
  pc: number;
  a: Value;
  x: Value;
  mem: readonly (Value | undefined)[];
  conditions: WordCondition[];
  length: number;
  /** The syscall numbers (positions in the explored list) that take this path. */
  numbers: readonly number[];
  /**
   * True for a path that goes on where its numbers' path was when the walk split it by number:
   * no fork of the search for one number, so taking it from the stack does not count as one.
   */
  resumed: boolean;
}

const OPAQUE: Value = { kind: 'opaque' };
const constant = (value: number): Value => ({ kind: 'const', value: value >>> 0 });
const ZERO = constant(0);
/** Scratch memory before any store: shared by every path, since a store copies it first. */
const NO_MEMORY: readonly (Value | undefined)[] = new Array<Value | undefined>(bpf.BPF_MEMWORDS).fill(undefined);

/** True when the word at `offset` is the high half of a 64-bit field in this byte order. */
export function isHighWord(offset: number, littleEndian: boolean): boolean {
  if (offset < bpf.SECCOMP_DATA_IP_LO) return false;
  const second = (offset - bpf.SECCOMP_DATA_IP_LO) % 8 === 4;
  return second === littleEndian;
}

/** The jump field (`code & 0xf0`) behind each comparison a condition records. */
const jumpFieldOf: Readonly<Record<WordCondition['op'], number>> = { eq: bpf.BPF_JEQ, gt: bpf.BPF_JGT, ge: bpf.BPF_JGE, set: bpf.BPF_JSET };
/** The comparison a jump field records, the inverse of {@link jumpFieldOf}. */
const conditionOpOf: ReadonlyMap<number, WordCondition['op']> = new Map(
  (Object.keys(jumpFieldOf) as WordCondition['op'][]).map((op) => [jumpFieldOf[op], op]),
);

function test(op: WordCondition['op'], value: number, k: number): boolean {
  return jumpTaken(jumpFieldOf[op], value, k) === true;
}

function satisfies(word: number, conditions: readonly WordCondition[]): boolean {
  return conditions.every((c) => test(c.op, (word & c.mask) >>> 0, c.k) === c.holds);
}

/**
 * Looks for a 32-bit value meeting every condition (all on one word). Returns the value, `false`
 * when the conditions are provably contradictory, or `undefined` when neither was shown.
 */
export function solveWord(conditions: readonly WordCondition[]): number | false | undefined {
  const ranged = solveRange(conditions);
  if (ranged !== null) return ranged;
  // The candidate search is the costly one (masked and `jset` conditions, quadratic), and the
  // same lists come back for every syscall and program that share an argument check: its
  // answers are kept by the exact text of what it reads (see candidateKey).
  const key = candidateKey(conditions);
  const known = candidateAnswers.get(key);
  if (known !== undefined) return known === 'undecided' ? undefined : known;
  const answer = solveWordByCandidates(conditions);
  if (candidateAnswers.size >= maxCandidateAnswers) candidateAnswers.clear();
  candidateAnswers.set(key, answer ?? 'undecided');
  return answer;
}

/** Answers of {@link solveWordByCandidates} by {@link candidateKey}, at most {@link maxCandidateAnswers}. */
const candidateAnswers = new Map<string, number | false | 'undecided'>();
const maxCandidateAnswers = 1 << 16;

/**
 * Everything {@link solveWordByCandidates} reads, in order: each condition's mask, comparison,
 * constant and branch (not the offset: all conditions are on one word). Equal keys are equal
 * inputs, so a kept answer is the answer.
 */
function candidateKey(conditions: readonly WordCondition[]): string {
  let key = '';
  for (const c of conditions) key += `${c.mask.toString()},${c.op},${c.k.toString()},${c.holds ? '1' : '0'};`;
  return key;
}

/**
 * {@link solveWordByCandidates} for the conditions compiled dispatch and value-set trees pile up
 * on a path, whole-word `jeq`/`jgt`/`jge` only, in time linear in their number (the candidate
 * search is quadratic, and a path through a value set collects dozens of them). The value is
 * the one the candidate search returns: the same candidates in the same order, each checked
 * against the bounds and the excluded values at once. `null` when a condition is outside that
 * form (masked, or `jset`).
 */
function solveRange(conditions: readonly WordCondition[]): number | false | undefined | null {
  const bounds: RangeBounds = { known: undefined, low: 0, high: 0xffffffff, excluded: undefined };
  for (const c of conditions) {
    if (c.mask !== 0xffffffff || c.op === 'set') return null;
    if (c.op === 'eq') {
      if (!c.holds) (bounds.excluded ??= new Set<number>()).add(c.k);
      else if (bounds.known === undefined) bounds.known = c.k;
      else if (bounds.known !== c.k) return false;
    } else if (c.holds) bounds.low = Math.max(bounds.low, c.op === 'gt' ? c.k + 1 : c.k);
    else bounds.high = Math.min(bounds.high, c.op === 'gt' ? c.k : c.k - 1);
  }
  const { known, low, high } = bounds;
  if (low > high) return false;
  const first = known ?? 0;
  // The candidates in a fixed order (no array or closure per call: this runs for every branch
  // of every explored path).
  if (fitsRange(bounds, first)) return first;
  if (fitsRange(bounds, 0)) return 0;
  if (fitsRange(bounds, 0xffffffff)) return 0xffffffff;
  if (fitsRange(bounds, low)) return low;
  if (fitsRange(bounds, high)) return high;
  if (fitsRange(bounds, (low | first) >>> 0)) return (low | first) >>> 0;
  for (let step = 1; step <= conditions.length + 1; step++) {
    if (fitsRange(bounds, low + step)) return low + step;
    if (fitsRange(bounds, high - step)) return high - step;
  }
  // The walk covers more values at each end than there are exclusions, so nothing fits: a known
  // value that does not is a contradiction; otherwise the candidate search gives up undecided.
  return known === undefined ? undefined : false;
}

/** What whole-word `jeq`/`jgt`/`jge` conditions allow: one value or none, a range, excluded values. */
interface RangeBounds {
  known: number | undefined;
  low: number;
  high: number;
  excluded: Set<number> | undefined;
}

function fitsRange(bounds: RangeBounds, value: number): boolean {
  return value >= bounds.low && value <= bounds.high && bounds.excluded?.has(value) !== true && (bounds.known === undefined || value === bounds.known);
}

/** {@link solveWord} by trying candidate values built from the constants and bounds. */
export function solveWordByCandidates(conditions: readonly WordCondition[]): number | false | undefined {
  let knownMask = 0;
  let knownValue = 0;
  let low = 0;
  let high = 0xffffffff;
  const constants: number[] = [];
  for (const c of conditions) {
    constants.push(c.k);
    if (c.op === 'eq' && c.holds) {
      if ((c.k & ~c.mask) !== 0) return false;
      if (((knownValue ^ c.k) & knownMask & c.mask) !== 0) return false;
      knownMask = (knownMask | c.mask) >>> 0;
      knownValue = (knownValue | (c.k & c.mask)) >>> 0;
    }
    if (c.mask === 0xffffffff && (c.op === 'gt' || c.op === 'ge')) {
      if (c.holds) low = Math.max(low, c.op === 'gt' ? c.k + 1 : c.k);
      else high = Math.min(high, c.op === 'gt' ? c.k : c.k - 1);
    }
  }
  if (low > high) return false;
  // Candidates are tried in a fixed order, each once, as soon as they are made: most searches
  // end at one of the first few.
  const tried = new Set<number>();
  for (const candidate of [knownValue, 0, 0xffffffff, low, high, (low | knownValue) >>> 0]) if (fitsConditions(tried, conditions, candidate)) return candidate;
  for (let step = 1; step <= conditions.length + 1; step++) {
    if (fitsConditions(tried, conditions, low + step)) return low + step;
    if (fitsConditions(tried, conditions, high - step)) return high - step;
  }
  for (const k of constants) {
    for (const base of [k, k + 1, k - 1]) {
      const value = base >>> 0;
      for (const candidate of [value, (value | knownValue) >>> 0, ((value & ~knownMask) | knownValue) >>> 0]) if (fitsConditions(tried, conditions, candidate)) return candidate;
    }
    for (let bit = 0; bit < 32; bit++) {
      const b = 2 ** bit;
      if (Math.floor(k / b) % 2 === 1) {
        for (const candidate of [((b & ~knownMask) | knownValue) >>> 0, (((b | low) & ~knownMask) | knownValue) >>> 0]) if (fitsConditions(tried, conditions, candidate)) return candidate;
      }
    }
  }
  if (knownMask === 0xffffffff) return false;
  // Bits that must be 0 bound the value from above; bits that must be 1 bound it from below.
  let zeroBits = 0;
  for (const c of conditions) if (c.op === 'set' && !c.holds) zeroBits = (zeroBits | (c.mask & c.k)) >>> 0;
  zeroBits = (zeroBits | (knownMask & ~knownValue)) >>> 0;
  if (~zeroBits >>> 0 < low || knownValue > high) return false;
  for (const c of conditions) {
    if (c.op !== 'set') continue;
    const bits = (c.mask & c.k) >>> 0;
    if (c.holds && (bits & ~knownMask) === 0 && (knownValue & bits) === 0) return false;
    if (!c.holds && (knownValue & bits & knownMask) !== 0) return false;
    if (c.holds && bits === 0) return false;
  }
  for (const c of conditions) {
    if (c.op === 'eq' && !c.holds && conditions.some((d) => d.op === 'eq' && d.holds && d.mask === c.mask && d.k === c.k)) {
      return false;
    }
  }
  return undefined;
}

/** A candidate of {@link solveWordByCandidates} not tried before that meets every condition (each is tried once). */
function fitsConditions(tried: Set<number>, conditions: readonly WordCondition[], candidate: number): boolean {
  if (tried.has(candidate)) return false;
  tried.add(candidate);
  return candidate >= 0 && candidate <= 0xffffffff && satisfies(candidate, conditions);
}

/** Builds an argument vector from solved words (unsolved words are 0). */
export function wordsToArgs(words: ReadonlyMap<number, number>, littleEndian: boolean): bigint[] {
  const args: bigint[] = [];
  for (let index = 0; index < bpf.SECCOMP_ARG_COUNT; index++) {
    const first = BigInt(words.get(bpf.SECCOMP_DATA_ARGS + 8 * index) ?? 0);
    const second = BigInt(words.get(bpf.SECCOMP_DATA_ARGS + 8 * index + 4) ?? 0);
    args.push(littleEndian ? (second << 32n) | first : (first << 32n) | second);
  }
  return args;
}

function feasible(conditions: readonly WordCondition[], offset: number): boolean {
  return solveWord(conditions.filter((c) => c.offset === offset)) !== false;
}

/** Builds an argument vector meeting every condition, or `undefined` when none was found. */
export function witnessOf(conditions: readonly WordCondition[], littleEndian: boolean): bigint[] | undefined {
  const offsets = new Set(conditions.map((c) => c.offset));
  const words = new Map<number, number>();
  for (const offset of offsets) {
    const value = solveWord(conditions.filter((c) => c.offset === offset));
    if (value === false || value === undefined) return undefined;
    words.set(offset, value);
  }
  return wordsToArgs(words, littleEndian);
}

/** Options of {@link explorePaths}. */
export interface ExploreOptions {
  /**
   * Most paths to follow before giving up (`complete: false`).
   * @defaultValue 4096
   */
  readonly maxPaths?: number;
  /**
   * Treat `seccomp_data.arch` as unknown, like an argument word (offset 4), instead of the
   * architecture's audit value: the outcomes then say which architecture values reach them
   * (the audit uses this to find missing or wrong architecture checks).
   * @defaultValue false
   */
  readonly symbolicArch?: boolean;
  /**
   * Search a witness argument vector for every outcome; turn off when only the outcomes matter
   * (then every `witness` is `undefined`; {@link witnessOf} finds one for a chosen outcome).
   * @defaultValue true
   */
  readonly witnesses?: boolean;
}

/** What the walk needs at the end of a path and at a load (module functions, not closures: this runs for every path). */
interface ExploreContext {
  /** Every outcome with the numbers that reach it, in search order. */
  readonly groups: NumberGroup[];
  /** How many outcomes each number has. */
  readonly counts: number[];
  readonly witnesses: boolean;
  readonly littleEndian: boolean;
  readonly numbers: readonly number[];
  readonly arch: ArchTable;
  readonly symbolicArch: boolean;
  /** True when `numbers` never decrease (the number loaded on a path then ascends too). */
  readonly ascending: boolean;
}

function endPath(context: ExploreContext, state: State, returnValue: number | undefined, invalid = false): void {
  const outcome: PathOutcome = {
    returnValue: returnValue === undefined ? undefined : returnValue >>> 0,
    invalid,
    conditions: state.conditions,
    length: state.length,
    witness: invalid || !context.witnesses ? undefined : witnessOf(state.conditions, context.littleEndian),
  };
  context.groups.push({ outcome, numbers: state.numbers });
  for (const index of state.numbers) context.counts[index] = (context.counts[index] ?? 0) + 1;
}

function loadWord(context: ExploreContext, state: State, offset: number): Value {
  if (offset === bpf.SECCOMP_DATA_NR) {
    const numbers = state.numbers;
    if (numbers.length === 1) return constant(context.numbers[numbers[0] ?? 0] ?? 0);
    const values: number[] = [];
    for (const index of numbers) values.push((context.numbers[index] ?? 0) >>> 0);
    return { kind: 'numbers', values, ascending: context.ascending };
  }
  if (offset === bpf.SECCOMP_DATA_ARCH) return context.symbolicArch ? { kind: 'word', offset, mask: 0xffffffff } : constant(context.arch.auditArch);
  if (context.arch.bits === 32 && isHighWord(offset, context.littleEndian)) return constant(0);
  return { kind: 'word', offset, mask: 0xffffffff };
}

/**
 * Positions in a path's numbers, as runs: `[start, end, start, end, …]`, each run from `start`
 * to before `end`, in increasing order. A split of the dispatch keeps one or two runs, copied
 * by slicing rather than element by element.
 */
type Runs = readonly number[];

/** The items at `runs`. */
function takeRuns<T>(items: readonly T[], runs: Runs): T[] {
  if (runs.length === 2) return items.slice(runs[0], runs[1]);
  const taken: T[] = [];
  for (let run = 0; run < runs.length; run += 2) for (let at = runs[run] ?? 0; at < (runs[run + 1] ?? 0); at++) taken.push(items[at] as T);
  return taken;
}

/** Increasing positions as {@link Runs}. */
function runsOf(positions: readonly number[]): number[] {
  const runs: number[] = [];
  for (const at of positions) {
    if (runs.length > 0 && runs[runs.length - 1] === at) runs[runs.length - 1] = at + 1;
    else runs.push(at, at + 1);
  }
  return runs;
}

/** `value` for the numbers at `runs` of its path's numbers; a single one is a constant. */
function picked(value: Value, runs: Runs, count: number): Value {
  if (value.kind !== 'numbers') return value;
  if (count === 1) return constant(value.values[runs[0] ?? 0] ?? 0);
  return { kind: 'numbers', values: takeRuns(value.values, runs), ascending: value.ascending };
}

/**
 * The positions of `values` for which `(value op k)` holds and those for which it does not, as
 * runs: by binary search when the values ascend and the test is an order or an equality,
 * otherwise value by value.
 */
function splitRuns(op: WordCondition['op'], values: readonly number[], ascending: boolean, k: number): { taking: number[]; notTaking: number[] } {
  const count = values.length;
  if (ascending && op !== 'set') {
    const from = firstAtLeast(values, op === 'gt' ? k + 1 : k);
    if (op !== 'eq') return { taking: from < count ? [from, count] : [], notTaking: from > 0 ? [0, from] : [] };
    const to = firstAtLeast(values, k + 1);
    const notTaking: number[] = [];
    if (from > 0) notTaking.push(0, from);
    if (to < count) notTaking.push(to, count);
    return { taking: to > from ? [from, to] : [], notTaking };
  }
  const taking: number[] = [];
  const notTaking: number[] = [];
  for (let at = 0; at < count; at++) (test(op, values[at] ?? 0, k) ? taking : notTaking).push(at);
  return { taking: runsOf(taking), notTaking: runsOf(notTaking) };
}

/**
 * The part of a path that some of its numbers take (`picks`: positions in `state.numbers`), at
 * `pc`: values computed from the number keep those numbers' entries (a single one is a constant,
 * as when that number is explored alone). Loops, not closures: this runs at every split.
 */
function narrowed(state: State, runs: Runs, pc: number, length: number): State {
  const numbers = takeRuns(state.numbers, runs);
  let mem = state.mem;
  for (let slot = 0; slot < mem.length; slot++) {
    if (mem[slot]?.kind !== 'numbers') continue;
    const copy = [...mem];
    for (let at = slot; at < copy.length; at++) {
      const value = copy[at];
      if (value !== undefined) copy[at] = picked(value, runs, numbers.length);
    }
    mem = copy;
    break;
  }
  return { pc, a: picked(state.a, runs, numbers.length), x: picked(state.x, runs, numbers.length), mem, conditions: state.conditions, length, numbers, resumed: true };
}

/**
 * Splits a path into one per number before the instruction at its pc, which uses a value
 * computed from the number in a way that depends on each number (not a comparison with a
 * constant or arithmetic with one): each number then goes on alone, with that value constant.
 */
function splitByNumber(stack: State[], state: State): void {
  for (let at = state.numbers.length - 1; at >= 0; at--) stack.push(narrowed(state, [at, at + 1], state.pc, state.length - 1));
}

/** Pushes a fork of the search: one more pending path for each of its numbers. */
function pushFork(stack: State[], pending: number[], state: State): void {
  for (const index of state.numbers) pending[index] = (pending[index] ?? 0) + 1;
  stack.push(state);
}

/**
 * Explores every path the program can take for syscall `nr` on `arch` (its audit value, word
 * size and byte order). On 32-bit architectures the high argument words are known to be 0.
 */
export function explorePaths(program: BpfProgram, arch: ArchTable, nr: number, options: ExploreOptions = {}): PathExploration {
  return explorePathsForNumbers(program, arch, [nr], options)[0] ?? { outcomes: [], complete: true };
}

/**
 * {@link explorePaths} for each of `numbers`, in one walk of the program: a path stands for the
 * numbers that take it, and a comparison of the number (or of arithmetic on it with constants)
 * splits them. Returns one exploration per number, in the order given, each exactly the one
 * {@link explorePaths} returns for that number alone: the same outcomes in the same order (the
 * outcome objects are shared between the numbers that take the same path), and the path limit
 * applied to each number's own search (a number that reaches it stops; the others go on).
 */
export function explorePathsForNumbers(program: BpfProgram, arch: ArchTable, numbers: readonly number[], options: ExploreOptions = {}): PathExploration[] {
  const { groups, complete } = exploreNumberGroups(program, arch, numbers, options);
  const explorations: { outcomes: PathOutcome[]; complete: boolean }[] = [];
  for (let index = 0; index < numbers.length; index++) explorations.push({ outcomes: [], complete: complete[index] === true });
  for (const { outcome, numbers: reaching } of groups) for (const index of reaching) explorations[index]?.outcomes.push(outcome);
  return explorations;
}

/** One outcome of {@link exploreNumberGroups} and the numbers whose paths reach it. */
export interface NumberGroup {
  /** The outcome, as {@link explorePaths} gives it for each of these numbers. */
  readonly outcome: PathOutcome;
  /** Positions in the explored list of the numbers that reach it, increasing. */
  readonly numbers: readonly number[];
}

/** The result of {@link exploreNumberGroups}. */
export interface NumberGroupExploration {
  /** Every outcome once, with its numbers; a number's outcomes are those that list it, in this order. */
  readonly groups: readonly NumberGroup[];
  /** For each number (by position): false when its search hit the path limit. */
  readonly complete: readonly boolean[];
}

/**
 * {@link explorePathsForNumbers} without a list per number: each outcome once with the numbers
 * that reach it, for callers that decide per outcome and count per number.
 */
export function exploreNumberGroups(program: BpfProgram, arch: ArchTable, numbers: readonly number[], options: ExploreOptions = {}): NumberGroupExploration {
  const maxPaths = options.maxPaths ?? 4096;
  const littleEndian = arch.endianness === 'little';
  // Per number: how many outcomes it has, the paths forked and not yet taken up (the per-number
  // search's stack), and whether its search stopped at the limit.
  const groups: NumberGroup[] = [];
  const counts: number[] = [];
  const pending: number[] = [];
  const stopped: boolean[] = [];
  const all: number[] = [];
  for (let index = 0; index < numbers.length; index++) {
    counts.push(0);
    pending.push(0);
    stopped.push(false);
    all.push(index);
  }
  const stack: State[] = [];
  pushFork(stack, pending, { pc: 0, a: ZERO, x: ZERO, mem: NO_MEMORY, conditions: [], length: 0, numbers: all, resumed: false });
  let ascending = true;
  for (let index = 1; index < numbers.length; index++) if ((numbers[index] ?? 0) >>> 0 < (numbers[index - 1] ?? 0) >>> 0) ascending = false;
  const context: ExploreContext = { groups, counts, witnesses: options.witnesses !== false, littleEndian, numbers, arch, symbolicArch: options.symbolicArch === true, ascending };
  while (stack.length > 0) {
    const popped = stack.pop();
    if (!popped) break;
    // The search for one number gives up when its outcomes and pending paths exceed the limit,
    // checked each time it takes up a forked path (a resumed one is no new path for it).
    let anyStopped = false;
    for (const index of popped.numbers) {
      if (stopped[index] === true) anyStopped = true;
      else if (!popped.resumed) {
        const waiting = pending[index] ?? 0;
        if ((counts[index] ?? 0) + waiting > maxPaths) {
          stopped[index] = true;
          anyStopped = true;
        } else pending[index] = waiting - 1;
      }
    }
    let state = popped;
    if (anyStopped) {
      const picks: number[] = [];
      for (let at = 0; at < popped.numbers.length; at++) if (stopped[popped.numbers[at] ?? 0] !== true) picks.push(at);
      if (picks.length === 0) continue;
      state = narrowed(popped, runsOf(picks), popped.pc, popped.length);
    }
    // Follow one path until it ends or forks.
    for (;;) {
      const insn = program[state.pc];
      // Valid jumps only move forward; a longer run means fields out of range (negative offsets).
      if (insn === undefined || state.length >= program.length) {
        endPath(context, state, undefined, true);
        break;
      }
      state.length++;
      const { code, k } = insn;
      const cls = code & 0x07;
      if (cls === bpf.BPF_RET) {
        if (code === bpf.BPF_RET) endPath(context, state, k);
        else if (code === (bpf.BPF_RET | 0x10)) {
          if (state.a.kind === 'numbers') {
            splitByNumber(stack, state);
            break;
          }
          endPath(context, state, state.a.kind === 'const' ? state.a.value : undefined);
        } else endPath(context, state, undefined, true);
        break;
      }
      if (cls === bpf.BPF_LD || cls === bpf.BPF_LDX) {
        let value: Value | undefined;
        if (code === (bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS)) value = k < bpf.SECCOMP_DATA_SIZE && k % 4 === 0 ? loadWord(context, state, k) : undefined;
        else if ((code & 0xe0) === bpf.BPF_IMM && (code & 0x18) === bpf.BPF_W) value = constant(k);
        else if ((code & 0xe0) === bpf.BPF_LEN && (code & 0x18) === bpf.BPF_W) value = constant(bpf.SECCOMP_DATA_SIZE);
        else if ((code & 0xe0) === bpf.BPF_MEM && (code & 0x18) === bpf.BPF_W) value = k < bpf.BPF_MEMWORDS ? state.mem[k] : undefined;
        if (value === undefined) {
          endPath(context, state, undefined, true);
          break;
        }
        if (cls === bpf.BPF_LD) state.a = value;
        else state.x = value;
        state.pc++;
        continue;
      }
      if (code === bpf.BPF_ST || code === bpf.BPF_STX) {
        if (k >= bpf.BPF_MEMWORDS) {
          endPath(context, state, undefined, true);
          break;
        }
        const mem = [...state.mem];
        mem[k] = code === bpf.BPF_ST ? state.a : state.x;
        state.mem = mem;
        state.pc++;
        continue;
      }
      if (code === (bpf.BPF_MISC | bpf.BPF_TAX) || code === (bpf.BPF_MISC | bpf.BPF_TXA)) {
        if (code === (bpf.BPF_MISC | bpf.BPF_TAX)) state.x = state.a;
        else state.a = state.x;
        state.pc++;
        continue;
      }
      if (cls === bpf.BPF_ALU) {
        const op = code & 0xf0;
        if (op === bpf.BPF_NEG) {
          const a = state.a;
          if (a.kind === 'numbers') {
            const values: number[] = [];
            for (const value of a.values) values.push((0 - value) >>> 0);
            state.a = { kind: 'numbers', values, ascending: false };
          } else state.a = a.kind === 'const' ? constant(0 - a.value) : OPAQUE;
          state.pc++;
          continue;
        }
        const operand = (code & bpf.BPF_X) === bpf.BPF_X ? state.x : constant(k);
        if (operand.kind === 'numbers' || (state.a.kind === 'numbers' && operand.kind !== 'const' && op !== bpf.BPF_DIV && op !== bpf.BPF_MOD)) {
          splitByNumber(stack, state);
          break;
        }
        if (op === bpf.BPF_DIV || op === bpf.BPF_MOD) {
          if (operand.kind === 'const' && operand.value === 0) {
            if ((code & bpf.BPF_X) === bpf.BPF_X) endPath(context, state, 0);
            else endPath(context, state, undefined, true);
            break;
          }
          if (operand.kind !== 'const') {
            // X may be 0: one path ends with 0, the other goes on with an unknown quotient.
            endPath(context, { ...state }, 0);
            state.a = OPAQUE;
            state.pc++;
            continue;
          }
        }
        const a = state.a;
        if (a.kind === 'numbers' && operand.kind === 'const') {
          const values: number[] = [];
          for (const value of a.values) values.push(aluOperation(op, value, operand.value));
          if (values.some((value) => value < 0)) {
            splitByNumber(stack, state);
            break;
          }
          state.a = { kind: 'numbers', values, ascending: false };
        } else if (a.kind === 'const' && operand.kind === 'const') {
          const result = aluOperation(op, a.value, operand.value);
          if (result < 0) {
            endPath(context, state, undefined, true);
            break;
          }
          state.a = constant(result);
        } else if (op === bpf.BPF_AND && a.kind === 'word' && operand.kind === 'const') {
          state.a = { kind: 'word', offset: a.offset, mask: (a.mask & operand.value) >>> 0 };
        } else if (op === bpf.BPF_AND && ((a.kind === 'const' && a.value === 0) || (operand.kind === 'const' && operand.value === 0))) {
          state.a = constant(0);
        } else {
          state.a = OPAQUE;
        }
        state.pc++;
        continue;
      }
      if (cls === bpf.BPF_JMP) {
        const op = code & 0xf0;
        if (op === bpf.BPF_JA) {
          state.pc += 1 + k;
          continue;
        }
        const operand = (code & bpf.BPF_X) === bpf.BPF_X ? state.x : constant(k);
        const name = conditionOpOf.get(op);
        if (name === undefined) {
          endPath(context, state, undefined, true);
          break;
        }
        const a = state.a;
        const whenTrue = state.pc + 1 + insn.jt;
        const whenFalse = state.pc + 1 + insn.jf;
        if (a.kind === 'const' && operand.kind === 'const') {
          state.pc = test(name, a.value, operand.value) ? whenTrue : whenFalse;
          continue;
        }
        if (a.kind === 'numbers' && operand.kind === 'const') {
          // Each number takes its own branch, as it would alone: the walk goes on for both sets.
          const { taking, notTaking } = splitRuns(name, a.values, a.ascending, operand.value);
          if (notTaking.length === 0) state.pc = whenTrue;
          else if (taking.length === 0) state.pc = whenFalse;
          else {
            stack.push(narrowed(state, notTaking, whenFalse, state.length), narrowed(state, taking, whenTrue, state.length));
            break;
          }
          continue;
        }
        if (a.kind === 'numbers' || operand.kind === 'numbers') {
          splitByNumber(stack, state);
          break;
        }
        if (whenTrue === whenFalse) {
          state.pc = whenTrue;
          continue;
        }
        if (a.kind === 'word' && operand.kind === 'const') {
          // The false branch is pushed first, as a copy; the true one reuses this path's state
          // (it ends here). Written out, not looped over pairs: this runs at every fork.
          const whenFalseConditions = [...state.conditions, { offset: a.offset, mask: a.mask, op: name, k: operand.value, holds: false }];
          if (feasible(whenFalseConditions, a.offset)) pushFork(stack, pending, { pc: whenFalse, a: state.a, x: state.x, mem: state.mem, conditions: whenFalseConditions, length: state.length, numbers: state.numbers, resumed: false });
          const whenTrueConditions = [...state.conditions, { offset: a.offset, mask: a.mask, op: name, k: operand.value, holds: true }];
          if (feasible(whenTrueConditions, a.offset)) {
            state.pc = whenTrue;
            state.conditions = whenTrueConditions;
            state.resumed = false;
            pushFork(stack, pending, state);
          }
          break;
        }
        pushFork(stack, pending, { ...state, pc: whenFalse, resumed: false });
        pushFork(stack, pending, { ...state, pc: whenTrue, resumed: false });
        break;
      }
      endPath(context, state, undefined, true);
      break;
    }
  }
  const complete: boolean[] = [];
  for (let index = 0; index < numbers.length; index++) complete.push(stopped[index] !== true);
  return { groups, complete };
}
