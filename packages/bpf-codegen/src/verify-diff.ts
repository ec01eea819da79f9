/**
 * Exact differences between two sides (programs, stacks or a lowered policy): for every syscall
 * number of the architecture, the inputs on which the action changed, as conditions on the
 * arguments read off the decision diagrams of `verify.ts`, with one concrete witness each. No
 * input is sampled: the conditions describe exactly the set where the two sides disagree (up to
 * a term limit, which is reported).
 */
import type { SeccompData } from './emulate.js';
import type { LoweredArch } from './lower.js';
import { Bdd, WORD_BITS } from './verify-bdd.js';
import {
  ARCH_SLOT,
  IP_HIGH_SLOT,
  IP_LOW_SLOT,
  NR_SLOT,
  argHighSlot,
  buildSides,
  concreteOutcome,
  inputOf,
  preference,
  runs,
  variableOf,
  wordVector,
  type DecisionSource,
  type SideOutcome,
  type Verification,
  type VerificationStats,
  type VerifyOptions,
} from './verify.js';

/** A field of `seccomp_data` a condition is about. */
export type InputField = 'arch' | 'nr' | 'ip' | 'arg0' | 'arg1' | 'arg2' | 'arg3' | 'arg4' | 'arg5';

/**
 * One condition on one field (values unsigned; arguments and `ip` are 64-bit, `arch` and `nr`
 * 32-bit). A `masked` condition holds when `(field & mask) === value`.
 */
export type FieldCondition = (
  | { readonly kind: 'equal'; readonly value: bigint }
  | { readonly kind: 'not-equal'; readonly value: bigint }
  | { readonly kind: 'range'; readonly min: bigint; readonly max: bigint }
  | { readonly kind: 'masked'; readonly mask: bigint; readonly value: bigint }
) & {
  /** The field tested. */
  readonly field: InputField;
  /**
   * Set when the condition is on one 32-bit half of a 64-bit field only (`low`: the value of
   * `field & 0xffffffff`, `high`: of `field >> 32`), the other half being constrained by
   * another condition of the term or not at all (as for arguments on a 32-bit architecture).
   */
  readonly half?: 'low' | 'high';
};

/** A conjunction of field conditions; the empty one holds for every input. */
export type InputTerm = readonly FieldCondition[];

/** How a change reads for a person: a call now runs, no longer runs, or gets another denial. */
export type ChangeKind = 'added' | 'removed' | 'changed';

/** One pair of actions and exactly the inputs (of its group) that go from the first to the second. */
export interface DecisionChange {
  /** `added`: the new side lets the call run and the old did not; `removed`: the reverse; `changed`: another action. */
  readonly kind: ChangeKind;
  /** The old side's action (as `disasm` spells it). */
  readonly before: string;
  /** The new side's action. */
  readonly after: string;
  /** The inputs concerned: a disjunction of terms (conditions on the group's free fields). */
  readonly when: readonly InputTerm[];
  /** False when `when` was cut at {@link DiffOptions.maxTerms} (the witness is still exact). */
  readonly complete: boolean;
  /** One input of the set, replayed on both sides (`emulate`, `evaluatePolicy`). */
  readonly witness: SeccompData;
  /** What the old side does with the witness (with the deciding rule for a policy). */
  readonly old: SideOutcome;
  /** What the new side does with the witness. */
  readonly new: SideOutcome;
}

/** The changes of one syscall of the architecture's table (`arch` is the architecture's own). */
export interface SyscallDifference {
  /** The syscall number. */
  readonly nr: number;
  /** Its name in the table. */
  readonly name: string | undefined;
  /** For which arguments each side lets the call run. */
  readonly oldRuns: 'never' | 'sometimes' | 'always';
  /** For which arguments the new side lets the call run. */
  readonly newRuns: 'never' | 'sometimes' | 'always';
  /** Every pair of actions that occurs, with its inputs (conditions on arguments and `ip`). */
  readonly changes: readonly DecisionChange[];
}

/** The answer of {@link diffDecisions}. */
export type DecisionDiff =
  | {
      /** The two sides give the same action for every input (proved). */
      readonly result: 'same';
      /** Diagram size. */
      readonly stats: VerificationStats;
    }
  | {
      /** At least one input gets another action. */
      readonly result: 'different';
      /** Syscalls of the table whose decisions changed, ascending by number. */
      readonly syscalls: readonly SyscallDifference[];
      /** Changes on numbers that are no syscall of the table (conditions include `nr`). */
      readonly otherNumbers: readonly DecisionChange[];
      /** Changes for an `arch` other than the architecture's (conditions include `arch`). */
      readonly otherArchitectures: readonly DecisionChange[];
      /** Diagram size. */
      readonly stats: VerificationStats;
    }
  | Extract<Verification, { result: 'undecided' }>;

