/**
 * The exact verifier: decides whether a classic-BPF seccomp program (or a stack of them) gives
 * the same action as a lowered policy, or as another program, for every `seccomp_data` input;
 * or whether everything one side lets run the other lets run too.
 *
 * Both sides become decision diagrams over the 512 input bits (`verify-bdd.ts`): the policy
 * from its reference semantics (`reference.ts`), the program by executing it on symbolic
 * 32-bit words whose every bit is a function of the input. Diagrams are canonical, so equal
 * functions are the same node, and a difference yields a concrete input read off one path. No
 * value is sampled and nothing is over-approximated: an instruction the translation cannot
 * express exactly (division by a value that depends on the input, a return value computed from
 * the input) or a diagram past the node budget gives `undecided`, never `proved`.
 */
import type { Endianness } from '@syscage/arch-tables';
import { Bdd, BddLimitError, type BitVector, WORD_BITS } from './verify-bdd.js';
import { aluOperation, emulate, type SeccompData } from './emulate.js';
import type { LoweredArch, LoweredComparison, LoweredPolicy, LoweredSyscall } from './lower.js';
import { formatReturnValue } from './disasm.js';
import { actionReturnValue } from './options.js';
import { type Decision, evaluatePolicy } from './reference.js';
import { isHighWord } from './analyze-paths.js';
import { validateProgram } from './validate.js';
import * as bpf from './opcodes.js';
import type { BpfProgram } from './types.js';

/** One side of a verification: a lowered policy, or a stack of filters as the kernel runs them. */
export type DecisionSource =
  | {
      /** Discriminant: the reference semantics of a lowered policy. */
      readonly kind: 'policy';
      /** The policy (its architecture must be the one verified). */
      readonly policy: LoweredPolicy;
    }
  | {
      /** Discriminant: seccomp programs. */
      readonly kind: 'filter';
      /**
       * The filters in the order they were installed (one for a single `.bpf`). The kernel runs
       * every one and keeps the action of highest precedence; on a tie the later-installed
       * filter's return value wins.
       */
      readonly programs: readonly BpfProgram[];
    };

/** Options of the verification functions. */
export interface VerifyOptions {
  /**
   * Most decision-diagram nodes before giving up with `undecided` (each costs about 40 bytes
   * with its tables).
   * @defaultValue 4000000
   */
  readonly maxNodes?: number;
  /**
   * How programs are translated: `auto` tries `backward` (smallest for dispatch-then-arguments
   * programs) and switches to `forward` (path conditions carried along, robust for filters that
   * keep testing after a failed argument test) past a node budget. Both are exact; the choice
   * exists for tests and benchmarks.
   * @defaultValue `'auto'`
   */
  readonly translation?: 'auto' | 'backward' | 'forward';
}

/** Where a policy rule is written. */
export interface RuleLocation {
  /** The policy file holding the rule. */
  readonly file: string;
  /** 1-based line of the rule's statement. */
  readonly line: number;
  /** 1-based column of the rule's statement. */
  readonly column: number;
}

/** What one side does with the counterexample's input. */
export interface SideOutcome {
  /** The return value the kernel acts on (see {@link normalizeReturnValue}). */
  readonly returnValue: number;
  /** The action as `disasm` spells it: `ALLOW`, `ERRNO(1)`, `TRAP`, `KILL_PROCESS`. */
  readonly action: string;
  /** For a policy side: why the policy decided so (arch check, invalid number, default, rule). */
  readonly decision?: Decision;
  /** For a policy side whose decision is a rule: where the rule is written. */
  readonly rule?: RuleLocation;
}

/** An input on which the two sides disagree, checked by running both concretely. */
export interface Counterexample {
  /** The `seccomp_data` input (bits the proof left free are 0, the arch preferably the policy's). */
  readonly input: SeccompData;
  /** What the first side (the policy, or the wider side of `within`) does with it. */
  readonly expected: SideOutcome;
  /** What the second side (the filter, or the narrower side of `within`) does with it. */
  readonly actual: SideOutcome;
}

/** Diagram size of a verification, for reports and benchmarks. */
export interface VerificationStats {
  /** Decision-diagram nodes made for both sides together. */
  readonly nodes: number;
}

/** The answer of a verification. */
export type Verification =
  | {
      /** The property holds for every input. */
      readonly result: 'proved';
      /** Diagram size. */
      readonly stats: VerificationStats;
    }
  | {
      /** The property fails; {@link Counterexample} is an input where it does. */
      readonly result: 'counterexample';
      /** The input and what each side does with it. */
      readonly counterexample: Counterexample;
      /** Diagram size. */
      readonly stats: VerificationStats;
    }
  | {
      /** The procedure could not decide exactly; nothing is claimed. */
      readonly result: 'undecided';
      /** Why: the instruction that cannot be translated exactly, the kernel's refusal, or the node budget. */
      readonly reason: string;
      /** The instruction concerned, when there is one. */
      readonly pc?: number;
      /** Which program of a stack (0-based), when there is one. */
      readonly program?: number;
      /** Diagram size when it stopped. */
      readonly stats: VerificationStats;
    };

const defaultMaxNodes = 4_000_000;

/** Words of `seccomp_data` in diagram order: arch and number first, each argument high half before low. */
export const ARCH_SLOT = 0;
export const NR_SLOT = 1;
export const argHighSlot = (arg: number): number => 2 + 2 * arg;
export const argLowSlot = (arg: number): number => 3 + 2 * arg;
export const IP_HIGH_SLOT = 14;
export const IP_LOW_SLOT = 15;
const SLOT_COUNT = 16;

