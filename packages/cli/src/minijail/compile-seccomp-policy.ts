/**
 * `compile_seccomp_policy`: the command line of Minijail's `compile_seccomp_policy.py`, so that a
 * VMM build that looks for that command on PATH (crosvm's `jail/build.rs`) runs Syscage instead:
 *
 *   compile_seccomp_policy [--arch-json FILE] [--default-action ACTION] [--denylist]
 *     [--use-kill-process] [--use-ret-log] [--output-header-file]
 *     [--optimization-strategy {linear,bst}] [--include-depth-limit N] POLICY OUTPUT
 *
 * Semantics follow Minijail's script: the architecture comes only from the `constants.json`
 * (default `./constants.json`); includes are read as written (absolute paths as they are,
 * relative ones against the including file's folder, no prefix mapping); the failure action is
 * kill-thread, or LOG with `--use-ret-log` or the `MINIJAIL_DEFAULT_RET_LOG` environment
 * variable, or `return EPERM` with `--denylist`, or kill-process with `--use-kill-process`;
 * `--output-header-file` writes `OUTPUT.h` instead of `OUTPUT`. Nothing is printed on success.
 *
 * This module is the whole program of its bin and is bundled into one file: it imports no command
 * of `syscage`, so a process per policy (as the build runs it) loads only what compiling needs.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { type ArchTable, lookupConstant } from '@syscage/arch-tables';
import { type CompileOptions, type DefaultActionOption, compilePolicy, encodeProgram, parseDefaultActionOption } from '@syscage/bpf-codegen';
import { createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import type { Diagnostic } from '@syscage/policy-parser';
import { type CliContext, CliError, routeThroughContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printDiagnostics, showPath, writeOutputFile } from '../output.js';
import { readArchJsonFile } from './arch-json.js';
import { headerIdentifier, minijailHeader } from './header.js';

/** The name the command is installed and invoked under. */
export const compileSeccompPolicyName = 'compile_seccomp_policy';

interface MinijailOptions {
  readonly archJson: string;
  readonly defaultAction?: string;
  readonly optimizationStrategy: string;
  readonly includeDepthLimit: string;
  readonly denylist?: boolean;
  readonly useKillProcess?: boolean;
  readonly useRetLog?: boolean;
  readonly outputHeaderFile?: boolean;
}

/**
 * `--default-action` as Minijail's parser reads an action: a word (`kill` is kill-process), `1`
 * for allow, or `return` with a number or a constant of the architecture (`return EPERM`).
 */
export function minijailDefaultAction(value: string, table: ArchTable): DefaultActionOption | undefined {
  const trimmed = value.trim();
  if (trimmed === '1') return 'allow';
  const named = /^return\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(trimmed);
  if (named?.[1] !== undefined) {
    const constant = lookupConstant(table, named[1]);
    return constant === undefined ? undefined : { errno: Number(constant & 0xffffn) };
  }
  return parseDefaultActionOption(trimmed);
}

/**
 * Minijail's `--include-depth-limit` counts the parser's stack, which holds a placeholder and
 * the loaded file before any include: a limit of N allows N - 2 levels of nested `@include`
 * (the default 10 allows 8, the resolver's default).
 */
function nestedIncludeLevels(value: string): number {
  const limit = /^\s*[0-9]+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 2) {
    throw new CliError(`--include-depth-limit ${value}: expected an integer of at least 2 (the loaded file counts as 2)`, ExitCode.usage);
  }
  return limit - 2;
}

