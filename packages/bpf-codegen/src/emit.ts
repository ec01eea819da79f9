/**
 * Emission: the program as a graph of instruction nodes with symbolic successors (no offsets
 * yet). A node is a `ret`, a load of a `seccomp_data` word into the accumulator, or a
 * conditional jump on the accumulator. The node factory can hash-cons nodes so identical blocks
 * (return blocks, argument filters, suffixes) exist once (pass `shareBlocks`).
 *
 * Argument filters are compiled here: each comparison becomes a few 32-bit word tests, and the
 * compiler walks the filter list carrying what is known on the current path (which word the
 * accumulator holds, which word tests already passed or failed) so that known tests and
 * redundant loads are skipped (passes `pathKnowledge`, `elideLoads`). A long list of
 * `arg == V` alternatives on one argument is tested as a set: the high word against each
 * distinct high half, then a search tree over the low words (pass `valueSets`).
 */
import type { LoweredComparison, LoweredFilter } from './lower.js';
import { actionReturnValue, type SeccompAction } from './options.js';
import { jumpTaken } from './emulate.js';
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET, SECCOMP_DATA_ARGS } from './opcodes.js';
import { type DispatchTree, type Outcome, type Segment, planDispatch } from './plan.js';
import { type UnfoldStep, unfold } from './unfold.js';

/** Conditional jump operations on the accumulator. */
export type JumpOp = 'jeq' | 'jgt' | 'jge' | 'jset';

/** The jump field (`code & 0xf0`) of each {@link JumpOp}. */
export const jumpField: Readonly<Record<JumpOp, number>> = { jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET };

/** `ret k`. */
export interface RetNode {
  readonly kind: 'ret';
  readonly id: number;
  readonly value: number;
}

/** `ld [offset]` then continue with `next`. */
export interface LoadNode {
  readonly kind: 'load';
  readonly id: number;
  readonly offset: number;
  readonly next: CodeNode;
}

/** `jOP k` on the accumulator, to `jt` when true and `jf` when false. */
export interface TestNode {
  readonly kind: 'test';
  readonly id: number;
  readonly op: JumpOp;
  readonly k: number;
  readonly jt: CodeNode;
  readonly jf: CodeNode;
}

/** A node of the program graph. */
export type CodeNode = RetNode | LoadNode | TestNode;

/** Creates nodes, sharing identical ones when asked to. */
export class NodeFactory {
  private nextId = 0;
  private readonly table = new Map<string, CodeNode>();

  constructor(private readonly share: boolean) {}

  /** Number of distinct nodes created so far. */
  get created(): number {
    return this.nextId;
  }

  private intern<T extends CodeNode>(key: string, make: (id: number) => T): T {
    if (this.share) {
      const existing = this.table.get(key);
      if (existing !== undefined) return existing as T;
    }
    const node = make(this.nextId++);
    if (this.share) this.table.set(key, node);
    return node;
  }

  ret(value: number): RetNode {
    const v = value >>> 0;
    return this.intern(`r${v}`, (id) => ({ kind: 'ret', id, value: v }));
  }

  action(action: SeccompAction): RetNode {
    return this.ret(actionReturnValue(action));
  }

  load(offset: number, next: CodeNode): LoadNode {
    return this.intern(`l${offset}:${next.id}`, (id) => ({ kind: 'load', id, offset, next }));
  }

  /** A test; a test whose branches are the same node is that node. */
  test(op: JumpOp, k: number, jt: CodeNode, jf: CodeNode): CodeNode {
    if (jt === jf) return jt;
    const kk = k >>> 0;
    return this.intern(`t${op}${kk}:${jt.id}:${jf.id}`, (id) => ({ kind: 'test', id, op, k: kk, jt, jf }));
  }
}

/** Which half of a 64-bit argument a word test reads. */
type Half = 'hi' | 'lo';

/** Where a word test leads: another step of the same comparison, or its final result. */
type StepTarget = number | boolean;

/** One 32-bit test of a comparison. */
interface WordStep {
  readonly half: Half;
  readonly op: JumpOp;
  readonly k: number;
  readonly onTrue: StepTarget;
  readonly onFalse: StepTarget;
}