/** The variable of bit `bit` (0 = least significant) of a word: most significant bits come first. */
export const variableOf = (slot: number, bit: number): number => slot * WORD_BITS + (WORD_BITS - 1 - bit);

/** The diagram slot of the word a `ld [offset]` reads. */
function slotOfOffset(offset: number, byteOrder: Endianness): number {
  if (offset === bpf.SECCOMP_DATA_NR) return NR_SLOT;
  if (offset === bpf.SECCOMP_DATA_ARCH) return ARCH_SLOT;
  const high = isHighWord(offset, byteOrder === 'little');
  if (offset < bpf.SECCOMP_DATA_ARGS) return high ? IP_HIGH_SLOT : IP_LOW_SLOT;
  const arg = Math.floor((offset - bpf.SECCOMP_DATA_ARGS) / 8);
  return high ? argHighSlot(arg) : argLowSlot(arg);
}

const KNOWN_ACTIONS = new Set([
  bpf.SECCOMP_RET_KILL_PROCESS,
  bpf.SECCOMP_RET_KILL_THREAD,
  bpf.SECCOMP_RET_TRAP,
  bpf.SECCOMP_RET_ERRNO,
  bpf.SECCOMP_RET_USER_NOTIF,
  bpf.SECCOMP_RET_TRACE,
  bpf.SECCOMP_RET_LOG,
  bpf.SECCOMP_RET_ALLOW,
]);

/** The kernel's `MAX_ERRNO`: a larger errno in a return value is answered as this one. */
const MAX_ERRNO = 4095;

/**
 * A return value reduced to what the kernel does with it, so that two values with the same
 * effect compare equal: the data bits count only for `ERRNO` (capped at 4095, as the kernel
 * does), `TRAP` (the signal's `si_errno`) and `TRACE` (the tracer's event message); an action
 * value the kernel does not define is `KILL_PROCESS`, as the kernel treats it.
 */
export function normalizeReturnValue(returnValue: number): number {
  const action = (returnValue & bpf.SECCOMP_RET_ACTION_FULL) >>> 0;
  if (!KNOWN_ACTIONS.has(action)) return bpf.SECCOMP_RET_KILL_PROCESS;
  const data = returnValue & bpf.SECCOMP_RET_DATA;
  if (action === bpf.SECCOMP_RET_ERRNO) return (action | Math.min(data, MAX_ERRNO)) >>> 0;
  if (action === bpf.SECCOMP_RET_TRAP || action === bpf.SECCOMP_RET_TRACE) return (action | data) >>> 0;
  return action;
}

/** True when the (normalised) return value lets the syscall run: `ALLOW` or `LOG`. */
export function runs(returnValue: number): boolean {
  const action = (returnValue & bpf.SECCOMP_RET_ACTION_FULL) >>> 0;
  return action === bpf.SECCOMP_RET_ALLOW || action === bpf.SECCOMP_RET_LOG;
}

/** The return value a stack gives: lowest action as a signed 32-bit number wins, the later filter on a tie. */
function stackReturn(later: number, earlier: number): number {
  return ((earlier & bpf.SECCOMP_RET_ACTION_FULL) | 0) < ((later & bpf.SECCOMP_RET_ACTION_FULL) | 0) ? earlier : later;
}

/** Raised when the backward translation passes its node budget (the forward one is tried then). */
class OverBudget extends Error {}

/** Raised inside the translation when an instruction cannot be expressed exactly. */
class Undecided extends Error {
  /** Which program of a stack, set by the caller that knows. */
  program?: number;
  constructor(
    readonly reason: string,
    readonly pc?: number,
  ) {
    super(reason);
  }
}

/** The 32 bit functions of an input word. */
export function wordVector(bdd: Bdd, slot: number): BitVector {
  const bits: number[] = [];
  for (let bit = 0; bit < WORD_BITS; bit++) bits.push(bdd.literal(variableOf(slot, bit)));
  return bits;
}

// ---- The policy ------------------------------------------------------------------------------

/** A constant of `width` bits as a vector (least significant bit first). */
function constantBits(bdd: Bdd, value: bigint, width: number): BitVector {
  const low = bdd.constantVector(Number(value & 0xffffffffn));
  return width === 32 ? low : [...low, ...bdd.constantVector(Number((value >> 32n) & 0xffffffffn))];
}

/** One comparison of the policy as a boolean function of the argument's word-sized value. */
function comparisonDiagram(bdd: Bdd, comparison: LoweredComparison, bits: 32 | 64): number {
  const low = wordVector(bdd, argLowSlot(comparison.arg));
  // On a 32-bit architecture the policy reads only the low word (reference.ts masks the value).
  const value = bits === 64 ? [...low, ...wordVector(bdd, argHighSlot(comparison.arg))] : low;
  const mask = (1n << BigInt(bits)) - 1n;
  const constant = constantBits(bdd, comparison.value & mask, bits);
  switch (comparison.operator) {
    case '==':
      return bdd.equal(value, constant);
    case '!=':
      return bdd.not(bdd.equal(value, constant));
    case '>':
      return bdd.greater(value, constant, false);
    case '>=':
      return bdd.greater(value, constant, true);
    case '<':
      return bdd.not(bdd.greater(value, constant, true));
    case '<=':
      return bdd.not(bdd.greater(value, constant, false));
    case '&':
      return bdd.anyCommon(value, constant);
    case 'in':
      return bdd.not(bdd.anyCommon(value, constantBits(bdd, ~comparison.value & mask, bits)));
  }
}

