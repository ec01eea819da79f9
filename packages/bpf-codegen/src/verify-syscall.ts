/**
 * The exact proof of `verifyProgram`, split by syscall so that many programs share their work.
 * A build proves hundreds of programs whose rules mostly repeat (every device policy includes
 * `common_device`); the whole-input diagrams of `verify.ts` rebuild each repeated rule and its
 * compiled code for every program. Here the input space is cut into regions on which both
 * sides are simple, and each region is decided on its own:
 *
 * - The program is run with `arch` and `nr` as intervals (every other register a constant).
 *   A jump on them splits the interval, so every path ends in a region `arch ∈ [a, b]`,
 *   `nr ∈ [c, d]` (all arguments free) that either returns a constant, or loads an argument or
 *   the instruction pointer with `arch` and `nr` both single values.
 * - A constant return is compared with the policy's action on every number of the region (the
 *   arch-mismatch action, the invalid-number action, each syscall's decision).
 * - A region that reads arguments is one syscall of one architecture: the program's part from
 *   that instruction (with `arch` and `nr` fixed) and the policy's decision for that syscall
 *   become diagrams in one store kept across proofs ({@link ProofCache}), so a rule or a part
 *   of compiled code met before costs a lookup, and equal functions are the same node.
 *
 * Every region is decided exactly, the regions cover every input, and anything the split does
 * not handle (arithmetic on the number, a program the kernel refuses, a part that cannot be
 * translated exactly, any difference) falls back to the whole-input proof, so the answer,
 * counterexample or reason is always the one `verifyProgram` gives.
 */
import type { Endianness } from '@syscage/arch-tables';
import { CodeShapes } from './code-shapes.js';
import { aluOperation } from './emulate.js';
import type { LoweredPolicy, LoweredSyscall } from './lower.js';
import * as bpf from './opcodes.js';
import type { BpfProgram } from './types.js';
import { firstAtLeast } from './sorted.js';
import { validateProgram } from './validate.js';
import { Bdd, BddLimitError } from './verify-bdd.js';
import { ARCH_SLOT, LIVE_A, LIVE_X, NR_SLOT, type TranslationEntry, liveCell, liveness, type Verification, actionTerminal, normalizeReturnValue, syscallDiagram, translatePart, verifyProgram } from './verify.js';

/** Options of {@link createProofCache}. */
export interface ProofCacheOptions {
  /**
   * Nodes the shared store may hold; past it the store and everything remembered start over
   * (between two proofs, so no proof is affected).
   * @defaultValue 2000000
   */
  readonly maxNodes?: number;
}

/**
 * What proofs of many programs share: one decision-diagram store, the diagram of each distinct
 * syscall rule and of each distinct compiled part met so far. Make one per batch of proofs
 * (`syscage build` makes one per build) and pass it to {@link proveProgram}.
 */
export interface ProofCache {
  /** Nodes in the shared store (for reports and benchmarks). */
  readonly size: number;
}

/** Stops the split proof; the whole-input proof decides instead. */
class Fallback extends Error {}

/** The cache behind {@link ProofCache}. */
class SharedProofs implements ProofCache {
  bdd: Bdd;
  /** Diagram of a syscall's decision, by its meaning ({@link ruleKey}). */
  rules = new Map<string, number>();
  /** Diagram of a translated part, by the part's code, entry state and fixed words. */
  parts = new Map<string, number>();
  /** Shapes of the compiled code met so far. */
  readonly shapes = new CodeShapes();

  constructor(readonly maxNodes: number) {
    this.bdd = new Bdd({ maxNodes: maxNodes * 2 });
  }

  get size(): number {
    return this.bdd.size;
  }

  /** Starts over when the store is past its size (between proofs only). */
  trim(): void {
    if (this.bdd.size <= this.maxNodes) return;
    this.bdd = new Bdd({ maxNodes: this.maxNodes * 2 });
    this.rules = new Map();
    this.parts = new Map();
  }
}

/** Makes an empty {@link ProofCache}. */
export function createProofCache(options: ProofCacheOptions = {}): ProofCache {
  return new SharedProofs(options.maxNodes ?? 2_000_000);
}

