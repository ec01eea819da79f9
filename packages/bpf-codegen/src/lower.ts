/**
 * Lowering: a resolved policy's names become one architecture's numbers. Syscall names become
 * syscall numbers, constant expressions become word-sized unsigned values, action words become
 * concrete seccomp actions under the compile options, and each syscall's rule list becomes the
 * ordered filter list Minijail evaluates (with its merge quirk reproduced). Every problem is a
 * diagnostic with the rule's file and range; nothing here throws for bad input.
 */
import { type ArchTable, lookupConstant, lookupSyscall, suggestName } from '@syscage/arch-tables';
import { frequenciesForArch, syscallsForArch } from '@syscage/include-resolver';
import type { ResolvedPolicy, ResolvedRule, RuleOrigin } from '@syscage/include-resolver';
import type {
  Action,
  ComparisonOperator,
  ConstantRef,
  Diagnostic,
  NumberLiteral,
  SourceRange,
  ValueExpr,
} from '@syscage/policy-parser';
import { codegenDiagnostic, fileStart } from './codes.js';
import type { CompileOptions, SeccompAction } from './options.js';
import { isPermissive, maxErrno } from './options.js';
import { typicalFrequencyProfile } from './frequency-profile.js';
import { SECCOMP_ARG_COUNT } from './opcodes.js';
import { relatedSyscallNames } from './names.js';

/** The architecture facts code generation needs, taken from an `ArchTable` of `@syscage/arch-tables`. */
export interface LoweredArch {
  /** The table's architecture name (`x86_64`, `aarch64`). */
  readonly name: string;
  /** `AUDIT_ARCH_*` value the program compares `seccomp_data.arch` with. */
  readonly auditArch: number;
  /** Word size in bits: argument values are reduced to it, and 32-bit ones use only the low word. */
  readonly bits: 32 | 64;
  /** Byte order, which decides where the low and high 32-bit halves of an argument are. */
  readonly endianness: 'little' | 'big';
  /** Every syscall number of the table, ascending, without duplicates. */
  readonly numbers: readonly number[];
  /** The table's highest syscall number. */
  readonly highestNumber: number;
  /** Syscall name per number (the first name in table order when several share a number). */
  readonly names: ReadonlyMap<number, string>;
  /** x86_64's x32 syscall bit, when the architecture has one. */
  readonly x32SyscallBit?: number;
}

/** One comparison `argN OP value` with the value as an unsigned word. */
export interface LoweredComparison {
  /** Index of the syscall argument compared (0 to 5, `arg0` to `arg5`). */
  readonly arg: number;
  /** The comparison as written in the policy (`==`, `<=`, `&`, `in`, …). */
  readonly operator: ComparisonOperator;
  /** Unsigned, below 2^bits. */
  readonly value: bigint;
}

/** One conditional filter: `||` of `&&` clauses, and the action taken when it matches. */
export interface LoweredFilter {
  /** The filter matches when every comparison of at least one clause holds (`||` of `&&`). */
  readonly clauses: readonly (readonly LoweredComparison[])[];
  /** What a matching call gets (allow unless the rule names another action). */
  readonly action: SeccompAction;
  /** The rule the filter came from, for diagnostics and `explain`. */
  readonly origin: RuleOrigin;
}

/** What a syscall gets when none of its conditional filters match. */
export interface LoweredFallback {
  /** The action for a call no conditional filter matched. */
  readonly action: SeccompAction;
  /** The unconditional rule that gives it, or `undefined` for the policy's default action. */
  readonly origin?: RuleOrigin;
}

/** One syscall's effective filters on the target architecture. */
export interface LoweredSyscall {
  /** The syscall name as the architecture table spells it. */
  readonly name: string;
  /** Its number on the policy's architecture. */
  readonly number: number;
  /** Call count from `@frequency`, the `frequencies` option or the typical profile (1 when none counts it). */
  readonly frequency: number;
  /** Conditional filters in evaluation order (first match wins). */
  readonly filters: readonly LoweredFilter[];
  /** What the syscall gets when no filter matches (an unconditional rule, or the default action). */
  readonly fallback: LoweredFallback;
  /** Conditional rules Minijail drops because the syscall ends with an unconditional allow. */
  readonly droppedByAllow: readonly RuleOrigin[];
}

