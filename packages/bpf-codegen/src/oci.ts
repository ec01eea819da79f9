/**
 * OCI container seccomp profiles (`linux.seccomp` of the runtime spec, what runc, crun, Docker,
 * Podman and Kubernetes load through libseccomp): export of lowered policies, and the reading of
 * a profile that runc applies, as libseccomp rules. Pure: no Node modules.
 *
 * Why the export is exact: Minijail evaluates a syscall's filters in order (first match wins,
 * then the fallback), while libseccomp has no order between rules, ANDs the comparisons of one
 * rule, refuses two comparisons of one argument in a rule, and runc ORs every comparison of an
 * entry that names one argument twice. So each filter's clauses become entries minus the earlier
 * filters with another action (the entries of different actions are disjoint and their order
 * no longer matters), comparisons of one argument are merged into one comparison or split into
 * aligned bit blocks (`SCMP_CMP_MASKED_EQ`), and range comparisons of an argument that several
 * entries test are rewritten as blocks too (libseccomp 2.5.4 mis-compiles those).
 */
import type { Diagnostic } from '@syscage/policy-parser';
import { codegenDiagnostic, fileStart } from './codes.js';
import { conditionAlternatives, type LibseccompCondition, type LibseccompRequest, type LibseccompRule } from './libseccomp-rules.js';
import type { LoweredComparison, LoweredPolicy, LoweredSyscall } from './lower.js';
import type { SeccompAction, SeccompActionKind } from './options.js';

/** An OCI (libseccomp) action name. */
export type OciAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

/** An OCI (libseccomp) comparison name; `SCMP_CMP_MASKED_EQ` is `(arg & value) == valueTwo`. */
export type OciOperator = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';

/** One argument comparison of an OCI syscall entry; values are unsigned 64-bit. */
export interface OciSeccompArg {
  /** The argument index, 0 to 5. */
  readonly index: number;
  /** The operand (for `SCMP_CMP_MASKED_EQ`, the mask). */
  readonly value: bigint;
  /** For `SCMP_CMP_MASKED_EQ`, what the masked argument must equal. */
  readonly valueTwo?: bigint;
  /** The comparison. */
  readonly op: OciOperator;
}

/**
 * Moby's conditions on an entry (`includes`: all must hold; `excludes`: any drops the entry):
 * host architectures (Moby's names, `amd64`, `arm64`, …), capabilities, a least kernel version.
 */
export interface OciEntryConditions {
  /** Moby architecture names (`amd64`, `arm64`, `x86`, `arm`, …). */
  readonly arches?: readonly string[];
  /** Capability names (`CAP_SYS_ADMIN`, …). */
  readonly caps?: readonly string[];
  /** A kernel version `X.Y` (or `X.Y.Z`). */
  readonly minKernel?: string;
}

/** One entry of `linux.seccomp.syscalls`: the action for the named syscalls when every comparison holds. */
export interface OciSyscallEntry {
  /** Syscall names (at least one). */
  readonly names: readonly string[];
  /** What a matching call gets. */
  readonly action: OciAction;
  /** The errno for `SCMP_ACT_ERRNO` (and the data for `SCMP_ACT_TRACE`). */
  readonly errnoRet?: number;
  /** Comparisons that must all hold (absent: unconditional). */
  readonly args?: readonly OciSeccompArg[];
  /** Moby: the entry applies only when all of these hold. */
  readonly includes?: OciEntryConditions;
  /** Moby: the entry is dropped when any of these holds. */
  readonly excludes?: OciEntryConditions;
  /** Moby: a note on the entry. */
  readonly comment?: string;
}

/** An OCI `linux.seccomp` object. */
export interface OciSeccompProfile {
  /** What calls no entry matches get. */
  readonly defaultAction: OciAction;
  /** The errno of an `SCMP_ACT_ERRNO` default action. */
  readonly defaultErrnoRet?: number;
  /** libseccomp architecture names (`SCMP_ARCH_X86_64`, …). */
  readonly architectures: readonly string[];
  /** The entries. */
  readonly syscalls: readonly OciSyscallEntry[];
  /** Moby: per host architecture, the architectures the profile then covers (instead of `architectures`). */
  readonly archMap?: readonly { readonly architecture: string; readonly subArchitectures?: readonly string[] }[];
  /** `SECCOMP_FILTER_FLAG_*` names. */
  readonly flags?: readonly string[];
}

/** Options of {@link exportOciProfile}. */
export interface OciExportOptions {
  /**
   * Most entries one syscall may need before the export gives up on it (SC4036): splitting
   * comparisons into bit blocks and subtracting earlier filters can multiply entries.
   * @defaultValue 512
   */
  readonly maxEntriesPerSyscall?: number;
}

/** Result of {@link exportOciProfile}. */
export interface OciExportResult {
  /** Absent when an error diagnostic was reported (nothing half-converted). */
  readonly profile?: OciSeccompProfile;
  /** Errors (what the profile cannot say exactly) and warnings (differences of the runtimes). */
  readonly diagnostics: readonly Diagnostic[];
}

const SCMP_ARCH_NAMES: Readonly<Record<string, string>> = {
  x86_64: 'SCMP_ARCH_X86_64',
  i386: 'SCMP_ARCH_X86',
  aarch64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  riscv64: 'SCMP_ARCH_RISCV64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
};

/**
 * Moby's names of the architectures (what `includes.arches` / `excludes.arches` name: the Go
 * port names Docker compares with the host's `runtime.GOARCH`, `x86` for 386).
 */
