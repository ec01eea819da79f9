/**
 * `syscage run [--policy P [--arch A] [--include-map FROM=TO]... | --bpf F] [--mode enforce|log|learn]
 * -- CMD ARGS...`
 *
 * Runs a command under a seccomp filter (through @syscage/jail-runner) and exits with its
 * status (128 + signal when a signal ended it). When the filter killed it, a violation report
 * goes to stderr; in log mode, the calls the policy would have denied; in learn mode, the rules
 * it lacks. When the launch itself fails, nothing ran: exit 125 (126 when the command cannot be
 * executed, 127 when it is not found, 1 for policy errors).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type BpfProgram, type CompileOptions, decodeProgram } from '@syscage/bpf-codegen';
import {
  type JailMode,
  type JailOptions,
  JailError,
  formatJailReport,
  hostArchName,
  proposeRules,
  hostArchTable,
  runJailed,
} from '@syscage/jail-runner';
import { type CliContext, CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addKillActionOptions, archOption, compileDefaults, defaultActionOption, includeMapOption, parseIncludeMap } from '../options.js';
import { printDiagnostics } from '../output.js';
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
  readonly bpf?: string;
  readonly mode: JailMode;
}

function readBpf(ctx: CliContext, file: string): BpfProgram {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(ctx.cwd, file));
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new CliError(`cannot read ${file}: ${reason}`, ExitCode.io);
  }
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
      const launch: JailOptions = {
        command,
        args,
        cwd: ctx.cwd,
        mode: options.mode,
        ...(options.bpf === undefined ? policyOptions(ctx, options) : { filter: readBpf(ctx, options.bpf) }),
      };
      try {
        const result = await runJailed(launch);
        const report = formatJailReport(result, command);
        if (report !== '') ctx.stderr(`syscage: ${report}`);
        if (result.mode === 'learn' && result.calls.length > 0) {
          const table = hostArchTable();
          if ('table' in table) ctx.stderr(`syscage: rules to add:\n${proposeRules(result.calls, table.table).text}`);
        }
        setExit(result.status);
      } catch (error) {
        if (!(error instanceof JailError)) throw error;
        setExit(reportJailError(ctx, error));
      }
    });
};
