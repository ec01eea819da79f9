/**
 * `syscage learn [--policy P] [--arch A] [--include-map FROM=TO]... [-o OUT.policy]
 * [--frequency OUT.frequency] [--monitor auto|user-notification|strace] -- CMD ARGS...`
 *
 * Runs a command once under a seccomp user-notification supervisor (every call the starting
 * policy, if any, does not allow is recorded and let through) and writes the missing rules as
 * policy text: to OUT, or to stderr. The command's own output goes where syscage's goes, and
 * stdout stays the command's alone. Where the supervisor cannot attach, `strace -f` observes
 * instead (the summary on stderr says which one ran).
 */
import { writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Option } from 'commander';
import { defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { JailError, hostArchName, learnPolicy } from '@syscage/jail-runner';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { parseIncludeMap } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { refuseOutputsOverInputs } from '../same-file.js';
import { type JailCommandOptions, addPolicyOptions, policyOptions, reportJailError } from './run.js';

interface LearnCommandOptions extends JailCommandOptions {
  readonly output?: string;
  readonly frequency?: string;
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
    .option('--frequency <file>', 'also write the observed call counts to this .frequency file, which the policy references with @frequency')
    .addOption(
      new Option('--monitor <monitor>', 'how to observe calls: seccomp user notification, strace (unfiltered), or the first with strace as fallback')
        .choices(['auto', 'user-notification', 'strace'])
        .default('auto'),
    )
    .action(async (command: string, args: string[], options: LearnCommandOptions) => {
      // Shown in comments of the policy: a newline in an argument must not start a rule.
      const shown = commentSafe([command, ...args].join(' '));
      if (options.output !== undefined && options.policy !== undefined) {
        // Before the command runs: -o the starting policy (or a file it includes) would replace it.
        const policy = resolve(ctx.cwd, options.policy);
        const read = resolvePolicy(policy, { host: createNodeHost(), includeMap: [...parseIncludeMap(ctx.cwd, options.includeMap), ...defaultIncludeMap(policy)] });
        const outputs = [options.output, options.frequency].flatMap((shown) => (shown === undefined ? [] : [{ path: resolve(ctx.cwd, shown), shown }]));
        refuseOutputsOverInputs(outputs, [policy, ...read.files.map((file) => file.path)], (path) => relative(ctx.cwd, path) || path);
      }
      const frequencyPath = options.frequency === undefined ? undefined : frequencyReference(resolve(ctx.cwd, options.frequency), options.output === undefined ? undefined : resolve(ctx.cwd, options.output));
      const arch = hostArchName() ?? process.arch;
      try {
        const learned = await learnPolicy({
          command,
          args,
          cwd: ctx.cwd,
          monitor: options.monitor,
          header: [
            `Made by \`syscage learn\` from one run of \`${shown}\` on ${arch}${options.policy === undefined ? '' : `: the rules ${options.policy} lacks`}.`,
            'Each rule allows the calls and argument values that run made, no more; review before use.',
          ],
          ...(frequencyPath === undefined ? {} : { frequencyPath }),
          ...policyOptions(ctx, options),
        });
        const { proposal, run } = learned;
        if (run.status !== 0) {
          ctx.stderr(`syscage: warning: \`${shown}\` exited with status ${run.status}; the rules cover only what that run did\n`);
        }
        for (const call of proposal.unnamed) {
          ctx.stderr(`syscage: warning: call ${call.syscall.nr} of audit arch 0x${call.arch.toString(16)} has no name here and is not in the rules\n`);
        }
        const monitor = learned.monitor === 'strace' ? 'strace; the command ran without a filter' : 'user-notification supervisor';
        const summary = `${proposal.rules.length} rule${proposal.rules.length === 1 ? '' : 's'} from one run (${monitor})`;
        if (options.frequency !== undefined) writeOutput(options.frequency, resolve(ctx.cwd, options.frequency), frequencyText(proposal.frequencyText, shown));
        if (options.output === undefined) {
          // The command wrote to the same stdout: rules there would be mixed into its output.
          ctx.stderr(proposal.text);
          ctx.stderr(`syscage: ${summary}\n`);
          return;
        }
        const target = resolve(ctx.cwd, options.output);
        writeOutput(options.output, target, proposal.text);
        ctx.stderr(`syscage: ${summary} → ${relative(ctx.cwd, target) || target}\n`);
      } catch (error) {
        if (!(error instanceof JailError)) throw error;
        setExit(reportJailError(ctx, error));
      }
    });
};

/**
 * How the policy names its frequency file: `./name` when it sits in the policy's folder or below
 * (Minijail resolves `./` against the including file's folder), else its absolute path.
 */
function frequencyReference(frequency: string, policy: string | undefined): string {
  if (policy === undefined) return frequency;
  const path = relative(dirname(policy), frequency);
  return path.startsWith('..') || isAbsolute(path) ? frequency : `./${path}`;
}

/** The frequency file: what made it, then the counts. */
function frequencyText(counts: string, shown: string): string {
  return `# Made by \`syscage learn\`: calls observed in one run of \`${shown}\`.\n${counts}`;
}

/** Writes an output file, or fails with an I/O error naming it. */
function writeOutput(shown: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unwritable';
    throw new CliError(`cannot write ${shown}: ${reason}`, ExitCode.io);
  }
}

/** Text safe inside a one-line comment: control characters (a newline would end it) as `\uNNNN`. */
function commentSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