const MOBY_ARCH_NAMES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  i386: 'x86',
  aarch64: 'arm64',
  arm: 'arm',
  riscv64: 'riscv64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
};

/** Moby's `includes.arches` name of one of Syscage's architecture names, or `undefined`. */
export function mobyArchName(arch: string): string | undefined {
  return MOBY_ARCH_NAMES[arch];
}

/** The libseccomp `SCMP_ARCH_*` name of one of Syscage's architecture names, or `undefined`. */
export function ociArchName(arch: string): string | undefined {
  return SCMP_ARCH_NAMES[arch];
}

/** Syscage's architecture name of a libseccomp `SCMP_ARCH_*` name, or `undefined`. */
export function archNameOfOci(scmpArch: string): string | undefined {
  return Object.keys(SCMP_ARCH_NAMES).find((name) => SCMP_ARCH_NAMES[name] === scmpArch);
}

/** The OCI name of each seccomp action kind, both ways of the translation. */
const ociActionNames: Readonly<Record<SeccompActionKind, OciAction>> = {
  allow: 'SCMP_ACT_ALLOW',
  'kill-process': 'SCMP_ACT_KILL_PROCESS',
  'kill-thread': 'SCMP_ACT_KILL_THREAD',
  trap: 'SCMP_ACT_TRAP',
  errno: 'SCMP_ACT_ERRNO',
  trace: 'SCMP_ACT_TRACE',
  log: 'SCMP_ACT_LOG',
  'user-notify': 'SCMP_ACT_NOTIFY',
};

/** The inverse of {@link ociActionNames}, plus `SCMP_ACT_KILL`, the older name of kill-thread (read, never written). */
const seccompActionKinds: ReadonlyMap<OciAction, SeccompActionKind> = new Map<OciAction, SeccompActionKind>([
  ['SCMP_ACT_KILL', 'kill-thread'],
  ...(Object.keys(ociActionNames) as SeccompActionKind[]).map((kind) => [ociActionNames[kind], kind] as const),
]);

/** The OCI action and errno of a seccomp action. */
export function ociAction(action: SeccompAction): { readonly action: OciAction; readonly errnoRet?: number } {
  const name = ociActionNames[action.kind];
  return action.kind === 'errno' ? { action: name, errnoRet: action.errno ?? 0 } : { action: name };
}

/**
 * The seccomp action an OCI action means (`SCMP_ACT_KILL` is kill-thread; runc's default errno
 * for `SCMP_ACT_ERRNO` without `errnoRet` is EPERM, 1).
 */
export function seccompActionOfOci(action: OciAction, errnoRet?: number): SeccompAction {
  const kind = seccompActionKinds.get(action);
  // Every OciAction is in the map; the type of `action` says so, the map's cannot.
  if (kind === undefined) throw new Error(`no seccomp action for ${action}`);
  return kind === 'errno' ? { kind, errno: errnoRet ?? 1 } : { kind };
}

/** ENOSYS on every architecture Syscage exports for. */
const ENOSYS = 38;

const sameAction = (a: SeccompAction, b: SeccompAction): boolean => a.kind === b.kind && (a.errno ?? 0) === (b.errno ?? 0);

/** A conjunction of conditions on distinct arguments; `[]` is true. */
type Term = readonly LibseccompCondition[];
/** A disjunction of terms; `[]` is false. */
type Dnf = readonly Term[];

interface Interval {
  readonly lo: bigint;
  readonly hi: bigint;
}

function intervalsOf(condition: LibseccompCondition, max: bigint): Interval[] | undefined {
  const v = condition.value;
  switch (condition.op) {
    case 'eq':
      return [{ lo: v, hi: v }];
    case 'ne':
      return [
        ...(v > 0n ? [{ lo: 0n, hi: v - 1n }] : []),
        ...(v < max ? [{ lo: v + 1n, hi: max }] : []),
      ];
    case 'lt':
      return v > 0n ? [{ lo: 0n, hi: v - 1n }] : [];
    case 'le':
      return [{ lo: 0n, hi: v }];
    case 'gt':
      return v < max ? [{ lo: v + 1n, hi: max }] : [];
    case 'ge':
      return [{ lo: v, hi: max }];
    case 'masked_eq':
      return undefined;
  }
}

/**
 * `intervalsOf` kept per condition object: the implication checks of `absorb` ask for the same
 * conditions' intervals millions of times on large products (conditions are never changed).
 */
const intervalCache = new WeakMap<LibseccompCondition, { readonly max: bigint; readonly intervals: Interval[] | undefined }>();
function cachedIntervalsOf(condition: LibseccompCondition, max: bigint): Interval[] | undefined {
  const cached = intervalCache.get(condition);
  if (cached?.max === max) return cached.intervals;
  const intervals = intervalsOf(condition, max);
  intervalCache.set(condition, { max, intervals });
  return intervals;
}

/**
 * Aligned blocks covering an interval exactly, each as `(arg & ~(2^k - 1)) == base`: from `lo`
 * up, each block the largest power of two that divides its base and fits in what is left (its
 * size found from the bits at once: random 64-bit ranges have about 120 blocks, and doubling a
 * size bit by bit took most of a random-policy export's time).
 */
