/**
 * Which syscalls reach each instruction of a compiled program, and which rules an instruction
 * stands for. The compiler does not record instruction origins, so they are derived here:
 *
 * 1. Reachability per listed syscall: the program is walked from pc 0 with `arch` and `nr`
 *    known and every other `seccomp_data` word unknown (a test of an unknown follows both
 *    branches). An instruction belongs to the syscalls that can reach it.
 * 2. Links: a `jeq` of the syscall number links to that syscall's rules; an argument test links
 *    to the filters of its syscalls that compare that argument with that constant (either
 *    32-bit half, or its complement for `in` masks); a `ret` links to the filters whose action
 *    returns that value, or the unconditional rule, or the policy's `@default`.
 */
import type { ArchTable } from '@syscage/arch-tables';
import type { ResolvedPolicy, RuleOrigin } from '@syscage/include-resolver';
import { actionReturnValue, type DisassembledInstruction, type LoweredPolicy, type LoweredSyscall } from '@syscage/bpf-codegen';
import type { SourceRange } from '@syscage/policy-parser';

/** A place in a policy file an instruction or a decision comes from. */
export interface RuleLink {
  readonly file: string;
  readonly range: SourceRange;
  /** The rule's text (first line, shortened). */
  readonly label: string;
}

/** What the page knows about one instruction. */
export interface InstructionOrigin {
  /** Listed syscalls whose path can reach the instruction. */
  readonly syscalls: readonly string[];
  /** Rules the instruction comes from (empty for the architecture check and shared dispatch). */
  readonly links: readonly RuleLink[];
}

type Accumulator = { readonly kind: 'const'; readonly value: number } | { readonly kind: 'word'; readonly field: string } | { readonly kind: 'unknown' };

const CONDITIONAL = new Set(['jeq', 'jge', 'jgt', 'jset']);

/** The constant operand of a test, load or return (`undefined` when it uses X or A). */
function immediate(line: DisassembledInstruction): number | undefined {
  if (line.operand.startsWith('#') || (line.mnemonic === 'ret' && line.operand !== 'a' && line.operand !== 'x')) return line.insn.k >>> 0;
  return undefined;
}

function branchTaken(mnemonic: string, value: number, k: number): boolean {
  switch (mnemonic) {
    case 'jeq':
      return value === k;
    case 'jge':
      return value >= k;
    case 'jgt':
      return value > k;
    default:
      return (value & k) >>> 0 !== 0;
  }
}

/** The pcs reachable for one syscall number, and the `seccomp_data` fields tested at each. */
function explore(lines: readonly DisassembledInstruction[], auditArch: number, nr: number): Map<number, Set<string>> {
  const reached = new Map<number, Set<string>>();
  const seen = new Set<string>();
  const stack: { pc: number; accumulator: Accumulator }[] = [{ pc: 0, accumulator: { kind: 'unknown' } }];
  const key = (pc: number, accumulator: Accumulator): string =>
    `${pc}:${accumulator.kind === 'const' ? accumulator.value : accumulator.kind === 'word' ? accumulator.field : '?'}`;
  while (stack.length > 0) {
    const { pc, accumulator } = stack.pop() ?? { pc: -1, accumulator: { kind: 'unknown' } };
    const line = lines[pc];
    if (line === undefined || seen.has(key(pc, accumulator))) continue;
    seen.add(key(pc, accumulator));
    const fields = reached.get(pc) ?? new Set<string>();
    reached.set(pc, fields);
    if (accumulator.kind === 'word') fields.add(accumulator.field);
    const { mnemonic, operand, targets } = line;
    if (mnemonic === 'ret') continue;
    if (mnemonic === 'ja') {
      stack.push({ pc: targets[0] ?? pc + 1, accumulator });
      continue;
    }
    if (CONDITIONAL.has(mnemonic)) {
      const k = immediate(line);
      const [whenTrue = pc + 1, whenFalse = pc + 1] = targets;
      if (accumulator.kind === 'const' && k !== undefined) {
        stack.push({ pc: branchTaken(mnemonic, accumulator.value, k) ? whenTrue : whenFalse, accumulator });
      } else {
        stack.push({ pc: whenTrue, accumulator }, { pc: whenFalse, accumulator });
      }
      continue;
    }
    let next: Accumulator = { kind: 'unknown' };
    if (mnemonic === 'ld') {
      if (operand === '[nr]') next = { kind: 'const', value: nr >>> 0 };
      else if (operand === '[arch]') next = { kind: 'const', value: auditArch >>> 0 };
      else if (operand.startsWith('[')) next = { kind: 'word', field: operand.slice(1, -1) };
      else {
        const k = immediate(line);
        if (k !== undefined) next = { kind: 'const', value: k };
      }
    } else if (mnemonic === 'ldx' || mnemonic === 'st' || mnemonic === 'stx') {
      next = accumulator;
    }
    stack.push({ pc: pc + 1, accumulator: next });
  }
  return reached;
}

