/**
 * Reduced ordered decision diagrams over the 512 input bits of `seccomp_data`, the engine of
 * the exact verifier (`verify.ts`). A node tests one input bit; a terminal holds a value (a
 * boolean, or a normalised seccomp return value). Every node is made through one unique table,
 * so two functions are equal exactly when their nodes are the same number: equivalence of a
 * filter and a policy is one integer comparison once both diagrams are built, with no sampling.
 *
 * Nodes live in typed arrays (three 32-bit fields each) so that a filter of 4,096 instructions
 * stays well inside the memory budget; a build that would pass {@link BddOptions.maxNodes} stops
 * with {@link BddLimitError}, which the verifier reports as undecided (never as proved).
 */

/** Marks a terminal node in the variable field (greater than every real variable, so terminals sort last). */
const TERMINAL = 0x7fffffff;

/** Most entries of the ite cache (16 bytes each). */
const maxCacheEntries = 1 << 20;

/** Thrown when a diagram would exceed the node budget; the verifier turns it into `undecided`. */
export class BddLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the decision diagram passed ${limit} nodes`);
    this.name = 'BddLimitError';
  }
}

/** Options of {@link Bdd}. */
export interface BddOptions {
  /** Most nodes before {@link BddLimitError} (about 40 bytes each with the tables). */
  readonly maxNodes: number;
}

/** Number of variables per 32-bit word of `seccomp_data`. */
export const WORD_BITS = 32;

/** A value of the BPF machine as 32 bit functions, index 0 the least significant bit. */
export type BitVector = readonly number[];

/** A store of shared decision-diagram nodes with the operations the verifier needs. */
export class Bdd {
  /** The boolean terminal `false` (always node 0). */
  readonly false: number;
  /** The boolean terminal `true` (always node 1). */
  readonly true: number;
  private vars: Int32Array;
  private lows: Int32Array;
  private highs: Int32Array;
  private count = 0;
  private table: Int32Array;
  private tableMask: number;
  private readonly terminals = new Map<number, number>();
  private readonly terminalValues: number[] = [];
  private cache: Int32Array;
  private cacheMask: number;
  private readonly maxNodes: number;

  constructor(options: BddOptions) {
    this.maxNodes = options.maxNodes;
    const initial = 1 << 15;
    this.vars = new Int32Array(initial);
    this.lows = new Int32Array(initial);
    this.highs = new Int32Array(initial);
    this.table = new Int32Array(initial * 2).fill(-1);
    this.tableMask = initial * 2 - 1;
    // A lossy cache of ite results (f, g, h, result per entry): a miss only costs time. It
    // grows with the diagram (see allocate), so a small verification allocates little.
    const cacheEntries = 1 << 12;
    this.cache = new Int32Array(cacheEntries * 4).fill(-1);
    this.cacheMask = cacheEntries - 1;
    this.false = this.terminal(-1);
    this.true = this.terminal(-2);
  }

  /** Nodes made so far (terminals included). */
  get size(): number {
    return this.count;
  }

  /** The terminal holding `value` (booleans use -1 and -2, return values are u32). */
  terminal(value: number): number {
    const existing = this.terminals.get(value);
    if (existing !== undefined) return existing;
    const node = this.allocate(TERMINAL, this.terminalValues.length, 0);
    this.terminalValues.push(value);
    this.terminals.set(value, node);
    return node;
  }

  /** True for terminal nodes. */
  isTerminal(node: number): boolean {
    return this.vars[node] === TERMINAL;
  }

  /** The value of a terminal node. */
  valueOf(node: number): number {
    return this.terminalValues[this.lows[node] ?? 0] ?? 0;
  }

  /** The variable a decision node tests ({@link TERMINAL} for terminals). */
  variable(node: number): number {
    return this.vars[node] ?? TERMINAL;
  }

  /** The child followed when the node's bit is 0. */
  low(node: number): number {
    return this.lows[node] ?? 0;
  }

  /** The child followed when the node's bit is 1. */
  high(node: number): number {
    return this.highs[node] ?? 0;
  }

  /** The node testing `variable` with these children, reduced and shared. */
  make(variable: number, low: number, high: number): number {
    if (low === high) return low;
    let slot = hash3(variable, low, high) & this.tableMask;
    for (;;) {
      const node = this.table[slot] ?? -1;
      if (node < 0) break;
      if (this.vars[node] === variable && this.lows[node] === low && this.highs[node] === high) return node;
      slot = (slot + 1) & this.tableMask;
    }
    const node = this.allocate(variable, low, high);
    this.table[slot] = node;
    if (this.count * 2 > this.tableMask) this.growTable();
    return node;
  }

  /** The function that is the variable's bit. */
  literal(variable: number): number {
    return this.make(variable, this.false, this.true);
  }

  /** If `f` (boolean) then `g` else `h`; `g` and `h` may have any terminals. */
  ite(f: number, g: number, h: number): number {
    if (f === this.true) return g;
    if (f === this.false) return h;
    if (g === h) return g;
    if (g === this.true && h === this.false) return f;
    const vf = this.variable(f);
    const vg = this.variable(g);
    const vh = this.variable(h);
    // A single input bit tested above everything in both branches (how comparisons with a
    // constant are built, one bit at a time from the least significant up): the result is that
    // one node, so the reduced diagram is made directly, with no cache entry or recursion.
    if (vf < vg && vf < vh && this.lows[f] === this.false && this.highs[f] === this.true) return this.make(vf, h, g);
    const entry = (hash3(f, g, h) & this.cacheMask) * 4;
    const cache = this.cache;
    if (cache[entry] === f && cache[entry + 1] === g && cache[entry + 2] === h) return cache[entry + 3] ?? 0;
    const top = Math.min(vf, vg, vh);
    const f0 = vf === top ? this.low(f) : f;
    const f1 = vf === top ? this.high(f) : f;
    const g0 = vg === top ? this.low(g) : g;
    const g1 = vg === top ? this.high(g) : g;
    const h0 = vh === top ? this.low(h) : h;
    const h1 = vh === top ? this.high(h) : h;
    const result = this.make(top, this.ite(f0, g0, h0), this.ite(f1, g1, h1));
    cache[entry] = f;
    cache[entry + 1] = g;
    cache[entry + 2] = h;
    cache[entry + 3] = result;
    return result;
  }

  /** Boolean negation. */
  not(f: number): number {
    return this.ite(f, this.false, this.true);
  }

  /** Boolean conjunction. */
  and(f: number, g: number): number {
    return this.ite(f, g, this.false);
  }

  /** Boolean disjunction. */
  or(f: number, g: number): number {
    return this.ite(f, this.true, g);
  }

  /** Boolean exclusive or. */
  xor(f: number, g: number): number {
    return this.ite(f, this.not(g), g);
  }

  /** Applies `combine` to the terminal values of two diagrams, pointwise. */
  apply(f: number, g: number, combine: (a: number, b: number) => number): number {
    const memo = new Map<string, number>();
    const walk = (a: number, b: number): number => {
      const va = this.variable(a);
      const vb = this.variable(b);
      if (va === TERMINAL && vb === TERMINAL) return this.terminal(combine(this.valueOf(a), this.valueOf(b)));
      const key = `${a},${b}`;
      const known = memo.get(key);
      if (known !== undefined) return known;
      const top = Math.min(va, vb);
      const result = this.make(
        top,
        walk(va === top ? this.low(a) : a, vb === top ? this.low(b) : b),
        walk(va === top ? this.high(a) : a, vb === top ? this.high(b) : b),
      );
      memo.set(key, result);
      return result;
    };
    return walk(f, g);
  }

  /** Replaces every terminal value `v` by `map(v)`. */
  mapTerminals(f: number, map: (value: number) => number): number {
    const memo = new Map<number, number>();
    const walk = (node: number): number => {
      if (this.isTerminal(node)) return this.terminal(map(this.valueOf(node)));
      const known = memo.get(node);
      if (known !== undefined) return known;
      const result = this.make(this.variable(node), walk(this.low(node)), walk(this.high(node)));
      memo.set(node, result);
      return result;
    };
    return walk(f);
  }

  /** The terminal value `f` takes under an assignment (`bit(variable)` gives each bit). */
  evaluate(f: number, bit: (variable: number) => boolean): number {
    let node = f;
    while (!this.isTerminal(node)) node = bit(this.variable(node)) ? this.high(node) : this.low(node);
    return this.valueOf(node);
  }

  /**
   * An assignment on which `f` and `g` differ, as the bits fixed along one path (every other bit
   * may take either value), or `undefined` when they are the same function. `prefer(variable)`
   * chooses which branch to try first when both lead to a difference.
   */
  difference(f: number, g: number, prefer: (variable: number) => boolean): Map<number, boolean> | undefined {
    if (f === g) return undefined;
    const assignment = new Map<number, boolean>();
    let a = f;
    let b = g;
    // Diagrams are canonical: when a ≠ b, at least one pair of cofactors differs, so this never backtracks.
    while (!(this.isTerminal(a) && this.isTerminal(b))) {
      const va = this.variable(a);
      const vb = this.variable(b);
      const top = Math.min(va, vb);
      const a0 = va === top ? this.low(a) : a;
      const a1 = va === top ? this.high(a) : a;
      const b0 = vb === top ? this.low(b) : b;
      const b1 = vb === top ? this.high(b) : b;
      const first = prefer(top);
      const [fa, fb, sa, sb] = first ? [a1, b1, a0, b0] : [a0, b0, a1, b1];
      if (fa !== fb) {
        assignment.set(top, first);
        a = fa;
        b = fb;
      } else {
        assignment.set(top, !first);
        a = sa;
        b = sb;
      }
    }
    return assignment;
  }

  /** The paths of a boolean diagram that lead to `true`: each a list of fixed bits (at most `limit`). */
  truePaths(f: number, limit: number): { readonly paths: Map<number, boolean>[]; readonly complete: boolean } {
    const paths: Map<number, boolean>[] = [];
    let complete = true;
    const stack: [number, Map<number, boolean>][] = [[f, new Map<number, boolean>()]];
    while (stack.length > 0) {
      const [node, fixed] = stack.pop() ?? [this.false, new Map<number, boolean>()];
      if (node === this.false) continue;
      if (node === this.true) {
        if (paths.length >= limit) {
          complete = false;
          break;
        }
        paths.push(fixed);
        continue;
      }
      const variable = this.variable(node);
      stack.push([this.high(node), new Map(fixed).set(variable, true)]);
      stack.push([this.low(node), new Map(fixed).set(variable, false)]);
    }
    return { paths, complete };
  }

  // ---- 32-bit machine words as vectors of bit functions -------------------------------------

  /** The constant word `value`. */
  constantVector(value: number): BitVector {
    const bits: number[] = [];
    for (let bit = 0; bit < WORD_BITS; bit++) bits.push((value >>> bit) & 1 ? this.true : this.false);
    return bits;
  }

  /** The word's value when every bit is a constant, else `undefined`. */
  constantOf(vector: BitVector): number | undefined {
    let value = 0;
    for (let bit = 0; bit < WORD_BITS; bit++) {
      const node = vector[bit];
      if (node === this.true) value |= 1 << bit;
      else if (node !== this.false) return undefined;
    }
    return value >>> 0;
  }

  /** Bitwise combination of two words. */
  bitwise(a: BitVector, b: BitVector, op: 'and' | 'or' | 'xor'): BitVector {
    return a.map((bit, index) => {
      const other = b[index] ?? this.false;
      return op === 'and' ? this.and(bit, other) : op === 'or' ? this.or(bit, other) : this.xor(bit, other);
    });
  }

  /** `a + b + carryIn` modulo 2^32 (ripple carry, exact). */
  add(a: BitVector, b: BitVector, carryIn = false): BitVector {
    let carry = carryIn ? this.true : this.false;
    const sum: number[] = [];
    for (let bit = 0; bit < WORD_BITS; bit++) {
      const x = a[bit] ?? this.false;
      const y = b[bit] ?? this.false;
      const half = this.xor(x, y);
      sum.push(this.xor(half, carry));
      carry = this.or(this.and(x, y), this.and(carry, half));
    }
    return sum;
  }

  /** `a - b` modulo 2^32. */
  subtract(a: BitVector, b: BitVector): BitVector {
    return this.add(a, b.map((bit) => this.not(bit)), true);
  }

  /** `a << amount` (amount below 32). */
  shiftLeft(a: BitVector, amount: number): BitVector {
    return a.map((_, bit) => (bit < amount ? this.false : (a[bit - amount] ?? this.false)));
  }

  /** `a >>> amount` (amount below 32). */
  shiftRight(a: BitVector, amount: number): BitVector {
    return a.map((_, bit) => (bit + amount < WORD_BITS ? (a[bit + amount] ?? this.false) : this.false));
  }

  /** `a * k` modulo 2^32 for a constant `k` (sum of shifted copies, exact). */
  multiplyConstant(a: BitVector, k: number): BitVector {
    let product = this.constantVector(0);
    for (let bit = 0; bit < WORD_BITS; bit++) {
      if ((k >>> bit) & 1) product = this.add(product, this.shiftLeft(a, bit));
    }
    return product;
  }

  /** `a == b` as a boolean function (built from the least significant bit up). */
  equal(a: BitVector, b: BitVector): number {
    let result = this.true;
    for (let bit = 0; bit < a.length; bit++) {
      const x = a[bit] ?? this.false;
      const y = b[bit] ?? this.false;
      // One test per bit when a side is a constant, the usual case.
      if (y === this.true) result = this.ite(x, result, this.false);
      else if (y === this.false) result = this.ite(x, this.false, result);
      else result = this.ite(x, this.ite(y, result, this.false), this.ite(y, this.false, result));
    }
    return result;
  }

  /**
   * `a > b` (or `a >= b` when `orEqual`) unsigned, over vectors of any equal length (least
   * significant bit first). Built from the least significant bit up, so each step adds one test
   * above what is already built.
   */
  greater(a: BitVector, b: BitVector, orEqual: boolean): number {
    let result = orEqual ? this.true : this.false;
    for (let bit = 0; bit < a.length; bit++) {
      const x = a[bit] ?? this.false;
      const y = b[bit] ?? this.false;
      result = this.ite(x, this.ite(y, result, this.true), this.ite(y, this.false, result));
    }
    return result;
  }

  /** `(a & b) != 0`. */
  anyCommon(a: BitVector, b: BitVector): number {
    let result = this.false;
    for (let bit = 0; bit < a.length; bit++) {
      const y = b[bit] ?? this.false;
      if (y === this.false) continue;
      result = this.ite(a[bit] ?? this.false, y === this.true ? this.true : this.ite(y, this.true, result), result);
    }
    return result;
  }

  private allocate(variable: number, low: number, high: number): number {
    if (this.count >= this.maxNodes) throw new BddLimitError(this.maxNodes);
    if (this.count === this.vars.length) {
      const size = this.vars.length * 2;
      this.vars = grow(this.vars, size);
      this.lows = grow(this.lows, size);
      this.highs = grow(this.highs, size);
    }
    const node = this.count++;
    if (this.count > this.cacheMask && this.cacheMask < maxCacheEntries) {
      const entries = (this.cacheMask + 1) * 4;
      this.cache = new Int32Array(entries * 4).fill(-1);
      this.cacheMask = entries - 1;
    }
    this.vars[node] = variable;
    this.lows[node] = low;
    this.highs[node] = high;
    return node;
  }

  private growTable(): void {
    const size = (this.tableMask + 1) * 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let node = 0; node < this.count; node++) {
      const variable = this.vars[node] ?? TERMINAL;
      if (variable === TERMINAL) continue;
      let slot = hash3(variable, this.lows[node] ?? 0, this.highs[node] ?? 0) & mask;
      while ((table[slot] ?? -1) >= 0) slot = (slot + 1) & mask;
      table[slot] = node;
    }
    this.table = table;
    this.tableMask = mask;
  }
}

function grow(array: Int32Array, size: number): Int32Array {
  const next = new Int32Array(size);
  next.set(array);
  return next;
}

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