function blocks(arg: number, interval: Interval, max: bigint): LibseccompCondition[] {
  const out: LibseccompCondition[] = [];
  let lo = interval.lo;
  while (lo <= interval.hi) {
    const left = interval.hi - lo + 1n;
    // The highest power of two not above what is left (at most max + 1, as hi <= max)...
    let size = 1n << BigInt(left.toString(2).length - 1);
    // ...and not above the lowest set bit of the base (0 is aligned to any size).
    const aligned = lo & -lo;
    if (aligned !== 0n && aligned < size) size = aligned;
    if (size > max + 1n) size = max + 1n;
    out.push({ arg, op: 'masked_eq', mask: max & ~(size - 1n), value: lo });
    lo += size;
  }
  return out;
}

/** One interval as the fewest conditions (one comparison when it has an open end). */
function intervalConditions(arg: number, interval: Interval, max: bigint): LibseccompCondition[] {
  if (interval.lo === interval.hi) return [{ arg, op: 'eq', value: interval.lo }];
  if (interval.lo === 0n && interval.hi === max) return [{ arg, op: 'masked_eq', mask: 0n, value: 0n }];
  if (interval.lo === 0n) return [{ arg, op: 'le', value: interval.hi }];
  if (interval.hi === max) return [{ arg, op: 'ge', value: interval.lo }];
  return blocks(arg, interval, max);
}

function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const lo = x.lo > y.lo ? x.lo : y.lo;
      const hi = x.hi < y.hi ? x.hi : y.hi;
      if (lo <= hi) out.push({ lo, hi });
    }
  }
  return out;
}

function mergeMasked(a: LibseccompCondition, b: LibseccompCondition): LibseccompCondition[] {
  const ma = a.mask ?? 0n;
  const mb = b.mask ?? 0n;
  const common = ma & mb;
  if ((a.value & common) !== (b.value & common)) return [];
  return [{ arg: a.arg, op: 'masked_eq', mask: ma | mb, value: a.value | b.value }];
}

/**
 * The AND of two conditions on one argument as alternatives (an OR of single conditions): one
 * comparison when they merge, none when they contradict, aligned blocks otherwise.
 */
export function mergeSameArg(a: LibseccompCondition, b: LibseccompCondition, max: bigint): LibseccompCondition[] {
  const ia = intervalsOf(a, max);
  const ib = intervalsOf(b, max);
  if (ia && ib) {
    const both = intersectIntervals(ia, ib);
    // `!= x` kept as one comparison when the intersection is exactly everything but x.
    const first = both[0];
    const second = both[1];
    if (both.length === 2 && first && second && first.lo === 0n && second.hi === max && second.lo === first.hi + 2n) {
      return [{ arg: a.arg, op: 'ne', value: first.hi + 1n }];
    }
    return both.flatMap((interval) => intervalConditions(a.arg, interval, max));
  }
  if (!ia && !ib) return mergeMasked(a, b);
  const masked = ia ? b : a;
  const intervals = ia ?? ib ?? [];
  // A full mask pins the value: keep it as `==` when it lies in the intervals.
  if ((masked.mask ?? 0n) === max) {
    return intervals.some((i) => masked.value >= i.lo && masked.value <= i.hi) ? [{ arg: a.arg, op: 'eq', value: masked.value }] : [];
  }
  if (intervals.length === 1 && intervals[0]?.lo === 0n && intervals[0].hi === max) return [masked];
  return intervals.flatMap((interval) => blocks(a.arg, interval, max)).flatMap((block) => mergeMasked(block, masked));
}

const isTrue = (c: LibseccompCondition): boolean => c.op === 'masked_eq' && (c.mask ?? 0n) === 0n && c.value === 0n;

/** Whether every value `a` admits, `b` admits too (conditions on one argument). */
function implies(a: LibseccompCondition, b: LibseccompCondition, max: bigint): boolean {
  if (isTrue(b)) return true;
  const ia = cachedIntervalsOf(a, max);
  const ib = cachedIntervalsOf(b, max);
  const inside = (i: Interval, js: readonly Interval[]): boolean => js.some((j) => i.lo >= j.lo && i.hi <= j.hi);
  if (ia && ib) return ia.every((i) => inside(i, ib));
  const mb = b.mask ?? 0n;
  if (ia) {
    // An interval lies in a cube when its lowest value matches and every bit that varies inside it
    // is free: the bits below the highest bit of lo ^ hi, all under the mask's lowest set bit.
    const lowestMaskBit = mb & -mb;
    return ia.every((i) => (i.lo & mb) === b.value && (mb === 0n || (i.lo ^ i.hi) < lowestMaskBit));
  }
  const ma = a.mask ?? 0n;
  // A cube: its lowest and highest values and the values it excludes.
  if ((a.value & ~ma) !== 0n) return true;
  if (!ib) return (mb & ~ma) === 0n && (a.value & mb) === b.value;
  const lowest = a.value;
  const highest = a.value | (max & ~ma);
  if (inside({ lo: lowest, hi: highest }, ib)) return true;
  // `!= v`: the cube lies in it when v is outside the cube.
  return b.op === 'ne' && (b.value & ma) !== a.value;
}

/** Whether term `a` implies term `b` (each of `b`'s conditions follows from `a`'s on its argument). */
function termImplies(a: Term, b: Term, max: bigint): boolean {
  return b.every((cb) => {
    const ca = a.find((c) => c.arg === cb.arg);
    return ca === undefined ? isTrue(cb) : implies(ca, cb, max);
  });
}

/**
 * The terms without those another term implies (the OR means the same). Checked pairwise, so
 * only for lists small enough that it costs less than the entries it saves.
 */
