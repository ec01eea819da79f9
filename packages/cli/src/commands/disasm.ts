/**
 * `syscage disasm FILE --arch A [--format text|json]`: disassembles a raw `.bpf` program (or the
 * program a `.policy` compiles to) with pcs, absolute jump targets, `seccomp_data` field names,
 * named return values and syscall names. Problems the kernel would reject the program for are
 * printed as diagnostics (exit code 1), and the program is still shown.
 */
import { Option } from 'commander';
import { disassemble, formatDisassembly, validateProgram } from '@syscage/bpf-codegen';
import type { RegisterCommand } from '../program.js';
import { printJson } from '../output.js';
import { loadArch, readProgramInput } from './simulate-input.js';

interface DisasmOptions {
  readonly arch?: string;
  readonly format: 'text' | 'json';
  readonly defaultAction?: string;
  readonly includeMap: string[];
}

/** Registers `syscage disasm`. */
export const registerDisasm: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('disasm')
    .description('disassemble a seccomp BPF program (.bpf, or the program a .policy compiles to)')
    .argument('<file>', 'a raw .bpf file (Minijail, libseccomp export_bpf, syscage compile) or a .policy file')
    .option('--arch <arch>', 'architecture the program is for (names syscalls; byte order of the file)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--default-action <action>', 'for a .policy input: action for unlisted syscalls')
    .option('--include-map <from=to>', 'for a .policy input: map an include prefix to a folder (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .action(async (file: string, options: DisasmOptions) => {
      const arch = await loadArch(ctx, options.arch, file);
      const input = readProgramInput(ctx, file, arch, options, setExit);
      if (input === undefined) return;
      const lines = disassemble(input.program, { arch });
      if (options.format === 'json') {
        printJson(ctx, {
          file: input.shown,
          arch: arch.name,
          instructions: lines.map(({ pc, insn, mnemonic, operand, targets, comment }) => ({ pc, ...insn, mnemonic, operand, targets, comment })),
          problems: validateProgram(input.program),
        });
        return;
      }
      ctx.stdout(formatDisassembly(lines));
    });
};