/** The terminal of an action's normalised return value. */
export function actionTerminal(bdd: Bdd, action: Parameters<typeof actionReturnValue>[0]): number {
  return bdd.terminal(normalizeReturnValue(actionReturnValue(action)));
}

/** A listed syscall's decision as a function of its arguments: first matching filter, else the fallback. */
export function syscallDiagram(bdd: Bdd, syscall: LoweredSyscall, bits: 32 | 64): number {
  let result = actionTerminal(bdd, syscall.fallback.action);
  for (let index = syscall.filters.length - 1; index >= 0; index--) {
    const filter = syscall.filters[index];
    if (filter === undefined) continue;
    let matched = bdd.false;
    for (const clause of filter.clauses) {
      let all = bdd.true;
      for (const comparison of clause) all = bdd.and(all, comparisonDiagram(bdd, comparison, bits));
      matched = bdd.or(matched, all);
    }
    result = bdd.ite(matched, actionTerminal(bdd, filter.action), result);
  }
  return result;
}

/** The policy's reference semantics (`evaluatePolicy`) as one diagram. */
function policyDiagram(bdd: Bdd, policy: LoweredPolicy): number {
  const bits = policy.arch.bits;
  const invalid = actionTerminal(bdd, policy.invalidNumberAction);
  const unlisted = actionTerminal(bdd, policy.defaultAction);
  const listed = new Map(policy.syscalls.map((syscall) => [syscall.number >>> 0, syscall]));
  const numbers = [...new Set(policy.arch.numbers.map((nr) => nr >>> 0))].sort((a, b) => a - b);
  const leafCache = new Map<number, number>();
  const leaf = (nr: number): number => {
    const syscall = listed.get(nr);
    if (syscall === undefined) return unlisted;
    const known = leafCache.get(nr);
    if (known !== undefined) return known;
    const node = syscallDiagram(bdd, syscall, bits);
    leafCache.set(nr, node);
    return node;
  };
  // Numbers in [start, end) share every bit above `bit`; split them on `bit` (a trie over the number).
  const dispatch = (bit: number, start: number, end: number): number => {
    if (start === end) return invalid;
    if (bit < 0) return leaf(numbers[start] ?? 0);
    let split = start;
    while (split < end && (((numbers[split] ?? 0) >>> bit) & 1) === 0) split++;
    return bdd.make(variableOf(NR_SLOT, bit), dispatch(bit - 1, start, split), dispatch(bit - 1, split, end));
  };
  const archMatches = bdd.equal(wordVector(bdd, ARCH_SLOT), bdd.constantVector(policy.arch.auditArch));
  return bdd.ite(archMatches, dispatch(WORD_BITS - 1, 0, numbers.length), actionTerminal(bdd, policy.archMismatchAction));
}

// ---- A program -------------------------------------------------------------------------------

/** Scratch memory with no live cell. */
const noCells: readonly number[] = new Array<number>(bpf.BPF_MEMWORDS).fill(-2);

/** Liveness bits: A, X, and scratch cell `cell`. */
export const LIVE_A = 1;
export const LIVE_X = 2;
export const liveCell = (cell: number): number => 4 << cell;

/** Liveness of each program translated, kept while the program is (a build translates parts of one program many times). */
const livenessByProgram = new WeakMap<BpfProgram, Int32Array>();

/** Registers and scratch cells each instruction's successors may read (a backward pass; jumps only go forward). */
export function liveness(program: BpfProgram): Int32Array {
  const known = livenessByProgram.get(program);
  if (known !== undefined) return known;
  const live = new Int32Array(program.length + 1);
  for (let pc = program.length - 1; pc >= 0; pc--) {
    const insn = program[pc];
    if (insn === undefined) continue;
    const next = live[pc + 1] ?? 0;
    const k = insn.k >>> 0;
    const cls = insn.code & 0x07;
    let value: number;
    if (cls === bpf.BPF_RET) value = insn.code === (bpf.BPF_RET | bpf.BPF_A) ? LIVE_A : 0;
    else if (cls === bpf.BPF_JMP) {
      const op = insn.code & 0xf0;
      if (op === bpf.BPF_JA) value = live[pc + 1 + k] ?? 0;
      else value = (live[pc + 1 + insn.jt] ?? 0) | (live[pc + 1 + insn.jf] ?? 0) | LIVE_A | ((insn.code & bpf.BPF_X) === bpf.BPF_X ? LIVE_X : 0);
    } else if (cls === bpf.BPF_LD || cls === bpf.BPF_LDX) {
      const target = cls === bpf.BPF_LD ? LIVE_A : LIVE_X;
      value = (next & ~target) | ((insn.code & 0xe0) === bpf.BPF_MEM && k < bpf.BPF_MEMWORDS ? liveCell(k) : 0);
    } else if (cls === bpf.BPF_ST || cls === bpf.BPF_STX) {
      value = (k < bpf.BPF_MEMWORDS ? next & ~liveCell(k) : next) | (cls === bpf.BPF_ST ? LIVE_A : LIVE_X);
    } else if (cls === bpf.BPF_ALU) value = next | LIVE_A | ((insn.code & bpf.BPF_X) === bpf.BPF_X ? LIVE_X : 0);
    else value = insn.code === (bpf.BPF_MISC | bpf.BPF_TAX) ? (next & ~LIVE_X) | LIVE_A : (next & ~LIVE_A) | LIVE_X;
    live[pc] = value;
  }
  livenessByProgram.set(program, live);
  return live;
}

