/**
 * `syscage diff OLD NEW --arch A [--format text|json]`: what a change to a policy (or between two
 * `.bpf` programs) allows or denies that it did not before. For every syscall number both
 * programs are run on the argument vectors built from the constants either program compares
 * that syscall's arguments with (`argumentSamples`), and every syscall whose decisions differ
 * is reported with an example: added (now allowed where it was not, or for more argument
 * values), removed (no longer allowed, or for fewer values), changed (another denial, e.g.
 * ERRNO(1) → TRAP). A change of the default action is named first. Exits 1 when the filters
 * differ, like diff(1).
 */
import { argumentSamples, defaultSyscallNumbers, emulate, explorePaths, formatReturnValue, type BpfProgram } from '@syscage/bpf-codegen';
import { type ArchTable, formatCall } from '@syscage/arch-tables';
import { ExitCode } from '../exit-codes.js';
import { printJson } from '../output.js';
import { addPolicyInputOptions, archOption, formatOption, refusePolicyOptionsWithoutPolicy } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { kernelNoteJson, kernelNoteSuffix } from '../kernel-note.js';
import { hex, loadArch, readProgramInput } from './simulate-input.js';

interface DiffOptions {
  readonly arch?: string;
  readonly format: 'text' | 'json';
  readonly defaultAction?: string;
  readonly includeMap: string[];
}

type Change = 'added' | 'removed' | 'changed';

/** For which of the sampled argument values a program allows a syscall. */
type Allowance = 'never' | 'sometimes' | 'always';

interface SyscallDifference {
  readonly nr: number;
  readonly name: string | undefined;
  readonly kinds: readonly Change[];
  /** Whether the old and the new filter allow the call for none, some or all of the sampled arguments. */
  readonly oldAllowed: Allowance;
  readonly newAllowed: Allowance;
  /** One example per kind of change. */
  readonly examples: readonly { readonly kind: Change; readonly args: readonly bigint[]; readonly before: string; readonly after: string }[];
}

interface Comparison {
  readonly differences: readonly SyscallDifference[];
  /** What each filter does with a call it does not list (its most common decision), when the two differ. */
  readonly defaultAction: { readonly old: string; readonly new: string } | undefined;
}

function outcome(program: BpfProgram, arch: ArchTable, nr: number, args: readonly bigint[]): { allowed: boolean; text: string } {
  const result = emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
  if (!result.ok) return { allowed: false, text: `invalid (${result.error.code})` };
  return { allowed: result.action === 'allow', text: formatReturnValue(result.returnValue, arch) };
}

function allowance(allowedSome: boolean, deniedSome: boolean): Allowance {
  return !allowedSome ? 'never' : deniedSome ? 'sometimes' : 'always';
}

/** The most common of the decisions (a filter's default action is what most syscalls get). */
function mostCommon(decisions: ReadonlyMap<string, number>): string {
  let best = '';
  let most = -1;
  for (const [decision, count] of decisions) {
    if (count > most) [best, most] = [decision, count];
  }
  return best;
}

/** Decisions of two programs compared syscall by syscall. */
function compare(before: BpfProgram, after: BpfProgram, arch: ArchTable): Comparison {
  const names = new Map<number, string>();
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => (a < b ? -1 : 1))) if (!names.has(nr)) names.set(nr, name);
  const differences: SyscallDifference[] = [];
  const oldDecisions = new Map<string, number>();
  const newDecisions = new Map<string, number>();
  for (const nr of defaultSyscallNumbers(arch)) {
    const outcomes = [...explorePaths(before, arch, nr).outcomes, ...explorePaths(after, arch, nr).outcomes];
    const examples = new Map<Change, { kind: Change; args: readonly bigint[]; before: string; after: string }>();
    const seen = { oldAllowed: false, oldDenied: false, newAllowed: false, newDenied: false };
    let first = true;
    for (const args of argumentSamples(outcomes, arch.endianness === 'little', 1024, nr + 1)) {
      const old = outcome(before, arch, nr, args);
      const now = outcome(after, arch, nr, args);
      if (first) {
        oldDecisions.set(old.text, (oldDecisions.get(old.text) ?? 0) + 1);
        newDecisions.set(now.text, (newDecisions.get(now.text) ?? 0) + 1);
        first = false;
      }
      if (old.allowed) seen.oldAllowed = true;
      else seen.oldDenied = true;
      if (now.allowed) seen.newAllowed = true;
      else seen.newDenied = true;
      if (old.text === now.text) continue;
      const kind: Change = now.allowed && !old.allowed ? 'added' : old.allowed && !now.allowed ? 'removed' : 'changed';
      if (!examples.has(kind)) examples.set(kind, { kind, args, before: old.text, after: now.text });
    }
    if (examples.size > 0) {
      differences.push({
        nr,
        name: names.get(nr),
        kinds: [...examples.keys()].sort(),
        oldAllowed: allowance(seen.oldAllowed, seen.oldDenied),
        newAllowed: allowance(seen.newAllowed, seen.newDenied),
        examples: [...examples.values()],
      });
    }
  }
  const oldDefault = mostCommon(oldDecisions);
  const newDefault = mostCommon(newDecisions);
  return { differences, defaultAction: oldDefault === newDefault ? undefined : { old: oldDefault, new: newDefault } };
}