function absorb(terms: readonly Term[], max: bigint): Term[] {
  if (terms.length > 4096) return [...terms];
  // A copy of an earlier term is always dropped (the earlier one covers it), and the earlier one
  // is covered exactly when a copy would be: so copies go first, by text, before the pairwise
  // check. What is checked pairwise is then cut by the arguments: a term implies another only if
  // it tests every argument the other tests. Random policies gave thousands of products whose
  // pairwise check took seconds per syscall before the export could refuse them (SC4036).
  const seen = new Set<string>();
  const unique: Term[] = [];
  for (const term of terms) {
    const key = term.map((c) => `${String(c.arg)}:${c.op}:${String(c.mask ?? '')}:${String(c.value)}`).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(term);
  }
  // What each term tests, and what it restricts (a condition every value meets restricts nothing).
  const tested = unique.map((term) => term.reduce((mask, c) => mask | (1 << c.arg), 0));
  const restricted = unique.map((term) => term.reduce((mask, c) => (isTrue(c) ? mask : mask | (1 << c.arg)), 0));
  const kept: Term[] = [];
  for (const [index, term] of unique.entries()) {
    const mine = tested[index] ?? 0;
    const covered = unique.some((other, j) => {
      if (j === index || ((restricted[j] ?? 0) & ~mine) !== 0) return false;
      return termImplies(term, other, max) && (j < index || !termImplies(other, term, max));
    });
    if (!covered) kept.push(term);
  }
  return kept;
}

/** Adds one condition to a term: the terms (an OR) whose conditions name each argument once. */
function addCondition(term: Term, condition: LibseccompCondition, max: bigint): Term[] {
  if (isTrue(condition)) return [term];
  const existing = term.find((c) => c.arg === condition.arg);
  if (!existing) return [[...term, condition].sort((x, y) => x.arg - y.arg)];
  const rest = term.filter((c) => c !== existing);
  return mergeSameArg(existing, condition, max).map((merged) => (isTrue(merged) ? rest : [...rest, merged].sort((x, y) => x.arg - y.arg)));
}

function and(a: Dnf, b: Dnf, max: bigint, limit: number): Dnf | undefined {
  const out: Term[] = [];
  for (const x of a) {
    // x already inside one of b's terms: x ∧ b is x (a `& bit` filter minus an `in` filter it cannot meet).
    if (b.some((y) => termImplies(x, y, max))) {
      out.push(x);
      continue;
    }
    const products: Term[] = [];
    for (const y of b) {
      let terms: Term[] = [x];
      for (const condition of y) terms = terms.flatMap((term) => addCondition(term, condition, max));
      products.push(...terms);
      if (out.length + products.length > limit * 4) return undefined;
    }
    out.push(...absorb(products, max));
    if (out.length > limit) return undefined;
  }
  return absorb(out, max);
}

/** The comparison that is false exactly where each plain comparison is true. */
const negatedOperators = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const;

/** The comparison true exactly where `comparison` is false, on a `bits`-wide argument. */
function negatedComparison(comparison: LoweredComparison, bits: 32 | 64): LoweredComparison {
  const outside = ((1n << BigInt(bits)) - 1n) & ~comparison.value;
  switch (comparison.operator) {
    case 'in':
      // Not `in V`: some bit outside V is set.
      return { ...comparison, operator: '&', value: outside };
    case '&':
      // Not `& V`: no bit of V is set, that is, every set bit is outside V.
      return { ...comparison, operator: 'in', value: outside };
    default:
      return { ...comparison, operator: negatedOperators[comparison.operator] };
  }
}

/** The negation of one comparison as alternatives (every alternative of a comparison is one condition). */
function negatedAlternatives(comparison: LoweredComparison, bits: 32 | 64): LibseccompCondition[] {
  return conditionAlternatives(negatedComparison(comparison, bits), bits).flat();
}

/** The OR of a filter's clauses, each an AND of comparisons. */
function clauseDnf(clauses: readonly (readonly LoweredComparison[])[], bits: 32 | 64, max: bigint, limit: number): Dnf | undefined {
  const out: Term[] = [];
  for (const clause of clauses) {
    let dnf: Dnf | undefined = [[]];
    for (const comparison of clause) {
      dnf = and(dnf, conditionAlternatives(comparison, bits).map((alternative) => alternative), max, limit);
      if (!dnf) return undefined;
    }
    out.push(...dnf);
    if (out.length > limit) return undefined;
  }
  return out;
}

function negatedClauses(clauses: readonly (readonly LoweredComparison[])[], bits: 32 | 64, max: bigint, limit: number): Dnf | undefined {
  let dnf: Dnf | undefined = [[]];
  for (const clause of clauses) {
    const negation: Term[] = clause.flatMap((comparison) => negatedAlternatives(comparison, bits).map((c) => [c]));
    dnf = and(dnf, negation, max, limit);
    if (!dnf) return undefined;
  }
  return dnf;
}

/**
 * A set of calls as bit cubes over the six arguments side by side (argument i at bits 64·i and
 * up): `(args & mask) == value`; mask 0 is every call. One cube is one entry whose comparisons
 * are `SCMP_CMP_MASKED_EQ` (or `SCMP_CMP_EQ`) on the arguments it fixes.
 */
interface Cube {
  readonly mask: bigint;
  readonly value: bigint;
}

const EVERY: Cube = { mask: 0n, value: 0n };

function intersectCubes(a: Cube, b: Cube): Cube | undefined {
  if (((a.value ^ b.value) & a.mask & b.mask) !== 0n) return undefined;
  return { mask: a.mask | b.mask, value: a.value | b.value };
}

const cubeInside = (a: Cube, b: Cube): boolean => (b.mask & ~a.mask) === 0n && (a.value & b.mask) === b.value;

