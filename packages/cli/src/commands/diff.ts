/**
 * `syscage diff OLD NEW --arch A [--format text|json]`: what a change to a policy (or between two
 * `.bpf` programs, or a program and a policy) allows or denies that it did not before, decided
 * exactly by the verifier's decision diagrams (`diffDecisions`): per syscall, every pair of
 * actions that occurs (added: now allowed where it was not, removed: no longer allowed, changed:
 * another denial, e.g. ERRNO(1) → TRAP) with exactly the argument values concerned, written as
 * conditions (`arg0 == 0x0 or arg0 >= 0x3`), and one witness call replayed on both sides. Numbers
 * that are no syscall and other `arch` values are listed after the syscalls. A change of the
 * default action is named first. Exits 1 when the sides differ, like diff(1), and 4 when a
 * program does something the procedure does not decide exactly (as `verify`).
 */
import {
  type DecisionChange,
  type DecisionDiff,
  type DecisionSource,
  type SeccompData,
  type SyscallDifference,
  diffDecisions,
  emulate,
  defaultSyscallNumbers,
  formatReturnValue,
  lowerArch,
  auditArchName,
} from '@syscage/bpf-codegen';
import { type ArchTable, formatCall } from '@syscage/arch-tables';
import type { CliContext } from '../context.js';
import { type ConditionContext, ConstantNamer, conditionJson, describeTerms } from '../diff-conditions.js';
import { ExitCode } from '../exit-codes.js';
import { printJson, showPath } from '../output.js';
import { addPolicyInputOptions, archOption, formatOption, refusePolicyOptionsWithoutPolicy } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { describeNumber } from '../proof.js';
import { kernelNoteJson, kernelNoteSuffix } from '../kernel-note.js';
import { type ProgramInput, hex, loadArch, readProgramInput } from './simulate-input.js';

interface DiffOptions {
  readonly arch?: string;
  readonly format: 'text' | 'json';
  readonly defaultAction?: string;
  readonly includeMap: string[];
}

type Change = DecisionChange['kind'];

/** A policy input is compared by its reference semantics (so a change names its rule), a program as it runs. */
function sourceOf(input: ProgramInput): DecisionSource {
  return input.lowered === undefined ? { kind: 'filter', programs: [input.program] } : { kind: 'policy', policy: input.lowered };
}

