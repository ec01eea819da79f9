/**
 * `syscage learn [--policy P] [--arch A] [--include-map FROM=TO]... [-o OUT.policy]
 * [--frequency OUT.frequency] [--monitor auto|user-notification|strace] -- CMD ARGS...`, or
 * `--from-strace LOG...` / `--from-audit LOG...` instead of a command.
 *
 * Runs a command once under a seccomp user-notification supervisor (every call the starting
 * policy, if any, does not allow is recorded and let through), or reads recorded runs, and writes
 * the missing rules as policy text: to OUT, or to stderr. With `--policy P -o OUT`, OUT is P with
 * its conditional rules widened in place by the observed values and the rules it lacks added
 * (nothing is written when a rule to widen is in a file P includes). The command's own output goes where syscage's goes, and stdout stays the
 * command's alone. Where the supervisor cannot attach, `strace -f` observes instead (the summary
 * on stderr says which one ran).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Option } from 'commander';
import { defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { compilePolicy, exportOciProfile, ociProfileJson } from '@syscage/bpf-codegen';
import { JailError, type MergedPolicy, type Proposal, type RecordedLog, archTableFor, hostArchName, hostArchTable, learnFromLogs, learnPolicy } from '@syscage/jail-runner';
import type { Diagnostic } from '@syscage/policy-parser';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { compileDefaults, formatOption, parseIncludeMap } from '../options.js';
import { printDiagnostics, showPath, writeOutputFile } from '../output.js';
import type { RegisterCommand } from '../program.js';
import { refuseOutputsOverInputs } from '../same-file.js';
import { type JailCommandOptions, addPolicyOptions, policyOptions, reportJailError } from './run.js';

interface LearnCommandOptions extends JailCommandOptions {
  readonly output?: string;
  readonly frequency?: string;
  readonly monitor: 'auto' | 'user-notification' | 'strace';
  readonly fromStrace?: string[];
  readonly fromAudit?: string[];
  readonly format: 'policy' | 'oci';
}

/** Registers `syscage learn`. */
export const registerLearn: RegisterCommand = (program, ctx, setExit) => {
  addPolicyOptions(
    program
      .command('learn')
      .description('run a command once, or read strace or audit logs, and write the policy rules it needs (what the starting policy lacks)')
      .argument('[command]', 'the command (after --)')
      .argument('[args...]', 'its arguments'),
  )
    .option('-o, --output <file>', 'write the proposed rules here instead of stderr (stdout stays the command’s)')
    .option('--from-strace <log...>', 'learn from `strace -f` logs instead of running a command (with or without -e raw=all)')
    .option('--from-audit <log...>', 'learn from kernel audit SECCOMP records (what a log action writes) instead of running a command')
    .addOption(formatOption(['policy', 'oci'], 'what to write: the policy text, or the learned policy as an OCI container seccomp profile (JSON, as syscage export writes it)'))
    .option('--frequency <file>', 'also write the observed call counts to this .frequency file, which the policy references with @frequency')
    .addOption(
      new Option('--monitor <monitor>', 'how to observe calls: seccomp user notification, strace (unfiltered), or the first with strace as fallback')
        .choices(['auto', 'user-notification', 'strace'])
        .default('auto'),
    )
    .action(async (command: string | undefined, args: string[], options: LearnCommandOptions) => {
      const logs = [...(options.fromStrace ?? []).map((file) => ({ file, kind: 'strace' as const })), ...(options.fromAudit ?? []).map((file) => ({ file, kind: 'audit' as const }))];
      if (logs.length > 0 && command !== undefined) throw new CliError('learn: give a command or --from-strace/--from-audit logs, not both', ExitCode.usage);
      if (logs.length === 0 && command === undefined) throw new CliError('learn: give a command (after --) or --from-strace/--from-audit logs', ExitCode.usage);
      let starting: { readonly path: string; readonly text: string } | undefined;
      if (options.policy !== undefined) {
        // Before the command runs: -o the starting policy (or a file it includes) would replace it.
        const policy = resolve(ctx.cwd, options.policy);
        const read = resolvePolicy(policy, { host: createNodeHost(), includeMap: [...parseIncludeMap(ctx.cwd, options.includeMap), ...defaultIncludeMap(policy)] });
        const outputs = [options.output, options.frequency].flatMap((shown) => (shown === undefined ? [] : [{ path: resolve(ctx.cwd, shown), shown }]));
        refuseOutputsOverInputs(outputs, [policy, ...read.files.map((file) => file.path)], (path) => relative(ctx.cwd, path) || path);
        const entry = read.files.find((file) => file.path === policy);
        if (entry !== undefined && options.output !== undefined) {
          starting = { path: policy, text: entry.text };
          refuseMovedRelativePaths(entry.text, policy, resolve(ctx.cwd, options.output), options.output);
        }
      }
      const frequencyPath = options.frequency === undefined ? undefined : frequencyReference(resolve(ctx.cwd, options.frequency), options.output === undefined ? undefined : resolve(ctx.cwd, options.output));
      const lacks = options.policy === undefined ? '' : `: the rules ${commentSafe(options.policy)} lacks`;
      const review = 'Each rule allows the calls and argument values that were observed, no more; review before use.';
      if (logs.length > 0) {
        const recorded: RecordedLog[] = logs.map((log) => ({ ...log, text: readLog(ctx.cwd, log.file) }));
        const names = commentSafe(logs.map((log) => log.file).join(', '));
        const kinds = [options.fromStrace ? 'strace' : undefined, options.fromAudit ? 'audit' : undefined].filter((kind) => kind !== undefined).join(' and ');
        try {
          const learned = learnFromLogs({
            logs: recorded,
            cwd: ctx.cwd,
            header: [`Made by \`syscage learn\` from the ${kinds} log${logs.length === 1 ? '' : 's'} ${names}${lacks}.`, review],
            ...(frequencyPath === undefined ? {} : { frequencyPath }),
            merge: starting !== undefined,
            ...policyOptions(ctx, options),
          });
          const errors = printDiagnostics(ctx, learned.diagnostics, new Map(recorded.map((log) => [log.file, log.text])));
          warnIncomplete(learned.diagnostics);
          if (errors > 0) {
            setExit(ExitCode.policyError);
            return;
          }
          writeResults(learned.proposal, `${learned.calls.length} calls from ${logs.length} log${logs.length === 1 ? '' : 's'}`, `the ${kinds} log${logs.length === 1 ? '' : 's'} ${names}`, learned.merged);
        } catch (error) {
          if (!(error instanceof JailError)) throw error;
          setExit(reportJailError(ctx, error));
        }
        return;
      }
      // Shown in comments of the policy: a newline in an argument must not start a rule.
      const shown = commentSafe([command ?? '', ...args].join(' '));
      const arch = hostArchName() ?? process.arch;
      try {
        const learned = await learnPolicy({
          command: command ?? '',
          args,
          cwd: ctx.cwd,
          monitor: options.monitor,
          header: [`Made by \`syscage learn\` from one run of \`${shown}\` on ${arch}${lacks}.`, review],
          ...(frequencyPath === undefined ? {} : { frequencyPath }),
          merge: starting !== undefined,
          ...policyOptions(ctx, options),
        });
        const { proposal, run } = learned;
        printDiagnostics(ctx, learned.diagnostics, new Map(learned.straceLog === undefined ? [] : [[learned.straceLog.file, learned.straceLog.text]]));
        warnIncomplete(learned.diagnostics);
        if (run.status !== 0) {
          ctx.stderr(`syscage: warning: \`${shown}\` exited with status ${run.status}; the rules cover only what that run did\n`);
        }
        for (const call of proposal.unnamed) {
          ctx.stderr(`syscage: warning: call ${call.syscall.nr} of audit arch 0x${call.arch.toString(16)} has no name here and is not in the rules\n`);
        }
        const monitor = learned.monitor === 'strace' ? 'strace; the command ran without a filter' : 'user-notification supervisor';
        writeResults(proposal, `one run (${monitor})`, `one run of \`${shown}\``, learned.merged);
      } catch (error) {
        if (!(error instanceof JailError)) throw error;
        setExit(reportJailError(ctx, error));
      }

      /**
       * The learned policy (read as if it were the file `path`, so its `./` paths resolve there) as
       * an OCI profile; `undefined` after printing why when it cannot be one.
       */
      function ociProfileText(text: string, path: string): string | undefined {
        const found = options.arch === undefined ? hostArchTable() : archTableFor(options.arch);
        if ('message' in found) throw new CliError(`learn: ${found.message}`, ExitCode.usage);
        const host = createNodeHost();
        const resolved = resolvePolicy(path, {
          host: { ...host, readFile: (file) => (file === path ? text : host.readFile(file)) },
          arch: found.table.name,
          includeMap: [...parseIncludeMap(ctx.cwd, options.includeMap), ...defaultIncludeMap(path)],
        });
        const compiled = resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error') ? undefined : compilePolicy(resolved, found.table, compileDefaults(options));
        const exported = compiled?.lowered === undefined ? undefined : exportOciProfile([compiled.lowered]);
        const diagnostics = [...resolved.diagnostics, ...(compiled?.diagnostics ?? []), ...(exported?.diagnostics ?? [])];
        if (exported?.profile === undefined) {
          printDiagnostics(ctx, diagnostics, new Map([[path, text]]));
          ctx.stderr('syscage: the learned policy cannot be written as an OCI profile; nothing written\n');
          setExit(ExitCode.policyError);
          return undefined;
        }
        return `${ociProfileJson(exported.profile)}\n`;
      }

      /** Says how many calls were left out or kept without their arguments (each has a warning above). */
      function warnIncomplete(diagnostics: readonly Diagnostic[]): void {
        const count = diagnostics.filter((found) => incompleteCallCodes.has(found.code)).length;
        if (count > 0) {
          ctx.stderr(`syscage: warning: ${count} call${count === 1 ? ' was' : 's were'} left out or kept without ${count === 1 ? 'its' : 'their'} arguments (warnings above); the rules may lack what ${count === 1 ? 'it' : 'they'} did\n`);
        }
      }

      /**
       * Writes the rules (P with them merged in, with --policy and -o), and the frequency file;
       * nothing at all when the merge refused a rule.
       */
      function writeResults(proposal: Proposal, source: string, made: string, merged: MergedPolicy | undefined): void {
        const summary = `${proposal.rules.length} rule${proposal.rules.length === 1 ? '' : 's'} from ${source}`;
        if (starting !== undefined && merged?.text === undefined) {
          const diagnostics = merged?.diagnostics ?? [];
          printDiagnostics(ctx, diagnostics, new Map(diagnostics.map((found) => [found.file, readSource(found.file)])));
          ctx.stderr(`syscage: the rules could not be merged into ${options.policy ?? ''} in place; nothing written\n`);
          setExit(ExitCode.policyError);
          return;
        }
        if (options.frequency !== undefined) writeOutputFile(resolve(ctx.cwd, options.frequency), frequencyText(proposal.frequencyText, made), (path) => showPath(ctx, path));
        if (options.output === undefined) {
          // The command wrote to the same stdout: rules there would be mixed into its output.
          const text = options.format === 'oci' ? ociProfileText(proposal.text, resolve(ctx.cwd, 'learned.policy')) : proposal.text;
          if (text === undefined) return;
          ctx.stderr(text);
          ctx.stderr(`syscage: ${summary}\n`);
          return;
        }
        const target = resolve(ctx.cwd, options.output);
        // The starting policy as written, its rules widened in place only by observed values.
        const policyText = merged?.text ?? proposal.text;
        const text = options.format === 'oci' ? ociProfileText(policyText, target) : policyText;
        if (text === undefined) return;
        writeOutputFile(target, text, (path) => showPath(ctx, path));
        const into =
          starting === undefined || merged === undefined
            ? ''
            : ` merged into ${options.policy ?? ''} (${merged.widened.length} widened in place${merged.widened.length === 0 ? '' : `: ${merged.widened.map((rule) => `${rule.syscall} at line ${rule.range.start.line}`).join(', ')}`}; ${merged.added.length} added)`;
        ctx.stderr(`syscage: ${summary}${into} → ${relative(ctx.cwd, target) || target}\n`);
      }
    });
};