/** The cubes without those inside another (duplicates kept once). */
function absorbCubes(cubes: readonly Cube[]): Cube[] {
  return cubes.filter((cube, i) => !cubes.some((other, j) => j !== i && cubeInside(cube, other) && (j < i || !cubeInside(other, cube))));
}

/** The bits of a bigint, lowest first. */
function* bitsOf(value: bigint): Generator<bigint> {
  for (let bit = 1n; bit <= value; bit <<= 1n) if ((value & bit) !== 0n) yield bit;
}

/** The calls one comparison admits as cubes (ORed), or `undefined` for a range or `!=`. */
function comparisonCubes(comparison: LoweredComparison, max: bigint): Cube[] | undefined {
  const shift = BigInt(comparison.arg * 64);
  const value = comparison.value & max;
  switch (comparison.operator) {
    case '==':
      return [{ mask: max << shift, value: value << shift }];
    case 'in':
      return [{ mask: (max & ~value) << shift, value: 0n }];
    case '&':
      return [...bitsOf(value)].map((bit) => ({ mask: bit << shift, value: bit << shift }));
    default:
      return undefined;
  }
}

/** A filter's calls as cubes, when it compares with `==`, `in` and `&` only. */
function filterCubes(clauses: readonly (readonly LoweredComparison[])[], max: bigint): Cube[] | undefined {
  const out: Cube[] = [];
  for (const clause of clauses) {
    let product: Cube[] = [EVERY];
    for (const comparison of clause) {
      const alternatives = comparisonCubes(comparison, max);
      if (!alternatives) return undefined;
      product = absorbCubes(product.flatMap((a) => alternatives.flatMap((b) => intersectCubes(a, b) ?? [])));
    }
    out.push(...product);
  }
  return absorbCubes(out);
}

/**
 * The calls no cube admits, as cubes that may overlap (an OR of one action needs no
 * disjointness). Unate recursion: bits every cube fixes alike give one single-bit cube each (of
 * the other value); else the bit most cubes fix splits the set, and a cube both halves need is
 * kept without that bit.
 */
function complementCubes(cubes: readonly Cube[]): Cube[] {
  const first = cubes[0];
  if (first === undefined) return [EVERY];
  if (cubes.some((cube) => cube.mask === 0n)) return [];
  let common = first.mask;
  for (const cube of cubes) common &= cube.mask & ~(cube.value ^ first.value);
  if (common !== 0n) {
    const single = [...bitsOf(common)].map((bit) => ({ mask: bit, value: ~first.value & bit }));
    return [...single, ...complementCubes(cubes.map((cube) => ({ mask: cube.mask & ~common, value: cube.value & ~common })))];
  }
  const counts = new Map<bigint, number>();
  for (const cube of cubes) for (const bit of bitsOf(cube.mask)) counts.set(bit, (counts.get(bit) ?? 0) + 1);
  let split = 0n;
  let best = -1;
  for (const [bit, count] of counts) if (count > best) [split, best] = [bit, count];
  const half = (bitValue: bigint): Cube[] =>
    complementCubes(cubes.filter((cube) => (cube.mask & split) === 0n || (cube.value & split) === bitValue).map((cube) => ({ mask: cube.mask & ~split, value: cube.value & ~split })));
  const zero = half(0n);
  const one = half(split);
  const key = (cube: Cube): string => `${cube.mask.toString(16)}/${cube.value.toString(16)}`;
  const inOne = new Set(one.map(key));
  const inZero = new Set(zero.map(key));
  return absorbCubes([
    ...zero.map((cube) => (inOne.has(key(cube)) ? cube : { mask: cube.mask | split, value: cube.value })),
    ...one.filter((cube) => !inZero.has(key(cube))).map((cube) => ({ mask: cube.mask | split, value: cube.value | split })),
  ]);
}

/** A cube as the conditions of a term: `==` where it fixes a whole argument, `SCMP_CMP_MASKED_EQ` elsewhere. */
function cubeTerm(cube: Cube, max: bigint): Term {
  const term: LibseccompCondition[] = [];
  for (let arg = 0; arg < 6; arg++) {
    const shift = BigInt(arg * 64);
    const mask = (cube.mask >> shift) & max;
    const value = (cube.value >> shift) & max;
    if (mask === max) term.push({ arg, op: 'eq', value });
    else if (mask !== 0n) term.push({ arg, op: 'masked_eq', mask, value });
  }
  return term;
}

/** The calls outside `cubes` as terms: one `!=` when that is all but one value of one argument. */
function complementTerms(cubes: readonly Cube[], max: bigint): Term[] {
  const only = cubes[0];
  if (cubes.length === 1 && only !== undefined) {
    const arg = [0, 1, 2, 3, 4, 5].find((i) => only.mask === max << BigInt(i * 64));
    if (arg !== undefined) return [[{ arg, op: 'ne', value: only.value >> BigInt(arg * 64) }]];
  }
  return complementCubes(cubes).map((cube) => cubeTerm(cube, max));
}

/**
 * The entries of a syscall whose filters compare with `==`, `in` and `&` only, built as sets of
 * cubes: a filter's calls minus the earlier filters' of other actions, the fallback's as the
 * complement of all of them. Cubes avoid the comparisons' product of negations (whose `!=`
 * terms libseccomp 2.5.4 takes minutes or forever to compile when dozens share a syscall).
 * `undefined` when a filter has another comparison.
 */