const mask32 = 0xffffffffn;
const mask64 = (1n << 64n) - 1n;

function split(value: bigint): { hi: number; lo: number } {
  return { hi: Number((value >> 32n) & mask32), lo: Number(value & mask32) };
}

/** Steps of `>` (strict) or `>=` against a 64-bit value; `null` for a constant result. */
function greaterSteps(value: bigint, strict: boolean, bits: 32 | 64): readonly WordStep[] | boolean {
  const op: JumpOp = strict ? 'jgt' : 'jge';
  const { hi, lo } = split(value);
  if (!strict && value === 0n) return true;
  if (strict && value === (bits === 64 ? mask64 : mask32)) return false;
  if (bits === 32) return [{ half: 'lo', op, k: lo, onTrue: true, onFalse: false }];
  if (hi === 0) {
    // hi > 0 decides true; otherwise hi == 0 and the low word decides.
    return [
      { half: 'hi', op: 'jeq', k: 0, onTrue: 1, onFalse: true },
      { half: 'lo', op, k: lo, onTrue: true, onFalse: false },
    ];
  }
  return [
    { half: 'hi', op: 'jgt', k: hi, onTrue: true, onFalse: 1 },
    { half: 'hi', op: 'jeq', k: hi, onTrue: 2, onFalse: false },
    { half: 'lo', op, k: lo, onTrue: true, onFalse: false },
  ];
}

function negate(steps: readonly WordStep[] | boolean): readonly WordStep[] | boolean {
  if (typeof steps === 'boolean') return !steps;
  const flip = (target: StepTarget): StepTarget => (typeof target === 'boolean' ? !target : target);
  return steps.map((step) => ({ ...step, onTrue: flip(step.onTrue), onFalse: flip(step.onFalse) }));
}

/**
 * The word tests of one comparison with Minijail's semantics (unsigned 64-bit order, `&` any
 * common bit, `in` no bit outside the mask). On 32-bit architectures only the low word exists.
 * Returns a boolean when the result does not depend on the argument.
 */
export function comparisonSteps(comparison: LoweredComparison, bits: 32 | 64): readonly WordStep[] | boolean {
  const wordMask = bits === 64 ? mask64 : mask32;
  const value = comparison.value & wordMask;
  const { hi, lo } = split(value);
  switch (comparison.operator) {
    case '==':
    case '!=': {
      const steps: WordStep[] =
        bits === 32
          ? [{ half: 'lo', op: 'jeq', k: lo, onTrue: true, onFalse: false }]
          : [
              { half: 'hi', op: 'jeq', k: hi, onTrue: 1, onFalse: false },
              { half: 'lo', op: 'jeq', k: lo, onTrue: true, onFalse: false },
            ];
      return comparison.operator === '==' ? steps : negate(steps);
    }
    case '>':
      return greaterSteps(value, true, bits);
    case '>=':
      return greaterSteps(value, false, bits);
    case '<':
      return negate(greaterSteps(value, false, bits));
    case '<=':
      return negate(greaterSteps(value, true, bits));
    case '&': {
      const parts: WordStep[] = [];
      if (bits === 64 && hi !== 0) parts.push({ half: 'hi', op: 'jset', k: hi, onTrue: true, onFalse: false });
      if (lo !== 0) parts.push({ half: 'lo', op: 'jset', k: lo, onTrue: true, onFalse: false });
      if (parts.length === 0) return false;
      return parts.map((step, index) => ({ ...step, onFalse: index + 1 < parts.length ? index + 1 : false }));
    }
    case 'in': {
      const outside = ~value & wordMask;
      const { hi: outHi, lo: outLo } = split(outside);
      const parts: WordStep[] = [];
      if (bits === 64 && outHi !== 0) parts.push({ half: 'hi', op: 'jset', k: outHi, onTrue: false, onFalse: true });
      if (outLo !== 0) parts.push({ half: 'lo', op: 'jset', k: outLo, onTrue: false, onFalse: true });
      if (parts.length === 0) return true;
      return parts.map((step, index) => ({ ...step, onFalse: index + 1 < parts.length ? index + 1 : true }));
    }
  }
}

