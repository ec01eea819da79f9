/**
 * The shared flag vocabulary, applied to every registered command after registration so that a
 * command written before a convention existed still follows it:
 *
 * - `--format json` on every command that prints results. A command that only had `--json` gets
 *   `--format <text|json>` as well (`--json` stays, as an alias of `--format json`).
 * - `--out` and `-o`/`--output` name the same output path: a command with `-o, --output` also
 *   accepts `--out` (hidden from its help, which already shows `-o`).
 *
 * A command that already declares the flag keeps its own definition untouched.
 */
import { type Command, Option } from 'commander';
import { CliError } from './context.js';
import { ExitCode } from './exit-codes.js';

function hasLongFlag(command: Command, flag: string): boolean {
  return command.options.some((option) => option.long === flag);
}

/** Adds `--format <text|json>` next to an existing `--json` flag. */
function addFormatForJson(command: Command): void {
  if (!hasLongFlag(command, '--json') || hasLongFlag(command, '--format')) return;
  command.addOption(new Option('--format <format>', 'output format (--json is the same as --format json)').choices(['text', 'json']));
  command.hook('preAction', (_program, actionCommand) => {
    if (actionCommand.getOptionValue('format') === 'json') actionCommand.setOptionValue('json', true);
  });
}

/** Adds a hidden `--out <path>` to a command whose output option is `-o, --output`. */
function addOutAlias(command: Command): void {
  if (!hasLongFlag(command, '--output') || hasLongFlag(command, '--out')) return;
  command.addOption(new Option('--out <path>', 'same as -o/--output').hideHelp());
  command.hook('preAction', (_program, actionCommand) => {
    const out: unknown = actionCommand.getOptionValue('out');
    if (typeof out !== 'string') return;
    const output: unknown = actionCommand.getOptionValue('output');
    if (typeof output === 'string' && output !== out) {
      throw new CliError(`${actionCommand.name()}: --out ${out} and -o/--output ${output} name different outputs; give one`, ExitCode.usage);
    }
    actionCommand.setOptionValue('output', out);
  });
}

/** Applies the shared flag vocabulary to every subcommand of `program`. */
export function applyFlagConventions(program: Command): void {
  for (const command of program.commands) {
    addFormatForJson(command);
    addOutAlias(command);
  }
}
