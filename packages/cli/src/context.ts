/**
 * What every command gets: where to print, whether to use colour, and the process boundary.
 * Commands never call process.exit or console directly, so tests can run them in-process.
 */
import type { Command } from 'commander';
import { ExitCode } from './exit-codes.js';

/** Output streams and settings shared by all commands. */
export interface CliContext {
  /**
   * Writes command output (reports, JSON, generated code) to standard output. The text is written
   * as given: callers include their own trailing newline. In the real process, a reader that
   * closes the pipe early silences further writes instead of failing.
   */
  readonly stdout: (text: string) => void;
  /**
   * Writes diagnostics and error messages to standard error, as given (callers include the
   * trailing newline). Only this stream is ever coloured, and only when {@link CliContext.color}.
   */
  readonly stderr: (text: string) => void;
  /**
   * True when diagnostics on stderr should be coloured. The process context derives it from
   * `NO_COLOR`, `FORCE_COLOR`, `TERM` and whether stderr is a terminal.
   */
  readonly color: boolean;
  /** Working directory that relative paths on the command line are resolved against. */
  readonly cwd: string;
  /** Print stack traces for internal errors. */
  readonly debug: boolean;
}

/**
 * Whether diagnostics on stderr should be coloured, following the NO_COLOR and FORCE_COLOR
 * conventions: a non-empty NO_COLOR always wins; a FORCE_COLOR other than `0`/`false` colours
 * even a pipe; otherwise colour only a terminal that is not `TERM=dumb`.
 */
export function shouldColor(env: NodeJS.ProcessEnv, stderrIsTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stderrIsTTY && env.TERM !== 'dumb';
}

// A reader that stops early (`syscage … | head`) closes the pipe: stop writing quietly instead of
// dying with an unhandled EPIPE and a stack trace. Any other failure to write a standard stream
// (a full disk, a closed descriptor) is an I/O error: one line, exit code 3 even if the command
// had already finished.
function guardStream(open: () => NodeJS.WriteStream, name: string): { write: (text: string) => void } {
  let closed = false;
  let stream: NodeJS.WriteStream | undefined;
  // Opened on first write: a process that prints nothing (compile_seccomp_policy on success, once
  // per policy in a VMM build) never pays for creating the stream.
  const opened = (): NodeJS.WriteStream => {
    if (stream !== undefined) return stream;
    const created = open();
    stream = created;
    created.on('error', (error: NodeJS.ErrnoException) => {
      if (closed) return;
      closed = true;
      if (error.code === 'EPIPE') return;
      if (created !== process.stderr) process.stderr.write(`syscage: cannot write ${name}: ${error.code ?? error.message}\n`);
      process.exitCode = ExitCode.io;
      process.on('exit', () => {
        process.exitCode = ExitCode.io;
      });
    });
    return created;
  };
  return {
    write: (text) => {
      if (!closed) opened().write(text);
    },
  };
}

/** Builds the context for the real process. */
export function processContext(debug: boolean): CliContext {
  const stdout = guardStream(() => process.stdout, 'standard output');
  const stderr = guardStream(() => process.stderr, 'standard error');
  let color: boolean | undefined;
  return {
    stdout: stdout.write,
    stderr: stderr.write,
    // Asking whether stderr is a terminal opens it: only done when a diagnostic is printed.
    get color(): boolean {
      color ??= shouldColor(process.env, process.stderr.isTTY);
      return color;
    },
    cwd: process.cwd(),
    debug,
  };
}

/** A command failure that carries its exit code and a message for stderr. */
export class CliError extends Error {
  /**
   * @param message - One line for stderr, without the `syscage:` prefix or a trailing newline.
   * @param exitCode - The process exit status to report (see `ExitCode`: 2 usage, 3 I/O, 70 internal).
   */
  constructor(
    message: string,
    /** The process exit status the command ends with, one of the `ExitCode` values (2 usage, 3 I/O, 70 internal). */
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Sets up a commander program the way every program of this package runs: help, usage errors and
 * the version go through `ctx` (never `process.stdout` or `process.exit`), errors throw a
 * `CommanderError` for the caller to turn into an exit code, and a usage error points at --help.
 */
export function routeThroughContext(command: Command, ctx: CliContext): Command {
  return command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        ctx.stdout(text);
      },
      writeErr: (text) => {
        ctx.stderr(text);
      },
    })
    .showHelpAfterError('(run with --help for usage)');
}