/** A policy with every name resolved for one architecture: what code generation compiles. */
export interface LoweredPolicy {
  /** The top-level policy file the resolved policy came from. */
  readonly entry: string;
  /** The architecture the policy was lowered for. */
  readonly arch: LoweredArch;
  /** True when the policy declares `@denylist`: unlisted syscalls are allowed. */
  readonly denylist: boolean;
  /** Action for syscalls the policy does not list (allow in denylist mode). */
  readonly defaultAction: SeccompAction;
  /** Where the default came from: `@default`, the option, or the kill action. */
  readonly defaultSource: 'policy' | 'option' | 'kill-action' | 'denylist';
  /** What the word `kill` means under the options. */
  readonly killAction: SeccompAction;
  /** Action when `seccomp_data.arch` is not this architecture's. */
  readonly archMismatchAction: SeccompAction;
  /**
   * Action for numbers that are no syscall of the table: holes, numbers above the highest entry,
   * x32 numbers on x86_64. Never permissive (see {@link invalidNumberAction}).
   */
  readonly invalidNumberAction: SeccompAction;
  /** Listed syscalls, ascending by number. */
  readonly syscalls: readonly LoweredSyscall[];
  /**
   * Call counts by syscall number for every syscall of the table that a profile counts, listed
   * or not (a denied syscall that is made often runs the filter often too). From the policy's
   * `@frequency` files and the `frequencies` option, or, when neither counts anything, the
   * typical profile ({@link typicalFrequencyProfile}) unless `typicalFrequencies` is false.
   * @defaultValue none: planning weighs listed syscalls by their `frequency` only
   */
  readonly callFrequencies?: ReadonlyMap<number, number>;
}

/** Result of {@link lowerPolicy}. */
export interface LowerResult {
  /** Absent when there are errors. */
  readonly policy?: LoweredPolicy;
  /** Lowering findings (SC4xxx): unknown syscalls and constants, out-of-range values and the like. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Call counts by name: the policy's `@frequency` counts, then the option's for names the policy
 * does not count; the typical profile when neither counts anything.
 */
function callCounts(policyCounts: ReadonlyMap<string, bigint>, options: CompileOptions): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [name, count] of options.frequencies ?? []) counts.set(name, Number(count));
  for (const [name, count] of policyCounts) counts.set(name, Number(count));
  if (counts.size === 0 && options.typicalFrequencies !== false) return new Map(typicalFrequencyProfile);
  return counts;
}

/** Counts by number for the table's syscalls (the first name of a number that has a count wins). */
function countsByNumber(table: ArchTable, counts: ReadonlyMap<string, number>): Map<number, number> {
  const byNumber = new Map<number, number>();
  for (const [name, count] of counts) {
    const number = table.syscalls[name];
    if (number !== undefined && !byNumber.has(number)) byNumber.set(number, count);
  }
  return byNumber;
}

/** Errno used for invalid numbers when the default action would let them run (ENOSYS). */
const fallbackEnosys = 38;

/**
 * What numbers that are no syscall get. They must never run (security invariant 2): the default
 * action when it denies, otherwise (allow, log, trace, user-notify defaults, and denylist mode,
 * where the default is allow) `errno ENOSYS`, which is what the kernel itself answers for a
 * number it does not know.
 */
export function invalidNumberAction(defaultAction: SeccompAction, enosys: number): SeccompAction {
  if (isPermissive(defaultAction) || defaultAction.kind === 'trace' || defaultAction.kind === 'user-notify') {
    return { kind: 'errno', errno: enosys };
  }
  return defaultAction;
}

const loweredArchs = new WeakMap<ArchTable, LoweredArch>();

/** The architecture facts of a table (computed once per table object). */
export function lowerArch(table: ArchTable): LoweredArch {
  const cached = loweredArchs.get(table);
  if (cached !== undefined) return cached;
  const lowered = computeLoweredArch(table);
  loweredArchs.set(table, lowered);
  return lowered;
}

function computeLoweredArch(table: ArchTable): LoweredArch {
  const names = new Map<number, string>();
  for (const [name, number] of Object.entries(table.syscalls)) {
    if (!names.has(number)) names.set(number, name);
  }
  const numbers = [...names.keys()].sort((a, b) => a - b);
  const arch: LoweredArch = {
    name: table.name,
    auditArch: table.auditArch >>> 0,
    bits: table.bits,
    endianness: table.endianness,
    numbers,
    highestNumber: numbers.length === 0 ? -1 : (numbers[numbers.length - 1] ?? -1),
    names,
  };
  return table.x32SyscallBit === undefined ? arch : { ...arch, x32SyscallBit: table.x32SyscallBit };
}

