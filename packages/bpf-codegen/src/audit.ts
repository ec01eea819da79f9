/**
 * A security review of a compiled seccomp program, from the program alone (so it works on
 * filters Minijail, libseccomp or anyone else wrote): symbolic path analysis
 * ({@link explorePaths}) with `seccomp_data.arch` unknown, confirmed by emulation. Every finding
 * that claims "this is allowed" carries an input the program really allows.
 *
 * What it looks for (codes in {@link auditFindingCodes}): a missing, wrong or partial
 * architecture check; x32 numbers and numbers that are no syscall reaching allow; a permissive
 * default; the shared list of dangerous syscalls (`dangerousSyscalls` of
 * `@syscage/include-resolver`) allowed for every argument; memory that can be mapped writable
 * and executable; `ioctl` admitting `TIOCSTI`/`TIOCLINUX`; `clone`/`unshare` admitting
 * `CLONE_NEW*`; `socket` admitting raw or packet sockets; syscalls the kernel does not filter.
 * "Allowed" means `SECCOMP_RET_ALLOW` or `SECCOMP_RET_LOG` (which allows and logs).
 */
import type { ArchTable } from '@syscage/arch-tables';
import type { Severity } from '@syscage/policy-parser';
import { type RuleOrigin, dangerousSyscalls } from '@syscage/include-resolver';
import { analyzeSyscall } from './analyze.js';
import { cacheCheck } from './cache.js';
import { explorePaths, exploreNumberGroups, type PathOutcome, solveWord, type WordCondition, witnessOf } from './analyze-paths.js';
import { auditArchName } from './disasm.js';
import { emulate, seccompActionName } from './emulate.js';
import { kernelUnfilteredNote, kernelUnfilteredSyscalls } from './kernel-facts.js';
import type { LoweredPolicy } from './lower.js';
import { BPF_JMP, BPF_JA, SECCOMP_DATA_ARCH, SECCOMP_DATA_ARGS } from './opcodes.js';
import { evaluateSyscall, findSyscall } from './reference.js';
import { firstAtLeast } from './sorted.js';
import type { BpfProgram } from './types.js';

/** How serious a finding is, from `high` (breaks the sandbox) to `info` (worth knowing). */
export type AuditSeverity = 'high' | 'medium' | 'low' | 'info';

/**
 * How each audit severity shows as a toolchain diagnostic severity (code frames, SARIF levels):
 * `high` is an error, `medium` a warning, `low` and `info` are notes.
 */
export const auditDiagnosticSeverity: Readonly<Record<AuditSeverity, Severity>> = { high: 'error', medium: 'warning', low: 'info', info: 'info' };

/** Severities from the most to the least serious. */
export const auditSeverities: readonly AuditSeverity[] = ['high', 'medium', 'low', 'info'];

/** Description of one audit finding code. */
export interface AuditFindingInfo {
  /** Short kebab-case name. */
  readonly name: string;
  /** The severity findings with this code have. */
  readonly severity: AuditSeverity;
  /** One sentence: what the code means. */
  readonly summary: string;
}

/**
 * Every finding code of the audit (SC7xxx), with its severity and meaning. Codes are stable:
 * never reused for another meaning, new ones appended.
 */
export const auditFindingCodes = {
  SC7001: { name: 'no-arch-check', severity: 'high', summary: 'Syscalls reach allow for architecture values the filter does not check: another ABI can call them by its own numbers.' },
  SC7002: { name: 'wrong-arch-check', severity: 'high', summary: 'The filter allows nothing for its architecture but allows syscalls for another one.' },
  SC7003: { name: 'x32-allowed', severity: 'high', summary: 'On x86_64, syscall numbers with the x32 bit (0x40000000) reach allow.' },
  SC7004: { name: 'unknown-number-allowed', severity: 'medium', summary: 'Numbers that are no syscall of the architecture reach allow, so syscalls added to later kernels would be allowed.' },
  SC7005: { name: 'permissive-default', severity: 'high', summary: 'Syscalls the filter does not list are allowed (or only logged).' },
  SC7006: { name: 'other-arch-allowed', severity: 'medium', summary: 'The filter also allows syscalls for another architecture, whose numbers mean other syscalls; audit it for that architecture too.' },
  SC7010: { name: 'escape-syscall', severity: 'high', summary: 'A syscall that can break out of the sandbox or bypass the filter is allowed for every argument.' },
  SC7011: { name: 'surface-syscall', severity: 'medium', summary: 'A syscall that widens what a compromised process can reach is allowed for every argument.' },
  SC7012: { name: 'review-syscall', severity: 'low', summary: 'A syscall that needs a stated reason is allowed for every argument.' },
  SC7020: { name: 'writable-executable-memory', severity: 'high', summary: 'Memory can be mapped or made writable and executable at once.' },
  SC7021: { name: 'executable-memory', severity: 'medium', summary: 'Memory can be mapped or made executable (not writable at the same time).' },
  SC7030: { name: 'terminal-injection-ioctl', severity: 'high', summary: '`ioctl` is allowed for TIOCSTI or TIOCLINUX, which push input into a terminal other processes read.' },
  SC7031: { name: 'clone-namespaces', severity: 'high', summary: '`clone` or `unshare` is allowed with a CLONE_NEW* flag: the process can create namespaces.' },
  SC7032: { name: 'raw-socket', severity: 'high', summary: '`socket` is allowed for raw or packet sockets, which see and forge network traffic.' },
  SC7040: { name: 'kernel-unfiltered', severity: 'info', summary: 'Recent kernels run this syscall without consulting any seccomp filter.' },
  SC7041: { name: 'sampled-verdict', severity: 'info', summary: 'A syscall has more paths than the analysis follows; its checks used sampled arguments.' },
} as const satisfies Record<string, AuditFindingInfo>;