/** A machine state at one pc: ids of interned vectors for A, X and M[0..15] (-1: never stored, -2: dead). */
interface MachineState {
  readonly a: number;
  readonly x: number;
  readonly m: readonly number[];
}

type Transition =
  | { readonly kind: 'return'; readonly node: number }
  | { readonly kind: 'step'; readonly pc: number; readonly key: string }
  | { readonly kind: 'branch'; readonly condition: number; readonly taken: readonly [number, string]; readonly notTaken: readonly [number, string] };

/** The step to the next pc with some registers or cells changed. */
function advance(canonical: (pc: number, state: MachineState) => [number, string], pc: number, state: MachineState, changes: Partial<MachineState>): Transition {
  const [target, key] = canonical(pc + 1, { ...state, ...changes });
  return { kind: 'step', pc: target, key };
}

/** An opcode as messages name it. */
function opcodeName(code: number): string {
  return `opcode 0x${code.toString(16)}`;
}

/** Where a translation starts: a pc and the constant values of A, X and the scratch cells (`undefined`: never stored). */
export interface TranslationEntry {
  readonly pc: number;
  readonly a: number;
  readonly x: number;
  readonly m: readonly (number | undefined)[];
}

/** The machine at pc 0: A and X zero, no cell stored. */
const programStart: TranslationEntry = { pc: 0, a: 0, x: 0, m: new Array<undefined>(bpf.BPF_MEMWORDS).fill(undefined) };

/** Translates one program into a diagram of its raw return values. */
class ProgramTranslator {
  private readonly vectors: BitVector[] = [];
  private readonly vectorIds = new Map<string, number>();
  private readonly words: BitVector[] = [];

  /**
   * @param fixed - input words known in advance (slot → value), read as constants: a jump on
   *   them follows one edge, so only the part of the program for those values is translated.
   */
  constructor(
    private readonly bdd: Bdd,
    private readonly byteOrder: Endianness,
    private readonly fixed?: ReadonlyMap<number, number>,
  ) {}

  /**
   * The program's raw return value as a diagram. First backward (each pc's result is "if test
   * then one successor's result else the other's", built once per state and shared), which is
   * smallest for the usual shape: dispatch on the number, then argument tests that end in
   * returns. A program whose tests keep deciding after an argument test failed (a linear filter
   * that falls through to the next number) makes that quadratic, so past a node budget the
   * translation starts over forward, carrying each state's path condition. Both are exact.
   */
  translate(program: BpfProgram, translation: 'auto' | 'backward' | 'forward', entry: TranslationEntry = programStart): number {
    if (translation === 'forward') return this.translateForward(program, entry);
    if (translation === 'backward') return this.translateBackward(program, Infinity, entry);
    const budget = this.bdd.size + 20_000 + 50 * program.length;
    try {
      return this.translateBackward(program, budget, entry);
    } catch (error) {
      if (error instanceof OverBudget || error instanceof Undecided) return this.translateForward(program, entry);
      throw error;
    }
  }

  /**
   * Discovers the machine states of every pc reached from the entry (jumps only go forward),
   * canonical under liveness. Only reached pcs get a table, so translating a small part of a
   * long program costs what the part costs.
   */
  private stateTable(
    program: BpfProgram,
    entry: TranslationEntry,
  ): {
    readonly states: Map<number, Map<string, MachineState>>;
    readonly canonical: (pc: number, state: MachineState) => [number, string];
    readonly start: [number, string];
  } {
    const live = liveness(program);
    const states = new Map<number, Map<string, MachineState>>();
    const canonical = (pc: number, state: MachineState): [number, string] => {
      const mask = live[pc] ?? 0;
      const a = mask & LIVE_A ? state.a : -2;
      const x = mask & LIVE_X ? state.x : -2;
      // Most pcs have no live scratch cell: then the key is A and X alone.
      const m = mask >>> 2 === 0 ? noCells : state.m.map((cell, index) => (mask & liveCell(index) ? cell : -2));
      const key = m === noCells ? `${a},${x}` : `${a},${x},${m.join(',')}`;
      if (pc >= program.length) throw new Undecided(`execution reaches pc ${pc}, past the end of the program`, pc);
      let bucket = states.get(pc);
      if (bucket === undefined) {
        bucket = new Map<string, MachineState>();
        states.set(pc, bucket);
      }
      if (!bucket.has(key)) bucket.set(key, { a, x, m });
      return [pc, key];
    };
    const constant = (value: number): number => this.intern(this.bdd.constantVector(value));
    const start = canonical(entry.pc, {
      a: constant(entry.a),
      x: constant(entry.x),
      m: entry.m.map((cell) => (cell === undefined ? -1 : constant(cell))),
    });
    return { states, canonical, start };
  }

  private translateBackward(program: BpfProgram, budget: number, entry: TranslationEntry): number {
    const bdd = this.bdd;
    const { states, canonical, start } = this.stateTable(program, entry);
    const transitions = new Map<number, Map<string, Transition>>();
    // Pcs in increasing order as they are reached (a state is only ever added at a later pc).
    const reached: number[] = [];
    for (let pc = entry.pc; pc < program.length; pc++) {
      const here = states.get(pc);
      if (here === undefined) continue;
      reached.push(pc);
      const out = new Map<string, Transition>();
      transitions.set(pc, out);
      for (const [key, state] of here) out.set(key, this.step(program, pc, state, canonical));
    }
    const results = new Map<number, Map<string, number>>();
    const resultOf = ([pc, key]: readonly [number, string]): number => {
      const node = results.get(pc)?.get(key);
      if (node === undefined) throw new Undecided(`internal: no result for pc ${pc}`, pc);
      return node;
    };
    for (let index = reached.length - 1; index >= 0; index--) {
      const pc = reached[index] ?? 0;
      const done = new Map<string, number>();
      results.set(pc, done);
      for (const [key, transition] of transitions.get(pc) ?? []) {
        let node: number;
        if (transition.kind === 'return') node = transition.node;
        else if (transition.kind === 'step') node = resultOf([transition.pc, transition.key]);
        else node = bdd.ite(transition.condition, resultOf(transition.taken), resultOf(transition.notTaken));
        done.set(key, node);
      }
      if (bdd.size > budget) throw new OverBudget();
    }
    return resultOf(start);
  }

