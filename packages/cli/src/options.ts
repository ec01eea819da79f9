/**
 * The option definitions every command shares, each declared and parsed in this one place:
 * `--arch`, `--include-map`, `--format`, `--default-action`, `--lint`, `--no-review-lint`, and the
 * kill action (`--use-kill-process` / `--kill-thread`). A command adds them with the factories
 * below, so the same flag has the same help text, the same accepted values and the same error
 * everywhere.
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { resolveArchName } from '@syscage/arch-tables';
import { type CompileOptions, type DefaultActionOption, parseDefaultActionOption } from '@syscage/bpf-codegen';
import type { IncludeMapping } from '@syscage/include-resolver';
import { CliError } from './context.js';
import { ExitCode } from './exit-codes.js';

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/**
 * `--arch <arch>`. Each command says in `help` what the architecture is used for and what the
 * default is; the accepted names are always the registry's (`syscage arch` lists them).
 */
export function archOption(help: string): Option {
  return new Option('--arch <arch>', help);
}

/**
 * The canonical architecture name for a user-given name or alias. An unknown name is a usage
 * error (exit 2) in every command, with the registry's suggestion; `what` names the source of
 * the name in the message (`--arch`, or the folder it was taken from).
 */
export function resolveArchOption(name: string, what = '--arch'): string {
  const resolved = resolveArchName(name);
  if (!resolved.ok) throw new CliError(`${what}: ${resolved.message}`, ExitCode.usage);
  return resolved.name;
}

/** `--include-map <from=to>`, repeatable; parse its values with {@link parseIncludeMap}. */
export function includeMapOption(): Option {
  return new Option(
    '--include-map <from=to>',
    'read includes under the absolute prefix FROM from the folder TO (repeatable; longest prefix wins; ' +
      '/usr/share/policy/crosvm always maps to the including policy’s folder after the given mappings)',
  )
    .argParser(collect)
    .default([] as string[]);
}

/**
 * `--allow-outside-includes`: read `@include`/`@frequency` files outside the policy's folder (the
 * tree for a tree) and the `--include-map` targets. Without it such an include is an error
 * (SC2045) and the file is not read, so checking an untrusted policy cannot print, say, a `.env`
 * file into a log; with it, code frames still show no more than an offending token of such a file.
 */
export function allowOutsideIncludesOption(): Option {
  return new Option(
    '--allow-outside-includes',
    'read @include/@frequency files outside the policy’s folder (or tree) and the --include-map targets (default: an error, SC2045; their lines are never shown)',
  );
}

/** `--lint <level>`: how a policy tree's naming-convention findings count (`error`, `warn`, `off`). */
export function lintOption(): Option {
  return new Option('--lint <level>', 'how naming-convention findings of a policy tree count').choices(['error', 'warn', 'off']).default('error');
}

/** `--no-review-lint`: turns off the reviewer's lint of every loaded policy (SC2050, SC2051 warnings). */
export function noReviewLintOption(): Option {
  return new Option('--no-review-lint', 'no warnings for dangerous syscalls allowed without a comment above (SC2050) or conditional rules on several lines (SC2051)');
}

/**
 * Parses `--include-map FROM=TO` values (TO relative to `cwd`). The default mapping
 * (`/usr/share/policy/crosvm` → the policy's folder) is not added here: every command appends
 * it per policy, after these, through the input layer (`loadPolicies`).
 */
export function parseIncludeMap(cwd: string, entries: readonly string[]): IncludeMapping[] {
  return entries.map((entry) => {
    const equals = entry.indexOf('=');
    const from = equals < 0 ? '' : entry.slice(0, equals);
    const to = equals < 0 ? '' : entry.slice(equals + 1);
    if (!from.startsWith('/') || to === '') {
      throw new CliError(`--include-map ${entry}: expected FROM=TO with an absolute FROM, e.g. /usr/share/policy/crosvm=policies/x86_64`, ExitCode.usage);
    }
    return { from, to: resolve(cwd, to) };
  });
}

/** `--format <format>` with the given choices; the first choice is the default. */
export function formatOption<const T extends string>(choices: readonly [T, ...T[]], help = 'output format'): Option {
  return new Option('--format <format>', help).choices(choices).default(choices[0]);
}

/** `--default-action <action>`; parse it with {@link parseDefaultAction}. */
export function defaultActionOption(): Option {
  return new Option(
    '--default-action <action>',
    'action for syscalls the policy does not list, overriding its @default: kill (the kill action), kill-process, kill-thread, trap, trace, log, user-notify, allow, or "return N"',
  );
}