/** A code of {@link auditFindingCodes}. */
export type AuditFindingCode = keyof typeof auditFindingCodes;

/** An input that shows a finding: what the program gets, and allows. */
export interface AuditExample {
  /** The syscall number the filter sees. */
  readonly nr: number;
  /** The `seccomp_data.arch` value. */
  readonly arch: number;
  /** The six arguments. */
  readonly args: readonly bigint[];
}

/** One finding of {@link auditProgram}. */
export interface AuditFinding {
  /** Stable code (SC7xxx). */
  readonly code: AuditFindingCode;
  /** The code's severity. */
  readonly severity: AuditSeverity;
  /** What was found, in one or two sentences. */
  readonly message: string;
  /** The syscall the finding is about, when it is about one. */
  readonly syscall?: { readonly nr: number; readonly name: string | undefined };
  /** An input the program allows that shows the finding, when there is one. */
  readonly example?: AuditExample;
  /** For a policy's program: the rule that decides {@link AuditFinding.example}. */
  readonly origin?: RuleOrigin;
}

/** Options of {@link auditProgram}. */
export interface AuditOptions {
  /** The architecture the program is for (audit value, numbering, constants, byte order). */
  readonly arch: ArchTable;
  /**
   * Audit as a device process: `execve`/`execveat` count as an escape.
   * @defaultValue false
   */
  readonly device?: boolean;
  /**
   * The lowered policy the program was compiled from, to point findings at rules.
   * @defaultValue none: findings carry no origin
   */
  readonly policy?: LoweredPolicy;
  /**
   * Where the policy's `@default` is, for findings about the default action.
   * @defaultValue none
   */
  readonly defaultOrigin?: RuleOrigin;
  /**
   * Most symbolic paths per syscall before falling back to sampled arguments.
   * @defaultValue 4096
   */
  readonly maxPaths?: number;
  /**
   * What audits of many programs share ({@link createAuditCache}): a program audited before with
   * the same table, `device` and `maxPaths` is not searched again; only its findings' rules are
   * looked up in this policy. The report is the same as without it.
   * @defaultValue none: every program is audited on its own
   */
  readonly cache?: AuditCache;
}

/** The result of {@link auditProgram}. */
export interface AuditReport {
  /** The architecture audited. */
  readonly arch: string;
  /** Findings, most severe first, then by code and syscall number. */
  readonly findings: readonly AuditFinding[];
  /** How many syscall numbers were analysed (table numbers, x32 and unknown representatives). */
  readonly numbersAnalysed: number;
}

const X32_BIT = 0x40000000;
const allowLike = (returnValue: number | undefined): boolean => {
  if (returnValue === undefined) return true; // `ret a` of an unknown: may allow
  const action = seccompActionName(returnValue);
  return action === 'allow' || action === 'log';
};

/** A word condition `(word & mask) == value`. */
interface Constraint {
  readonly offset: number;
  readonly mask: number;
  readonly value: number;
}

interface NumberPaths {
  readonly nr: number;
  readonly complete: boolean;
  /** Outcomes feasible with the program's own architecture value. */
  readonly native: readonly PathOutcome[];
}

const archConditions = (outcome: PathOutcome): WordCondition[] => outcome.conditions.filter((c) => c.offset === SECCOMP_DATA_ARCH);

/** What an outcome of the search with the architecture unknown says, the same for every number that takes it. */
interface OutcomeArch {
  /** Feasible with the program's own architecture value. */
  readonly native: boolean;
  /** For an allowing outcome feasible with another architecture value: one such value. */
  readonly foreign?: { readonly archValue: number; readonly checked: boolean };
}

function outcomeArch(arch: ArchTable, outcome: PathOutcome): OutcomeArch {
  const nativeCondition: WordCondition = { offset: SECCOMP_DATA_ARCH, mask: 0xffffffff, op: 'eq', k: arch.auditArch >>> 0, holds: true };
  const onArch = archConditions(outcome);
  const native = solveWord([...onArch, nativeCondition]) !== false;
  if (!allowLike(outcome.returnValue)) return { native };
  const other = solveWord([...onArch, { ...nativeCondition, holds: false }]);
  return typeof other === 'number' ? { native, foreign: { archValue: other, checked: onArch.length > 0 } } : { native };
}