/** Offset of an argument's half-word in `seccomp_data`. */
export function argumentOffset(arg: number, half: Half, endianness: 'little' | 'big'): number {
  const base = SECCOMP_DATA_ARGS + 8 * arg;
  const highFirst = endianness === 'big';
  return half === 'hi' ? base + (highFirst ? 0 : 4) : base + (highFirst ? 4 : 0);
}

/**
 * Counters of the emitter's bookkeeping, for tests that check it grows linearly with the policy
 * (a step that copied every fact known so far made one syscall with thousands of rules take
 * quadratic time and memory).
 */
export interface EmitMeter {
  /** Facts added to or taken from the maps that answer what a path knows. */
  knowledgeUpdates: number;
  /** Knowledges created (two per word test compiled with path knowledge). */
  knowledges: number;
  /** Characters of the memo keys built (one key per word test or value set compiled). */
  keyCharacters: number;
}

/** One word test's result, as a path learned it. */
interface Fact {
  readonly test: string;
  readonly offset: number;
  readonly k: number;
  readonly result: boolean;
  /** The test pins the word (`jeq` that passed). */
  readonly pins: boolean;
}

/**
 * What is known on a path: results of word tests, and words known exactly. A knowledge is its
 * parent plus one fact, so extending one costs O(1) and keeps the parent intact for the other
 * branch; `id` names it for memoisation (two paths never learn the same facts: they part at a
 * test whose result they record differently). The maps that answer {@link decide} belong to the
 * compilation's {@link KnowledgeMaps}, which follow the knowledge asked about.
 */
class Knowledge {
  readonly depth: number;

  constructor(
    private readonly maps: KnowledgeMaps,
    readonly parent: Knowledge | undefined,
    readonly fact: Fact | undefined,
    readonly id: number,
  ) {
    this.depth = parent === undefined ? 0 : parent.depth + 1;
  }

  decide(offset: number, op: JumpOp, k: number): boolean | undefined {
    return this.maps.decide(this, offset, op, k);
  }

  with(offset: number, op: JumpOp, k: number, result: boolean): Knowledge {
    return this.maps.extend(this, { test: `${offset}${op}${k}`, offset, k, result, pins: op === 'jeq' && result });
  }
}

/**
 * The facts of one knowledge at a time, in maps. Asked about another knowledge, the maps undo
 * facts up to the common ancestor and apply the other's facts down from it. The compiler asks in
 * the depth-first order of its walk, so the moves of a compilation add up to at most twice the
 * knowledges it created.
 */
class KnowledgeMaps {
  private readonly results = new Map<string, boolean>();
  private readonly exact = new Map<number, number>();
  /** What each applied fact replaced, to restore on undo. */
  private readonly replaced = new Map<Knowledge, { readonly result: boolean | undefined; readonly word: number | undefined }>();
  private nextId = 1;
  readonly root: Knowledge = new Knowledge(this, undefined, undefined, 0);
  private current: Knowledge = this.root;

  constructor(private readonly meter: EmitMeter | undefined) {}

  extend(known: Knowledge, fact: Fact): Knowledge {
    if (this.meter !== undefined) this.meter.knowledges++;
    return new Knowledge(this, known, fact, this.nextId++);
  }

  decide(known: Knowledge, offset: number, op: JumpOp, k: number): boolean | undefined {
    this.moveTo(known);
    const word = this.exact.get(offset);
    if (word !== undefined) return jumpTaken(jumpField[op], word, k);
    return this.results.get(`${offset}${op}${k}`);
  }

  private moveTo(target: Knowledge): void {
    let from = this.current;
    let to: Knowledge | undefined = target;
    const down: Knowledge[] = [];
    while (from !== to) {
      if (to !== undefined && to.depth >= from.depth) {
        down.push(to);
        to = to.parent;
      } else {
        this.undo(from);
        from = from.parent ?? this.root;
      }
    }
    for (let index = down.length - 1; index >= 0; index--) this.apply(down[index] as Knowledge);
    this.current = target;
  }

