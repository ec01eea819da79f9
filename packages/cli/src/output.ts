/**
 * Output shared by every command: diagnostics as code frames or JSON, file reading with
 * I/O errors turned into exit code 3, and the summary line.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { type Diagnostic, formatDiagnostic } from '@syscage/policy-parser';
import { createColors } from 'picocolors';
import { type CliContext, CliError } from './context.js';
import { ExitCode } from './exit-codes.js';

/** Output formats accepted by `--format` on commands that print results. */
export type OutputFormat = 'text' | 'json' | 'sarif';

/** Shows a path as messages do: relative to the working directory when it is inside it. */
export function showPath(ctx: CliContext, path: string): string {
  const shown = relative(ctx.cwd, path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}

/** Reads a text file named on the command line; a missing file is exit code 3, not a crash. */
export function readInputFile(ctx: CliContext, path: string): { path: string; text: string } {
  const absolute = resolve(ctx.cwd, path);
  try {
    return { path: absolute, text: readFileSync(absolute, 'utf8') };
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new CliError(`cannot read ${path}: ${reason}`, ExitCode.io);
  }
}

/**
 * Writes an output file named on the command line, making its folder first when `makeFolder` is
 * set. A failure is exit code 3 naming the file and why: the errno, or, when a folder on the way
 * is a file, which one (mkdir and open answer EEXIST or ENOTDIR there, which names no path).
 * `show` gives a path as the user sees it.
 */
export function writeOutputFile(
  path: string,
  data: string | Uint8Array,
  show: (path: string) => string,
  options: { readonly makeFolder?: boolean } = {},
): void {
  try {
    if (options.makeFolder === true) mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unwritable';
    const file = code === 'EEXIST' || code === 'ENOTDIR' ? fileInTheWay(path) : undefined;
    throw new CliError(`cannot write ${show(path)}: ${file === undefined ? code : `${show(file)} is not a folder`}`, ExitCode.io);
  }
}

// The nearest folder above `path` that exists as something other than a folder, if any.
function fileInTheWay(path: string): string | undefined {
  for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) {
    try {
      return statSync(folder).isDirectory() ? undefined : folder;
    } catch {
      // Missing: look further up.
    }
  }
  return undefined;
}

// Runs that reported a top-level input they could not read (include-resolver's SC2001). The
// command sees an ordinary error diagnostic; runCli turns the run's exit code into 3 (I/O), the
// same code a command that reads its input itself gives for a missing file.
const unreadableInputReported = new WeakSet<CliContext>();

/** True when {@link printDiagnostics} printed an unreadable top-level input (SC2001) through `ctx`. */
export function reportedUnreadableInput(ctx: CliContext): boolean {
  return unreadableInputReported.has(ctx);
}

/**
 * Prints diagnostics as code frames on stderr. `sources` maps a diagnostic's file to its text
 * (files missing from it are printed without a frame). Returns the number of errors.
 */
export function printDiagnostics(
  ctx: CliContext,
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
): number {
  let errors = 0;
  let warnings = 0;
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'error') errors++;
    if (diagnostic.severity === 'error' && diagnostic.code === 'SC2001') unreadableInputReported.add(ctx);
    else if (diagnostic.severity === 'warning') warnings++;
    ctx.stderr(`${formatDiagnostic(diagnostic, sources, ctx.color ? { colors: createColors(true) } : {})}\n`);
  }
  if (errors + warnings > 0) {
    ctx.stderr(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return errors;
}

/** Prints a value as pretty JSON on stdout; bigints become decimal strings. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout(
    `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}
