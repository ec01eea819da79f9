/**
 * What every command gets: where to print, whether to use colour, and the process boundary.
 * Commands never call process.exit or console directly, so tests can run them in-process.
 */
import pc from 'picocolors';

/** Output streams and settings shared by all commands. */
export interface CliContext {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when diagnostics should be coloured (a TTY and no NO_COLOR). */
  readonly color: boolean;
  /** Working directory that relative paths on the command line are resolved against. */
  readonly cwd: string;
  /** Print stack traces for internal errors. */
  readonly debug: boolean;
}

/** Builds the context for the real process. */
export function processContext(debug: boolean): CliContext {
  const color = process.stdout.isTTY && !('NO_COLOR' in process.env) && pc.isColorSupported;
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color,
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