  private apply(known: Knowledge): void {
    const fact = known.fact;
    if (fact === undefined) return;
    this.replaced.set(known, { result: this.results.get(fact.test), word: fact.pins ? this.exact.get(fact.offset) : undefined });
    this.results.set(fact.test, fact.result);
    if (fact.pins) this.exact.set(fact.offset, fact.k);
    if (this.meter !== undefined) this.meter.knowledgeUpdates++;
  }

  private undo(known: Knowledge): void {
    const fact = known.fact;
    const replaced = this.replaced.get(known);
    if (fact === undefined || replaced === undefined) return;
    this.replaced.delete(known);
    if (replaced.result === undefined) this.results.delete(fact.test);
    else this.results.set(fact.test, replaced.result);
    if (fact.pins) {
      if (replaced.word === undefined) this.exact.delete(fact.offset);
      else this.exact.set(fact.offset, replaced.word);
    }
    if (this.meter !== undefined) this.meter.knowledgeUpdates++;
  }
}

/** Settings of argument-filter compilation. */
export interface FilterCompileSettings {
  readonly bits: 32 | 64;
  readonly endianness: 'little' | 'big';
  readonly elideLoads: boolean;
  readonly pathKnowledge: boolean;
  /** Stop tracking knowledge for a syscall after this many distinct states (bounds code size). */
  readonly stateLimit: number;
  /** Test long `arg == V || …` lists as a set with a search tree over the values. */
  readonly valueSets: boolean;
  /** Planning weight of one instruction in a value tree (the values together weigh 1). */
  readonly valueTreeSizeWeight: number;
  /** Counts the bookkeeping when present (tests). */
  readonly meter?: EmitMeter;
}

/**
 * Most distinct states the compilation of one syscall's filters tracks path knowledge for before
 * it starts again without (bounds code size: every state can become its own block).
 */
export const pathStateLimit = 256;

/** Fewest `arg == V` alternatives on one argument that are tested as a set. */
export const minimumValueSet = 4;

/**
 * Most words one value tree is planned over: the planner is quadratic in the segments, so a
 * longer list is cut into pieces of this many words, each planned alone and reached by a
 * balanced tree of `jge` tests on the pieces' first words.
 */
const maxPlannedWords = 128;

/** Emits a dispatch tree over segments, each leaf's outcome given its node by `leafOf`. */
export function emitDispatchTree(factory: NodeFactory, tree: DispatchTree, leafOf: (outcome: Outcome) => CodeNode): CodeNode {
  return unfold<DispatchTree, CodeNode>(tree, (node) => {
    switch (node.kind) {
      case 'leaf':
        return { kind: 'done', result: leafOf(node.segment.outcome) };
      case 'split':
        // The high side first, as the recursive emitter did, so nodes are numbered alike.
        return { kind: 'build', needs: [node.high, node.low], build: ([high, low]) => factory.test('jge', node.threshold, high as CodeNode, low as CodeNode) };
      case 'chain':
        return { kind: 'done', result: emitChain(factory, node, leafOf) };
    }
  });
}

/** A chain leaf: its tests from the last to the first, each falling through to the rest. */
function emitChain(factory: NodeFactory, tree: DispatchTree & { kind: 'chain' }, leafOf: (outcome: Outcome) => CodeNode): CodeNode {
  let chain = leafOf(tree.background);
  for (const test of [...tree.tests].reverse()) {
    const inside = leafOf(test.segment.outcome);
    const { low, high } = test.segment;
    switch (test.form) {
      case 'eq':
        chain = factory.test('jeq', low, inside, chain);
        break;
      case 'below':
        chain = factory.test('jgt', high, chain, inside);
        break;
      case 'above':
        chain = factory.test('jge', low, inside, chain);
        break;
      case 'range':
        chain = factory.test('jge', low, factory.test('jgt', high, chain, inside), chain);
        break;
    }
  }
  return chain;
}

/** One alternative of a filter: a conjunction of comparisons, or `arg == V` for any V of a set. */
type ClauseItem =
  | { readonly kind: 'atoms'; readonly atoms: readonly LoweredComparison[]; readonly steps: readonly (readonly WordStep[] | boolean)[] }
  | { readonly kind: 'set'; readonly arg: number; readonly values: readonly bigint[] };