/** What a program does with most syscalls (with zero arguments): its default action. */
function mostCommonAction(input: ProgramInput, arch: ArchTable): string {
  const counts = new Map<string, number>();
  for (const nr of defaultSyscallNumbers(arch)) {
    const result = emulate(input.program, { nr, arch: arch.auditArch, instructionPointer: 0n, args: [] }, { byteOrder: arch.endianness, recordPath: false });
    const text = result.ok ? formatReturnValue(result.returnValue, arch) : `invalid (${result.error.code})`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  let best = '';
  let most = -1;
  for (const [decision, count] of counts) if (count > most) [best, most] = [decision, count];
  return best;
}

/** A change's two actions with their values named (`ERRNO(2=ENOENT)`). */
function actions(change: DecisionChange, arch: ArchTable): { readonly before: string; readonly after: string } {
  return { before: formatReturnValue(change.old.returnValue, arch), after: formatReturnValue(change.new.returnValue, arch) };
}

/** What a change of allowances means for one syscall, in words. */
function describeChange(difference: SyscallDifference | undefined, change: DecisionChange, arch: ArchTable): string {
  const { before, after } = actions(change, arch);
  if (change.kind === 'added') {
    return difference?.oldRuns === 'never' || difference === undefined ? `now allowed (was ${before})` : `allowed for more argument values (was ${before})`;
  }
  if (change.kind === 'removed') {
    return difference?.newRuns === 'never' || difference === undefined ? `no longer allowed (now ${after})` : `allowed for fewer argument values (now ${after})`;
  }
  return `${before} → ${after}`;
}

/** The witness as a call: `write(0x0, …)`, with the number and arch when they are what changed. */
function describeCall(table: ArchTable, witness: SeccompData, withArch: boolean): string {
  // A number that is no syscall shows as one: its meaning (an x32 call, a hole) is in the condition.
  const name = Object.values(table.syscalls).includes(witness.nr) ? describeNumber(table, witness.nr) : undefined;
  const ip = witness.instructionPointer === 0n ? '' : ` at ip ${hex(witness.instructionPointer)}`;
  const arch = withArch ? ` with arch ${auditArchName(witness.arch) ?? hex(witness.arch)}` : '';
  const call = name === undefined ? `syscall ${hex(witness.nr)}(${witness.args.map((value) => hex(value)).join(', ')})` : formatCall(table, name, witness.args);
  return `${call}${arch}${ip}`;
}

function ruleText(ctx: CliContext, change: DecisionChange, side: 'old' | 'new'): string | null {
  const rule = change[side].rule;
  return rule === undefined ? null : `${showPath(ctx, rule.file)}:${rule.line}`;
}

function changeJson(ctx: CliContext, arch: ArchTable, change: DecisionChange, namer: ConstantNamer, context: ConditionContext): Record<string, unknown> {
  const { witness } = change;
  return {
    kind: change.kind,
    ...actions(change, arch),
    when: change.when.map((term) => term.map((condition) => conditionJson(condition, namer, context))),
    text: describeTerms(change.when, change.complete, namer, context),
    complete: change.complete,
    example: { nr: witness.nr, arch: hex(witness.arch), args: witness.args.map((value) => hex(value)), ip: hex(witness.instructionPointer) },
    rule: { old: ruleText(ctx, change, 'old'), new: ruleText(ctx, change, 'new') },
  };
}

/** Registers `syscage diff`. */
export const registerDiff: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
      .command('diff')
      .description('exactly which inputs one filter (or policy) decides differently from another, per syscall, with a witness each')
      .argument('<old>', 'the old .policy, .bpf or OCI profile (.json)')
      .argument('<new>', 'the new .policy, .bpf or OCI profile (.json)')
      .addOption(archOption('architecture (default for policies: the parent folder name)'))
      .addOption(formatOption(['text', 'json'])),
  ).action(async (oldFile: string, newFile: string, options: DiffOptions) => {
    refusePolicyOptionsWithoutPolicy(options, [oldFile, newFile]);
    const arch = await loadArch(ctx, options.arch, oldFile);
    const before = await readProgramInput(ctx, oldFile, arch, options, setExit);
    const after = await readProgramInput(ctx, newFile, arch, options, setExit);
    if (before === undefined || after === undefined) return;
    const diff: DecisionDiff = diffDecisions(sourceOf(before), sourceOf(after), lowerArch(arch));
    const namer = new ConstantNamer(arch, [...before.sources.values(), ...after.sources.values()]);
    if (diff.result === 'undecided') {
      setExit(ExitCode.undecided);
      const where = diff.pc === undefined ? '' : ` (instruction ${diff.pc})`;
      if (options.format === 'json') printJson(ctx, { old: before.shown, new: after.shown, arch: arch.name, result: 'undecided', reason: `${diff.reason}${where}` });
      else ctx.stdout(`undecided: ${diff.reason}${where}; nothing is claimed about the difference between ${before.shown} and ${after.shown}\n`);
      return;
    }
    const differences = diff.result === 'same' ? [] : diff.syscalls;
    const otherNumbers = diff.result === 'same' ? [] : diff.otherNumbers;
    const otherArchitectures = diff.result === 'same' ? [] : diff.otherArchitectures;
    const oldDefault = mostCommonAction(before, arch);
    const newDefault = mostCommonAction(after, arch);
    const defaultAction = oldDefault === newDefault ? undefined : { old: oldDefault, new: newDefault };
    // Like diff(1): exit 1 when the sides differ, so scripts can tell without parsing.
    if (diff.result === 'different') setExit(ExitCode.policyError);
    const kindsOf = (difference: SyscallDifference): Change[] => [...new Set(difference.changes.map((change) => change.kind))].sort();
    const count = (kind: Change): number => differences.filter((d) => kindsOf(d).includes(kind)).length;
    if (options.format === 'json') {
      printJson(ctx, {
        old: before.shown,
        new: after.shown,
        arch: arch.name,
        result: diff.result,
        added: count('added'),
        removed: count('removed'),
        changed: count('changed'),
        defaultAction: defaultAction ?? null,
        syscalls: differences.map((d) => ({
          nr: d.nr,
          name: d.name ?? null,
          kinds: kindsOf(d),
          oldAllowed: d.oldRuns,
          newAllowed: d.newRuns,
          changes: d.changes.map((change) => changeJson(ctx, arch, change, namer, d.name === undefined ? {} : { syscall: d.name })),
          ...kernelNoteJson(arch.name, d.nr),
        })),
        otherNumbers: otherNumbers.map((change) => changeJson(ctx, arch, change, namer, {})),
        otherArchitectures: otherArchitectures.map((change) => changeJson(ctx, arch, change, namer, {})),
      });
      return;
    }
    // A new default action changes every syscall neither side lists: say so first, so the
    // lines that follow (every one of them, none collapsed) read as its consequence.
    const byDefault =
      defaultAction === undefined ? 0 : differences.filter((d) => d.changes.some((c) => actions(c, arch).before === defaultAction.old && actions(c, arch).after === defaultAction.new)).length;
    if (defaultAction !== undefined) {
      ctx.stdout(`~ default action: ${defaultAction.old} → ${defaultAction.new}; ${byDefault} syscall${byDefault === 1 ? '' : 's'} below change with it\n`);
    }
    const marks: Readonly<Record<Change, string>> = { added: '+', removed: '-', changed: '~' };
    const line = (label: string, difference: SyscallDifference | undefined, change: DecisionChange, withArch: boolean, note: string): void => {
      const when = describeTerms(change.when, change.complete, namer, difference?.name === undefined ? {} : { syscall: difference.name });
      ctx.stdout(`${marks[change.kind]} ${label}: ${describeChange(difference, change, arch)} ${when}, e.g. ${describeCall(arch, change.witness, withArch)}${note}\n`);
    };
    for (const difference of differences) {
      const label = difference.name ?? `syscall ${difference.nr}`;
      for (const change of difference.changes) line(label, difference, change, false, kernelNoteSuffix(arch.name, difference.nr));
    }
    for (const change of otherNumbers) line(`numbers that are no syscall of ${arch.name}`, undefined, change, false, '');
    for (const change of otherArchitectures) line(`other architectures`, undefined, change, true, '');
    const defaultNote = defaultAction === undefined ? '' : `; the default action changed from ${defaultAction.old} to ${defaultAction.new}`;
    const others = [
      ...(otherNumbers.length > 0 ? ['numbers that are no syscall'] : []),
      ...(otherArchitectures.length > 0 ? ['other architectures'] : []),
    ];
    const otherNote = others.length === 0 ? '' : `; decisions on ${others.join(' and ')} differ too`;
    ctx.stdout(
      diff.result === 'same'
        ? `no difference between ${before.shown} and ${after.shown} on ${arch.name} (proved for every input)\n`
        : `${differences.length} syscall${differences.length === 1 ? '' : 's'} differ: ${count('added')} with new allowances, ${count('removed')} with removed allowances, ${count('changed')} with other changes${defaultNote}${otherNote}\n`,
    );
  });
};