function cubeRules(syscall: LoweredSyscall, policy: LoweredPolicy): { action: SeccompAction; terms: Dnf }[] | undefined {
  const max = (1n << BigInt(policy.arch.bits)) - 1n;
  const sets: Cube[][] = [];
  for (const filter of syscall.filters) {
    const cubes = filterCubes(filter.clauses, max);
    if (!cubes) return undefined;
    sets.push(cubes);
  }
  const rules: { action: SeccompAction; terms: Dnf }[] = [];
  syscall.filters.forEach((filter, index) => {
    if (sameAction(filter.action, policy.defaultAction)) return;
    const mine = sets[index] ?? [];
    // Only the earlier filters' cubes of another action that meet this filter's take calls from it
    // (an imported policy's filters are disjoint: none do, and no complement is built).
    const earlier = syscall.filters
      .slice(0, index)
      .flatMap((other, j) => (sameAction(other.action, filter.action) ? [] : (sets[j] ?? [])))
      .filter((cube) => mine.some((own) => intersectCubes(own, cube) !== undefined));
    const outside = earlier.length === 0 ? [EVERY] : complementCubes(absorbCubes(earlier));
    const own = earlier.length === 0 ? mine : absorbCubes(mine.flatMap((a) => outside.flatMap((b) => intersectCubes(a, b) ?? [])));
    rules.push({ action: filter.action, terms: own.map((cube) => cubeTerm(cube, max)) });
  });
  if (!sameAction(syscall.fallback.action, policy.defaultAction)) {
    rules.push({ action: syscall.fallback.action, terms: complementTerms(absorbCubes(sets.flat()), max) });
  }
  return rules;
}

interface SyscallEntries {
  readonly rules: readonly { readonly action: SeccompAction; readonly terms: Dnf }[];
}

/** One syscall's entries, or `undefined` when they exceed the limit. */
function syscallEntries(syscall: LoweredSyscall, policy: LoweredPolicy, limit: number): SyscallEntries | undefined {
  const bits = policy.arch.bits;
  const max = (1n << BigInt(bits)) - 1n;
  // Filters comparing with `==`, `in` and `&` are sets of bit cubes: built exactly and small that
  // way; ranges and `!=` go through the comparisons' DNF below.
  const cubedRules = syscall.filters.length > 0 ? cubeRules(syscall, policy) : undefined;
  const cubed = cubedRules !== undefined;
  const rules: { action: SeccompAction; terms: Dnf }[] = cubedRules ?? [];
  const matched: { action: SeccompAction; negation: Dnf }[] = [];
  // Work only for what is written: entries with the default action are left out, so their terms,
  // the fallback's when it is the default, and negations no later rule subtracts are not built
  // (an imported policy has many filters of one action falling back to the default).
  const fallbackWritten = !sameAction(syscall.fallback.action, policy.defaultAction);
  let none: Dnf | undefined = [[]];
  for (const [index, filter] of (cubed ? [] : syscall.filters).entries()) {
    if (!sameAction(filter.action, policy.defaultAction)) {
      let terms = clauseDnf(filter.clauses, bits, max, limit);
      if (!terms) return undefined;
      // Subtract the earlier filters of another action: a call they match never reaches this one.
      for (const earlier of matched) {
        if (sameAction(earlier.action, filter.action)) continue;
        terms = and(terms, earlier.negation, max, limit);
        if (!terms) return undefined;
      }
      rules.push({ action: filter.action, terms });
    }
    const subtracted = syscall.filters.slice(index + 1).some((later) => !sameAction(later.action, filter.action) && !sameAction(later.action, policy.defaultAction));
    if (!subtracted && !fallbackWritten) continue;
    const negation = negatedClauses(filter.clauses, bits, max, limit);
    if (!negation) return undefined;
    matched.push({ action: filter.action, negation });
    if (fallbackWritten) {
      none = and(none, negation, max, limit);
      if (!none) return undefined;
    }
  }
  if (fallbackWritten && !cubed) rules.push({ action: syscall.fallback.action, terms: none });
  // Entries with the default action are left out (runc skips them, libseccomp refuses them);
  // entries of one action merge into one list of terms.
  const byAction: { action: SeccompAction; terms: Term[] }[] = [];
  for (const rule of rules) {
    if (sameAction(rule.action, policy.defaultAction)) continue;
    const group = byAction.find((g) => sameAction(g.action, rule.action));
    if (group) group.terms.push(...rule.terms);
    else byAction.push({ action: rule.action, terms: [...rule.terms] });
  }
  const shared: Term[] = byAction.flatMap((g) => g.terms);
  if (withoutSharedRangesFor(shared, shared, max, limit) === undefined) return undefined;
  const out: { action: SeccompAction; terms: Dnf }[] = [];
  for (const group of byAction) {
    // Never undefined here: a group's terms are part of `shared`, which fitted.
    const terms = withoutSharedRangesFor(group.terms, shared, max, limit);
    if (terms === undefined) return undefined;
    out.push({ action: group.action, terms });
  }
  return { rules: out };
}

/**
 * One action's terms with the range comparisons of an argument that several terms of the
 * syscall (`all`) test rewritten as aligned blocks (libseccomp 2.5.4 mis-compiles those), or
 * `undefined` when that needs more than `limit` terms. The count is checked before each product
 * is built: ranges on several arguments of one term multiply (three 64-bit ranges are up to
 * 128³ blocks), which ran the export out of memory on a random policy.
 */