  private translateForward(program: BpfProgram, entry: TranslationEntry): number {
    const bdd = this.bdd;
    const { states, canonical, start } = this.stateTable(program, entry);
    // Forward, in pc order (jumps only go forward): each state carries the set of inputs that
    // reach it (a boolean diagram). Knowing the path condition keeps what is built small: a test
    // after a failed argument check is built only for the inputs that get there. Inputs follow
    // one path each, so the sets of the returns are disjoint and each adds its own part.
    const reach = new Map<number, Map<string, number>>();
    const arrive = ([pc, key]: readonly [number, string], inputs: number): void => {
      if (inputs === bdd.false) return;
      if (pc >= program.length) throw new Undecided(`execution reaches pc ${pc}, past the end of the program`, pc);
      let bucket = reach.get(pc);
      if (bucket === undefined) {
        bucket = new Map<string, number>();
        reach.set(pc, bucket);
      }
      const known = bucket.get(key);
      bucket.set(key, known === undefined ? inputs : bdd.or(known, inputs));
    };
    arrive(start, bdd.true);
    // The inputs that end in each return value (a few values; one union each, combined at the end).
    const returning = new Map<number, number>();
    for (let pc = entry.pc; pc < program.length; pc++) {
      const here = reach.get(pc);
      if (here === undefined) continue;
      for (const [key, inputs] of here) {
        const state = states.get(pc)?.get(key);
        if (state === undefined) throw new Undecided(`internal: no state at pc ${pc}`, pc);
        const transition = this.step(program, pc, state, canonical);
        if (transition.kind === 'return') returning.set(transition.node, bdd.or(returning.get(transition.node) ?? bdd.false, inputs));
        else if (transition.kind === 'step') arrive([transition.pc, transition.key], inputs);
        else {
          arrive(transition.taken, bdd.and(inputs, transition.condition));
          arrive(transition.notTaken, bdd.ite(transition.condition, bdd.false, inputs));
        }
      }
      // Nothing jumps backwards: this pc's states are done.
      reach.delete(pc);
      states.delete(pc);
    }
    let result: number | undefined;
    for (const [node, inputs] of returning) result = result === undefined ? node : bdd.ite(inputs, node, result);
    return result ?? bdd.terminal(0);
  }

  private intern(vector: BitVector): number {
    const key = vector.join(',');
    const known = this.vectorIds.get(key);
    if (known !== undefined) return known;
    const id = this.vectors.length;
    this.vectors.push(vector);
    this.vectorIds.set(key, id);
    return id;
  }

  private vector(id: number): BitVector {
    const vector = this.vectors[id];
    if (vector === undefined) throw new Undecided(`internal: no vector ${id}`);
    return vector;
  }

  private word(slot: number): BitVector {
    let vector = this.words[slot];
    if (vector === undefined) {
      const value = this.fixed?.get(slot);
      vector = value === undefined ? wordVector(this.bdd, slot) : this.bdd.constantVector(value);
      this.words[slot] = vector;
    }
    return vector;
  }

