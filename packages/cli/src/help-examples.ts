/**
 * Examples shown at the end of `syscage <command> --help`. They are run from the repository root
 * (the paths name its `examples/` and `policies/` folders) and run in that order by
 * tests/contract-help.test.ts, so a later example may use a file an earlier one wrote.
 */
import type { Command } from 'commander';
import examplesByCommand from './help-examples.json';

/** One example: the command line as typed in a shell, and what it does. */
export interface HelpExample {
  readonly command: string;
  readonly says: string;
  /** The exit status the example ends with when it works (`diff` exits 1 when the filters differ). @defaultValue 0 */
  readonly exitCode?: number;
}

/** Examples per command name, in the order they are shown (and run by the tests): the data of `help-examples.json`, one example a line. */
export const helpExamples: Readonly<Record<string, readonly HelpExample[]>> = examplesByCommand;

/** Appends an `Examples:` section to the help of every subcommand that has examples. */
export function addHelpExamples(program: Command): void {
  for (const command of program.commands) {
    const examples = helpExamples[command.name()];
    if (examples === undefined || examples.length === 0) continue;
    const lines = examples.flatMap((example) => [`  # ${example.says}`, `  $ ${example.command}`]);
    command.addHelpText('after', `\nExamples:\n${lines.join('\n')}\n`);
  }
}