function compile(ctx: CliContext, env: NodeJS.ProcessEnv, policy: string, output: string, options: MinijailOptions): number {
  if (!existsSync(resolve(ctx.cwd, options.archJson))) {
    // Minijail's script refuses to start without it, as a usage error.
    throw new CliError(
      `could not find the architecture description ${options.archJson}; pass --arch-json FILE (\`syscage arch NAME --format minijail-json\` writes one)`,
      ExitCode.usage,
    );
  }
  const table = readArchJsonFile(ctx, options.archJson);
  let retLog = options.useRetLog === true;
  if (env.MINIJAIL_DEFAULT_RET_LOG !== undefined) {
    // Minijail's script turns LOG on whenever the variable is set, whatever its value.
    ctx.stderr(`${compileSeccompPolicyName}: warning: MINIJAIL_DEFAULT_RET_LOG is set, so failures are logged (SECCOMP_RET_LOG) and the policy does not deny\n`);
    retLog = true;
  }
  let defaultAction: DefaultActionOption | undefined;
  if (options.defaultAction !== undefined && options.defaultAction !== '') {
    defaultAction = minijailDefaultAction(options.defaultAction, table);
    if (defaultAction === undefined) {
      throw new CliError(
        `--default-action ${options.defaultAction}: expected allow, kill, kill-process, kill-thread, trap, trace, log, user-notify, 1 or "return N" (N a number or a constant such as EPERM)`,
        ExitCode.usage,
      );
    }
  }
  const compileOptions: CompileOptions = {
    ...(defaultAction === undefined ? {} : { defaultAction }),
    useKillProcess: options.useKillProcess === true,
    logFailures: retLog,
    denylist: options.denylist === true,
  };
  const entry = resolve(ctx.cwd, policy);
  const show = (path: string): string => showPath(ctx, path);
  const resolved = resolvePolicy(entry, {
    host: createNodeHost(),
    cache: createParseCache(),
    arch: table.name,
    denylist: compileOptions.denylist === true,
    // Minijail reads includes as written: no install prefix is mapped, and a file outside the
    // policy's folder is read like any other (VMM builds that worked with Minijail keep working).
    includeMap: [],
    allowIncludesOutside: true,
    depthLimit: nestedIncludeLevels(options.includeDepthLimit),
  });
  const sources = new Map(resolved.files.map((file) => [show(file.path), file.text]));
  const diagnostics: Diagnostic[] = [...resolved.diagnostics];
  const resolverFailed = resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  const result = resolverFailed ? undefined : compilePolicy(resolved, table, compileOptions);
  if (result !== undefined) diagnostics.push(...result.diagnostics);
  const shown = diagnostics.map((diagnostic) => ({
    ...diagnostic,
    file: show(diagnostic.file),
    ...(diagnostic.related === undefined ? {} : { related: diagnostic.related.map((related) => ({ ...related, file: show(related.file) })) }),
  }));
  const errors = printDiagnostics(ctx, shown, sources);
  if (errors > 0 || result?.program === undefined) {
    ctx.stderr(`${compileSeccompPolicyName}: ${policy}: nothing written\n`);
    return resolved.diagnostics.some((diagnostic) => diagnostic.code === 'SC2001') ? ExitCode.io : ExitCode.policyError;
  }
  const bytes = encodeProgram(result.program, { byteOrder: table.endianness });
  const target = resolve(ctx.cwd, options.outputHeaderFile === true ? `${output}.h` : output);
  const content =
    options.outputHeaderFile === true
      ? minijailHeader(bytes, headerIdentifier(basename(output)), `Generated by ${compileSeccompPolicyName} (Syscage) from ${basename(policy)} for ${table.name}.`)
      : bytes;
  writeOutputFile(target, content, show);
  return ExitCode.ok;
}

/**
 * Runs `compile_seccomp_policy` with the given arguments (without `node` and the script) and
 * returns the exit code: 0 when the output was written, 1 for policy or `constants.json` errors
 * (printed as file:line:col diagnostics on stderr), 2 for a wrong command line, 3 for a file
 * that cannot be read or written. Never throws.
 */
export function runCompileSeccompPolicy(argv: readonly string[], ctx: CliContext, env: NodeJS.ProcessEnv): number {
  let exitCode: number = ExitCode.ok;
  const program = new Command(compileSeccompPolicyName)
    .description(
      "Compile a Minijail seccomp policy into a BPF program (Syscage's drop-in for Minijail's compile_seccomp_policy.py).\n" +
        'Syscage plans its own instruction layout: --optimization-strategy is accepted and has no effect.',
    )
    .argument('<policy>', 'the seccomp policy')
    .argument('<output>', 'the BPF program (with --output-header-file, OUTPUT.h is written instead)')
    .addOption(
      new Option('--optimization-strategy <strategy>', "Minijail's layout choice; accepted for compatibility, Syscage always plans its own")
        .choices(['linear', 'bst'])
        .default('bst'),
    )
    .option('--include-depth-limit <n>', "Minijail's include depth limit (N - 2 levels of nested @include)", '10')
    .option('--arch-json <file>', "Minijail's architecture description (syscall numbers and constants)", 'constants.json')
    .option('--denylist', 'compile as a denylist policy rather than the default allowlist')
    .option(
      '--default-action <action>',
      'use this default action, overriding any @default in the policy files; permissive actions (allow, log, trace, user-notify) are allowed here',
    )
    .option('--use-kill-process', 'use SECCOMP_RET_KILL_PROCESS instead of SECCOMP_RET_KILL_THREAD')
    .option('--use-ret-log', 'change every seccomp failure to SECCOMP_RET_LOG instead of killing (also set by MINIJAIL_DEFAULT_RET_LOG)')
    .option('--output-header-file', 'write the program as a C header OUTPUT.h instead of a binary file')
    .action((policy: string, output: string, options: MinijailOptions) => {
      exitCode = compile(ctx, env, policy, output, options);
    });
  routeThroughContext(program, ctx);
  try {
    program.parse([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (error instanceof CliError) {
      ctx.stderr(`${compileSeccompPolicyName}: ${error.message}\n`);
      return error.exitCode;
    }
    ctx.stderr(`${compileSeccompPolicyName}: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.internal;
  }
}
