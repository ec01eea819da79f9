/**
 * What every command gets: where to print, whether to use colour, and the process boundary.
 * Commands never call process.exit or console directly, so tests can run them in-process.
 */
import { ExitCode } from './exit-codes.js';

/** Output streams and settings shared by all commands. */
export interface CliContext {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when diagnostics should be coloured (see {@link shouldColor}). */
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
function guardStream(stream: NodeJS.WriteStream, name: string): { write: (text: string) => void } {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (error.code === 'EPIPE') return;
    if (stream !== process.stderr) process.stderr.write(`syscage: cannot write ${name}: ${error.code ?? error.message}\n`);
    process.exitCode = ExitCode.io;
    process.on('exit', () => {
      process.exitCode = ExitCode.io;
    });
  });
  return {
    write: (text) => {
      if (!closed) stream.write(text);
    },
  };
}

/** Builds the context for the real process. */
export function processContext(debug: boolean): CliContext {
  const stdout = guardStream(process.stdout, 'standard output');
  const stderr = guardStream(process.stderr, 'standard error');
  return {
    stdout: stdout.write,
    stderr: stderr.write,
    color: shouldColor(process.env, process.stderr.isTTY),
    cwd: process.cwd(),
    debug,
  };
}

/** A command failure that carries its exit code and a message for stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