/** Options of {@link diffDecisions}. */
export interface DiffOptions extends VerifyOptions {
  /**
   * Most terms listed per change; the rest is summarised by `complete: false`.
   * @defaultValue 32
   */
  readonly maxTerms?: number;
}

const FIELD_OF_SLOT: readonly InputField[] = ['arch', 'nr', 'arg0', 'arg0', 'arg1', 'arg1', 'arg2', 'arg2', 'arg3', 'arg3', 'arg4', 'arg4', 'arg5', 'arg5', 'ip', 'ip'];

/** The first and last slot of a field, and its width in bits. */
function fieldSpan(field: InputField): { readonly first: number; readonly last: number; readonly width: number } {
  if (field === 'arch') return { first: ARCH_SLOT, last: ARCH_SLOT, width: 32 };
  if (field === 'nr') return { first: NR_SLOT, last: NR_SLOT, width: 32 };
  if (field === 'ip') return { first: IP_HIGH_SLOT, last: IP_LOW_SLOT, width: 64 };
  const high = argHighSlot(Number(field.slice(3)));
  return { first: high, last: high + 1, width: 64 };
}

const slotOf = (variable: number): number => Math.floor(variable / WORD_BITS);

/** The node reached from `node` with the 32-bit word in `slot` fixed to `value` (top variables only). */
function restrictWord(bdd: Bdd, node: number, slot: number, value: number): number {
  let current = node;
  while (!bdd.isTerminal(current) && slotOf(bdd.variable(current)) === slot) {
    const bit = WORD_BITS - 1 - (bdd.variable(current) % WORD_BITS);
    current = ((value >>> bit) & 1) === 1 ? bdd.high(current) : bdd.low(current);
  }
  return current;
}

/** The bits of a word as an assignment (for a witness of a group whose `arch` or `nr` is fixed). */
function wordAssignment(slot: number, value: number): Map<number, boolean> {
  const fixed = new Map<number, boolean>();
  for (let bit = 0; bit < WORD_BITS; bit++) fixed.set(variableOf(slot, bit), ((value >>> bit) & 1) === 1);
  return fixed;
}

/** A condition on one 32-bit word, before the two halves of a 64-bit field are put together. */
type WordCondition =
  | { readonly kind: 'equal'; readonly value: bigint }
  | { readonly kind: 'not-equal'; readonly value: bigint }
  | { readonly kind: 'range'; readonly min: bigint; readonly max: bigint }
  | { readonly kind: 'masked'; readonly mask: bigint; readonly value: bigint };

/** A word condition in a term, with the word it is on. */
interface WordTest {
  readonly slot: number;
  readonly condition: WordCondition;
}

const WORD_MAX = 0xffffffffn;

/**
 * The conditions one word's path cubes make (each a `(mask, value)`), merged: a mask of leading
 * bits is an interval, adjacent intervals join, a single value is `equal`; anything else stays
 * a masked test.
 */
function wordConditions(cubes: readonly { mask: bigint; value: bigint }[]): WordCondition[] {
  const ranges: [bigint, bigint][] = [];
  const masked: WordCondition[] = [];
  for (const { mask, value } of cubes) {
    const free = WORD_MAX ^ mask;
    // Leading-bit masks: the free bits are the low ones, so the set is one interval.
    if ((free & (free + 1n)) === 0n) ranges.push([value, value | free]);
    else masked.push({ kind: 'masked', mask, value });
  }
  // Intervals stay apart here (even two around one value): the halves of a field and the
  // terms are put together first, then `mergeTerms` joins them and finds `!=`.
  const merged = mergeRanges(ranges);
  return [...merged.map(([min, max]): WordCondition => (min === max ? { kind: 'equal', value: min } : { kind: 'range', min, max })), ...masked];
}

function mergeRanges(ranges: readonly (readonly [bigint, bigint])[]): [bigint, bigint][] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [min, max] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && min <= last[1] + 1n) last[1] = max > last[1] ? max : last[1];
    else merged.push([min, max]);
  }
  return merged;
}