/** Whether the increasing list `positions` holds `position` (binary search). */
function holds(positions: readonly number[], position: number): boolean {
  return positions[firstAtLeast(positions, position)] === position;
}

/**
 * Every table number's paths with the architecture unknown, from one walk of the program for all
 * of them ({@link exploreNumberGroups}): each outcome is classified once, and each number counts
 * its native and allowing outcomes; a number's own lists are made only when asked for.
 */
interface TablePaths {
  /** The explored numbers, increasing. */
  readonly numbers: readonly number[];
  readonly complete: readonly boolean[];
  /** Per number: its outcomes feasible with the program's own architecture value. */
  readonly nativeCount: Int32Array;
  /** Per number: how many of those allow. */
  readonly allowingCount: Int32Array;
  /** Per number that has any: its allowing outcomes feasible with another architecture value, in order. */
  readonly foreign: ReadonlyMap<number, readonly { readonly outcome: PathOutcome; readonly archValue: number; readonly checked: boolean }[]>;
  /** The number at `position`'s paths, as a search for it alone gives them. */
  readonly pathsOf: (position: number) => NumberPaths;
}

function exploreTable(program: BpfProgram, arch: ArchTable, numbers: readonly number[], maxPaths: number): TablePaths {
  const { groups, complete } = exploreNumberGroups(program, arch, numbers, { maxPaths, symbolicArch: true, witnesses: false });
  const nativeCount = new Int32Array(numbers.length);
  const allowingCount = new Int32Array(numbers.length);
  const foreign = new Map<number, { outcome: PathOutcome; archValue: number; checked: boolean }[]>();
  const kinds: (OutcomeArch | undefined)[] = [];
  for (const { outcome, numbers: reaching } of groups) {
    const kind = outcome.invalid ? undefined : outcomeArch(arch, outcome);
    kinds.push(kind);
    if (kind === undefined) continue;
    if (kind.native) {
      const allows = allowLike(outcome.returnValue);
      for (const position of reaching) {
        nativeCount[position] = (nativeCount[position] ?? 0) + 1;
        if (allows) allowingCount[position] = (allowingCount[position] ?? 0) + 1;
      }
    }
    const other = kind.foreign;
    if (other === undefined) continue;
    for (const position of reaching) {
      const list = foreign.get(position) ?? [];
      list.push({ outcome, ...other });
      foreign.set(position, list);
    }
  }
  const pathsOf = (position: number): NumberPaths => {
    const native: PathOutcome[] = [];
    groups.forEach(({ outcome, numbers: reaching }, at) => {
      if (kinds[at]?.native === true && holds(reaching, position)) native.push(outcome);
    });
    return { nr: numbers[position] ?? 0, complete: complete[position] === true, native };
  };
  return { numbers, complete, nativeCount, allowingCount, foreign, pathsOf };
}

function argumentOffset(arch: ArchTable, index: number): number {
  // The low 32 bits of argument `index` in this byte order.
  return SECCOMP_DATA_ARGS + 8 * index + (arch.endianness === 'little' ? 0 : 4);
}

/**
 * An argument vector the program allows for `nr` whose words meet the constraints, found from
 * the allowing paths and confirmed by emulation; `undefined` when there is none.
 */
