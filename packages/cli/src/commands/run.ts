/**
 * `syscage run [--policy P [--arch A] [--include-map FROM=TO]... | --bpf F] [--mode enforce|log|learn]
 * -- CMD ARGS...`
 *
 * Runs a command under a seccomp filter (through @syscage/jail-runner) and exits with its
 * status (128 + signal when a signal ended it). When the filter killed it, a violation report
 * goes to stderr; in log mode, the calls the policy would have denied; in learn mode, the rules
 * it lacks. When the launch itself fails, nothing ran: exit 125 (126 when the command cannot be
 * executed, 127 when it is not found, 1 for policy errors). When the filter killed any thread of
 * the command, `run` exits 128 + SIGSYS even if the rest of the process went on and exited 0:
 * a script must not read a filter kill as success.
 */
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadArchTable } from '@syscage/arch-tables';
import { type BpfProgram, type CompileOptions, auditArchName, decodeProgram, identifyProgram } from '@syscage/bpf-codegen';
import {
  type JailMode,
  type JailOptions,
  type JailResult,
  JailError,
  formatJailReport,
  hostArchName,
  proposeRules,
  hostArchTable,
  runJailed,
} from '@syscage/jail-runner';
import { type CliContext, CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import {
  addKillActionOptions,
  archOption,
  compileDefaults,
  defaultActionOption,
  includeMapOption,
  parseIncludeMap,
  refusePolicyOptionsWithoutPolicy,
  resolveArchOption,
} from '../options.js';
import { printDiagnostics, showPath } from '../output.js';
import type { RegisterCommand } from '../program.js';


/** Exit statuses of a launch that failed before the command ran (as `env` and `timeout` use them). */
export const LaunchExit = { failed: 125, notExecutable: 126, notFound: 127 } as const;

/** Options `run` and `learn` share. */
export interface JailCommandOptions {
  readonly policy?: string;
  readonly arch?: string;
  readonly includeMap: readonly string[];
  readonly defaultAction?: string;
  readonly killThread?: boolean;
}

/** The policy part of a jail launch from the shared options. */
export function policyOptions(ctx: CliContext, options: JailCommandOptions): Pick<JailOptions, 'policy' | 'arch' | 'includeMap' | 'compileOptions'> {
  const compileOptions: CompileOptions = compileDefaults(options);
  if (compileOptions.defaultAction === 'allow' || compileOptions.defaultAction === 'log') {
    // The same rule as `@default allow` (SC1028): a jail that lets every unlisted call run is no
    // jail. Seeing what a policy would deny is `--mode log`.
    throw new CliError(
      `--default-action ${compileOptions.defaultAction}: error[SC1028]: invalid permissive default action; the default action must be one of kill, kill-process, kill-thread, trap, trace, user-notify or "return N" (to let calls run and list what the policy would deny, use --mode log)`,
      ExitCode.usage,
    );
  }
  const includeMap = parseIncludeMap(ctx.cwd, options.includeMap);
  return {
    ...(options.policy === undefined ? {} : { policy: resolve(ctx.cwd, options.policy) }),
    ...(options.arch === undefined ? {} : { arch: options.arch }),
    ...(includeMap.length === 0 ? {} : { includeMap }),
    compileOptions,
  };
}

/** Prints a failed launch and returns the exit code for it. */
export function reportJailError(ctx: CliContext, error: JailError): number {
  if (error.diagnostics.length > 0) {
    const sources = new Map<string, string>();
    for (const diagnostic of error.diagnostics) {
      if (sources.has(diagnostic.file)) continue;
      try {
        sources.set(diagnostic.file, readFileSync(diagnostic.file, 'utf8'));
      } catch {
        // Printed without a code frame.
      }
    }
    printDiagnostics(ctx, error.diagnostics, sources);
  }
  ctx.stderr(`syscage: ${error.code} ${error.message}; the command did not run\n`);
  if (error.step === 'filter' || error.step === 'arch') return ExitCode.policyError;
  if (error.step === 'exec' && error.errno === 'ENOENT') return LaunchExit.notFound;
  if (error.step === 'exec' && error.violation === undefined) return LaunchExit.notExecutable;
  return LaunchExit.failed;
}

/** Adds the options `run` and `learn` share. */
export function addPolicyOptions(command: Command): Command {
  return addKillActionOptions(
    command
      .option('--policy <file>', 'policy to compile for this machine and run under')
      .addOption(archOption(`architecture the policy is for; must be this machine's (${hostArchName() ?? 'unsupported'})`))
      .addOption(includeMapOption())
      .addOption(defaultActionOption()),
  );
}

interface RunCommandOptions extends JailCommandOptions {
  readonly trace: boolean;
  readonly bpf?: string;
  readonly mode: JailMode;
}

/**
 * The exit status of a finished run: the command's own, except that a filter kill of any of its
 * threads (the process went on and may have exited 0) is 128 + SIGSYS, as when it killed the process.
 */
export function runExitStatus(result: JailResult): number {
  const killedThread = result.mode === 'enforce' && result.violation !== undefined && !result.violation.beforeExec;
  return killedThread && result.status === 0 ? 128 + osConstants.signals.SIGSYS : result.status;
}

/**
 * Refuses `--arch` with `--bpf` unless it names the architecture the program itself checks (its
 * first comparison of `seccomp_data.arch`): the program, not the flag, decides what it accepts.
 */
async function checkBpfArch(file: string, bytes: Uint8Array, arch: string): Promise<void> {
  const name = resolveArchOption(arch);
  const loaded = await loadArchTable(name, (specifier) => import(specifier));
  if (!loaded.ok) throw new CliError(`--arch ${arch}: ${loaded.message}`, ExitCode.usage);
  const identified = identifyProgram(bytes, { byteOrder: loaded.table.endianness });
  if (!identified.ok) throw new CliError(`${file}: ${identified.diagnostic.message}`, ExitCode.policyError);
  const checked = identified.auditArch;
  if (checked === undefined) {
    throw new CliError(`--arch ${arch}: ${file} checks no architecture, so --arch cannot be confirmed; leave --arch out`, ExitCode.usage);
  }
  if (checked !== loaded.table.auditArch >>> 0) {
    const hex = `0x${checked.toString(16)}`;
    throw new CliError(`--arch ${arch}: ${file} is a filter for ${auditArchName(checked) ?? hex} (${hex}), not ${name}; the command did not run`, ExitCode.usage);
  }
}

async function readBpf(ctx: CliContext, file: string, arch: string | undefined): Promise<BpfProgram> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(ctx.cwd, file));
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new CliError(`cannot read ${file}: ${reason}`, ExitCode.io);
  }
  if (arch !== undefined) await checkBpfArch(file, new Uint8Array(bytes), arch);
  const host = hostArchTable();
  const byteOrder = 'table' in host ? host.table.endianness : 'little';
  const decoded = decodeProgram(new Uint8Array(bytes), { byteOrder });
  if (decoded.diagnostics.length > 0) {
    throw new CliError(`${file}: ${decoded.diagnostics.map((diagnostic) => diagnostic.message).join('; ')}`, ExitCode.policyError);
  }
  return decoded.program;
}