/** A word condition as an interval, when it is one. */
function interval(condition: WordCondition): [bigint, bigint] | undefined {
  if (condition.kind === 'equal') return [condition.value, condition.value];
  if (condition.kind === 'range') return [condition.min, condition.max];
  return undefined;
}

/** A word condition as a mask test, when it is one. */
function maskTest(condition: WordCondition): [bigint, bigint] | undefined {
  if (condition.kind === 'equal') return [WORD_MAX, condition.value];
  if (condition.kind === 'masked') return [condition.mask, condition.value];
  return undefined;
}

/** A 64-bit field's conditions from those on its halves (an absent half may be anything). */
function joinHalves(field: InputField, high: WordCondition | undefined, low: WordCondition | undefined): FieldCondition[] {
  const range = (min: bigint, max: bigint): FieldCondition => (min === max ? { field, kind: 'equal', value: min } : { field, kind: 'range', min, max });
  if (high === undefined) {
    if (low === undefined) return [];
    // A mask test of the low half is one of the whole field; an interval is not (the high half is free).
    return [low.kind === 'masked' ? { field, kind: 'masked', mask: low.mask, value: low.value } : { ...low, field, half: 'low' }];
  }
  if (low === undefined) {
    const span = interval(high);
    if (span !== undefined) return [range(span[0] << 32n, (span[1] << 32n) | WORD_MAX)];
    return [high.kind === 'masked' ? { field, kind: 'masked', mask: high.mask << 32n, value: high.value << 32n } : { ...high, field, half: 'high' }];
  }
  const lowSpan = interval(low);
  if (high.kind === 'equal' && lowSpan !== undefined) return [range((high.value << 32n) | lowSpan[0], (high.value << 32n) | lowSpan[1])];
  const highMask = maskTest(high);
  const lowMask = maskTest(low);
  if (highMask !== undefined && lowMask !== undefined) {
    const mask = (highMask[0] << 32n) | lowMask[0];
    const value = (highMask[1] << 32n) | lowMask[1];
    return [mask === (1n << 64n) - 1n ? { field, kind: 'equal', value } : { field, kind: 'masked', mask, value }];
  }
  // Otherwise each half is its own conjunct (a high-half interval is a 64-bit range with the low half free).
  return [...joinHalves(field, high, undefined), ...joinHalves(field, undefined, low)];
}

/** A term's word tests as field conditions: the halves of each 64-bit field joined. */
function fieldTerm(words: readonly WordTest[]): FieldCondition[] {
  const term: FieldCondition[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index];
    if (word === undefined) continue;
    const field = FIELD_OF_SLOT[word.slot] ?? 'arch';
    const span = fieldSpan(field);
    if (span.width === 32) term.push({ ...word.condition, field });
    else if (word.slot === span.first) {
      const next = words[index + 1];
      const low = next !== undefined && next.slot === span.last ? next.condition : undefined;
      if (low !== undefined) index++;
      term.push(...joinHalves(field, word.condition, low));
    } else term.push(...joinHalves(field, undefined, word.condition));
  }
  return term;
}

const termKey = (conditions: readonly FieldCondition[]): string => JSON.stringify(conditions, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString(16) : value));

/** The largest value a condition's operand can take. */
function fieldMax(condition: FieldCondition): bigint {
  return condition.half !== undefined || condition.field === 'arch' || condition.field === 'nr' ? WORD_MAX : (1n << 64n) - 1n;
}

/**
 * Joins terms that differ only in one interval of the same field, when the intervals meet, and
 * writes the two intervals around a single value as `!=` (one pass per position in a term).
 */