interface LowerContext {
  readonly table: ArchTable;
  readonly bits: 32 | 64;
  readonly diagnostics: Diagnostic[];
  readonly killAction: SeccompAction;
  readonly logFailures: boolean;
  readonly denylist: boolean;
  /** The resolver's diagnostics, so errors it already reported are not repeated. */
  readonly resolverDiagnostics: readonly Diagnostic[];
}

function wordMask(bits: 32 | 64): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** A literal number range-checked against the word size and made unsigned. */
function lowerNumber(context: LowerContext, literal: NumberLiteral, file: string): bigint | undefined {
  const max = wordMask(context.bits);
  const min = -(1n << BigInt(context.bits - 1));
  if (literal.value > max) {
    context.diagnostics.push(
      codegenDiagnostic('SC4004', `unsigned overflow: ${literal.text} does not fit in ${context.bits} bits on ${context.table.name}`, file, literal.range),
    );
    return undefined;
  }
  if (literal.value < min) {
    context.diagnostics.push(
      codegenDiagnostic('SC4005', `signed underflow: ${literal.text} is below ${min} on ${context.table.name}`, file, literal.range),
    );
    return undefined;
  }
  return literal.value < 0n ? literal.value & max : literal.value;
}

function lowerConstant(context: LowerContext, ref: ConstantRef, file: string): bigint | undefined {
  const value = lookupConstant(context.table, ref.name);
  if (value === undefined) {
    const first = suggestName(ref.name, Object.keys(context.table.constants));
    context.diagnostics.push(
      codegenDiagnostic('SC4002', `unknown constant \`${ref.name}\` on ${context.table.name}`, file, ref.range,
        first === undefined ? {} : { suggestion: `did you mean \`${first}\`?` }),
    );
    return undefined;
  }
  const max = wordMask(context.bits);
  if (value > max) {
    context.diagnostics.push(
      codegenDiagnostic('SC4004', `unsigned overflow: \`${ref.name}\` (${value}) does not fit in ${context.bits} bits on ${context.table.name}`, file, ref.range),
    );
    return undefined;
  }
  return value;
}

/** Evaluates a value expression within the architecture's word size. */
function lowerValue(context: LowerContext, value: ValueExpr, file: string): bigint | undefined {
  switch (value.kind) {
    case 'number':
      return lowerNumber(context, value, file);
    case 'constant':
      return lowerConstant(context, value, file);
    case 'paren':
      return lowerValue(context, value.expression, file);
    case 'complement': {
      const operand = lowerValue(context, value.operand, file);
      return operand === undefined ? undefined : ~operand & wordMask(context.bits);
    }
    case 'bit-or': {
      let result: bigint | undefined = 0n;
      for (const operand of value.operands) {
        const part = lowerValue(context, operand, file);
        if (part === undefined) result = undefined;
        else if (result !== undefined) result |= part;
      }
      return result;
    }
  }
}

/** The seccomp action of a written action under the options. */
function lowerAction(context: LowerContext, action: Action, file: string): SeccompAction | undefined {
  if (action.kind === 'return') {
    const value =
      action.value.kind === 'number'
        ? lowerNumber(context, action.value, file)
        : lowerConstant(context, action.value, file);
    if (value === undefined) return undefined;
    if (value < 1n || value > BigInt(maxErrno)) {
      // Masking would change the answer (70000 became errno 4464, -1 errno 65535, which the kernel
      // caps at 4095); 0 would make a denied call look successful.
      context.diagnostics.push(
        codegenDiagnostic('SC4022', `\`return ${action.value.kind === 'number' ? action.value.text : action.value.name}\` is not an errno the kernel returns: use a value from 1 to ${maxErrno} (MAX_ERRNO)`, file, action.value.range, {
          suggestion: 'use a named errno such as EPERM, EACCES or ENOSYS',
        }),
      );
      return undefined;
    }
    if (context.logFailures) return { kind: 'log' };
    return { kind: 'errno', errno: Number(value) };
  }
  if (context.denylist) {
    const reported = context.resolverDiagnostics.some(
      (diagnostic) => diagnostic.code === 'SC2022' && diagnostic.file === file && sameRange(diagnostic.range, action.range),
    );
    if (!reported) {
      context.diagnostics.push(
        codegenDiagnostic('SC4008', `invalid denylist policy: \`${action.text}\` is not a \`return\` action`, file, action.range),
      );
    }
    return undefined;
  }
  switch (action.action) {
    case 'kill':
      return context.killAction;
    case 'allow':
      return { kind: 'allow' };
    default:
      return { kind: action.action };
  }
}