/** Everything a syscall's decision diagram depends on: the word size and its filters and fallback as return values. */
function ruleKey(syscall: LoweredSyscall, bits: 32 | 64, returnOf: (action: LoweredSyscall['fallback']['action']) => number): string {
  let key = `${bits}:${returnOf(syscall.fallback.action)}`;
  for (const filter of syscall.filters) {
    key += `;${returnOf(filter.action)}`;
    for (const clause of filter.clauses) {
      key += '|';
      for (const comparison of clause) key += `${comparison.arg}${comparison.operator}${comparison.value.toString(16)},`;
    }
  }
  return key;
}

/** Symbolic register contents: the input's `arch` or `nr` word (constants are the u32 values themselves). */
const ARCH = -1;
const NR = -2;
/** A scratch cell never stored. */
const UNSET = -3;

/** A path of the program, with the intervals of `arch` and `nr` its jumps allowed. */
interface Region {
  pc: number;
  archLow: number;
  archHigh: number;
  nrLow: number;
  nrHigh: number;
  a: number;
  x: number;
  m: readonly number[];
}

/** A register's content on a region: a symbol whose interval is one value is that constant. */
function resolve(region: Region, value: number): number {
  if (value === ARCH) return region.archLow === region.archHigh ? region.archLow : ARCH;
  if (value === NR) return region.nrLow === region.nrHigh ? region.nrLow : NR;
  return value;
}

/** A register's content with `arch` and `nr` fixed. */
function fix(value: number, arch: number, nr: number): number {
  return value === ARCH ? arch : value === NR ? nr : value;
}

/** Most pieces one `jset` may cut an interval into before the whole-input proof takes over. */
const maxSetPieces = 64;

/** Pieces of an interval, three numbers each (low, high, 1 when the test holds there). */
type Pieces = number[];

/** The pieces of [low, high] on which `(value & mask) != 0` is constant. */
function setPieces(low: number, high: number, mask: number, out: Pieces): void {
  if (out.length > 3 * maxSetPieces) throw new Fallback();
  if (low === high) {
    out.push(low, high, ((low & mask) >>> 0) !== 0 ? 1 : 0);
    return;
  }
  // Bits above the highest bit where low and high differ are common to the whole interval.
  const top = 31 - Math.clz32((low ^ high) >>> 0);
  const block = 2 ** (top + 1);
  if ((Math.floor(low / block) & Math.floor(mask / block)) !== 0) {
    out.push(low, high, 1);
    return;
  }
  if (mask % block === 0) {
    out.push(low, high, 0);
    return;
  }
  const middle = high - (high % block) + 2 ** top;
  setPieces(low, middle - 1, mask, out);
  setPieces(middle, high, mask, out);
}

/** Adds a piece when it is not empty. */
function addPiece(out: Pieces, low: number, high: number, holds: number): void {
  if (low <= high) out.push(low, high, holds);
}

/** The pieces of [low, high] on which the jump's test of the word against `k` holds or not. */
function pieces(op: number, low: number, high: number, k: number): Pieces {
  const out: Pieces = [];
  if (op === bpf.BPF_JEQ) {
    addPiece(out, low, Math.min(high, k - 1), 0);
    if (low <= k && k <= high) out.push(k, k, 1);
    addPiece(out, Math.max(low, k + 1), high, 0);
  } else if (op === bpf.BPF_JGT) {
    addPiece(out, low, Math.min(high, k), 0);
    addPiece(out, Math.max(low, k + 1), high, 1);
  } else if (op === bpf.BPF_JGE) {
    addPiece(out, low, Math.min(high, k - 1), 0);
    addPiece(out, Math.max(low, k), high, 1);
  } else setPieces(low, high, k, out);
  return out;
}

/** A jump's test on two constants. */
function holds(op: number, a: number, b: number): boolean {
  if (op === bpf.BPF_JEQ) return a === b;
  if (op === bpf.BPF_JGT) return a > b;
  if (op === bpf.BPF_JGE) return a >= b;
  return ((a & b) >>> 0) !== 0;
}

/** Most numbers one argument test may serve before the whole-input proof takes over. */
const maxNumbersPerPart = 1024;

/** Most program steps of the split before the whole-input proof takes over. */
const maxSteps = 400_000;