function withoutSharedRangesFor(terms: Dnf, all: Dnf, max: bigint, limit: number): Dnf | undefined {
  if (all.length < 2) return terms;
  const count = new Map<number, number>();
  for (const term of all) for (const c of term) count.set(c.arg, (count.get(c.arg) ?? 0) + 1);
  const out: Term[] = [];
  for (const term of terms) {
    let expanded: Term[] = [[]];
    for (const c of term) {
      const ranged = ['lt', 'le', 'gt', 'ge'].includes(c.op) && (count.get(c.arg) ?? 0) > 1;
      const alternatives = ranged ? (intervalsOf(c, max) ?? []).flatMap((i) => blocks(c.arg, i, max)) : [c];
      if (out.length + expanded.length * alternatives.length > limit) return undefined;
      expanded = expanded.flatMap((prefix) => alternatives.map((alternative) => [...prefix, alternative]));
    }
    out.push(...expanded);
  }
  return out;
}

const OPS: Readonly<Record<LibseccompCondition['op'], OciOperator>> = {
  eq: 'SCMP_CMP_EQ',
  ne: 'SCMP_CMP_NE',
  lt: 'SCMP_CMP_LT',
  le: 'SCMP_CMP_LE',
  gt: 'SCMP_CMP_GT',
  ge: 'SCMP_CMP_GE',
  masked_eq: 'SCMP_CMP_MASKED_EQ',
};

function ociArg(condition: LibseccompCondition): OciSeccompArg {
  if (condition.op === 'masked_eq') return { index: condition.arg, value: condition.mask ?? 0n, valueTwo: condition.value, op: 'SCMP_CMP_MASKED_EQ' };
  return { index: condition.arg, value: condition.value, op: OPS[condition.op] };
}

/** Key of an entry without its names, to give several syscalls one entry. */
function entryKey(action: SeccompAction, term: Term): string {
  return JSON.stringify([action.kind, action.errno ?? 0, term.map((c) => [c.arg, c.op, String(c.value), String(c.mask ?? 0n)])]);
}

/**
 * Exports lowered policies (one per architecture, the same policy lowered for each) as one OCI
 * `linux.seccomp` profile whose decisions equal the policies' for every syscall of every
 * architecture. A syscall filtered differently per architecture gets entries with Moby's
 * `includes.arches` (warning SC4038: runc and containerd ignore it). Errors (no profile):
 * policies whose default actions differ, architectures with no libseccomp name, a syscall
 * needing more than `maxEntriesPerSyscall` entries. Warnings: decisions the runtime makes
 * itself (numbers that are no syscall get the default action, not the policy's invalid-number
 * action, when the default allows; the architecture-mismatch action is the runtime's).
 */