function lowerRuleCondition(
  context: LowerContext,
  rule: ResolvedRule,
): (readonly LoweredComparison[])[] | undefined {
  const condition = rule.filter.condition;
  if (condition === undefined) return [];
  const file = rule.origin.file;
  let ok = true;
  const clauses: LoweredComparison[][] = [];
  for (const clause of condition.clauses) {
    const atoms: LoweredComparison[] = [];
    for (const atom of clause.atoms) {
      if (atom.argIndex >= SECCOMP_ARG_COUNT || atom.argIndex < 0) {
        context.diagnostics.push(
          codegenDiagnostic('SC4003', `invalid argument \`arg${atom.argIndex}\`: seccomp_data has only arg0..arg${SECCOMP_ARG_COUNT - 1}`, file, atom.argRange),
        );
        ok = false;
      }
      const value = lowerValue(context, atom.value, file);
      if (value === undefined) ok = false;
      else atoms.push({ arg: atom.argIndex, operator: atom.operator, value });
    }
    clauses.push(atoms);
  }
  return ok ? clauses : undefined;
}

function resolveDefaultOption(options: CompileOptions): SeccompAction | undefined {
  const option = options.defaultAction;
  if (option === undefined) return undefined;
  if (typeof option === 'object') {
    const errno = option.errno;
    return Number.isInteger(errno) && errno >= 1 && errno <= maxErrno ? { kind: 'errno', errno } : undefined;
  }
  if (option === 'kill') return { kind: 'kill-process' };
  return { kind: option };
}

function describeMissingSyscall(table: ArchTable, name: string): { message: string; suggestion?: string } {
  const related = relatedSyscallNames(name).filter((candidate) => lookupSyscall(table, candidate) !== undefined);
  if (related.length > 0) {
    const list = related.map((candidate) => `\`${candidate}\``).join(' or ');
    return {
      message: `syscall \`${name}\` does not exist on ${table.name}; use ${list} there`,
      suggestion: `use ${list} on ${table.name} (e.g. with \`[arch=…]\` metadata)`,
    };
  }
  const first = suggestName(name, Object.keys(table.syscalls));
  return first === undefined
    ? { message: `unknown syscall \`${name}\` on ${table.name}` }
    : { message: `unknown syscall \`${name}\` on ${table.name}`, suggestion: `did you mean \`${first}\`?` };
}

function sameRange(a: SourceRange, b: SourceRange): boolean {
  return a.start.offset === b.start.offset && a.end.offset === b.end.offset;
}

/**
 * Lowers a resolved policy for one architecture. Problems (unknown names, out-of-range values,
 * `arg6`, groups, denylist mismatches) come back as SC4xxx diagnostics; the lowered policy is
 * returned only when there are no errors.
 */