function mergeTerms(terms: readonly FieldCondition[][]): FieldCondition[][] {
  let current = [...terms];
  const longest = Math.max(0, ...terms.map((term) => term.length));
  for (let position = 0; position < longest; position++) {
    const groups = new Map<string, { terms: FieldCondition[][]; ranges: [bigint, bigint][]; condition: FieldCondition }>();
    const next: FieldCondition[][] = [];
    for (const term of current) {
      const condition = term[position];
      if (condition === undefined || (condition.kind !== 'range' && condition.kind !== 'equal')) {
        next.push(term);
        continue;
      }
      const key = `${condition.field}|${condition.half ?? ''}|${termKey(term.slice(0, position))}|${termKey(term.slice(position + 1))}`;
      const group = groups.get(key) ?? { terms: [], ranges: [], condition };
      group.terms.push(term);
      group.ranges.push(condition.kind === 'range' ? [condition.min, condition.max] : [condition.value, condition.value]);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      const [model] = group.terms;
      if (model === undefined) continue;
      const { field, half } = group.condition;
      const tag = half === undefined ? { field } : { field, half };
      const merged = mergeRanges(group.ranges);
      const [low, high] = merged;
      const replace = (condition: FieldCondition): FieldCondition[] => [...model.slice(0, position), condition, ...model.slice(position + 1)];
      if (merged.length === 2 && low !== undefined && high !== undefined && low[0] === 0n && high[1] === fieldMax(group.condition) && high[0] === low[1] + 2n) {
        next.push(replace({ ...tag, kind: 'not-equal', value: low[1] + 1n }));
        continue;
      }
      for (const [min, max] of merged) next.push(replace(min === max ? { ...tag, kind: 'equal', value: min } : { ...tag, kind: 'range', min, max }));
    }
    current = next;
  }
  return current;
}

/** Writes a boolean diagram as a disjunction of terms, one 32-bit word at a time in variable order. */
class TermWriter {
  private readonly memo = new Map<number, WordTest[][]>();
  /** False once a list was cut at the term limit. */
  complete = true;

  constructor(
    private readonly bdd: Bdd,
    private readonly maxTerms: number,
  ) {}

  /** The terms of a boolean diagram: halves of a field joined, meeting intervals merged. */
  terms(node: number): InputTerm[] {
    return mergeTerms(this.wordTerms(node).map(fieldTerm));
  }

  private wordTerms(node: number): WordTest[][] {
    const bdd = this.bdd;
    if (node === bdd.false) return [];
    if (node === bdd.true) return [[]];
    const known = this.memo.get(node);
    if (known !== undefined) return known;
    const slot = slotOf(bdd.variable(node));
    // Paths through this word's variables, grouped by the node they leave it at.
    const exits = new Map<number, { mask: bigint; value: bigint }[]>();
    // Paths inside one word are few for real filters; a pathological diagram is cut, not walked for ever.
    let budget = 256 * this.maxTerms;
    const walk = (at: number, mask: bigint, value: bigint): void => {
      if (at === bdd.false) return;
      if (budget-- <= 0) {
        this.complete = false;
        return;
      }
      if (bdd.isTerminal(at) || slotOf(bdd.variable(at)) !== slot) {
        const list = exits.get(at) ?? [];
        list.push({ mask, value });
        exits.set(at, list);
        return;
      }
      const bit = 1n << BigInt(WORD_BITS - 1 - (bdd.variable(at) % WORD_BITS));
      walk(bdd.low(at), mask | bit, value);
      walk(bdd.high(at), mask | bit, value | bit);
    };
    walk(node, 0n, 0n);
    const result: WordTest[][] = [];
    for (const [exit, cubes] of exits) {
      const rest = this.wordTerms(exit);
      for (const condition of wordConditions(cubes)) {
        for (const term of rest) {
          if (result.length >= this.maxTerms) {
            this.complete = false;
            break;
          }
          result.push([{ slot, condition }, ...term]);
        }
      }
    }
    this.memo.set(node, result);
    return result;
  }
}

/** Which of the pairs (old value, new value) a pair diagram's terminal stands for; -1 is "unchanged". */
class PairTable {
  readonly pairs: [number, number][] = [];
  private readonly index = new Map<string, number>();

  code(before: number, after: number): number {
    if (before === after) return -1;
    const key = `${before},${after}`;
    let code = this.index.get(key);
    if (code === undefined) {
      code = this.pairs.length;
      this.pairs.push([before, after]);
      this.index.set(key, code);
    }
    return code;
  }
}

/** The terminal values reachable from a node. */
function terminalsOf(bdd: Bdd, node: number): Set<number> {
  const values = new Set<number>();
  const seen = new Set<number>();
  const stack = [node];
  while (stack.length > 0) {
    const at = stack.pop() ?? 0;
    if (seen.has(at)) continue;
    seen.add(at);
    if (bdd.isTerminal(at)) values.add(bdd.valueOf(at));
    else stack.push(bdd.low(at), bdd.high(at));
  }
  return values;
}

function runsFor(bdd: Bdd, node: number): 'never' | 'sometimes' | 'always' {
  const values = [...terminalsOf(bdd, node)].map(runs);
  return values.every(Boolean) ? 'always' : values.some(Boolean) ? 'sometimes' : 'never';
}