export function exportOciProfile(policies: readonly LoweredPolicy[], options: OciExportOptions = {}): OciExportResult {
  const limit = options.maxEntriesPerSyscall ?? 512;
  const diagnostics: Diagnostic[] = [];
  const first = policies[0];
  if (!first) return { diagnostics };
  const architectures: string[] = [];
  for (const policy of policies) {
    const name = ociArchName(policy.arch.name);
    if (name === undefined) {
      diagnostics.push(codegenDiagnostic('SC4035', `architecture '${policy.arch.name}' has no libseccomp name, so an OCI profile cannot name it`, policy.entry, fileStart));
    } else if (!architectures.includes(name)) architectures.push(name);
    if (!sameAction(policy.defaultAction, first.defaultAction)) {
      diagnostics.push(
        codegenDiagnostic('SC4035', `the default action differs between ${first.arch.name} and ${policy.arch.name}; an OCI profile has one default action`, policy.entry, fileStart),
      );
    }
    if (policy.denylist || (policy.defaultAction.kind === 'allow' || policy.defaultAction.kind === 'log')) {
      diagnostics.push(
        codegenDiagnostic(
          'SC4037',
          `numbers that are no syscall on ${policy.arch.name} get the profile's permissive default action from libseccomp, not the policy's invalid-number action`,
          policy.entry,
          fileStart,
        ),
      );
    }
  }
  // Entries per syscall name and architecture: an entry every architecture that knows the name
  // has is written plainly, the others carry Moby's `includes.arches`.
  const perName = new Map<string, Map<string, Map<string, { action: SeccompAction; term: Term }>>>();
  const firstOrigin = new Map<string, LoweredSyscall>();
  for (const policy of policies) {
    for (const syscall of policy.syscalls) {
      const built = syscallEntries(syscall, policy, limit);
      const origin = syscall.filters[0]?.origin ?? syscall.fallback.origin;
      if (!built) {
        diagnostics.push(
          codegenDiagnostic('SC4036', `'${syscall.name}' needs more than ${String(limit)} OCI entries on ${policy.arch.name}`, origin?.file ?? policy.entry, origin?.range ?? fileStart),
        );
        continue;
      }
      const keys = new Map<string, { action: SeccompAction; term: Term }>();
      for (const rule of built.rules) for (const term of rule.terms) keys.set(entryKey(rule.action, term), { action: rule.action, term });
      const byArch = perName.get(syscall.name) ?? new Map<string, Map<string, { action: SeccompAction; term: Term }>>();
      byArch.set(policy.arch.name, keys);
      perName.set(syscall.name, byArch);
      if (!firstOrigin.has(syscall.name)) firstOrigin.set(syscall.name, syscall);
    }
  }
  const knownNames = new Map(policies.map((policy) => [policy.arch.name, new Set(policy.arch.names.values())]));
  const entries = new Map<string, { action: SeccompAction; term: Term; names: string[]; arches?: string[] }>();
  let perArch: string | undefined;
  for (const [name, byArch] of perName) {
    const knownOn = policies.map((p) => p.arch.name).filter((arch) => knownNames.get(arch)?.size === 0 || knownNames.get(arch)?.has(name) === true);
    const all = new Map<string, { action: SeccompAction; term: Term }>();
    for (const keys of byArch.values()) for (const [key, entry] of keys) all.set(key, entry);
    for (const [key, entry] of all) {
      const arches = knownOn.filter((arch) => byArch.get(arch)?.has(key) === true);
      const everywhere = arches.length === knownOn.length;
      if (!everywhere) perArch ??= name;
      const groupKey = everywhere ? key : `${key}${JSON.stringify(arches)}`;
      const group = entries.get(groupKey);
      if (group) group.names.push(name);
      else entries.set(groupKey, { ...entry, names: [name], ...(everywhere ? {} : { arches }) });
    }
  }
  if (perArch !== undefined) {
    const where = firstOrigin.get(perArch);
    const origin = where?.filters[0]?.origin ?? where?.fallback.origin;
    diagnostics.push(
      codegenDiagnostic(
        'SC4038',
        `'${perArch}' (and maybe others) is filtered differently per architecture: its entries carry Moby's includes.arches, which Docker, Podman and CRI-O evaluate but runc and containerd ignore (they would apply every architecture's entries); give those runtimes one profile per architecture`,
        origin?.file ?? first.entry,
        origin?.range ?? fileStart,
      ),
    );
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  // runc puts an ENOSYS answer in front of libseccomp's program for numbers above the highest
  // syscall the profile names (so a C library falls back from a syscall newer than the profile),
  // unless the default action is permissive or already ENOSYS.
  const defaultKind = first.defaultAction.kind;
  const stubbed = !['allow', 'log', 'trace'].includes(defaultKind) && !(defaultKind === 'errno' && first.defaultAction.errno === ENOSYS);
  if (stubbed) {
    const named = new Set([...entries.values()].flatMap((entry) => entry.names));
    for (const policy of policies) {
      const numbers = [...policy.arch.names].filter(([, name]) => named.has(name)).map(([nr]) => nr);
      const highest = numbers.length === 0 ? -1 : Math.max(...numbers);
      if (highest >= policy.arch.highestNumber) continue;
      diagnostics.push(
        codegenDiagnostic(
          'SC4037',
          `runc answers ENOSYS, not the default action, for ${policy.arch.name} syscalls numbered above ${policy.arch.names.get(highest) ?? 'none'} (${String(highest)}), the highest the profile names`,
          policy.entry,
          fileStart,
        ),
      );
    }
  }
  const syscalls: OciSyscallEntry[] = [...entries.values()].map(({ action, term, names, arches }) => {
    const mapped = ociAction(action);
    return {
      names: [...names].sort(),
      action: mapped.action,
      ...(mapped.errnoRet !== undefined ? { errnoRet: mapped.errnoRet } : {}),
      ...(term.length > 0 ? { args: term.map(ociArg) } : {}),
      ...(arches === undefined ? {} : { includes: { arches: arches.map((arch) => MOBY_ARCH_NAMES[arch] ?? arch) } }),
    };
  });
  const defaults = ociAction(first.defaultAction);
  return {
    profile: {
      defaultAction: defaults.action,
      ...(defaults.errnoRet !== undefined ? { defaultErrnoRet: defaults.errnoRet } : {}),
      architectures,
      syscalls,
    },
    diagnostics,
  };
}

/** The profile as JSON text, u64 values as exact JSON numbers (beyond 2^53 too). */
export function ociProfileJson(profile: OciSeccompProfile, indent = 2): string {
  const marker = '\u0000u64:';
  const text = JSON.stringify(profile, (_key, value: unknown) => (typeof value === 'bigint' ? `${marker}${value.toString()}` : value), indent);
  return text.replace(/"\\u0000u64:(\d+)"/g, '$1');
}

/**
 * The libseccomp rules runc builds from a profile for one architecture: one rule per name and
 * entry, entries with the default action skipped, and an entry that compares one argument
 * twice split into one rule per comparison (runc then ORs all of that entry's comparisons).
 * `names` filters the syscall names (runc skips names its libseccomp does not know).
 */
export function libseccompRequestFromOciProfile(
  profile: OciSeccompProfile,
  arch: string,
  knows: (name: string) => boolean = () => true,
): LibseccompRequest {
  const defaultAction = seccompActionOfOci(profile.defaultAction, profile.defaultErrnoRet);
  const rules: LibseccompRule[] = [];
  for (const entry of profile.syscalls) {
    const action = seccompActionOfOci(entry.action, entry.errnoRet);
    if (sameAction(action, defaultAction)) continue;
    const conditions: LibseccompCondition[] = (entry.args ?? []).map((a) =>
      a.op === 'SCMP_CMP_MASKED_EQ'
        ? { arg: a.index, op: 'masked_eq', mask: a.value, value: a.valueTwo ?? 0n }
        : { arg: a.index, op: (Object.keys(OPS) as LibseccompCondition['op'][]).find((k) => OPS[k] === a.op) ?? 'eq', value: a.value },
    );
    const repeated = new Set(conditions.map((c) => c.arg)).size !== conditions.length;
    for (const name of entry.names) {
      if (!knows(name)) continue;
      if (repeated) for (const c of conditions) rules.push({ syscall: name, action, conditions: [c] });
      else rules.push({ syscall: name, action, conditions });
    }
  }
  return { arch: arch === 'i386' ? 'x86' : arch, defaultAction, rules };
}
