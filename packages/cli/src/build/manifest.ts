/**
 * `manifest.json` of a build: what was built from what, with hashes and figures, in a byte-stable
 * form (no timestamps, no absolute paths, keys sorted, entries sorted by architecture and name).
 */
import type { Diagnostic } from '@syscage/policy-parser';
import type { ProgramAnalysis } from './analysis.js';
import { type BuildFormat, type BuiltPolicy, type TreeBuildResult, formatExtension } from './tree-build.js';

/** A diagnostic as the manifest records it: `file:line:col` relative to the tree. */
export interface ManifestDiagnostic {
  readonly code: string;
  readonly severity: Diagnostic['severity'];
  readonly location: string;
  readonly message: string;
}

/** One loaded policy for one architecture. */
export interface ManifestEntry {
  readonly arch: string;
  readonly policy: string;
  /** `ok`, or `error` when it did not compile (then it has no output). */
  readonly status: 'ok' | 'error';
  /** Source files relative to the tree, with their SHA-256 and how they were reached. */
  readonly sources: readonly { readonly path: string; readonly role: string; readonly sha256: string }[];
  /** Output file relative to the manifest's folder. */
  readonly output?: string;
  readonly outputSha256?: string;
  readonly instructions?: number;
  /** Action for syscalls the policy does not allow. */
  readonly defaultAction?: string;
  /** `proved` when the program was proved to do what the policy says for every input (absent with `--no-verify`). */
  readonly verified?: 'proved';
  readonly analysis?: ProgramAnalysis;
  /** With `--export oci`: the policy as an OCI container seccomp profile, next to the output. */
  readonly oci?: { readonly output: string; readonly sha256: string; readonly entries: number };
  /** With `--flatten`: the policy as one file for libminijail's run-time parser, next to the output. */
  readonly flattened?: {
    /** Relative to the manifest's folder: `<arch>/<name>.policy`. */
    readonly output: string;
    readonly sha256: string;
    /** Syscall lines in the file. */
    readonly lines: number;
    /** `proved` when its decisions were proved equal to the output's (absent with `--no-verify`). */
    readonly verified?: 'proved';
  };
  readonly diagnostics: readonly ManifestDiagnostic[];
}

/** Figures of one architecture. */
export interface ManifestArchSummary {
  readonly arch: string;
  /** Loaded policies that compiled. */
  readonly files: number;
  readonly failed: number;
  readonly instructions: number;
  /** Means over the compiled files of their evaluation costs (`null` when none has one). */
  readonly meanCost: { readonly uniform: number | null; readonly frequency: number | null; readonly cached: number | null };
  /** Mean over the compiled files of their cache coverage. */
  readonly meanCacheCoverage: number | null;
  readonly errors: number;
  readonly warnings: number;
}

/**
 * The settings of a build that its manifest records: given to {@link createManifest} and
 * written as they are, so that each is declared once.
 */
export interface ManifestSettings {
  /** `syscage <version>`. */
  readonly generator: string;
  readonly format: BuildFormat;
  /** The `--default-action` override, or `null` (each policy's `@default`, else the kill action). */
  readonly defaultActionOverride: string | null;
  /** What the kill action (the word `kill`, a missing `@default`, an architecture mismatch) does. */
  readonly killAction: 'kill-process' | 'kill-thread';
  /** The `--size-budget` override as given, or `null` (the compiler's default). */
  readonly sizeBudgetOverride: string | null;
}

/** The whole manifest. */
export interface Manifest extends ManifestSettings {
  readonly ok: boolean;
  /** The tree, relative to the manifest's folder. */
  readonly tree: string;
  readonly summary: readonly ManifestArchSummary[];
  /** Naming-convention and folder findings, not tied to one policy. */
  readonly treeDiagnostics: readonly ManifestDiagnostic[];
  readonly policies: readonly ManifestEntry[];
}

