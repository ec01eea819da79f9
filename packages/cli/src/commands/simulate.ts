/**
 * `syscage simulate POLICY|FILE.bpf --arch A --syscall NAME|NR [--args a0,a1,…]
 * [--format text|json]`: runs the filter on one syscall in the emulator (the kernel's semantics)
 * and prints the action, the return value and the instructions executed.
 */
import { formatCall } from '@syscage/arch-tables';
import { disassemble, emulate, formatReturnValue } from '@syscage/bpf-codegen';
import { ExitCode } from '../exit-codes.js';
import { printJson } from '../output.js';
import { addPolicyInputOptions, archOption, formatOption, refusePolicyOptionsWithoutPolicy } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { kernelNoteJson, kernelNoteSuffix } from '../kernel-note.js';
import { hex, loadArch, parseArgs, parseSyscall, readProgramInput } from './simulate-input.js';

interface SimulateOptions {
  readonly arch?: string;
  readonly syscall: string;
  readonly args?: string;
  readonly ip?: string;
  readonly format: 'text' | 'json';
  readonly defaultAction?: string;
  readonly includeMap: string[];
}

/** Registers `syscage simulate`. */
export const registerSimulate: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
    .command('simulate')
    .description('run a filter on one syscall in the emulator and show what it returns and why')
    .argument('<input>', 'a .policy file (compiled first) or a raw .bpf file')
    .addOption(archOption('architecture (default for a .policy: its parent folder name)'))
    .requiredOption('--syscall <name|nr>', 'the syscall, by name or number')
    .option('--args <a0,a1,...>', 'argument values: numbers or constant names joined with |, e.g. 0,PROT_READ|PROT_WRITE')
    .option('--ip <address>', 'instruction pointer', '0')
    .addOption(formatOption(['text', 'json']))
  ).action(async (file: string, options: SimulateOptions) => {
      refusePolicyOptionsWithoutPolicy(options, [file]);
      const arch = await loadArch(ctx, options.arch, file);
      const { nr, name } = parseSyscall(arch, options.syscall);
      const args = parseArgs(arch, options.args);
      const [ip = 0n] = parseArgs(arch, options.ip);
      const input = await readProgramInput(ctx, file, arch, options, setExit);
      if (input === undefined) return;
      const result = emulate(input.program, { nr, arch: arch.auditArch, instructionPointer: ip, args }, { byteOrder: arch.endianness });
      const shownArgs = Array.from({ length: 6 }, (_, index) => args[index] ?? 0n);
      const call = name === undefined ? `syscall ${nr}(${shownArgs.map(hex).join(', ')})` : formatCall(arch, name, shownArgs);
      if (options.format === 'json') {
        printJson(ctx, {
          input: input.shown,
          arch: arch.name,
          syscall: name ?? null,
          nr,
          args: shownArgs,
          ...(result.ok
            ? { returnValue: result.returnValue, action: result.action, data: result.data, returnText: formatReturnValue(result.returnValue, arch) }
            : { error: result.error }),
          instructionsExecuted: result.instructionsExecuted,
          path: result.path,
          ...kernelNoteJson(arch.name, nr),
        });
      } else {
        const lines = disassemble(input.program, { arch });
        ctx.stdout(
          result.ok
            ? `${call} on ${arch.name}: ${formatReturnValue(result.returnValue, arch)} (${result.action}) after ${result.instructionsExecuted} instructions${kernelNoteSuffix(arch.name, nr)}\n`
            : `${call} on ${arch.name}: the program is invalid on this path: ${result.error.message} (${result.error.code})\n`,
        );
        for (const pc of result.path) ctx.stdout(`  ${lines[pc]?.text ?? String(pc)}\n`);
      }
      if (!result.ok) setExit(ExitCode.policyError);
    });
};
