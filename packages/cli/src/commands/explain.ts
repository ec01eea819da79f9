/**
 * `syscage explain POLICY --arch A --syscall NAME [--args …]`: the action a policy gives one
 * syscall and the rule that decided it (file, line, column and the include chain that led
 * there), or that the default action applies. The answer comes from the reference semantics
 * (`evaluatePolicy`, no BPF) and is confirmed by emulating the compiled program.
 */
import { formatCall } from '@syscage/arch-tables';
import { type Decision, actionReturnValue, emulate, evaluatePolicy, formatAction, formatReturnValue } from '@syscage/bpf-codegen';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { isOciProfilePath } from '../oci-input.js';
import { printJson, showPath } from '../output.js';
import { addPolicyInputOptions, archOption, formatOption } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { kernelNoteJson, kernelNoteSuffix } from '../kernel-note.js';
import { hex, loadArch, parseArgs, parseSyscall, readProgramInput } from './simulate-input.js';

interface ExplainOptions {
  readonly arch?: string;
  readonly syscall: string;
  readonly args?: string;
  readonly format: 'text' | 'json';
  readonly defaultAction?: string;
  readonly includeMap: string[];
}

/** Registers `syscage explain`. */
export const registerExplain: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
    .command('explain')
    .description('which rule of a policy decides a syscall, and what the compiled filter does')
    .argument('<policy>', 'a .policy file, or an OCI seccomp profile (.json) read through syscage import')
    .addOption(archOption('architecture (default: the policy’s parent folder name)'))
    .requiredOption('--syscall <name|nr>', 'the syscall, by name or number')
    .option('--args <a0,a1,...>', 'argument values: numbers or constant names joined with |')
    .addOption(formatOption(['text', 'json']))
  ).action(async (file: string, options: ExplainOptions) => {
      if (!file.endsWith('.policy') && !isOciProfilePath(file)) throw new CliError(`explain needs a .policy file or an OCI profile (.json) (got ${file}); use simulate for .bpf files`, ExitCode.usage);
      const arch = await loadArch(ctx, options.arch, file);
      const { nr, name } = parseSyscall(arch, options.syscall);
      const args = parseArgs(arch, options.args);
      const input = await readProgramInput(ctx, file, arch, options, setExit);
      if (input?.lowered === undefined) return;
      const reference = evaluatePolicy(input.lowered, { nr, arch: arch.auditArch, args });
      const emulated = emulate(input.program, { nr, arch: arch.auditArch, instructionPointer: 0n, args }, { byteOrder: arch.endianness, recordPath: false });
      const expected = actionReturnValue(reference.action);
      const agrees = emulated.ok && emulated.returnValue === expected;
      const shownArgs = Array.from({ length: 6 }, (_, index) => args[index] ?? 0n);
      const call = name === undefined ? `syscall ${nr}(${shownArgs.map(hex).join(', ')})` : formatCall(arch, name, shownArgs);
      const where = (decision: Decision): { text: string; json: Record<string, unknown> } => {
        switch (decision.kind) {
          case 'rule': {
            const origin = decision.origin;
            const at = `${showPath(ctx, origin.file)}:${origin.range.start.line}:${origin.range.start.column}`;
            const chain = origin.includeChain.map((site) => `${showPath(ctx, site.file)}:${site.range.start.line}:${site.range.start.column}`);
            const line = input.sources.get(showPath(ctx, origin.file))?.split('\n')[origin.range.start.line - 1]?.trim();
            // A profile's rule is a line of the policy imported in memory: name the profile's entry too.
            const entry = input.entryAt?.(origin.range.start.line);
            const entryAt = entry === undefined ? undefined : { file: input.shown, line: entry.start.line, column: entry.start.column };
            return {
              text:
                `decided by the rule at ${at}${line === undefined ? '' : `\n    ${line}`}` +
                (entryAt === undefined ? '' : `\n  from the profile entry at ${entryAt.file}:${String(entryAt.line)}:${String(entryAt.column)}`) +
                (chain.length > 0 ? `\n  included from ${chain.reverse().join('\n  included from ')}` : ''),
              json: {
                kind: 'rule',
                file: showPath(ctx, origin.file),
                line: origin.range.start.line,
                column: origin.range.start.column,
                includeChain: chain,
                ...(decision.filterIndex === undefined ? {} : { filterIndex: decision.filterIndex }),
                ...(entryAt === undefined ? {} : { entry: entryAt }),
              },
            };
          }
          case 'fallback-default':
            return { text: `${decision.syscall} is listed but none of its conditions match: default action`, json: { kind: 'fallback-default' } };
          case 'default':
            return { text: 'not listed in the policy: default action', json: { kind: 'default' } };
          case 'invalid-number':
            return { text: `${nr} is no syscall of ${arch.name}: the action for invalid numbers`, json: { kind: 'invalid-number' } };
          case 'arch-mismatch':
            return { text: 'architecture mismatch', json: { kind: 'arch-mismatch' } };
        }
      };
      const reason = where(reference.decision);
      if (options.format === 'json') {
        printJson(ctx, {
          policy: input.shown,
          arch: arch.name,
          syscall: name ?? null,
          nr,
          args: shownArgs,
          action: formatAction(reference.action),
          decision: reason.json,
          compiled: emulated.ok ? { returnValue: emulated.returnValue, action: formatReturnValue(emulated.returnValue), instructionsExecuted: emulated.instructionsExecuted, agrees } : { error: emulated.error, agrees: false },
          ...kernelNoteJson(arch.name, nr),
        });
      } else {
        ctx.stdout(`${call} on ${arch.name}: ${formatAction(reference.action)}${kernelNoteSuffix(arch.name, nr)}\n  ${reason.text}\n`);
        ctx.stdout(
          agrees
            ? `  the compiled filter agrees: ${formatReturnValue(emulated.returnValue, arch)} after ${emulated.instructionsExecuted} instructions\n`
            : `  the compiled filter DISAGREES: ${emulated.ok ? formatReturnValue(emulated.returnValue, arch) : emulated.error.message} (expected ${formatReturnValue(expected, arch)})\n`,
        );
      }
      if (!agrees) setExit(ExitCode.policyError);
    });
};