/** Registers `syscage run`. */
export const registerRun: RegisterCommand = (program, ctx, setExit) => {
  addPolicyOptions(
    program
      .command('run')
      .description('run a command under a seccomp filter; exits with its status and reports what the filter stopped')
      .argument('<command>', 'the command (after --)')
      .argument('[args...]', 'its arguments'),
  )
    .option('--bpf <file>', 'a compiled raw .bpf filter to run under instead of a policy')
    .option('--no-trace', 'do not watch the command with ptrace (leaves it free for a debugger); reports then come from the kernel log alone')
    .addOption(
      new Option('--mode <mode>', 'enforce the filter, log what it would deny, or learn the rules it lacks')
        .choices(['enforce', 'log', 'learn'])
        .default('enforce'),
    )
    .action(async (command: string, args: string[], options: RunCommandOptions) => {
      if (options.bpf !== undefined && options.policy !== undefined) {
        throw new CliError('run: give --policy or --bpf, not both', ExitCode.usage);
      }
      if (options.bpf === undefined && options.policy === undefined && options.mode !== 'learn') {
        throw new CliError('run: give --policy or --bpf (only --mode learn runs without one)', ExitCode.usage);
      }
      // A compiled program is run as it is: options that shape a policy's compilation would be ignored.
      if (options.bpf !== undefined) refusePolicyOptionsWithoutPolicy(options, [options.bpf]);
      const launch: JailOptions = {
        command,
        args,
        cwd: ctx.cwd,
        mode: options.mode,
        trace: options.trace,
        ...(options.bpf === undefined ? policyOptions(ctx, options) : { filter: await readBpf(ctx, options.bpf, options.arch) }),
      };
      try {
        const result = await runJailed(launch);
        const report = formatJailReport(result, command, { showPath: (path) => showPath(ctx, path) });
        if (report !== '') ctx.stderr(`syscage: ${report}`);
        if (result.mode === 'learn' && result.calls.length > 0) {
          const table = hostArchTable();
          if ('table' in table) ctx.stderr(`syscage: rules to add:\n${proposeRules(result.calls, table.table).text}`);
        }
        const status = runExitStatus(result);
        if (status !== result.status) {
          ctx.stderr(`syscage: the filter killed a thread of ${command}, which exited ${result.status.toString()}; exiting ${status.toString()} (128 + SIGSYS)\n`);
        }
        setExit(status);
      } catch (error) {
        if (!(error instanceof JailError)) throw error;
        setExit(reportJailError(ctx, error));
      }
    });
};