/** Parses a `--default-action` value; a word that is not an action is a usage error. */
export function parseDefaultAction(value: string | undefined): DefaultActionOption | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDefaultActionOption(value);
  if (parsed === undefined) {
    throw new CliError(`--default-action ${value}: expected kill, kill-process, kill-thread, trap, trace, log, user-notify, allow or "return N"`, ExitCode.usage);
  }
  return parsed;
}

/**
 * What the kill action (the policy word `kill`, a policy without `@default`, an architecture
 * mismatch) does in every `syscage` command unless `--kill-thread` is given: kill the whole
 * process. Killing one thread can leave the rest of a process running in a state its author
 * never planned for, and a `.bpf` that `build` ships must be the filter that `explain`,
 * `simulate`, `stats` and `diff` describe, so they all share this one default. (Minijail's own
 * compiler kills the thread unless `--use-kill-process`; `compile_seccomp_policy` keeps that.)
 */
export const defaultKillAction = 'kill-process' as const;

/** Adds `--use-kill-process` (the default, kept for Minijail's spelling) and `--kill-thread`. */
export function addKillActionOptions(command: Command): Command {
  return command
    .addOption(new Option('--use-kill-process', `the kill action kills the process (the default; Minijail's flag name)`).conflicts('killThread'))
    .addOption(new Option('--kill-thread', 'the kill action kills only the calling thread, as Minijail does without --use-kill-process'));
}

/** The options {@link compileDefaults} reads. */
export interface KillAndDefaultOptions {
  readonly defaultAction?: string;
  readonly killThread?: boolean;
}

/**
 * The compile options every command derives from `--default-action` and `--kill-thread`: the
 * one place that decides the default action, so that every command describes the filter
 * `build` and `compile` write for the same inputs.
 */
export function compileDefaults(options: KillAndDefaultOptions): Pick<CompileOptions, 'defaultAction' | 'useKillProcess'> {
  const defaultAction = parseDefaultAction(options.defaultAction);
  // A default action that kills the process makes the kill action (and so the architecture
  // check) kill the process too, even with --kill-thread: asked for process kills, never a thread kill.
  const killsProcess = defaultAction === 'kill' || defaultAction === 'kill-process';
  return {
    useKillProcess: options.killThread !== true || killsProcess,
    ...(defaultAction === undefined ? {} : { defaultAction }),
  };
}

/**
 * The options of commands that take a `.bpf` program or compile a `.policy` into one (`disasm`,
 * `simulate`, `stats`, `explain`, `diff`): `--default-action`, `--include-map` and the kill
 * action. They describe how a policy is compiled, so {@link policyOnlyOptionsGiven} lets a
 * command refuse them for a `.bpf` input instead of ignoring them.
 */
export function addPolicyInputOptions(command: Command): Command {
  return addKillActionOptions(command.addOption(defaultActionOption()).addOption(includeMapOption()).addOption(allowOutsideIncludesOption()));
}

/** Options added by {@link addPolicyInputOptions}, as parsed. */
export interface PolicyInputOptions extends KillAndDefaultOptions {
  readonly includeMap: readonly string[];
  /** `--allow-outside-includes`. */
  readonly allowOutsideIncludes?: boolean;
  readonly useKillProcess?: boolean;
}

/**
 * Refuses the options of {@link addPolicyInputOptions} when none of `inputs` is a `.policy`
 * file: they would change nothing, and a user who gives them expects them to.
 */
export function refusePolicyOptionsWithoutPolicy(options: PolicyInputOptions, inputs: readonly string[]): void {
  if (inputs.some((input) => input.endsWith('.policy'))) return;
  const given = [
    ...(options.defaultAction === undefined ? [] : ['--default-action']),
    ...(options.includeMap.length === 0 ? [] : ['--include-map']),
    ...(options.allowOutsideIncludes === true ? ['--allow-outside-includes'] : []),
    ...(options.killThread === true ? ['--kill-thread'] : []),
    ...(options.useKillProcess === true ? ['--use-kill-process'] : []),
  ];
  if (given.length > 0) throw new CliError(`${given.join(', ')}: only for a .policy input, and ${inputs.join(', ')} ${inputs.length === 1 ? 'is a compiled program' : 'are compiled programs'}`, ExitCode.usage);
}