/** The table's numbers, unique and sorted, once per numbers list (architectures are shared constants). */
const sortedNumbers = new WeakMap<readonly number[], readonly number[]>();

function numbersOf(numbers: readonly number[]): readonly number[] {
  const known = sortedNumbers.get(numbers);
  if (known !== undefined) return known;
  const sorted = [...new Set(numbers.map((nr) => nr >>> 0))].sort((a, b) => a - b);
  sortedNumbers.set(numbers, sorted);
  return sorted;
}

/** The policy's side of the split: its decision on each region, as nodes of the shared store. */
class PolicySide {
  readonly numbers: readonly number[];
  private readonly own: number;
  private readonly mismatch: number;
  private readonly invalid: number;
  private readonly unlisted: number;
  /** The decision of each table number (by index in `numbers`), -1 until needed. */
  private readonly decisions: Int32Array;
  private readonly listed = new Map<number, LoweredSyscall>();

  constructor(
    private readonly cache: SharedProofs,
    private readonly policy: LoweredPolicy,
  ) {
    const bdd = cache.bdd;
    this.own = policy.arch.auditArch >>> 0;
    this.mismatch = actionTerminal(bdd, policy.archMismatchAction);
    this.invalid = actionTerminal(bdd, policy.invalidNumberAction);
    this.unlisted = actionTerminal(bdd, policy.defaultAction);
    this.numbers = numbersOf(policy.arch.numbers);
    this.decisions = new Int32Array(this.numbers.length).fill(-1);
    for (const syscall of policy.syscalls) this.listed.set(syscall.number >>> 0, syscall);
  }

  /** The decision for the number at `index` of the table, with the architecture's own `arch`. */
  private decision(index: number): number {
    const known = this.decisions[index] ?? -1;
    if (known >= 0) return known;
    const syscall = this.listed.get(this.numbers[index] ?? 0);
    let node = this.unlisted;
    if (syscall !== undefined) {
      const bdd = this.cache.bdd;
      // A syscall with no argument filter is its fallback's action: no key or diagram needed.
      if (syscall.filters.length === 0) node = actionTerminal(bdd, syscall.fallback.action);
      else {
        const key = ruleKey(syscall, this.policy.arch.bits, (action) => bdd.valueOf(actionTerminal(bdd, action)));
        const shared = this.cache.rules.get(key);
        node = shared ?? syscallDiagram(bdd, syscall, this.policy.arch.bits);
        if (shared === undefined) this.cache.rules.set(key, node);
      }
    }
    this.decisions[index] = node;
    return node;
  }

  /** The decision on one (`arch`, `nr`) pair, a diagram over the arguments. */
  at(arch: number, nr: number): number {
    if (arch !== this.own) return this.mismatch;
    const index = firstAtLeast(this.numbers, nr);
    return this.numbers[index] === nr ? this.decision(index) : this.invalid;
  }

  /** True when the policy decides `node` on every input of the region. */
  constantOn(region: Region, node: number): boolean {
    const own = this.own;
    if ((region.archLow !== own || region.archHigh !== own) && this.mismatch !== node) return false;
    if (region.archLow <= own && own <= region.archHigh) {
      const numbers = this.numbers;
      const first = firstAtLeast(numbers, region.nrLow);
      let index = first;
      for (; index < numbers.length && (numbers[index] ?? 0) <= region.nrHigh; index++) if (this.decision(index) !== node) return false;
      if (index - first < region.nrHigh - region.nrLow + 1 && this.invalid !== node) return false;
    }
    return true;
  }
}

/**
 * Proves `program` against `policy` by syscall (see the module comment), or throws
 * {@link Fallback} when the split cannot decide it.
 */
