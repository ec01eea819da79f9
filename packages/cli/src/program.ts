/**
 * The `syscage` command tree. Each command lives in `src/commands/<name>.ts` and registers
 * itself here; shared flags (`--format`, `--arch`, `--include-map`, …) use the same names
 * and meanings everywhere.
 */
import { Command, CommanderError } from 'commander';
import { type CliContext, CliError, routeThroughContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { reportedUnreadableInput } from './output.js';
import { applyFlagConventions } from './conventions.js';
import { addHelpExamples } from './help-examples.js';
import { version } from './version.js';
import { registerBuild } from './commands/build.js';
import { registerCheck } from './commands/check.js';
import { registerCompile } from './commands/compile.js';
import { registerFlatten } from './commands/flatten.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerParse } from './commands/parse.js';
import { registerArch } from './commands/arch.js';
import { registerRun } from './commands/run.js';
import { registerLearn } from './commands/learn.js';
import { registerDisasm } from './commands/disasm.js';
import { registerSimulate } from './commands/simulate.js';
import { registerExplain } from './commands/explain.js';
import { registerStats } from './commands/stats.js';
import { registerDiff } from './commands/diff.js';
import { registerVerify } from './commands/verify.js';
import { registerAudit } from './commands/audit.js';

/** Signature every command module exports. `run` sets the exit code it wants. */
export type RegisterCommand = (program: Command, ctx: CliContext, setExit: (code: number) => void) => void;

// Add one line per command module; keep the list in the order `syscage --help` shows them.
const commands: readonly RegisterCommand[] = [registerParse, registerCheck, registerCompile, registerFlatten, registerExport, registerImport, registerBuild, registerDisasm, registerSimulate, registerExplain, registerStats, registerDiff, registerVerify, registerAudit, registerArch, registerRun, registerLearn];

// Error codes of Node's file-system calls that mean the environment, not syscage, is at fault.
const ioErrorCodes = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EEXIST', 'ENOSPC', 'EROFS', 'EDQUOT', 'EMFILE', 'ENFILE', 'EIO', 'ENAMETOOLONG', 'ELOOP', 'EBUSY', 'EXDEV']);

/** `cannot <syscall> <path>: <code>` for a Node file-system error, else undefined. */
function systemIoError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (code === undefined || !ioErrorCodes.has(code) || syscall === undefined) return undefined;
  return path === undefined ? `cannot ${syscall}: ${code}` : `cannot ${syscall} ${path}: ${code}`;
}

export { version } from './version.js';

/**
 * Runs `syscage` with the given arguments (without `node` and the script) and returns the
 * exit code (see {@link ExitCode}). Never throws: usage errors exit 2, file-system failures 3,
 * internal errors 70.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('syscage')
    .description('Check, compile, inspect and run Minijail seccomp policies')
    .version(version)
    .option('--debug', 'print stack traces for internal errors')
    .showSuggestionAfterError(true);
  routeThroughContext(program, ctx);
  // A context of this run's own, so that what printDiagnostics notes about it stays with this run.
  const runContext: CliContext = { ...ctx };
  for (const register of commands) register(program, runContext, setExit);
  applyFlagConventions(program);
  addHelpExamples(program);
  // Which command is running, so that its usage errors can point at its --help.
  let running: string | undefined;
  program.hook('preAction', (_program, actionCommand) => {
    running = actionCommand.name();
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return reportedUnreadableInput(runContext) ? Math.max(exitCode, ExitCode.io) : exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version come through here with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof CliError) {
      ctx.stderr(`syscage: ${error.message}\n`);
      if (error.exitCode === ExitCode.usage && running !== undefined) ctx.stderr(`(run \`syscage ${running} --help\` for usage)\n`);
      return error.exitCode;
    }
    const io = systemIoError(error);
    if (io !== undefined) {
      // A file operation no command anticipated still failed for a reason outside syscage.
      ctx.stderr(`syscage: ${io}\n`);
      if (ctx.debug && error instanceof Error && error.stack) ctx.stderr(`${error.stack}\n`);
      return ExitCode.io;
    }
    ctx.stderr(`syscage: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (ctx.debug && error instanceof Error && error.stack) ctx.stderr(`${error.stack}\n`);
    else ctx.stderr('(run with --debug for a stack trace, and please report this)\n');
    return ExitCode.internal;
  }
}
