/**
 * `syscage learn [--policy P] [--arch A] [--include-map FROM=TO]... [-o OUT.policy] [--runs N]
 * [--monitor auto|user-notification|strace] -- CMD ARGS...`
 *
 * Runs a command under a seccomp user-notification supervisor (every call the starting policy,
 * if any, does not allow is recorded and let through), runs it again under what was learned,
 * and writes the missing rules as policy text: to OUT, or to stderr. The command's own output
 * goes where syscage's goes, and stdout stays the command's alone. Where the supervisor cannot attach, `strace -f` observes instead
 * (the summary on stderr says which one ran).
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Option } from 'commander';
import { defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { JailError, learnPolicy } from '@syscage/jail-runner';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { parseIncludeMap } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { refuseOutputsOverInputs } from '../same-file.js';
import { type JailCommandOptions, addPolicyOptions, policyOptions, reportJailError } from './run.js';

interface LearnCommandOptions extends JailCommandOptions {
  readonly output?: string;
  readonly runs: string;
  readonly monitor: 'auto' | 'user-notification' | 'strace';
}

/** Registers `syscage learn`. */
export const registerLearn: RegisterCommand = (program, ctx, setExit) => {
  addPolicyOptions(
    program
      .command('learn')
      .description('run a command and write the policy rules it needs (what the starting policy lacks)')
      .argument('<command>', 'the command (after --)')
      .argument('[args...]', 'its arguments'),
  )
    .option('-o, --output <file>', 'write the proposed rules here instead of stderr (stdout stays the command’s)')
    .option('--runs <n>', 'most runs: the first learns, later ones run under what was learned and add what they find', '3')
    .addOption(
      new Option('--monitor <monitor>', 'how to observe calls: seccomp user notification, strace (unfiltered), or the first with strace as fallback')
        .choices(['auto', 'user-notification', 'strace'])
        .default('auto'),
    )
    .action(async (command: string, args: string[], options: LearnCommandOptions) => {
      const runs = Number(options.runs);
      if (!Number.isInteger(runs) || runs < 1) throw new CliError(`--runs ${options.runs}: expected a positive integer`, ExitCode.usage);
      const shown = [command, ...args].join(' ');
      if (options.output !== undefined && options.policy !== undefined) {
        // Before the command runs: -o the starting policy (or a file it includes) would replace it.
        const policy = resolve(ctx.cwd, options.policy);
        const read = resolvePolicy(policy, { host: createNodeHost(), includeMap: [...parseIncludeMap(ctx.cwd, options.includeMap), ...defaultIncludeMap(policy)] });
        refuseOutputsOverInputs([{ path: resolve(ctx.cwd, options.output), shown: options.output }], [policy, ...read.files.map((file) => file.path)], (path) => relative(ctx.cwd, path) || path);
      }
      try {
        const learned = await learnPolicy({
          command,
          args,
          cwd: ctx.cwd,
          runs,
          monitor: options.monitor,
          header: `syscage learn: rules ${options.policy === undefined ? '' : `missing from ${options.policy} `}for \`${shown}\``,
          ...policyOptions(ctx, options),
        });
        const { proposal, passes } = learned;
        const first = passes[0];
        if (first && first.status !== 0) {
          ctx.stderr(`syscage: warning: \`${shown}\` exited with status ${first.status}; the rules cover only what that run did\n`);
        }
        for (const call of proposal.unnamed) {
          ctx.stderr(`syscage: warning: call ${call.syscall.nr} of audit arch 0x${call.arch.toString(16)} has no name here and is not in the rules\n`);
        }
        const monitor = learned.monitor === 'strace' ? 'strace; the command ran without a filter' : 'user-notification supervisor';
        const summary = `${proposal.rules.length} rule${proposal.rules.length === 1 ? '' : 's'} from ${passes.length} run${passes.length === 1 ? '' : 's'} (${monitor})`;
        if (options.output === undefined) {
          // The command wrote to the same stdout: rules there would be mixed into its output.
          ctx.stderr(proposal.text);
          ctx.stderr(`syscage: ${summary}\n`);
          return;
        }
        const target = resolve(ctx.cwd, options.output);
        try {
          writeFileSync(target, proposal.text);
        } catch (error) {
          const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unwritable';
          throw new CliError(`cannot write ${options.output}: ${reason}`, ExitCode.io);
        }
        ctx.stderr(`syscage: ${summary} → ${relative(ctx.cwd, target) || target}\n`);
      } catch (error) {
        if (!(error instanceof JailError)) throw error;
        setExit(reportJailError(ctx, error));
      }
    });
};
