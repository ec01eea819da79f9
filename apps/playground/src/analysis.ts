/**
 * The playground's pipeline, free of DOM code so it runs in tests: resolve the entry policy
 * through an in-memory host (so includes between tabs work), and report what the toolchain
 * reports, exactly as the CLI would.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { createMemoryHost, resolvePolicy, type ResolvedPolicy } from '@syscage/include-resolver';
import { parseFrequencyFile, parsePolicy, type Diagnostic } from '@syscage/policy-parser';
import { compileWorkspace, type CompiledView } from './compiled.js';
import type { PolicyWorkspace, WorkspaceFile } from './workspace.js';

/** Everything the page shows about one state of the workspace. */
export interface Analysis {
  /** Every diagnostic of every phase, for every file. */
  readonly diagnostics: readonly Diagnostic[];
  /** Each file's text by path (what diagnostics are rendered against). */
  readonly sources: ReadonlyMap<string, string>;
  /** The entry policy with its includes followed. */
  readonly resolved: ResolvedPolicy;
  /** The compiled program; absent while there are errors or no architecture table is loaded. */
  readonly compiled?: CompiledView;
}

function hostFor(files: readonly WorkspaceFile[]): ReturnType<typeof createMemoryHost> {
  return createMemoryHost(Object.fromEntries(files.map((file) => [file.path, file.text])));
}

/**
 * Resolves the workspace's entry for its architecture and, when that has no errors and `table`
 * is given, compiles it as `syscage compile` does with the workspace's flags. Files the entry does not reach are
 * still parsed, so an open tab shows its own syntax errors.
 */
export function analyzeWorkspace(workspace: PolicyWorkspace, table?: ArchTable): Analysis {
  const sources = new Map(workspace.files.map((file) => [file.path, file.text]));
  // As the CLI: `denylist: false` without --denylist, so an @denylist header is reported.
  const denylist = workspace.flags?.denylist === true;
  const resolved = resolvePolicy(workspace.entry, { host: hostFor(workspace.files), arch: workspace.arch, denylist });
  const diagnostics: Diagnostic[] = [...resolved.diagnostics];
  const reached = new Set(resolved.files.map((file) => file.path));
  for (const file of workspace.files) {
    if (reached.has(file.path)) continue;
    if (file.path.endsWith('.frequency')) diagnostics.push(...parseFrequencyFile(file.text, file.path).diagnostics);
    else diagnostics.push(...parsePolicy(file.text, file.path).diagnostics);
  }
  const resolverFailed = resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  if (table === undefined || resolverFailed) return { diagnostics, sources, resolved };
  const outcome = compileWorkspace(resolved, table, sources, workspace.flags);
  diagnostics.push(...outcome.diagnostics);
  return outcome.compiled === undefined ? { diagnostics, sources, resolved } : { diagnostics, sources, resolved, compiled: outcome.compiled };
}

/**
 * The files of `tree` that `entry` reaches through `@include` and `@frequency` (itself first),
 * which is what opening an example puts in tabs.
 */
export function filesReachedFrom(entry: string, tree: readonly WorkspaceFile[], arch: string): WorkspaceFile[] {
  const resolved = resolvePolicy(entry, { host: hostFor(tree), arch });
  const byPath = new Map(tree.map((file) => [file.path, file]));
  return resolved.files.flatMap((file) => byPath.get(file.path) ?? []);
}
