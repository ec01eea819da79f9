/**
 * `--arch-json FILE` (of `compile_seccomp_policy` and `syscage compile`): Minijail's
 * `constants.json` read into an architecture table, its problems printed as diagnostics.
 */
import { type ArchTable, readMinijailArchJson } from '@syscage/arch-tables';
import { type CliContext, CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printDiagnostics, readInputFile } from '../output.js';

/**
 * Reads an architecture description named on the command line. A missing file is exit code 3;
 * a file with errors prints them (file:line:col with a code frame) and ends the command with
 * exit code 1, since every decision of the program would rest on its numbers.
 */
export function readArchJsonFile(ctx: CliContext, path: string): ArchTable {
  const input = readInputFile(ctx, path);
  const { table, diagnostics } = readMinijailArchJson(input.text, path);
  printDiagnostics(ctx, diagnostics, new Map([[path, input.text]]));
  if (table === undefined) throw new CliError(`${path}: not a usable architecture description; nothing compiled`, ExitCode.policyError);
  return table;
}
