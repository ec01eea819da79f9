/**
 * OCI container seccomp profiles as inputs: `syscage import` writes the policy a profile means
 * for one architecture, and `audit`, `explain` and `diff` review and compare a profile through
 * that same policy (held in memory, never written), so a container profile is read the way the
 * commands read a policy.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { type DefaultActionOption, importOciProfile, parseOciProfile } from '@syscage/bpf-codegen';
import { type ResolvedPolicy, createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import type { Diagnostic, SourceRange } from '@syscage/policy-parser';
import type { CliContext } from './context.js';
import { readInputFile } from './output.js';

/** Whether a command-line input names an OCI profile (`.json`). */
export const isOciProfilePath = (path: string): boolean => path.endsWith('.json');

/** What Moby's `includes`/`excludes` see when a profile is imported. */
export interface ProfileHostOptions {
  /** `--caps CAP,...`: the container's capabilities. */
  readonly caps?: readonly string[];
  /** `--kernel X.Y`: the host kernel version. */
  readonly kernel?: string;
}

/** A profile read and imported for one architecture. */
export interface ImportedProfile {
  /** Absolute path of the profile. */
  readonly file: string;
  /** The policy text; absent when an error was reported. */
  readonly policy?: string;
  /** The policy resolved from memory, under the name `<profile>.policy`; absent with the policy. */
  readonly resolved?: ResolvedPolicy;
  /** The profile's default action as the compile option the policy needs. */
  readonly defaultAction?: DefaultActionOption;
  /** The import's and the policy's diagnostics, files as shown. */
  readonly diagnostics: readonly Diagnostic[];
  /** Texts by shown path (the profile and the policy), for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  /** Where in the profile the entry behind a line of the policy is; absent with the policy. */
  readonly entryAt?: (policyLine: number) => SourceRange | undefined;
}

/**
 * The profile's entry behind each line of the imported policy: the importer writes each rule
 * after a comment naming its entry (`# $.syscalls[3]: …`), so a line belongs to the entry of the
 * last such comment above it.
 */
function entryLocator(policy: string, profileText: string, file: string): (policyLine: number) => SourceRange | undefined {
  const parsed = parseOciProfile(profileText, file);
  const pointers: (string | undefined)[] = [];
  let current: string | undefined;
  for (const line of policy.split('\n')) {
    const entry = /^# \$\.syscalls\[(\d+)\]/.exec(line);
    if (entry !== null) current = `/syscalls/${entry[1] ?? ''}`;
    pointers.push(current);
  }
  return (policyLine) => {
    const pointer = pointers[policyLine - 1];
    return pointer === undefined ? undefined : parsed.locate(pointer);
  };
}

/** A diagnostic at a line of the imported policy moved to the profile's entry behind that line. */
export function atProfileEntry(diagnostic: Diagnostic, policyShown: string, profileShown: string, entryAt: ((policyLine: number) => SourceRange | undefined) | undefined): Diagnostic {
  if (entryAt === undefined || diagnostic.file !== policyShown) return diagnostic;
  const range = entryAt(diagnostic.range.start.line);
  // An entry spans lines: point at where it starts, as a finding points at a rule's first line.
  return range === undefined ? diagnostic : { ...diagnostic, file: profileShown, range: { start: range.start, end: range.start.line === range.end.line ? range.end : range.start } };
}

/**
 * Reads and imports a profile (a missing file is exit 3). The policy is resolved from memory
 * as `<profile>.policy`; a problem resolving it is reported like any policy's (it would be a bug
 * of the importer, which writes only what the language says).
 */
export function importProfileFile(ctx: CliContext, path: string, table: ArchTable, options: ProfileHostOptions, show: (path: string) => string): ImportedProfile {
  const input = readInputFile(ctx, path);
  const shown = show(input.path);
  const sources = new Map<string, string>([[shown, input.text]]);
  const imported = importOciProfile(input.text, shown, {
    table,
    ...(options.caps === undefined ? {} : { caps: options.caps }),
    ...(options.kernel === undefined ? {} : { kernel: options.kernel }),
  });
  if (imported.policy === undefined || imported.defaultActionOption === undefined) return { file: input.path, diagnostics: imported.diagnostics, sources };
  const policyFile = `${input.path}.policy`;
  const resolved = resolvePolicy(policyFile, { host: createMemoryHost({ [policyFile]: imported.policy }), arch: table.name });
  sources.set(show(policyFile), imported.policy);
  const diagnostics = [...imported.diagnostics, ...resolved.diagnostics.map((diagnostic) => ({ ...diagnostic, file: show(diagnostic.file) }))];
  const entryAt = entryLocator(imported.policy, input.text, shown);
  return { file: input.path, policy: imported.policy, resolved, defaultAction: imported.defaultActionOption, diagnostics, sources, entryAt };
}