function proveSplit(cache: SharedProofs, policy: LoweredPolicy, program: BpfProgram): void {
  if (validateProgram(program).some((problem) => problem.severity === 'error')) throw new Fallback();
  const bdd = cache.bdd;
  const byteOrder: Endianness = policy.arch.endianness;
  const side = new PolicySide(cache, policy);
  const live = liveness(program);
  /** The program's part from an argument load, with `arch` and `nr` fixed, as a diagram (shared across programs). */
  const partAt = (pc: number, arch: number, nr: number, a: number, x: number, m: readonly number[]): number => {
    const shape = cache.shapes.at(program, pc);
    // The key holds what the part's function depends on: its code, the registers and cells it
    // may read, and `nr` and `arch` only when it loads them again (most parts do not, so
    // numbers and architectures with one argument test share one translation).
    const mask = live[pc] ?? 0;
    let key = `${byteOrder}|${cache.shapes.readsNumber(shape) ? nr : ''}|${cache.shapes.readsArch(shape) ? arch : ''}|${shape}|${mask & LIVE_A ? a : ''}|${mask & LIVE_X ? x : ''}`;
    if (mask >>> 2 !== 0) for (let cell = 0; cell < bpf.BPF_MEMWORDS; cell++) key += `|${mask & liveCell(cell) ? (m[cell] ?? UNSET) : ''}`;
    const known = cache.parts.get(key);
    if (known !== undefined) return known;
    const entry: TranslationEntry = { pc, a, x, m: m.map((cell) => (cell === UNSET ? undefined : cell)) };
    const fixed = new Map([
      [ARCH_SLOT, arch],
      [NR_SLOT, nr],
    ]);
    let node: number;
    try {
      node = translatePart(bdd, program, byteOrder, fixed, entry);
    } catch {
      throw new Fallback();
    }
    cache.parts.set(key, node);
    return node;
  };

  const pending: Region[] = [{ pc: 0, archLow: 0, archHigh: 0xffffffff, nrLow: 0, nrHigh: 0xffffffff, a: 0, x: 0, m: new Array<number>(bpf.BPF_MEMWORDS).fill(UNSET) }];
  let steps = 0;
  for (let region = pending.pop(); region !== undefined; region = pending.pop()) {
    // One path: follow it until it returns, reads an argument, or splits.
    for (;;) {
      if (++steps > maxSteps) throw new Fallback();
      const insn = program[region.pc];
      if (insn === undefined) throw new Fallback();
      const code = insn.code;
      const k = insn.k >>> 0;
      const cls = code & 0x07;
      if (cls === bpf.BPF_RET) {
        const value = code === (bpf.BPF_RET | bpf.BPF_K) ? k : code === (bpf.BPF_RET | bpf.BPF_A) ? resolve(region, region.a) : -1;
        if (value < 0 || !side.constantOn(region, bdd.terminal(normalizeReturnValue(value)))) throw new Fallback();
        break;
      }
      if (cls === bpf.BPF_JMP) {
        const op = code & 0xf0;
        if (op === bpf.BPF_JA) {
          if (code !== (bpf.BPF_JMP | bpf.BPF_JA)) throw new Fallback();
          region.pc += 1 + k;
          continue;
        }
        if (code !== (bpf.BPF_JMP | op | (code & bpf.BPF_X)) || (op !== bpf.BPF_JEQ && op !== bpf.BPF_JGT && op !== bpf.BPF_JGE && op !== bpf.BPF_JSET)) {
          throw new Fallback();
        }
        const left = resolve(region, region.a);
        const right = (code & bpf.BPF_X) === bpf.BPF_X ? resolve(region, region.x) : k;
        const taken = region.pc + 1 + insn.jt;
        const notTaken = region.pc + 1 + insn.jf;
        if (right < 0) throw new Fallback();
        if (left >= 0) {
          region.pc = holds(op, left, right) ? taken : notTaken;
          continue;
        }
        // A test of `arch` or `nr`: each piece of its interval follows one edge.
        const isArch = left === ARCH;
        const cut = pieces(op, isArch ? region.archLow : region.nrLow, isArch ? region.archHigh : region.nrHigh, right);
        for (let index = 0; index < cut.length; index += 3) {
          const low = cut[index] ?? 0;
          const high = cut[index + 1] ?? 0;
          const pc = cut[index + 2] === 1 ? taken : notTaken;
          pending.push(
            isArch
              ? { pc, archLow: low, archHigh: high, nrLow: region.nrLow, nrHigh: region.nrHigh, a: region.a, x: region.x, m: region.m }
              : { pc, archLow: region.archLow, archHigh: region.archHigh, nrLow: low, nrHigh: high, a: region.a, x: region.x, m: region.m },
          );
        }
        break;
      }
      if (cls === bpf.BPF_LD || cls === bpf.BPF_LDX) {
        const mode = code & 0xe0;
        let value: number;
        if (code === (bpf.BPF_LD | bpf.BPF_ABS)) {
          if (k >= bpf.SECCOMP_DATA_SIZE || k % 4 !== 0) throw new Fallback();
          if (k === bpf.SECCOMP_DATA_ARCH) value = resolve(region, ARCH);
          else if (k === bpf.SECCOMP_DATA_NR) value = resolve(region, NR);
          else {
            // An argument or the instruction pointer: the rest depends on the arguments. Compiled
            // code shares one argument test among neighbouring numbers with the same rule, so a
            // short interval of numbers is taken one number at a time.
            if (region.archLow !== region.archHigh || region.nrHigh - region.nrLow >= maxNumbersPerPart) throw new Fallback();
            const arch = region.archLow;
            for (let nr = region.nrLow; nr <= region.nrHigh; nr++) {
              const a = fix(region.a, arch, nr);
              const x = fix(region.x, arch, nr);
              const m = region.m.map((cell) => fix(cell, arch, nr));
              if (a < 0 || x < 0) throw new Fallback();
              if (partAt(region.pc, arch, nr, a, x, m) !== side.at(arch, nr)) throw new Fallback();
            }
            break;
          }
        } else if ((code & 0x18) === 0 && mode === bpf.BPF_IMM) value = k;
        else if ((code & 0x18) === 0 && mode === bpf.BPF_LEN) value = bpf.SECCOMP_DATA_SIZE;
        else if ((code & 0x18) === 0 && mode === bpf.BPF_MEM && k < bpf.BPF_MEMWORDS) {
          value = region.m[k] ?? UNSET;
          if (value === UNSET) throw new Fallback();
        } else throw new Fallback();
        if (cls === bpf.BPF_LD) region.a = value;
        else region.x = value;
      } else if (cls === bpf.BPF_ST || cls === bpf.BPF_STX) {
        if ((code !== bpf.BPF_ST && code !== bpf.BPF_STX) || k >= bpf.BPF_MEMWORDS) throw new Fallback();
        const m = [...region.m];
        m[k] = code === bpf.BPF_ST ? region.a : region.x;
        region.m = m;
      } else if (cls === bpf.BPF_ALU) {
        const op = code & 0xf0;
        const a = resolve(region, region.a);
        if (a < 0) throw new Fallback();
        if (op === bpf.BPF_NEG) {
          if (code !== (bpf.BPF_ALU | bpf.BPF_NEG)) throw new Fallback();
          region.a = (0 - a) >>> 0;
        } else {
          if ((code & ~(0xf0 | bpf.BPF_X | 0x07)) !== 0) throw new Fallback();
          const operand = (code & bpf.BPF_X) === bpf.BPF_X ? resolve(region, region.x) : k;
          // Division by zero and arithmetic on the input words are left to the whole-input proof.
          if (operand < 0 || ((op === bpf.BPF_DIV || op === bpf.BPF_MOD) && operand === 0)) throw new Fallback();
          const value = aluOperation(op, a, operand);
          if (value < 0) throw new Fallback();
          region.a = value;
        }
      } else if (code === (bpf.BPF_MISC | bpf.BPF_TAX)) region.x = region.a;
      else if (code === (bpf.BPF_MISC | bpf.BPF_TXA)) region.a = region.x;
      else throw new Fallback();
      region.pc++;
    }
  }
}

/**
 * Decides whether `program` does exactly what `policy` says, like {@link verifyProgram} and with
 * the same answer, sharing work with earlier proofs made with the same cache (see the module
 * comment). Proved programs report the nodes this proof added to the shared store.
 */
export function proveProgram(policy: LoweredPolicy, program: BpfProgram, cache: ProofCache): Verification {
  if (!(cache instanceof SharedProofs)) throw new TypeError('proveProgram needs a cache made by createProofCache');
  cache.trim();
  const before = cache.size;
  try {
    proveSplit(cache, policy, program);
    return { result: 'proved', stats: { nodes: cache.size - before } };
  } catch (error) {
    // A store past its budget is no answer either: the whole-input proof has its own.
    if (!(error instanceof Fallback) && !(error instanceof BddLimitError)) throw error;
  }
  return verifyProgram(policy, program);
}
