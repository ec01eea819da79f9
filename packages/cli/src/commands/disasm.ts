/**
 * `syscage disasm FILE --arch A [--format text|json]`: disassembles a raw `.bpf` program (or the
 * program a `.policy` compiles to) with pcs, absolute jump targets, `seccomp_data` field names,
 * named return values and syscall names. Problems the kernel would reject the program for are
 * printed as diagnostics (exit code 1), and the program is still shown.
 */
import { disassemble, formatDisassembly, validateProgram } from '@syscage/bpf-codegen';
import { addPolicyInputOptions, archOption, formatOption, refusePolicyOptionsWithoutPolicy } from '../options.js';
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
  addPolicyInputOptions(
    program
    .command('disasm')
    .description('disassemble a seccomp BPF program (.bpf, or the program a .policy compiles to)')
    .argument('<file>', 'a raw .bpf file (Minijail, libseccomp export_bpf, syscage compile) or a .policy file')
    .addOption(archOption('architecture the program is for (names syscalls; byte order of the file)'))
    .addOption(formatOption(['text', 'json']))
  ).action(async (file: string, options: DisasmOptions) => {
      refusePolicyOptionsWithoutPolicy(options, [file]);
      const arch = await loadArch(ctx, options.arch, file);
      const input = await readProgramInput(ctx, file, arch, options, setExit);
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