  private step(
    program: BpfProgram,
    pc: number,
    state: MachineState,
    canonical: (pc: number, state: MachineState) => [number, string],
  ): Transition {
    const bdd = this.bdd;
    const insn = program[pc];
    if (insn === undefined) throw new Undecided(`execution reaches pc ${pc}, past the end of the program`, pc);
    const { code } = insn;
    const k = insn.k >>> 0;
    // No closure or message text per step (this runs for every state of every pc): the
    // successor is made by `advance`, the opcode's name only when an error needs it.
    switch (code & 0x07) {
      case bpf.BPF_LD:
      case bpf.BPF_LDX: {
        const mode = code & 0xe0;
        let value: number;
        if (code === (bpf.BPF_LD | bpf.BPF_ABS)) {
          if (k >= bpf.SECCOMP_DATA_SIZE || k % 4 !== 0) throw new Undecided(`load at offset ${k} outside the aligned words of seccomp_data`, pc);
          value = this.intern(this.word(slotOfOffset(k, this.byteOrder)));
        } else if ((code & 0x18) === 0 && mode === bpf.BPF_IMM) value = this.intern(bdd.constantVector(k));
        else if ((code & 0x18) === 0 && mode === bpf.BPF_LEN) value = this.intern(bdd.constantVector(bpf.SECCOMP_DATA_SIZE));
        else if ((code & 0x18) === 0 && mode === bpf.BPF_MEM) {
          const cell = k < bpf.BPF_MEMWORDS ? state.m[k] : undefined;
          if (cell === undefined || cell < 0) throw new Undecided(`M[${k}] is read before any store to it`, pc);
          value = cell;
        } else throw new Undecided(`${opcodeName(code)} has no meaning on seccomp_data`, pc);
        return advance(canonical, pc, state, (code & 0x07) === bpf.BPF_LD ? { a: value } : { x: value });
      }
      case bpf.BPF_ST:
      case bpf.BPF_STX: {
        if ((code !== bpf.BPF_ST && code !== bpf.BPF_STX) || k >= bpf.BPF_MEMWORDS) throw new Undecided(`${opcodeName(code)} with k=${k} is not a store`, pc);
        const m = [...state.m];
        m[k] = code === bpf.BPF_ST ? state.a : state.x;
        return advance(canonical, pc, state, { m });
      }
      case bpf.BPF_ALU: {
        const result = this.alu(code, k, state, pc);
        if (result === 'divide-by-zero') return { kind: 'return', node: bdd.terminal(0) };
        return advance(canonical, pc, state, { a: this.intern(result) });
      }
      case bpf.BPF_JMP: {
        const op = code & 0xf0;
        if (op === bpf.BPF_JA) {
          if (code !== (bpf.BPF_JMP | bpf.BPF_JA)) throw new Undecided(`${opcodeName(code)} is not an instruction`, pc);
          const [target, key] = canonical(pc + 1 + k, state);
          return { kind: 'step', pc: target, key };
        }
        const a = this.vector(state.a);
        const operand = (code & bpf.BPF_X) === bpf.BPF_X ? this.vector(state.x) : bdd.constantVector(k);
        let condition: number;
        if (code === (bpf.BPF_JMP | bpf.BPF_JEQ | (code & bpf.BPF_X))) condition = bdd.equal(a, operand);
        else if (code === (bpf.BPF_JMP | bpf.BPF_JGT | (code & bpf.BPF_X))) condition = bdd.greater(a, operand, false);
        else if (code === (bpf.BPF_JMP | bpf.BPF_JGE | (code & bpf.BPF_X))) condition = bdd.greater(a, operand, true);
        else if (code === (bpf.BPF_JMP | bpf.BPF_JSET | (code & bpf.BPF_X))) condition = bdd.anyCommon(a, operand);
        else throw new Undecided(`${opcodeName(code)} is not a jump`, pc);
        // A decided test follows one edge only, so unreachable code is never translated.
        if (condition === bdd.true) {
          const [target, key] = canonical(pc + 1 + insn.jt, state);
          return { kind: 'step', pc: target, key };
        }
        if (condition === bdd.false) {
          const [target, key] = canonical(pc + 1 + insn.jf, state);
          return { kind: 'step', pc: target, key };
        }
        return { kind: 'branch', condition, taken: canonical(pc + 1 + insn.jt, state), notTaken: canonical(pc + 1 + insn.jf, state) };
      }
      case bpf.BPF_RET: {
        if (code === (bpf.BPF_RET | bpf.BPF_K)) return { kind: 'return', node: bdd.terminal(k) };
        if (code === (bpf.BPF_RET | bpf.BPF_A)) {
          const value = bdd.constantOf(this.vector(state.a));
          if (value === undefined) throw new Undecided('`ret a` returns a value computed from the input', pc);
          return { kind: 'return', node: bdd.terminal(value) };
        }
        throw new Undecided(`${opcodeName(code)} is not a seccomp return`, pc);
      }
      default: {
        if (code === (bpf.BPF_MISC | bpf.BPF_TAX)) return advance(canonical, pc, state, { x: state.a });
        if (code === (bpf.BPF_MISC | bpf.BPF_TXA)) return advance(canonical, pc, state, { a: state.x });
        throw new Undecided(`${opcodeName(code)} is not an instruction`, pc);
      }
    }
  }

  /** One ALU instruction on A, exactly; `divide-by-zero` when it ends the filter with 0. */
  private alu(code: number, k: number, state: MachineState, pc: number): BitVector | 'divide-by-zero' {
    const bdd = this.bdd;
    const op = code & 0xf0;
    const a = this.vector(state.a);
    if (op === bpf.BPF_NEG) {
      if (code !== (bpf.BPF_ALU | bpf.BPF_NEG)) throw new Undecided(`${opcodeName(code)} is not an instruction`, pc);
      return bdd.subtract(bdd.constantVector(0), a);
    }
    if ((code & ~(0xf0 | bpf.BPF_X | 0x07)) !== 0) throw new Undecided(`${opcodeName(code)} is not an instruction`, pc);
    const operand = (code & bpf.BPF_X) === bpf.BPF_X ? this.vector(state.x) : bdd.constantVector(k);
    const constA = bdd.constantOf(a);
    const constB = bdd.constantOf(operand);
    if ((op === bpf.BPF_DIV || op === bpf.BPF_MOD) && constB === 0) {
      if ((code & bpf.BPF_X) !== bpf.BPF_X) throw new Undecided('division by the constant 0', pc);
      return 'divide-by-zero';
    }
    if (constA !== undefined && constB !== undefined) {
      const value = aluOperation(op, constA, constB);
      if (value < 0) throw new Undecided(`${opcodeName(code)} is not an ALU operation`, pc);
      return bdd.constantVector(value);
    }
    switch (op) {
      case bpf.BPF_ADD:
        return bdd.add(a, operand);
      case bpf.BPF_SUB:
        return bdd.subtract(a, operand);
      case bpf.BPF_OR:
        return bdd.bitwise(a, operand, 'or');
      case bpf.BPF_AND:
        return bdd.bitwise(a, operand, 'and');
      case bpf.BPF_XOR:
        return bdd.bitwise(a, operand, 'xor');
      case bpf.BPF_MUL:
        if (constB !== undefined) return bdd.multiplyConstant(a, constB);
        if (constA !== undefined) return bdd.multiplyConstant(operand, constA);
        throw new Undecided('`mul` of two values that both depend on the input', pc);
      case bpf.BPF_LSH:
      case bpf.BPF_RSH: {
        // A barrel shifter over the amount's five low bits: exact for a symbolic amount too.
        let value = a;
        for (let stage = 0; stage < 5; stage++) {
          const selector = operand[stage] ?? bdd.false;
          const shifted = op === bpf.BPF_LSH ? bdd.shiftLeft(value, 1 << stage) : bdd.shiftRight(value, 1 << stage);
          value = value.map((bit, index) => bdd.ite(selector, shifted[index] ?? bdd.false, bit));
        }
        return value;
      }
      case bpf.BPF_DIV:
      case bpf.BPF_MOD: {
        if (constB === undefined) throw new Undecided(`\`${op === bpf.BPF_DIV ? 'div' : 'mod'}\` by a value that depends on the input`, pc);
        if ((constB & (constB - 1)) !== 0) throw new Undecided(`\`${op === bpf.BPF_DIV ? 'div' : 'mod'}\` of an input-dependent value by ${constB}, not a power of two`, pc);
        const shift = 31 - Math.clz32(constB);
        return op === bpf.BPF_DIV ? bdd.shiftRight(a, shift) : bdd.bitwise(a, bdd.constantVector(constB - 1), 'and');
      }
      default:
        throw new Undecided(`${opcodeName(code)} is not an ALU operation`, pc);
    }
  }
}