export function lowerPolicy(resolved: ResolvedPolicy, table: ArchTable, options: CompileOptions = {}): LowerResult {
  const diagnostics: Diagnostic[] = [];
  const denylist = options.denylist ?? false;
  const killAction: SeccompAction = denylist
    ? { kind: 'errno', errno: Number(lookupConstant(table, 'EPERM') ?? 1n) }
    : options.logFailures === true
      ? { kind: 'log' }
      : { kind: options.useKillProcess === true ? 'kill-process' : 'kill-thread' };
  const context: LowerContext = {
    table,
    bits: table.bits,
    diagnostics,
    killAction,
    logFailures: options.logFailures === true,
    denylist,
    resolverDiagnostics: resolved.diagnostics,
  };
  const resolverCodes = new Set(resolved.diagnostics.map((diagnostic) => diagnostic.code));

  if (resolved.denylist !== denylist && !resolverCodes.has('SC2020') && !resolverCodes.has('SC2021')) {
    diagnostics.push(
      codegenDiagnostic(
        'SC4007',
        resolved.denylist
          ? 'policy is a denylist (@denylist) but denylist mode was not requested'
          : 'denylist mode was requested but the policy has no @denylist header',
        resolved.entry,
        fileStart,
      ),
    );
  }

  // The default action: the option wins over @default; otherwise the kill action.
  let defaultAction: SeccompAction;
  let defaultSource: LoweredPolicy['defaultSource'];
  const optionDefault = resolveDefaultOption(options);
  if (typeof options.defaultAction === 'object' && optionDefault === undefined) {
    diagnostics.push(
      codegenDiagnostic(
        'SC4010',
        `the default action \`return ${options.defaultAction.errno.toString()}\` is not an errno the kernel returns: use a value from 1 to ${maxErrno} (MAX_ERRNO)`,
        resolved.entry,
        fileStart,
      ),
    );
  }
  if (denylist) {
    defaultAction = { kind: 'allow' };
    defaultSource = 'denylist';
  } else if (optionDefault !== undefined) {
    defaultAction = optionDefault;
    defaultSource = 'option';
  } else if (resolved.defaultAction !== undefined) {
    const lowered = lowerAction(context, resolved.defaultAction.action, resolved.defaultAction.origin.file);
    defaultAction = lowered ?? killAction;
    defaultSource = 'policy';
  } else {
    defaultAction = killAction;
    defaultSource = 'kill-action';
  }
  // In denylist mode the arch check keeps Minijail's kill action (`return EPERM`).
  const archMismatchAction = killAction;

  const byNumber = new Map<number, { name: string; rules: ResolvedRule[] }>();
  for (const syscall of syscallsForArch(resolved, table.name)) {
    const rules = syscall.rules;
    const firstRule = rules[0];
    if (firstRule === undefined) continue;
    if (syscall.group !== undefined) {
      diagnostics.push(
        codegenDiagnostic(
          'SC4006',
          `syscall group \`${syscall.name}@${syscall.group}\` needs a group table, and the ${table.name} table has none`,
          firstRule.origin.file,
          firstRule.descriptor.range,
          { suggestion: 'list the syscalls of the group explicitly, e.g. `{read, write}: …`' },
        ),
      );
      continue;
    }
    const number = lookupSyscall(table, syscall.name);
    if (number === undefined) {
      const { message, suggestion } = describeMissingSyscall(table, syscall.name);
      for (const rule of rules) {
        diagnostics.push(
          codegenDiagnostic('SC4001', message, rule.origin.file, rule.descriptor.range, suggestion === undefined ? {} : { suggestion }),
        );
      }
      continue;
    }
    const entry = byNumber.get(number);
    if (entry === undefined) byNumber.set(number, { name: syscall.name, rules: [...rules] });
    // One push per rule, not a spread: 100,000s of rules are more arguments than a call may have.
    else for (const rule of rules) entry.rules.push(rule);
  }

  const frequencies = callCounts(frequenciesForArch(resolved, table.name), options);
  const resolverMergeErrors = resolved.diagnostics.filter((diagnostic) => diagnostic.code === 'SC2010');
  const syscalls: LoweredSyscall[] = [];
  for (const [number, { name, rules }] of [...byNumber.entries()].sort((a, b) => a[0] - b[0])) {
    const filters: LoweredFilter[] = [];
    let fallback: LoweredFallback | undefined;
    let failed = false;
    for (const rule of rules) {
      const action = lowerAction(context, rule.filter.action, rule.origin.file);
      const clauses = lowerRuleCondition(context, rule);
      if (action === undefined || clauses === undefined) {
        failed = true;
        continue;
      }
      if (fallback !== undefined) {
        const reported = resolverMergeErrors.some(
          (diagnostic) => diagnostic.file === rule.origin.file && sameRange(diagnostic.range, rule.origin.colonRange),
        );
        if (!reported) {
          const previous = fallback.origin;
          diagnostics.push(
            codegenDiagnostic(
              'SC4009',
              `syscall ${name} (number ${number}) already had an unconditional action applied on ${table.name}`,
              rule.origin.file,
              rule.origin.colonRange,
              previous === undefined ? {} : { related: [{ message: 'previous definition', file: previous.file, range: previous.colonRange }] },
            ),
          );
        }
        failed = true;
        continue;
      }
      if (rule.filter.condition === undefined) fallback = { action, origin: rule.origin };
      else filters.push({ clauses, action, origin: rule.origin });
    }
    if (failed) continue;
    let droppedByAllow: RuleOrigin[] = [];
    if (fallback?.action.kind === 'allow' && filters.length > 0) {
      // Minijail's merge quirk: a final unconditional allow discards every earlier filter.
      droppedByAllow = filters.map((filter) => filter.origin);
      filters.length = 0;
    }
    const frequency = frequencies.get(name);
    syscalls.push({
      name,
      number,
      frequency: frequency ?? 1,
      filters,
      fallback: fallback ?? { action: defaultAction },
      droppedByAllow,
    });
  }

  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics };
  const enosys = Number(lookupConstant(table, 'ENOSYS') ?? BigInt(fallbackEnosys));
  return {
    diagnostics,
    policy: {
      entry: resolved.entry,
      arch: lowerArch(table),
      denylist,
      defaultAction,
      defaultSource,
      killAction,
      archMismatchAction,
      invalidNumberAction: invalidNumberAction(defaultAction, enosys),
      syscalls,
      callFrequencies: countsByNumber(table, frequencies),
    },
  };
}