function allowedWith(program: BpfProgram, arch: ArchTable, paths: NumberPaths, constraints: readonly Constraint[]): bigint[] | undefined {
  const littleEndian = arch.endianness === 'little';
  const extra: WordCondition[] = [
    { offset: SECCOMP_DATA_ARCH, mask: 0xffffffff, op: 'eq', k: arch.auditArch >>> 0, holds: true },
    ...constraints.map((c): WordCondition => ({ offset: c.offset, mask: c.mask >>> 0, op: 'eq', k: (c.value & c.mask) >>> 0, holds: true })),
  ];
  const confirm = (args: readonly bigint[]): boolean => {
    const result = emulate(program, { nr: paths.nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
    return result.ok && (result.action === 'allow' || result.action === 'log');
  };
  const constrained = [...new Set(constraints.map((c) => c.offset))];
  for (const outcome of paths.native) {
    if (!allowLike(outcome.returnValue)) continue;
    const conditions = [...outcome.conditions, ...extra];
    // Most allowing paths contradict the constraints (ioctl's other requests, socket's other
    // families): their constrained words are solved first, and the whole witness only for those
    // that pass (witnessOf needs every word solved, so the answer is the same).
    if (constrained.some((offset) => typeof solveWord(conditions.filter((c) => c.offset === offset)) !== 'number')) continue;
    const args = witnessOf(conditions, littleEndian);
    if (args !== undefined && confirm(args)) return args;
  }
  if (!paths.complete) {
    // Too many paths: try the constrained words with everything else 0.
    const words = new Map<number, number>();
    for (const c of constraints) words.set(c.offset, ((words.get(c.offset) ?? 0) | (c.value & c.mask)) >>> 0);
    const args = witnessOf([...words].map(([offset, k]) => ({ offset, mask: 0xffffffff, op: 'eq', k, holds: true })), littleEndian);
    if (args !== undefined && confirm(args)) return args;
  }
  return undefined;
}

/** Constant of the architecture table, or the generic Linux value. */
function constantOf(arch: ArchTable, name: string, fallback: number | undefined): number | undefined {
  const value = arch.constants[name];
  return value === undefined ? fallback : Number(value & 0xffffffffn);
}

const hex = (value: number | bigint): string => `0x${value.toString(16)}`;

/**
 * Candidate numbers that are no syscall: the first one at or above every constant the program
 * compares with (and its neighbours), and fixed probes. A dispatch of `jeq`/`jgt`/`jge` on the
 * number treats all numbers between two such constants alike, so these stand for every hole.
 */
function unknownCandidates(program: BpfProgram, arch: ArchTable, table: TableNames): number[] {
  const { known, highest } = table;
  // Plain arrays sorted once (this runs for every program audited); duplicates are dropped at the end.
  const candidates: number[] = [0x3ff, 0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  const boundaries: number[] = [0, highest + 1];
  for (const insn of program) {
    if ((insn.code & 0x07) !== BPF_JMP || insn.code === (BPF_JMP | BPF_JA)) continue;
    for (const value of [insn.k - 1, insn.k, insn.k + 1]) {
      if (value >= 0 && value <= 0xffffffff) {
        candidates.push(value >>> 0);
        boundaries.push(value >>> 0);
      }
    }
  }
  // The smallest non-syscall number above each boundary: a dispatch made of comparisons with
  // these constants treats every number between two boundaries alike.
  // In increasing order, a boundary inside the run of table numbers the previous walk crossed
  // ends where that walk ended: each run is walked once, not once per boundary in it.
  let walkedFrom = -1;
  let walkedTo = -1;
  const starts = Uint32Array.from(boundaries).sort();
  for (let at = 0; at < starts.length; at++) {
    const start = starts[at] ?? 0;
    if (start === walkedFrom) continue;
    let nr = start;
    if (start >= walkedFrom && start <= walkedTo) nr = walkedTo;
    else while (known.has(nr) && nr < 0xffffffff) nr++;
    walkedFrom = start;
    walkedTo = nr;
    candidates.push(nr);
  }
  const unknown = Uint32Array.from(candidates.filter((nr) => !known.has(nr) && (arch.x32SyscallBit === undefined || (nr & X32_BIT) === 0))).sort();
  const found: number[] = [];
  for (let at = 0; at < unknown.length; at++) if (at === 0 || unknown[at] !== unknown[at - 1]) found.push(unknown[at] ?? 0);
  return found;
}

/** Arguments with which the program allows syscall `nr`, confirmed by emulation, if any. */
function allowingArgs(program: BpfProgram, arch: ArchTable, nr: number, maxPaths: number): bigint[] | undefined {
  // Most numbers probed here (x32 numbers, holes of the table) end after loading nothing but the
  // number and the architecture: then every argument vector takes that one path, the search
  // below would find exactly that outcome with no condition (its witness all zeros), and the
  // kernel's cache emulation follows it far more cheaply.
  const fixed = cacheCheck(program, arch.auditArch, nr);
  if (fixed.verdict === 'allow' || fixed.verdict === 'other-return') {
    if (!allowLike((program[fixed.pc]?.k ?? 0) >>> 0)) return undefined;
  } else return allowingArgsByPaths(program, arch, nr, maxPaths);
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  const result = emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
  return result.ok && (result.action === 'allow' || result.action === 'log') ? args : undefined;
}

/** {@link allowingArgs} by symbolic path search alone, for any path shape. */
function allowingArgsByPaths(program: BpfProgram, arch: ArchTable, nr: number, maxPaths: number): bigint[] | undefined {
  const found = explorePaths(program, arch, nr, { maxPaths, witnesses: false });
  for (const outcome of found.outcomes) {
    if (outcome.invalid || !allowLike(outcome.returnValue)) continue;
    const args = witnessOf(outcome.conditions, arch.endianness === 'little');
    if (args === undefined) continue;
    const result = emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
    if (result.ok && (result.action === 'allow' || result.action === 'log')) return args;
  }
  return undefined;
}

function nameOf(names: ReadonlyMap<number, string>, nr: number): string {
  return names.get(nr) ?? `#${nr}`;
}

const severityRank = (severity: AuditSeverity): number => auditSeverities.indexOf(severity);

/** Each number's name (the first in alphabetical order) and the set of numbers of a table. */
interface TableNames {
  readonly names: ReadonlyMap<number, string>;
  readonly known: ReadonlySet<number>;
  /** The numbers, increasing. */
  readonly sorted: readonly number[];
  /** Each number's position in {@link TableNames.sorted}. */
  readonly positions: ReadonlyMap<number, number>;
  /** The highest number. */
  readonly highest: number;
}

/**
 * The names of a table's numbers, made once per table object: sorting several hundred names
 * with `localeCompare` for every program audited cost more than some of the audit's own steps.
 * Architecture tables are generated constants, never changed after they are loaded.
 */
const namesByTable = new WeakMap<ArchTable, TableNames>();

function tableNames(arch: ArchTable): TableNames {
  const cached = namesByTable.get(arch);
  if (cached !== undefined) return cached;
  const names = new Map<number, string>();
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => a.localeCompare(b))) if (!names.has(nr)) names.set(nr, name);
  const sorted = [...names.keys()].sort((a, b) => a - b);
  const made = { names, known: new Set(sorted), sorted, positions: new Map(sorted.map((nr, position) => [nr, position])), highest: Math.max(...sorted) };
  namesByTable.set(arch, made);
  return made;
}

/**
 * Audits a seccomp program for one architecture (see the module comment for what it looks
 * for). Pure and deterministic; never throws: paths that are invalid at run time count as not
 * allowed, and syscalls with more paths than `maxPaths` are checked with sampled arguments (an
 * `SC7041` note names them).
 */
export function auditProgram(program: BpfProgram, options: AuditOptions): AuditReport {
  const cache = options.cache instanceof SharedAudits ? options.cache : undefined;
  let found: ProgramFindings | undefined;
  if (cache === undefined) found = programFindings(program, options);
  else {
    const key = `${options.device === true ? 'device' : 'process'}|${options.maxPaths ?? 4096}|${programText(program)}`;
    const results = cache.results(options.arch);
    found = results.get(key);
    if (found === undefined) {
      found = programFindings(program, options);
      results.set(key, found);
      cache.size++;
    }
  }
  const { report, located } = found;
  const originOf = (example: AuditExample): RuleOrigin | undefined => {
    const policy = options.policy;
    if (policy === undefined) return undefined;
    const syscall = findSyscall(policy, example.nr);
    if (syscall === undefined) return options.defaultOrigin;
    const decision = evaluateSyscall(policy, syscall, example.args).decision;
    return decision.kind === 'rule' ? decision.origin : options.defaultOrigin;
  };
  const findings = report.findings.map((finding): AuditFinding => {
    // A permissive default is the policy's `@default`; other findings point at the rule that decides their example.
    const origin = finding.code === 'SC7005' ? options.defaultOrigin : located.has(finding) && finding.example !== undefined ? originOf(finding.example) : undefined;
    return origin === undefined ? finding : { ...finding, origin };
  });
  return { arch: report.arch, findings, numbersAnalysed: report.numbersAnalysed };
}

/**
 * What programs audited with one {@link AuditCache} share: the findings of each distinct program
 * (by its instructions, the architecture table, `device` and `maxPaths`), before they are
 * pointed at the rules of a policy. Make one per batch of programs (`syscage build` makes one per
 * build) and pass it as {@link AuditOptions.cache}.
 */
export interface AuditCache {
  /** Programs whose findings are held (for reports and benchmarks). */
  readonly size: number;
}

/** A program's findings without rule origins, and those of them that point at the rule deciding their example. */
interface ProgramFindings {
  readonly report: AuditReport;
  readonly located: ReadonlySet<AuditFinding>;
}

/** The cache behind {@link AuditCache}: per architecture table object, findings by program. */
class SharedAudits implements AuditCache {
  readonly byTable = new WeakMap<ArchTable, Map<string, ProgramFindings>>();
  size = 0;

  results(arch: ArchTable): Map<string, ProgramFindings> {
    let results = this.byTable.get(arch);
    if (results === undefined) {
      results = new Map();
      this.byTable.set(arch, results);
    }
    return results;
  }
}

/** Makes an empty {@link AuditCache}. */
export function createAuditCache(): AuditCache {
  return new SharedAudits();
}

/** Every field of every instruction, as one string. */
function programText(program: BpfProgram): string {
  let text = '';
  for (const insn of program) text += `${insn.code},${insn.jt},${insn.jf},${insn.k};`;
  return text;
}

/**
 * The audit of the program alone: what it finds depends on the instructions, the architecture
 * table, `device` and `maxPaths`, not on the policy or `defaultOrigin`, which only say where a
 * finding's rule is ({@link auditProgram} adds that).
 */
function programFindings(program: BpfProgram, options: AuditOptions): ProgramFindings {
  const { arch } = options;
  const maxPaths = options.maxPaths ?? 4096;
  const tableNumbers = tableNames(arch);
  const { names, known, sorted, positions } = tableNumbers;
  const findings: AuditFinding[] = [];
  const located = new Set<AuditFinding>();
  const add = (code: AuditFindingCode, message: string, extra: Omit<AuditFinding, 'code' | 'severity' | 'message'> = {}): void => {
    findings.push({ code, severity: auditFindingCodes[code].severity, message, ...extra });
  };
  /** Adds a finding that points at the rule deciding its example (when a policy is given). */
  const addLocated = (code: AuditFindingCode, message: string, example: AuditExample, extra: Omit<AuditFinding, 'code' | 'severity' | 'message' | 'example'> = {}): void => {
    const finding: AuditFinding = { code, severity: auditFindingCodes[code].severity, message, ...extra, example };
    findings.push(finding);
    located.add(finding);
  };

  // 1. Every syscall of the table, with the architecture unknown.
  const table = exploreTable(program, arch, sorted, maxPaths);
  // Each table number's verdict, by its position in `sorted`.
  const verdicts: ('always' | 'some' | 'none')[] = [];
  const verdictOf = (nr: number): 'always' | 'some' | 'none' | undefined => verdicts[positions.get(nr) ?? -1];
  const sampled: number[] = [];
  const foreignAllowed: { nr: number; archValue: number; checked: boolean; args: readonly bigint[] }[] = [];
  const foreignWitnesses = new Map<PathOutcome, bigint[] | undefined>();
  for (let position = 0; position < sorted.length; position++) {
    const nr = sorted[position] ?? 0;
    let verdict: 'always' | 'some' | 'none';
    if (table.complete[position] === true) {
      const allowing = table.allowingCount[position] ?? 0;
      verdict = allowing === 0 ? 'none' : allowing === table.nativeCount[position] ? 'always' : 'some';
    } else {
      sampled.push(nr);
      const analysis = analyzeSyscall(program, nr, { arch, maxPaths });
      const allows = analysis.actions.some((a) => a === 'allow' || a === 'log');
      verdict = !allows ? 'none' : analysis.actions.every((a) => a === 'allow' || a === 'log') ? 'always' : 'some';
    }
    verdicts.push(verdict);
    for (const item of table.foreign.get(position) ?? []) {
      // The witness depends on the outcome alone; numbers that share the outcome share it.
      let args = foreignWitnesses.get(item.outcome);
      if (!foreignWitnesses.has(item.outcome)) {
        args = witnessOf(item.outcome.conditions, arch.endianness === 'little');
        foreignWitnesses.set(item.outcome, args);
      }
      if (args === undefined) continue;
      const result = emulate(program, { nr, arch: item.archValue, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
      if (result.ok && (result.action === 'allow' || result.action === 'log')) {
        foreignAllowed.push({ nr, archValue: item.archValue, checked: item.checked && auditArchName(item.archValue) !== undefined, args });
        break;
      }
    }
  }

  // 2. Architecture checks.
  const nativeAllows = verdicts.some((v) => v !== 'none');
  const unchecked = foreignAllowed.filter((f) => !f.checked);
  const otherArchs = foreignAllowed.filter((f) => f.checked);
  const archLabel = (value: number): string => `${hex(value)}${auditArchName(value) === undefined ? '' : ` (${auditArchName(value) ?? ''})`}`;
  if (unchecked.length > 0) {
    const first = unchecked[0];
    if (first !== undefined) {
      add('SC7001', `${unchecked.length} syscall number${unchecked.length === 1 ? '' : 's'} (such as ${nameOf(names, first.nr)}) reach allow with seccomp_data.arch = ${archLabel(first.archValue)}, not ${archLabel(arch.auditArch)}: the filter does not check the architecture, so another ABI (i386, x32) calls other syscalls by these numbers`, {
        example: { nr: first.nr, arch: first.archValue, args: first.args },
      });
    }
  } else if (otherArchs.length > 0) {
    const first = otherArchs[0];
    if (first !== undefined) {
      const values = [...new Set(otherArchs.map((f) => f.archValue))];
      add(nativeAllows ? 'SC7006' : 'SC7002', nativeAllows
        ? `the filter also allows ${otherArchs.length} syscall number${otherArchs.length === 1 ? '' : 's'} for ${values.map(archLabel).join(', ')}; those numbers name other syscalls there, so audit the filter for that architecture too`
        : `the filter allows nothing for ${arch.name} (${archLabel(arch.auditArch)}) but allows syscalls for ${values.map(archLabel).join(', ')}: it checks for the wrong architecture`, {
        example: { nr: first.nr, arch: first.archValue, args: first.args },
      });
    }
  }

  // 3. The default and numbers that are no syscall.
  const allowedCount = verdicts.filter((v) => v === 'always').length;
  const unknown = unknownCandidates(program, arch, tableNumbers);
  const unknownAllowed: AuditExample[] = [];
  for (const nr of unknown) {
    const allowing = allowingArgs(program, arch, nr, maxPaths);
    if (allowing !== undefined) unknownAllowed.push({ nr, arch: arch.auditArch, args: allowing });
  }
  // The default is what the first number above the table gets: the next kernel's new syscall.
  const next = tableNumbers.highest + 1;
  const permissive = allowedCount * 2 > known.size || unknownAllowed.some((example) => example.nr === next);
  if (permissive) {
    const example = unknownAllowed[0];
    add('SC7005', `the filter allows ${allowedCount} of the ${known.size} ${arch.name} syscalls for every argument and ${unknownAllowed.length} of ${unknown.length} numbers that are no syscall: ${unknownAllowed.some((example) => example.nr === next) ? ` (${hex(next)}, the first number above the table, among them)` : ''}: its default action is permissive, so it only refuses what it lists`, {
      ...(example === undefined ? {} : { example }),
    });
  } else if (unknownAllowed.length > 0) {
    const first = unknownAllowed[0];
    if (first !== undefined) {
      addLocated('SC7004', `${unknownAllowed.length} number${unknownAllowed.length === 1 ? '' : 's'} that ${unknownAllowed.length === 1 ? 'is' : 'are'} no ${arch.name} syscall reach allow (${unknownAllowed.slice(0, 5).map((e) => hex(e.nr)).join(', ')}${unknownAllowed.length > 5 ? ', …' : ''}): a syscall added to a later kernel would be allowed`, first);
    }
  }
  let numbersAnalysed = known.size + unknown.length;
  if (arch.x32SyscallBit !== undefined) {
    const x32Allowed: AuditExample[] = [];
    const bit = arch.x32SyscallBit;
    for (let low = 0; low < 548; low++) {
      const nr = (bit | low) >>> 0;
      numbersAnalysed++;
      const allowing = allowingArgs(program, arch, nr, maxPaths);
      if (allowing !== undefined) x32Allowed.push({ nr, arch: arch.auditArch, args: allowing });
    }
    const first = x32Allowed[0];
    if (first !== undefined) {
      add('SC7003', `${x32Allowed.length} x32 syscall number${x32Allowed.length === 1 ? '' : 's'} reach allow (such as ${hex(first.nr)}, x32 ${nameOf(names, first.nr & ~bit)}): x32 calls use the same audit value as x86_64, so a filter must refuse numbers with bit 0x40000000`, { example: first });
    }
  }

  // 4. Dangerous syscalls allowed for every argument.
  for (const entry of dangerousSyscalls) {
    if (entry.kind === 'arguments') continue;
    const nr = arch.syscalls[entry.name];
    if (nr === undefined || verdictOf(nr) !== 'always') continue;
    const escape = entry.kind === 'escape' || (options.device === true && entry.escapeInDevice === true);
    const code: AuditFindingCode = escape ? 'SC7010' : entry.kind === 'surface' ? 'SC7011' : 'SC7012';
    const inDevice = entry.escapeInDevice === true && options.device === true ? ' (a device process never needs to)' : '';
    addLocated(code, `${entry.name} is allowed for every argument: it ${entry.why}${inDevice}`, { nr, arch: arch.auditArch, args: [0n, 0n, 0n, 0n, 0n, 0n] }, {
      syscall: { nr, name: entry.name },
    });
  }

  // 5. Argument checks.
  const probe = (name: string, constraints: readonly Constraint[]): { nr: number; args: bigint[] } | undefined => {
    const nr = arch.syscalls[name];
    if (nr === undefined) return undefined;
    const position = positions.get(nr);
    if (position === undefined || verdictOf(nr) === 'none') return undefined;
    const found = table.pathsOf(position);
    const args = allowedWith(program, arch, found, constraints);
    return args === undefined ? undefined : { nr, args };
  };
  const protWrite = constantOf(arch, 'PROT_WRITE', 2) ?? 2;
  const protExec = constantOf(arch, 'PROT_EXEC', 4) ?? 4;
  for (const name of ['mmap', 'mmap2', 'mprotect', 'pkey_mprotect']) {
    const offset = argumentOffset(arch, 2);
    const both = probe(name, [{ offset, mask: protWrite | protExec, value: protWrite | protExec }]);
    const execOnly = both === undefined ? probe(name, [{ offset, mask: protExec, value: protExec }]) : undefined;
    const hit = both ?? execOnly;
    if (hit === undefined) continue;
    const example = { nr: hit.nr, arch: arch.auditArch, args: hit.args };
    addLocated(both !== undefined ? 'SC7020' : 'SC7021', both !== undefined
      ? `${name} is allowed with PROT_WRITE|PROT_EXEC (prot ${hex(hit.args[2] ?? 0n)}): injected code can be written and run`
      : `${name} is allowed with PROT_EXEC (prot ${hex(hit.args[2] ?? 0n)}): code the process writes elsewhere (a memfd, a file) can be mapped and run`, example, {
      syscall: { nr: hit.nr, name },
    });
  }
  const terminal = ['TIOCSTI', 'TIOCLINUX'].flatMap((request) => {
    const value = constantOf(arch, request, undefined);
    if (value === undefined) return [];
    const hit = probe('ioctl', [{ offset: argumentOffset(arch, 1), mask: 0xffffffff, value }]);
    return hit === undefined ? [] : [{ request, value, hit }];
  });
  const firstTerminal = terminal[0];
  if (firstTerminal !== undefined) {
    addLocated('SC7030', `ioctl is allowed for ${terminal.map((t) => `${t.request} (${hex(t.value)})`).join(' and ')}: the process can type commands into a terminal that a shell outside the sandbox reads`, { nr: firstTerminal.hit.nr, arch: arch.auditArch, args: firstTerminal.hit.args }, {
      syscall: { nr: firstTerminal.hit.nr, name: 'ioctl' },
    });
  }
  const namespaceFlags = ['CLONE_NEWNS', 'CLONE_NEWCGROUP', 'CLONE_NEWUTS', 'CLONE_NEWIPC', 'CLONE_NEWUSER', 'CLONE_NEWPID', 'CLONE_NEWNET', 'CLONE_NEWTIME'];
  // s390 passes clone's flags second; clone cannot take CLONE_NEWTIME (its bit is the exit signal's).
  const cloneFlagsArg = arch.name.startsWith('s390') ? 1 : 0;
  for (const name of ['clone', 'unshare']) {
    if (name === 'unshare' && verdictOf(arch.syscalls.unshare ?? -1) === 'always') continue; // SC7010 already says it
    const admitted = namespaceFlags.flatMap((flag) => {
      if (name === 'clone' && flag === 'CLONE_NEWTIME') return [];
      const value = constantOf(arch, flag, undefined);
      if (value === undefined) return [];
      const hit = probe(name, [{ offset: argumentOffset(arch, name === 'clone' ? cloneFlagsArg : 0), mask: value, value }]);
      return hit === undefined ? [] : [{ flag, hit }];
    });
    const first = admitted[0];
    if (first === undefined) continue;
    addLocated('SC7031', `${name} is allowed with ${admitted.map((a) => a.flag).join(', ')}: the process can create namespaces${admitted.some((a) => a.flag === 'CLONE_NEWUSER') ? ' (a user namespace grants every capability inside it)' : ''}`, { nr: first.hit.nr, arch: arch.auditArch, args: first.hit.args }, {
      syscall: { nr: first.hit.nr, name },
    });
  }
  const family = argumentOffset(arch, 0);
  const type = argumentOffset(arch, 1);
  const sockRaw = constantOf(arch, 'SOCK_RAW', 3) ?? 3;
  const rawSockets = [
    { label: 'AF_PACKET', constraints: [{ offset: family, mask: 0xffffffff, value: constantOf(arch, 'AF_PACKET', 17) ?? 17 }] },
    { label: 'AF_INET/SOCK_RAW', constraints: [{ offset: family, mask: 0xffffffff, value: constantOf(arch, 'AF_INET', 2) ?? 2 }, { offset: type, mask: 0xf, value: sockRaw }] },
    { label: 'AF_INET6/SOCK_RAW', constraints: [{ offset: family, mask: 0xffffffff, value: constantOf(arch, 'AF_INET6', 10) ?? 10 }, { offset: type, mask: 0xf, value: sockRaw }] },
  ].flatMap((candidate) => {
    const hit = probe('socket', candidate.constraints);
    return hit === undefined ? [] : [{ label: candidate.label, hit }];
  });
  const firstSocket = rawSockets[0];
  if (firstSocket !== undefined) {
    addLocated('SC7032', `socket is allowed for ${rawSockets.map((s) => s.label).join(', ')}: the process can read and forge network traffic`, { nr: firstSocket.hit.nr, arch: arch.auditArch, args: firstSocket.hit.args }, {
      syscall: { nr: firstSocket.hit.nr, name: 'socket' },
    });
  }

  // 6. What the kernel does not filter, and what was sampled.
  for (const entry of kernelUnfilteredSyscalls) {
    if (entry.arch !== arch.name) continue;
    const verdict = verdictOf(entry.nr);
    const filterSays = verdict === 'always' ? 'allows it' : verdict === 'some' ? 'allows it for some arguments' : 'denies it';
    add('SC7040', `${entry.name} (${entry.nr}) is ${kernelUnfilteredNote(entry)}: the filter ${filterSays}, but the kernel runs it without consulting any filter (it honours the call only from its own uprobe trampolines)`, {
      syscall: { nr: entry.nr, name: entry.name },
    });
  }
  if (sampled.length > 0) {
    add('SC7041', `${sampled.length} syscall${sampled.length === 1 ? ' has' : 's have'} more than ${maxPaths} paths (${sampled.slice(0, 5).map((nr) => nameOf(names, nr)).join(', ')}${sampled.length > 5 ? ', …' : ''}); their verdicts and argument checks come from sampled arguments`);
  }

  findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.code.localeCompare(b.code) || (a.syscall?.nr ?? -1) - (b.syscall?.nr ?? -1));
  return { report: { arch: arch.name, findings, numbersAnalysed }, located };
}

/** True when `severity` is at least as serious as `threshold`. */
export function auditSeverityAtLeast(severity: AuditSeverity, threshold: AuditSeverity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}