/**
 * Every input on which `after` decides differently from `before`, exactly: per syscall number of
 * the table (with the architecture's own `arch`) the pairs of actions and the argument
 * conditions of each, then numbers that are no syscall and other `arch` values. `same` is a
 * proof that no input changed; each change carries a witness replayed on both sides.
 */
export function diffDecisions(before: DecisionSource, after: DecisionSource, arch: LoweredArch, options: DiffOptions = {}): DecisionDiff {
  const built = buildSides(before, after, arch, options);
  if (!built.ok) return built.undecided;
  const { bdd, left, right } = built;
  if (left === right) return { result: 'same', stats: { nodes: bdd.size } };
  const pairs = new PairTable();
  const changed = bdd.apply(left, right, (a, b) => pairs.code(a, b));
  const maxTerms = options.maxTerms ?? 32;
  const prefer = preference(arch);

  /** The changes of one group (`node` a pair diagram; `fixed` the bits the group fixes). */
  const changesOf = (node: number, fixed: ReadonlyMap<number, boolean>): DecisionChange[] => {
    const changes: DecisionChange[] = [];
    const codes = [...terminalsOf(bdd, node)].filter((code) => code >= 0).sort((a, b) => a - b);
    for (const code of codes) {
      const [oldValue = 0, newValue = 0] = pairs.pairs[code] ?? [];
      const inputs = bdd.mapTerminals(node, (value) => (value === code ? -2 : -1));
      const writer = new TermWriter(bdd, maxTerms);
      const when = writer.terms(inputs);
      const path = bdd.difference(inputs, bdd.false, prefer) ?? new Map<number, boolean>();
      const witness = inputOf(new Map([...path, ...fixed]));
      const oldOutcome = concreteOutcome(before, witness, arch.endianness);
      const newOutcome = concreteOutcome(after, witness, arch.endianness);
      // The diagrams and the concrete runs must agree on the witness.
      if (oldOutcome.returnValue !== oldValue || newOutcome.returnValue !== newValue) {
        throw new Error('internal: a difference of the diagrams that running both sides does not reproduce');
      }
      const kind: ChangeKind = runs(newValue) && !runs(oldValue) ? 'added' : runs(oldValue) && !runs(newValue) ? 'removed' : 'changed';
      changes.push({ kind, before: oldOutcome.action, after: newOutcome.action, when, complete: writer.complete, witness, old: oldOutcome, new: newOutcome });
    }
    return changes;
  };

  // Other architectures: everything whose arch word is not the architecture's own.
  const own = bdd.equal(wordVector(bdd, ARCH_SLOT), bdd.constantVector(arch.auditArch));
  const elsewhere = bdd.ite(own, bdd.terminal(-1), changed);
  const otherArchitectures = elsewhere === bdd.false ? [] : changesOf(elsewhere, new Map());

  // The architecture's own arch: one group per syscall number, and one for every other number.
  const archFixed = wordAssignment(ARCH_SLOT, arch.auditArch);
  const ownArch = restrictWord(bdd, changed, ARCH_SLOT, arch.auditArch);
  const oldOwn = restrictWord(bdd, left, ARCH_SLOT, arch.auditArch);
  const newOwn = restrictWord(bdd, right, ARCH_SLOT, arch.auditArch);
  const numbers = [...new Set(arch.numbers.map((nr) => nr >>> 0))].sort((a, b) => a - b);
  const syscalls: SyscallDifference[] = [];
  for (const nr of numbers) {
    const node = restrictWord(bdd, ownArch, NR_SLOT, nr);
    if (node === bdd.false) continue;
    syscalls.push({
      nr,
      name: arch.names.get(nr),
      oldRuns: runsFor(bdd, restrictWord(bdd, oldOwn, NR_SLOT, nr)),
      newRuns: runsFor(bdd, restrictWord(bdd, newOwn, NR_SLOT, nr)),
      changes: changesOf(node, new Map([...archFixed, ...wordAssignment(NR_SLOT, nr)])),
    });
  }
  const listed = numbers.reduce((set, nr) => bdd.or(set, bdd.equal(wordVector(bdd, NR_SLOT), bdd.constantVector(nr))), bdd.false);
  const unlisted = bdd.ite(listed, bdd.terminal(-1), ownArch);
  const otherNumbers = unlisted === bdd.false ? [] : changesOf(unlisted, archFixed);
  return { result: 'different', syscalls, otherNumbers, otherArchitectures, stats: { nodes: bdd.size } };
}