/** Options of {@link createManifest}: the settings it records and where the tree and the output are. */
export interface ManifestOptions extends ManifestSettings {
  readonly treeDir: string;
  readonly outDir: string;
  /** POSIX relative path from one absolute path to another. */
  readonly relative: (from: string, to: string) => string;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function manifestDiagnostic(diagnostic: Diagnostic, toTree: (path: string) => string): ManifestDiagnostic {
  const { line, column } = diagnostic.range.start;
  return {
    code: diagnostic.code,
    severity: diagnostic.severity,
    location: `${toTree(diagnostic.file)}:${line}:${column}`,
    message: diagnostic.message,
  };
}

/** Output path of a built policy relative to the out folder. */
export function outputPath(policy: Pick<BuiltPolicy, 'folder' | 'name'>, format: BuildFormat): string {
  return `${policy.folder}/${policy.name}${formatExtension[format]}`;
}

/** Path of a built policy's flattened file (`--flatten`) relative to the out folder. */
export function flattenedPath(policy: Pick<BuiltPolicy, 'folder' | 'name'>): string {
  return `${policy.folder}/${policy.name}.policy`;
}

/** Path of a built policy's OCI profile (`--export oci`) relative to the out folder. */
export function ociPath(policy: Pick<BuiltPolicy, 'folder' | 'name'>): string {
  return `${policy.folder}/${policy.name}.oci.json`;
}

/** Builds the manifest of a build. */
export function createManifest(result: TreeBuildResult, options: ManifestOptions): Manifest {
  const { treeDir, outDir, relative, ...settings } = options;
  const toTree = (path: string): string => relative(treeDir, path);
  const policies: ManifestEntry[] = result.policies.map((policy) => {
    const common = {
      arch: policy.arch,
      policy: toTree(policy.entry),
      sources: policy.sources.map((source) => ({ path: toTree(source.path), role: source.role, sha256: source.sha256 })),
      diagnostics: policy.diagnostics.map((diagnostic) => manifestDiagnostic(diagnostic, toTree)),
    };
    if (policy.result === undefined) return { ...common, status: 'error' };
    return {
      ...common,
      status: 'ok',
      output: outputPath(policy, settings.format),
      outputSha256: policy.result.sha256,
      instructions: policy.result.program.length,
      defaultAction: policy.result.defaultAction,
      ...(policy.result.verified === undefined ? {} : { verified: policy.result.verified }),
      analysis: policy.result.analysis,
      ...(policy.result.oci === undefined ? {} : { oci: { output: ociPath(policy), sha256: policy.result.oci.sha256, entries: policy.result.oci.entries } }),
      ...(policy.result.flattened === undefined
        ? {}
        : {
            flattened: {
              output: flattenedPath(policy),
              sha256: policy.result.flattened.sha256,
              lines: policy.result.flattened.lines,
              ...(policy.result.flattened.verified === undefined ? {} : { verified: policy.result.flattened.verified }),
            },
          }),
    };
  });
  const summary = result.archs.map(({ arch, folder }): ManifestArchSummary => {
    const mine = result.policies.filter((policy) => policy.folder === folder);
    const compiled = mine.flatMap((policy) => (policy.result === undefined ? [] : [policy.result]));
    const mean = (pick: (analysis: ProgramAnalysis) => number | null): number | null => {
      const values = compiled.flatMap((built) => {
        const value = pick(built.analysis);
        return value === null ? [] : [value];
      });
      return values.length === 0 ? null : round(values.reduce((sum, value) => sum + value, 0) / values.length);
    };
    const diagnostics = mine.flatMap((policy) => policy.diagnostics);
    return {
      arch,
      files: compiled.length,
      failed: mine.length - compiled.length,
      instructions: compiled.reduce((sum, built) => sum + built.program.length, 0),
      meanCost: {
        uniform: mean((analysis) => analysis.cost.uniform),
        frequency: mean((analysis) => analysis.cost.frequency),
        cached: mean((analysis) => analysis.cost.cached),
      },
      meanCacheCoverage: mean((analysis) => analysis.cacheCoverage),
      errors: diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length,
      warnings: diagnostics.filter((diagnostic) => diagnostic.severity === 'warning').length,
    };
  });
  const treeErrors = result.treeDiagnostics.some((diagnostic) => diagnostic.severity === 'error');
  return {
    ...settings,
    ok: !treeErrors && result.policies.length > 0 && result.policies.every((policy) => policy.ok),
    tree: relative(outDir, treeDir) || '.',
    summary,
    treeDiagnostics: result.treeDiagnostics.map((diagnostic) => manifestDiagnostic(diagnostic, toTree)),
    policies,
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, inner]) => [key, sortKeys(inner)]));
  }
  return value;
}

/** The manifest as stable JSON: keys sorted at every level, two-space indent, final newline. */
export function manifestJson(manifest: Manifest): string {
  return `${JSON.stringify(sortKeys(manifest), null, 2)}\n`;
}