/** The first line of a rule's text, shortened, with where it is. */
export function ruleLabel(origin: { readonly file: string; readonly range: SourceRange }, sources: ReadonlyMap<string, string>): string {
  const text = sources.get(origin.file)?.slice(origin.range.start.offset, origin.range.end.offset) ?? '';
  const firstLine = (text.split('\n')[0] ?? '').trim();
  const shown = firstLine.length > 64 ? `${firstLine.slice(0, 63)}…` : firstLine;
  const file = origin.file.slice(origin.file.lastIndexOf('/') + 1);
  return `${shown} (${file}:${origin.range.start.line})`;
}

function linkTo(origin: { readonly file: string; readonly range: SourceRange }, sources: ReadonlyMap<string, string>): RuleLink {
  return { file: origin.file, range: origin.range, label: ruleLabel(origin, sources) };
}

function allOrigins(syscall: LoweredSyscall): RuleOrigin[] {
  const origins = syscall.filters.map((filter) => filter.origin);
  if (syscall.fallback.origin !== undefined) origins.push(syscall.fallback.origin);
  return origins;
}

function halves(value: bigint): number[] {
  const word = value & 0xffff_ffff_ffff_ffffn;
  const complement = ~word & 0xffff_ffff_ffff_ffffn;
  return [word, complement].flatMap((v) => [Number(v & 0xffff_ffffn), Number(v >> 32n)]);
}

/** The origin of every instruction of a compiled program (see the module comment). */
export function mapInstructions(
  lines: readonly DisassembledInstruction[],
  lowered: LoweredPolicy,
  resolved: ResolvedPolicy,
  table: ArchTable,
  sources: ReadonlyMap<string, string>,
): InstructionOrigin[] {
  const reachers: LoweredSyscall[][] = lines.map(() => []);
  const fieldsAt: Set<string>[] = lines.map(() => new Set());
  for (const syscall of lowered.syscalls) {
    for (const [pc, fields] of explore(lines, table.auditArch, syscall.number)) {
      reachers[pc]?.push(syscall);
      for (const field of fields) fieldsAt[pc]?.add(field);
    }
  }
  const byName = new Map(lowered.syscalls.map((syscall) => [syscall.name, syscall]));
  const defaultOrigin = lowered.defaultSource === 'policy' ? resolved.defaultAction?.origin : undefined;

  return lines.map((line, pc) => {
    const syscalls = reachers[pc] ?? [];
    const names = syscalls.map((syscall) => syscall.name);
    const origins: { readonly file: string; readonly range: SourceRange }[] = [];
    const k = immediate(line);
    const testsArgument = [...(fieldsAt[pc] ?? [])].some((field) => field.startsWith('args['));
    const numberTest = byName.get(line.comment);
    if (line.mnemonic === 'jeq' && numberTest !== undefined && !testsArgument) {
      origins.push(...allOrigins(numberTest));
    } else if (CONDITIONAL.has(line.mnemonic) && testsArgument && k !== undefined) {
      const argIndexes = new Set(
        [...(fieldsAt[pc] ?? [])].flatMap((field) => {
          const match = /^args\[(\d)\]/.exec(field);
          return match?.[1] === undefined ? [] : [Number(match[1])];
        }),
      );
      for (const syscall of syscalls) {
        for (const filter of syscall.filters) {
          const matches = filter.clauses.some((clause) =>
            clause.some((comparison) => argIndexes.has(comparison.arg) && halves(comparison.value).includes(k)),
          );
          if (matches) origins.push(filter.origin);
        }
      }
      if (origins.length === 0) for (const syscall of syscalls) origins.push(...syscall.filters.map((filter) => filter.origin));
    } else if (line.mnemonic === 'ret' && k !== undefined) {
      for (const syscall of syscalls) {
        for (const filter of syscall.filters) if (actionReturnValue(filter.action) === k) origins.push(filter.origin);
        if (syscall.fallback.origin !== undefined && actionReturnValue(syscall.fallback.action) === k) origins.push(syscall.fallback.origin);
      }
      if (defaultOrigin !== undefined && actionReturnValue(lowered.defaultAction) === k) origins.push(defaultOrigin);
    } else if (line.mnemonic === 'ld' && syscalls.length > 0 && syscalls.length < lowered.syscalls.length && line.operand.startsWith('[args')) {
      for (const syscall of syscalls) origins.push(...syscall.filters.map((filter) => filter.origin));
    }
    const unique = new Map<string, RuleLink>();
    for (const origin of origins) unique.set(`${origin.file}:${origin.range.start.offset}`, linkTo(origin, sources));
    return { syscalls: names, links: [...unique.values()] };
  });
}