/**
 * A filter's alternatives in test order. With `valueSets`, the single-comparison `arg == V`
 * alternatives on one argument, when there are at least {@link minimumValueSet} distinct values,
 * become one set item where the first of them stood (the alternatives of one filter share its
 * action and have no side effects, so their order does not change the result).
 */
function clauseItems(filter: LoweredFilter, bits: 32 | 64, valueSets: boolean): ClauseItem[] {
  const wordMask = bits === 64 ? mask64 : mask32;
  const asAtoms = (atoms: readonly LoweredComparison[]): ClauseItem => ({ kind: 'atoms', atoms, steps: atoms.map((atom) => comparisonSteps(atom, bits)) });
  // A repeated alternative decides nothing the first did not (`||` is idempotent).
  const seen = new Set<string>();
  const clauses = filter.clauses.filter((clause) => {
    const key = clause.map((atom) => `${atom.arg}${atom.operator}${atom.value & wordMask}`).join('&');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (!valueSets) return clauses.map(asAtoms);
  const valuesByArg = new Map<number, Set<bigint>>();
  for (const clause of clauses) {
    const atom = clause.length === 1 ? clause[0] : undefined;
    if (atom?.operator !== '==') continue;
    const values = valuesByArg.get(atom.arg) ?? new Set<bigint>();
    values.add(atom.value & wordMask);
    valuesByArg.set(atom.arg, values);
  }
  const items: ClauseItem[] = [];
  const placed = new Set<number>();
  for (const clause of clauses) {
    const atom = clause.length === 1 ? clause[0] : undefined;
    const values = atom?.operator === '==' ? valuesByArg.get(atom.arg) : undefined;
    if (atom === undefined || values === undefined || values.size < minimumValueSet) {
      items.push(asAtoms(clause));
      continue;
    }
    if (placed.has(atom.arg)) continue;
    placed.add(atom.arg);
    items.push({ kind: 'set', arg: atom.arg, values: [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) });
  }
  return items;
}

/**
 * A search tree over 32-bit words: `inside` for the words listed (sorted, distinct), `outside`
 * for every other word. Planned like the syscall dispatch, every listed word weighing the same.
 */
function valueTree(factory: NodeFactory, words: readonly number[], inside: CodeNode, outside: CodeNode, sizeWeight: number): CodeNode {
  if (words.length > maxPlannedWords) {
    const pieces: number[][] = [];
    for (let start = 0; start < words.length; start += maxPlannedWords) pieces.push(words.slice(start, start + maxPlannedWords));
    const join = (first: number, last: number): CodeNode => {
      if (first === last) return valueTree(factory, pieces[first] ?? [], inside, outside, sizeWeight);
      const middle = (first + last + 1) >> 1;
      return factory.test('jge', pieces[middle]?.[0] ?? 0, join(middle, last), join(first, middle - 1));
    };
    return join(0, pieces.length - 1);
  }
  const insideOutcome: Outcome = { kind: 'action', key: 'in', action: { kind: 'allow' } };
  const outsideOutcome: Outcome = { kind: 'action', key: 'out', action: { kind: 'kill-process' } };
  const segments: Segment[] = [];
  let next = 0;
  let index = 0;
  while (index < words.length) {
    const low = words[index] ?? 0;
    let high = low;
    while (index + 1 < words.length && words[index + 1] === high + 1) {
      index++;
      high++;
    }
    index++;
    if (low > next) segments.push({ low: next, high: low - 1, outcome: outsideOutcome, weight: 0, syscallCount: 0 });
    segments.push({ low, high, outcome: insideOutcome, weight: (high - low + 1) / words.length, syscallCount: high - low + 1 });
    next = high + 1;
  }
  if (next <= 0xffffffff) segments.push({ low: next, high: 0xffffffff, outcome: outsideOutcome, weight: 0, syscallCount: 0 });
  const tree = planDispatch(segments, {
    costTree: true,
    chainLeaves: true,
    weights: { uniform: 1, frequency: 0, uncached: 0, denied: 0, size: sizeWeight },
  });
  return emitDispatchTree(factory, tree, (outcome) => (outcome.key === 'in' ? inside : outside));
}

class StateLimitExceeded extends Error {}

/**
 * Compiles a syscall's conditional filters and fallback into a node graph entered with the
 * accumulator holding `entryAccumulator` (the syscall number's offset, 0).
 */
export function compileFilters(
  factory: NodeFactory,
  filters: readonly LoweredFilter[],
  fallback: SeccompAction,
  settings: FilterCompileSettings,
  entryAccumulator: number,
): CodeNode {
  if (settings.pathKnowledge) {
    try {
      return compileWith(factory, filters, fallback, settings, entryAccumulator, true);
    } catch (error) {
      if (!(error instanceof StateLimitExceeded)) throw error;
    }
  }
  return compileWith(factory, filters, fallback, settings, entryAccumulator, false);
}

/** A point of filter compilation: filter `f`, alternative `c`, comparison `a`, word test `s`. */
interface FilterState {
  readonly f: number;
  readonly c: number;
  readonly a: number;
  readonly s: number;
  readonly known: Knowledge;
  /** Offset of the word the accumulator holds, or -1 when unknown. */
  readonly acc: number;
}

function compileWith(
  factory: NodeFactory,
  filters: readonly LoweredFilter[],
  fallback: SeccompAction,
  settings: FilterCompileSettings,
  entryAccumulator: number,
  useKnowledge: boolean,
): CodeNode {
  const items = filters.map((filter) => clauseItems(filter, settings.bits, settings.valueSets));
  const knowledge = new KnowledgeMaps(settings.meter);
  const memo = new Map<string, CodeNode>();
  const noAccumulator = -1;
  type Step = UnfoldStep<FilterState, CodeNode>;
  const done = (result: CodeNode): Step => ({ kind: 'done', result });
  const state = (f: number, c: number, a: number, s: number, known: Knowledge, acc: number): FilterState => ({ f, c, a, s, known, acc });

  // Where a failed alternative goes on: the next alternative of the filter, else the next filter.
  const clauseFails = (f: number, c: number, known: Knowledge, acc: number): FilterState => {
    const filterItems = items[f];
    if (filterItems !== undefined && c + 1 < filterItems.length) return state(f, c + 1, 0, 0, known, acc);
    return state(f + 1, 0, 0, 0, known, acc);
  };

  const follow = (f: number, c: number, a: number, target: StepTarget, known: Knowledge, acc: number): FilterState => {
    if (target === true) return state(f, c, a + 1, 0, known, acc);
    if (target === false) return clauseFails(f, c, known, acc);
    return state(f, c, a, target, known, acc);
  };

  const step = (at: FilterState): Step => {
    const { f, c, a, s, known, acc } = at;
    const filter = filters[f];
    const filterItems = items[f];
    if (filter === undefined || filterItems === undefined) return done(factory.action(fallback));
    const item = filterItems[c];
    if (item === undefined) return { kind: 'goto', state: state(f + 1, 0, 0, 0, known, acc) };
    if (item.kind === 'set') return valueSet(at, item);
    const atomSteps = item.steps[a];
    if (atomSteps === undefined) return done(factory.action(filter.action));
    const atom = item.atoms[a];
    if (atom === undefined) return done(factory.action(filter.action));
    if (atomSteps === true) return { kind: 'goto', state: state(f, c, a + 1, 0, known, acc) };
    if (atomSteps === false) return { kind: 'goto', state: clauseFails(f, c, known, acc) };
    const wordStep = atomSteps[s];
    if (wordStep === undefined) return done(factory.action(filter.action));
    const offset = argumentOffset(atom.arg, wordStep.half, settings.endianness);
    const decided = useKnowledge ? known.decide(offset, wordStep.op, wordStep.k) : undefined;
    if (decided !== undefined) return { kind: 'goto', state: follow(f, c, a, decided ? wordStep.onTrue : wordStep.onFalse, known, acc) };

    const key = `${f}/${c}/${a}/${s}/${acc}/${useKnowledge ? known.id : ''}`;
    if (settings.meter !== undefined) settings.meter.keyCharacters += key.length;
    const cached = memo.get(key);
    if (cached !== undefined) return done(cached);
    if (memo.size >= settings.stateLimit && useKnowledge) throw new StateLimitExceeded();

    const after = settings.elideLoads ? offset : noAccumulator;
    return {
      kind: 'build',
      needs: [
        follow(f, c, a, wordStep.onTrue, useKnowledge ? known.with(offset, wordStep.op, wordStep.k, true) : known, after),
        follow(f, c, a, wordStep.onFalse, useKnowledge ? known.with(offset, wordStep.op, wordStep.k, false) : known, after),
      ],
      build: ([onTrue, onFalse]) => {
        const test = factory.test(wordStep.op, wordStep.k, onTrue as CodeNode, onFalse as CodeNode);
        const node = settings.elideLoads && acc === offset ? test : test.kind === 'test' ? factory.load(offset, test) : test;
        memo.set(key, node);
        return node;
      },
    };
  };

  // `arg == V` for any V of the set: the high word against each distinct high half (64-bit),
  // then a search tree over the low words of that half. Whatever fails goes on with the next
  // alternative, entered with no word known to be in the accumulator.
  const valueSet = (at: FilterState, item: ClauseItem & { kind: 'set' }): Step => {
    const { f, c, known, acc } = at;
    const key = `${f}/${c}/set/${acc}/${useKnowledge ? known.id : ''}`;
    if (settings.meter !== undefined) settings.meter.keyCharacters += key.length;
    const cached = memo.get(key);
    if (cached !== undefined) return done(cached);
    if (memo.size >= settings.stateLimit && useKnowledge) throw new StateLimitExceeded();
    const success = factory.action(filters[f]?.action ?? fallback);
    return {
      kind: 'build',
      needs: [clauseFails(f, c, known, noAccumulator)],
      build: ([next]) => {
        const node = valueSetNode(item, known, acc, success, next as CodeNode);
        memo.set(key, node);
        return node;
      },
    };
  };

  const valueSetNode = (item: ClauseItem & { kind: 'set' }, known: Knowledge, acc: number, success: CodeNode, next: CodeNode): CodeNode => {
    const lowOffset = argumentOffset(item.arg, 'lo', settings.endianness);
    const highOffset = argumentOffset(item.arg, 'hi', settings.endianness);
    const lowWords = new Map<number, number[]>();
    for (const value of item.values) {
      const { hi, lo } = split(value);
      const list = lowWords.get(settings.bits === 64 ? hi : 0) ?? [];
      list.push(lo);
      lowWords.set(settings.bits === 64 ? hi : 0, list);
    }
    const lowTest = (words: readonly number[], entry: number): CodeNode => {
      const tree = valueTree(factory, words, success, next, settings.valueTreeSizeWeight);
      return tree.kind === 'test' && !(settings.elideLoads && entry === lowOffset) ? factory.load(lowOffset, tree) : tree;
    };
    if (settings.bits === 32) return lowTest(lowWords.get(0) ?? [], acc);
    let halves = [...lowWords.entries()].sort(([a], [b]) => a - b);
    if (useKnowledge) {
      halves = halves.filter(([hi]) => known.decide(highOffset, 'jeq', hi) !== false);
      const decided = halves.find(([hi]) => known.decide(highOffset, 'jeq', hi) === true);
      if (decided !== undefined) halves = [decided];
    }
    const first = halves[0];
    if (first === undefined) return next;
    if (useKnowledge && known.decide(highOffset, 'jeq', first[0]) === true) return lowTest(first[1], acc);
    let chain = next;
    for (const [hi, words] of [...halves].reverse()) chain = factory.test('jeq', hi, lowTest(words, highOffset), chain);
    return settings.elideLoads && acc === highOffset ? chain : factory.load(highOffset, chain);
  };

  return unfold(state(0, 0, 0, 0, knowledge.root, settings.elideLoads ? entryAccumulator : noAccumulator), step);
}