/** What a change of allowances means for one syscall, in words. */
function describeChange(difference: SyscallDifference, example: SyscallDifference['examples'][number]): string {
  if (example.kind === 'added') {
    return difference.oldAllowed === 'never' ? `now allowed (was ${example.before})` : `allowed for more argument values (was ${example.before})`;
  }
  if (example.kind === 'removed') {
    return difference.newAllowed === 'never' ? `no longer allowed (now ${example.after})` : `allowed for fewer argument values (now ${example.after})`;
  }
  return `${example.before} → ${example.after}`;
}

/** Registers `syscage diff`. */
export const registerDiff: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
    .command('diff')
    .description('what one filter allows or denies that another did not, per syscall, with examples')
    .argument('<old>', 'the old .policy, .bpf or OCI profile (.json)')
    .argument('<new>', 'the new .policy, .bpf or OCI profile (.json)')
    .addOption(archOption('architecture (default for policies: the parent folder name)'))
    .addOption(formatOption(['text', 'json']))
  ).action(async (oldFile: string, newFile: string, options: DiffOptions) => {
      refusePolicyOptionsWithoutPolicy(options, [oldFile, newFile]);
      const arch = await loadArch(ctx, options.arch, oldFile);
      const before = await readProgramInput(ctx, oldFile, arch, options, setExit);
      const after = await readProgramInput(ctx, newFile, arch, options, setExit);
      if (before === undefined || after === undefined) return;
      const { differences, defaultAction } = compare(before.program, after.program, arch);
      // Like diff(1): exit 1 when the filters differ, so scripts can tell without parsing.
      if (differences.length > 0 || defaultAction !== undefined) setExit(ExitCode.policyError);
      const count = (kind: Change): number => differences.filter((d) => d.kinds.includes(kind)).length;
      if (options.format === 'json') {
        printJson(ctx, {
          old: before.shown,
          new: after.shown,
          arch: arch.name,
          added: count('added'),
          removed: count('removed'),
          changed: count('changed'),
          defaultAction: defaultAction ?? null,
          syscalls: differences.map((d) => ({ ...d, name: d.name ?? null, ...kernelNoteJson(arch.name, d.nr) })),
        });
        return;
      }
      // A new default action changes every syscall neither filter lists: say so first, so the
      // lines that follow (every one of them, none collapsed) read as its consequence.
      const byDefault = defaultAction === undefined ? 0 : differences.filter((d) => d.examples.some((e) => e.before === defaultAction.old && e.after === defaultAction.new)).length;
      if (defaultAction !== undefined) {
        ctx.stdout(`~ default action: ${defaultAction.old} → ${defaultAction.new}; ${byDefault} syscall${byDefault === 1 ? '' : 's'} below change with it\n`);
      }
      const marks: Readonly<Record<Change, string>> = { added: '+', removed: '-', changed: '~' };
      for (const difference of differences) {
        const label = difference.name ?? `syscall ${difference.nr}`;
        for (const example of difference.examples) {
          const call = difference.name === undefined ? `${label}(${example.args.map(hex).join(', ')})` : formatCall(arch, difference.name, example.args);
          ctx.stdout(`${marks[example.kind]} ${label}: ${describeChange(difference, example)}, e.g. ${call}${kernelNoteSuffix(arch.name, difference.nr)}\n`);
        }
      }
      const defaultNote = defaultAction === undefined ? '' : `; the default action changed from ${defaultAction.old} to ${defaultAction.new}`;
      ctx.stdout(
        differences.length === 0 && defaultAction === undefined
          ? `no difference between ${before.shown} and ${after.shown} on ${arch.name}\n`
          : `${differences.length} syscall${differences.length === 1 ? '' : 's'} differ: ${count('added')} with new allowances, ${count('removed')} with removed allowances, ${count('changed')} with other changes${defaultNote}\n`,
      );
    });
};
