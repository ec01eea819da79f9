/**
 * Outputs that would overwrite their own inputs. `compile -o P P` would replace a policy with
 * binary BPF and `learn --policy P -o P` a whole policy with the missing rules only, so every
 * command that writes compares each output with the policy and every file it read (the device
 * and inode, so a symbolic or hard link to an input counts as the input) before writing anything.
 */
import { statSync } from 'node:fs';
import { CliError } from './context.js';
import { ExitCode } from './exit-codes.js';

/** `device:inode` of the file at `path` (links followed), or undefined when there is none. */
function identity(path: string): string | undefined {
  try {
    const stats = statSync(path, { bigint: true });
    return `${stats.dev.toString()}:${stats.ino.toString()}`;
  } catch {
    return undefined;
  }
}

/** One file a command is about to write. */
export interface PlannedOutput {
  /** Absolute path. */
  readonly path: string;
  /** The path as messages show it. */
  readonly shown: string;
}

/**
 * Throws a usage error (exit 2) when an output is the same file as one of `inputs` (absolute
 * paths of the policies and every file they include). `show` renders an input path for the message.
 */
export function refuseOutputsOverInputs(outputs: readonly PlannedOutput[], inputs: Iterable<string>, show: (path: string) => string = (path) => path): void {
  const byIdentity = new Map<string, string>();
  // A build lists each shared block once per policy that includes it: stat each path once.
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input)) continue;
    seen.add(input);
    const id = identity(input);
    if (id !== undefined && !byIdentity.has(id)) byIdentity.set(id, input);
  }
  for (const output of outputs) {
    const id = identity(output.path);
    const input = id === undefined ? undefined : byIdentity.get(id);
    if (input !== undefined) {
      throw new CliError(`${output.shown} is the input ${show(input)}; writing it would destroy the policy: choose another output`, ExitCode.usage);
    }
  }
}
