/**
 * The shared flag vocabulary, applied to every registered command after registration so that a
 * command written before a convention existed still follows it:
 *
 * - `--format json` on every command that prints results. A command that only had `--json` gets
 *   `--format <text|json>` as well (`--json` stays, as an alias of `--format json`).
 * - `--out` and `-o`/`--output` name the same output path: a command with `-o, --output` also
 *   accepts `--out` (hidden from its help, which already shows `-o`).
 *
 * - A flag that takes one value may be given once: a second `--format` (or `-o`, `--arch`, …)
 *   is a usage error instead of silently winning, and so is `--json` with a `--format` other
 *   than `json`. Flags that collect values (`--include-map`) may repeat.
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

/** How a flag was spelt on the command line: its long form, with the short one if it has both. */
function spelling(option: Option): string {
  return option.short !== undefined && option.long !== undefined ? `${option.short}/${option.long}` : (option.long ?? option.short ?? option.name());
}

/**
 * Refuses a second value for a flag that holds one: with last-one-wins, `--format text` at the
 * end of a script's `--format json` line would silently change what it parses. A flag whose
 * default is a list or that is variadic collects its values and may repeat.
 */
function refuseRepeatedValues(command: Command): void {
  for (const option of command.options) {
    const takesValue = option.required || option.optional;
    if (!takesValue || option.variadic || Array.isArray(option.defaultValue)) continue;
    let first: string | undefined;
    command.on(`option:${option.name()}`, (value: unknown) => {
      const given = typeof value === 'string' ? value : '';
      if (first === undefined) {
        first = given;
        return;
      }
      throw new CliError(`${command.name()}: ${spelling(option)} given twice (${first}, then ${given}); give it once`, ExitCode.usage);
    });
  }
}

/** Refuses `--json` together with a `--format` other than `json`: the two ask for different outputs. */
function refuseJsonWithOtherFormat(command: Command): void {
  if (!hasLongFlag(command, '--json') || !hasLongFlag(command, '--format')) return;
  command.hook('preAction', (_program, actionCommand) => {
    const format: unknown = actionCommand.getOptionValue('format');
    if (actionCommand.getOptionValue('json') !== true || actionCommand.getOptionValueSource('format') !== 'cli' || format === 'json') return;
    throw new CliError(`${actionCommand.name()}: --json and --format ${String(format)} ask for different outputs; give one`, ExitCode.usage);
  });
}

/** Applies the shared flag vocabulary to every subcommand of `program`. */
export function applyFlagConventions(program: Command): void {
  for (const command of program.commands) {
    addFormatForJson(command);
    refuseJsonWithOtherFormat(command);
    addOutAlias(command);
    refuseRepeatedValues(command);
  }
}