/** The codes of calls a log could not give whole: left out, or kept without their arguments. */
const incompleteCallCodes: ReadonlySet<string> = new Set(['SC5009', 'SC5010', 'SC5013', 'SC5014', 'SC5015']);

/** A policy file's text for a code frame ('' when it cannot be read again). */
function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A log's text, or an I/O error naming it. */
function readLog(cwd: string, file: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new CliError(`cannot read ${file}: ${reason}`, ExitCode.io);
  }
}

/**
 * A merged policy keeps the starting policy's `@include ./…` and `@frequency ./…` lines as
 * written, and Minijail resolves them against the file's own folder: written into another
 * folder, they would name other files. Refused (usage) before anything runs.
 */
function refuseMovedRelativePaths(text: string, policy: string, output: string, shown: string): void {
  if (dirname(policy) === dirname(output) || !/^\s*@(include|frequency)\s+\.\//m.test(text)) return;
  throw new CliError(`learn: ${shown} is not in the folder of the starting policy, whose ./ includes would then name other files; write it next to the policy`, ExitCode.usage);
}

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
function frequencyText(counts: string, made: string): string {
  return `# Made by \`syscage learn\`: calls observed in ${made}.\n${counts}`;
}


/** Text safe inside a one-line comment: control characters (a newline would end it) as `\uNNNN`. */
function commentSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
