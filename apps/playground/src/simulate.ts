/**
 * "Try a syscall": runs the compiled program in the emulator on a syscall number and arguments,
 * and asks the reference semantics (an interpreter over the lowered policy, no BPF) which rule
 * decides, so the page can show the action, the path taken and the deciding rule, and say
 * whether the two agree.
 */
import { lookupSyscall, suggestName, type ArchTable } from '@syscage/arch-tables';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import { actionReturnValue, emulate, evaluatePolicy, formatReturnValue, type Decision } from '@syscage/bpf-codegen';
import type { CompiledView } from './compiled.js';
import { ruleLabel, type RuleLink } from './program-map.js';
import { evaluateArgument } from './value-expr.js';

/** What the user typed. */
export interface SyscallRequest {
  /** Syscall name (`openat`) or number (`257`, `0x101`). */
  readonly syscall: string;
  /** Up to six argument expressions; empty means 0. */
  readonly args: readonly string[];
}

/** The outcome of one try. */
export type SimulationResult =
  | { readonly ok: false; readonly message: string }
  | {
      readonly ok: true;
      readonly nr: number;
      /** The syscall's name on the architecture, when it has one. */
      readonly name: string | undefined;
      readonly args: readonly bigint[];
      /** `ALLOW`, `ERRNO(1)`, `KILL_THREAD`, … as the disassembler names return values. */
      readonly actionText: string;
      /** The errno's constant name (`EPERM`) for `ERRNO(n)` results, when the table knows it. */
      readonly errnoName: string | undefined;
      /** Whether the syscall runs (allow, log) or not. */
      readonly allowed: boolean;
      /** Instructions executed, in order; the last one is the deciding `ret`. */
      readonly path: readonly number[];
      /** Why: the deciding rule, or the default, with a link where there is a source. */
      readonly reason: string;
      readonly link: RuleLink | undefined;
      /** True when the emulator and the reference semantics give the same return value. */
      readonly agrees: boolean;
      readonly referenceText: string;
    };

function syscallNumber(text: string, table: ArchTable): { nr: number } | { message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { message: 'name a syscall' };
  if (/^(0x[0-9a-f]+|\d+)$/i.test(trimmed)) {
    const value = Number(trimmed);
    return value <= 0xffff_ffff ? { nr: value } : { message: `${trimmed} is not a 32-bit syscall number` };
  }
  const nr = lookupSyscall(table, trimmed);
  if (nr !== undefined) return { nr };
  const suggestion = suggestName(trimmed, Object.keys(table.syscalls));
  return { message: `${table.name} has no syscall ${trimmed}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}` };
}

function errnoName(table: ArchTable, errno: number): string | undefined {
  const names = Object.entries(table.constants)
    .filter(([name, value]) => /^E[A-Z0-9]+$/.test(name) && value === BigInt(errno))
    .map(([name]) => name)
    .sort();
  return names[0];
}

function explain(decision: Decision, resolved: ResolvedPolicy, compiled: CompiledView, sources: ReadonlyMap<string, string>): { reason: string; link: RuleLink | undefined } {
  const link = (origin: { readonly file: string; readonly range: RuleLink['range'] }): RuleLink => ({
    file: origin.file,
    range: origin.range,
    label: ruleLabel(origin, sources),
  });
  switch (decision.kind) {
    case 'arch-mismatch':
      return { reason: 'the architecture check (the audit arch does not match)', link: undefined };
    case 'invalid-number':
      return { reason: `no syscall of ${compiled.table.name} has this number`, link: undefined };
    case 'rule': {
      const which = decision.filterIndex === undefined ? `the unconditional rule of ${decision.syscall}` : `filter ${decision.filterIndex + 1} of ${decision.syscall}`;
      return { reason: which, link: link(decision.origin) };
    }
    case 'fallback-default':
      return { reason: `no filter of ${decision.syscall} matched, so the default action applies`, link: resolved.defaultAction ? link(resolved.defaultAction.origin) : undefined };
    case 'default': {
      const source = compiled.lowered.defaultSource === 'policy' ? '@default' : 'the default action (no @default: the kill action)';
      return { reason: `the syscall is not listed, so ${source} applies`, link: resolved.defaultAction && compiled.lowered.defaultSource === 'policy' ? link(resolved.defaultAction.origin) : undefined };
    }
  }
}

/** Runs one syscall through the compiled program and the reference semantics. Never throws. */
export function simulateSyscall(request: SyscallRequest, compiled: CompiledView, resolved: ResolvedPolicy, sources: ReadonlyMap<string, string>): SimulationResult {
  const { table, program, lowered } = compiled;
  const number = syscallNumber(request.syscall, table);
  if ('message' in number) return { ok: false, message: number.message };
  const args: bigint[] = [];
  for (const [index, text] of request.args.slice(0, 6).entries()) {
    const value = evaluateArgument(text, table);
    if (!value.ok) return { ok: false, message: `arg${index}: ${value.message}` };
    args.push(value.value);
  }
  while (args.length < 6) args.push(0n);
  const run = emulate(program, { nr: number.nr, arch: table.auditArch, instructionPointer: 0n, args }, { byteOrder: table.endianness });
  if (!run.ok) return { ok: false, message: `the program failed in the emulator: ${run.error.message}` };
  const reference = evaluatePolicy(lowered, { nr: number.nr, arch: table.auditArch, args });
  const referenceValue = actionReturnValue(reference.action);
  const { reason, link } = explain(reference.decision, resolved, compiled, sources);
  return {
    ok: true,
    nr: number.nr,
    name: lowered.arch.names.get(number.nr),
    args,
    actionText: formatReturnValue(run.returnValue),
    errnoName: run.action === 'errno' ? errnoName(table, run.data) : undefined,
    allowed: run.action === 'allow' || run.action === 'log',
    path: run.path,
    reason,
    link,
    agrees: referenceValue === run.returnValue,
    referenceText: formatReturnValue(referenceValue),
  };
}