/**
 * The normalised return values of `program` from `entry` with some input words fixed (see
 * {@link ProgramTranslator}), for the per-syscall proof. Throws when the part cannot be
 * translated exactly or passes the store's budget; the caller then proves the whole program.
 */
export function translatePart(bdd: Bdd, program: BpfProgram, byteOrder: Endianness, fixed: ReadonlyMap<number, number>, entry: TranslationEntry): number {
  const raw = new ProgramTranslator(bdd, byteOrder, fixed).translate(program, 'auto', entry);
  return bdd.mapTerminals(raw, normalizeReturnValue);
}

// ---- Sides, comparisons, counterexamples -----------------------------------------------------

/** A diagram of normalised return values for one side. */
function sideDiagram(bdd: Bdd, source: DecisionSource, byteOrder: Endianness, translation: 'auto' | 'backward' | 'forward'): number {
  if (source.kind === 'policy') return policyDiagram(bdd, source.policy);
  if (source.programs.length === 0) throw new Undecided('a filter stack needs at least one program');
  let combined: number | undefined;
  // The kernel runs the most recently installed filter first; an earlier one replaces the result only with a lower action.
  for (let index = source.programs.length - 1; index >= 0; index--) {
    const program = source.programs[index] ?? [];
    const problem = validateProgram(program).find((diagnostic) => diagnostic.severity === 'error');
    if (problem !== undefined) {
      const refused = new Undecided(`the kernel refuses this program: ${problem.message} (${problem.code})`, problem.pc);
      refused.program = index;
      throw refused;
    }
    let raw: number;
    try {
      raw = new ProgramTranslator(bdd, byteOrder).translate(program, translation);
    } catch (error) {
      if (error instanceof Undecided) error.program = index;
      throw error;
    }
    combined = combined === undefined ? raw : bdd.apply(combined, raw, stackReturn);
  }
  return bdd.mapTerminals(combined ?? bdd.terminal(0), normalizeReturnValue);
}

/** What a side does with one concrete input, by running it (the emulator and `evaluatePolicy`). */
export function concreteOutcome(source: DecisionSource, input: SeccompData, byteOrder: Endianness): SideOutcome {
  if (source.kind === 'policy') {
    const reference = evaluatePolicy(source.policy, input);
    const returnValue = normalizeReturnValue(actionReturnValue(reference.action));
    const decision = reference.decision;
    const outcome: SideOutcome = { returnValue, action: formatReturnValue(returnValue), decision };
    if (decision.kind !== 'rule') return outcome;
    const start = decision.origin.range.start;
    return { ...outcome, rule: { file: decision.origin.file, line: start.line, column: start.column } };
  }
  let combined: number | undefined;
  for (let index = source.programs.length - 1; index >= 0; index--) {
    const result = emulate(source.programs[index] ?? [], input, { byteOrder, recordPath: false });
    if (!result.ok) throw new Error(`internal: the emulator failed on a program the verifier accepted: ${result.error.message}`);
    combined = combined === undefined ? result.returnValue : stackReturn(combined, result.returnValue);
  }
  const returnValue = normalizeReturnValue(combined ?? 0);
  return { returnValue, action: formatReturnValue(returnValue) };
}

/** The input a path's fixed bits describe (free bits 0). */
export function inputOf(assignment: ReadonlyMap<number, boolean>): SeccompData {
  const words = new Array<number>(SLOT_COUNT).fill(0);
  for (const [variable, value] of assignment) {
    if (!value) continue;
    const slot = Math.floor(variable / WORD_BITS);
    const bit = WORD_BITS - 1 - (variable % WORD_BITS);
    words[slot] = ((words[slot] ?? 0) | (1 << bit)) >>> 0;
  }
  const u64 = (high: number, low: number): bigint => (BigInt(words[high] ?? 0) << 32n) | BigInt(words[low] ?? 0);
  const args: bigint[] = [];
  for (let arg = 0; arg < bpf.SECCOMP_ARG_COUNT; arg++) args.push(u64(argHighSlot(arg), argLowSlot(arg)));
  return { nr: words[NR_SLOT] ?? 0, arch: words[ARCH_SLOT] ?? 0, instructionPointer: u64(IP_HIGH_SLOT, IP_LOW_SLOT), args };
}

