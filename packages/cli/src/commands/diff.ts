/**
 * `syscage diff OLD NEW --arch A [--format text|json]`: what a change to a policy (or between two
 * `.bpf` programs) allows or denies that it did not before. For every syscall number both
 * programs are run on the argument vectors built from the constants either program compares
 * that syscall's arguments with (`argumentSamples`), and every syscall whose decisions differ
 * is reported with an example: added (now allowed where it was not), removed (no longer
 * allowed), changed (another denial, e.g. ERRNO(1) → TRAP).
 */
import { argumentSamples, defaultSyscallNumbers, emulate, explorePaths, formatReturnValue, type BpfProgram } from '@syscage/bpf-codegen';
import type { ArchTable } from '@syscage/arch-tables';
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

interface SyscallDifference {
  readonly nr: number;
  readonly name: string | undefined;
  readonly kinds: readonly Change[];
  /** One example per kind of change. */
  readonly examples: readonly { readonly kind: Change; readonly args: readonly bigint[]; readonly before: string; readonly after: string }[];
}

function outcome(program: BpfProgram, arch: ArchTable, nr: number, args: readonly bigint[]): { allowed: boolean; text: string } {
  const result = emulate(program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
  if (!result.ok) return { allowed: false, text: `invalid (${result.error.code})` };
  return { allowed: result.action === 'allow', text: formatReturnValue(result.returnValue) };
}

/** Decisions of two programs compared syscall by syscall. */
function compare(before: BpfProgram, after: BpfProgram, arch: ArchTable): SyscallDifference[] {
  const names = new Map<number, string>();
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => (a < b ? -1 : 1))) if (!names.has(nr)) names.set(nr, name);
  const differences: SyscallDifference[] = [];
  for (const nr of defaultSyscallNumbers(arch)) {
    const outcomes = [...explorePaths(before, arch, nr).outcomes, ...explorePaths(after, arch, nr).outcomes];
    const examples = new Map<Change, { kind: Change; args: readonly bigint[]; before: string; after: string }>();
    for (const args of argumentSamples(outcomes, arch.endianness === 'little', 1024, nr + 1)) {
      const old = outcome(before, arch, nr, args);
      const now = outcome(after, arch, nr, args);
      if (old.text === now.text) continue;
      const kind: Change = now.allowed && !old.allowed ? 'added' : old.allowed && !now.allowed ? 'removed' : 'changed';
      if (!examples.has(kind)) examples.set(kind, { kind, args, before: old.text, after: now.text });
    }
    if (examples.size > 0) differences.push({ nr, name: names.get(nr), kinds: [...examples.keys()].sort(), examples: [...examples.values()] });
  }
  return differences;
}

/** Registers `syscage diff`. */
export const registerDiff: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
    .command('diff')
    .description('what one filter allows or denies that another did not, per syscall, with examples')
    .argument('<old>', 'the old .policy or .bpf')
    .argument('<new>', 'the new .policy or .bpf')
    .addOption(archOption('architecture (default for policies: the parent folder name)'))
    .addOption(formatOption(['text', 'json']))
  ).action(async (oldFile: string, newFile: string, options: DiffOptions) => {
      refusePolicyOptionsWithoutPolicy(options, [oldFile, newFile]);
      const arch = await loadArch(ctx, options.arch, oldFile);
      const before = await readProgramInput(ctx, oldFile, arch, options, setExit);
      const after = await readProgramInput(ctx, newFile, arch, options, setExit);
      if (before === undefined || after === undefined) return;
      const differences = compare(before.program, after.program, arch);
      const count = (kind: Change): number => differences.filter((d) => d.kinds.includes(kind)).length;
      if (options.format === 'json') {
        printJson(ctx, {
          old: before.shown,
          new: after.shown,
          arch: arch.name,
          added: count('added'),
          removed: count('removed'),
          changed: count('changed'),
          syscalls: differences.map((d) => ({ ...d, name: d.name ?? null, ...kernelNoteJson(arch.name, d.nr) })),
        });
        return;
      }
      const marks: Readonly<Record<Change, string>> = { added: '+', removed: '-', changed: '~' };
      for (const difference of differences) {
        const label = difference.name ?? `syscall ${difference.nr}`;
        for (const example of difference.examples) {
          const call = `${label}(${example.args.map(hex).join(', ')})`;
          const what =
            example.kind === 'added' ? `now allowed (was ${example.before})` : example.kind === 'removed' ? `no longer allowed (now ${example.after})` : `${example.before} → ${example.after}`;
          ctx.stdout(`${marks[example.kind]} ${label}: ${what}, e.g. ${call}${kernelNoteSuffix(arch.name, difference.nr)}\n`);
        }
      }
      ctx.stdout(
        differences.length === 0
          ? `no difference between ${before.shown} and ${after.shown} on ${arch.name}\n`
          : `${differences.length} syscall${differences.length === 1 ? '' : 's'} differ: ${count('added')} with new allowances, ${count('removed')} with removed allowances, ${count('changed')} with other changes\n`,
      );
    });
};