/** Prefer the architecture's own `AUDIT_ARCH` value and zero elsewhere, so counterexamples read naturally. */
export function preference(arch: LoweredArch): (variable: number) => boolean {
  return (variable) => {
    const slot = Math.floor(variable / WORD_BITS);
    const bit = WORD_BITS - 1 - (variable % WORD_BITS);
    return slot === ARCH_SLOT && ((arch.auditArch >>> bit) & 1) === 1;
  };
}

/** Both sides' diagrams on one store, or why they could not be built exactly. */
export type BuiltSides =
  | { readonly ok: true; readonly bdd: Bdd; readonly left: number; readonly right: number }
  | { readonly ok: false; readonly undecided: Extract<Verification, { result: 'undecided' }> };

/**
 * Builds both sides as diagrams of normalised return values on one store (shared by the
 * verification functions and `diffDecisions`). Never throws for a program it cannot translate
 * exactly: that is `undecided`.
 */
export function buildSides(expected: DecisionSource, actual: DecisionSource, arch: LoweredArch, options: VerifyOptions): BuiltSides {
  const bdd = new Bdd({ maxNodes: options.maxNodes ?? defaultMaxNodes });
  const byteOrder = arch.endianness;
  try {
    const translation = options.translation ?? 'auto';
    const left = sideDiagram(bdd, expected, byteOrder, translation);
    const right = sideDiagram(bdd, actual, byteOrder, translation);
    return { ok: true, bdd, left, right };
  } catch (error) {
    const stats = { nodes: bdd.size };
    if (error instanceof BddLimitError) {
      return { ok: false, undecided: { result: 'undecided', reason: `${error.message}; raise the node budget to decide this program`, stats } };
    }
    if (error instanceof Undecided) {
      const program = error.program;
      return {
        ok: false,
        undecided: {
          result: 'undecided',
          reason: error.reason,
          ...(error.pc === undefined ? {} : { pc: error.pc }),
          ...(program === undefined ? {} : { program }),
          stats,
        },
      };
    }
    throw error;
  }
}

/**
 * What a verification checks between its two sides: `find` returns an input (a variable
 * assignment) on which the relation fails, or `undefined` when it holds for every input;
 * `holds` checks it on the two sides' concrete outcomes for one input.
 */
interface Relation {
  readonly find: (bdd: Bdd, expected: number, actual: number, arch: LoweredArch) => Map<number, boolean> | undefined;
  readonly holds: (expected: SideOutcome, actual: SideOutcome) => boolean;
}

/** Both sides give the same action. */
const sameAction: Relation = {
  find: (bdd, left, right, arch) => bdd.difference(left, right, preference(arch)),
  holds: (a, b) => a.returnValue === b.returnValue,
};

/** Every input the right (narrower) side lets run, the left (wider) side lets run too. */
const runsWithin: Relation = {
  find: (bdd, left, right, arch) => {
    const escapes = bdd.and(bdd.mapTerminals(right, (value) => (runs(value) ? -2 : -1)), bdd.mapTerminals(left, (value) => (runs(value) ? -1 : -2)));
    return bdd.difference(escapes, bdd.false, preference(arch));
  },
  holds: (a, b) => runs(a.returnValue) || !runs(b.returnValue),
};

function run(expected: DecisionSource, actual: DecisionSource, arch: LoweredArch, options: VerifyOptions, relation: Relation): Verification {
  const built = buildSides(expected, actual, arch, options);
  if (!built.ok) return built.undecided;
  const { bdd, left, right } = built;
  const byteOrder = arch.endianness;
  const stats = { nodes: bdd.size };
  const assignment = relation.find(bdd, left, right, arch);
  if (assignment === undefined) return { result: 'proved', stats };
  const input = inputOf(assignment);
  const counterexample: Counterexample = {
    input,
    expected: concreteOutcome(expected, input, byteOrder),
    actual: concreteOutcome(actual, input, byteOrder),
  };
  // The diagrams and the concrete runs must agree that this input is a counterexample.
  if (relation.holds(counterexample.expected, counterexample.actual)) {
    throw new Error('internal: the verifier found a difference that running both sides does not reproduce');
  }
  return { result: 'counterexample', counterexample, stats };
}

/**
 * Decides whether two sides give the same action (the same normalised return value) for every
 * `seccomp_data` input of the architecture's byte order: every syscall number, every `arch`
 * value, every value of the six 64-bit arguments and the instruction pointer.
 */
export function verifyEquivalent(expected: DecisionSource, actual: DecisionSource, arch: LoweredArch, options: VerifyOptions = {}): Verification {
  return run(expected, actual, arch, options, sameAction);
}

/** Decides whether a program does exactly what a lowered policy says (see {@link verifyEquivalent}). */
export function verifyProgram(policy: LoweredPolicy, program: BpfProgram, options: VerifyOptions = {}): Verification {
  return verifyEquivalent({ kind: 'policy', policy }, { kind: 'filter', programs: [program] }, policy.arch, options);
}

/**
 * Decides whether every input the narrower side lets run (`ALLOW` or `LOG`), the wider side
 * lets run too. A counterexample is an input the narrower side runs and the wider one denies.
 */
export function verifyWithin(wider: DecisionSource, narrower: DecisionSource, arch: LoweredArch, options: VerifyOptions = {}): Verification {
  return run(wider, narrower, arch, options, runsWithin);
}
