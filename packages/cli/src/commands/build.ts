/**
 * `syscage build [DIR]`: checks a policy tree's naming convention, compiles every loaded policy
 * for every architecture folder, writes `<out>/<arch>/<name>.<ext>` plus `manifest.json`, and
 * prints a summary per architecture.
 *
 * Default action: a policy's own `@default`, else the kill action, which kills the process
 * (`defaultKillAction`, shared by every command; `--kill-thread` for Minijail's thread kill);
 * `--default-action` overrides both (crosvm builds its tree with `--default-action trap`).
 *
 * Every loaded policy also gets the reviewer's lint (SC2050, SC2051 warnings; `--no-review-lint`),
 * and every compiled program the audit (`--audit LEVEL`, default `high`; `--no-audit`): a finding
 * at or above the level fails the build unless a `# audit-ack SC7xxx: reason` comment above its
 * rule acknowledges it, which is then printed as a note with its reason.
 *
 * On errors the command exits 1, writes the outputs of the policies that compiled, removes any
 * earlier output of the ones that did not, and records every failure in the manifest
 * (`"ok": false`), so nothing left in the out folder claims a success that did not happen.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Option } from 'commander';
import { type LintLevel, type PolicyHost, describeFileProblem, isDevicePolicyName } from '@syscage/include-resolver';
import { type AuditSeverity, acknowledgeAuditFindings, auditProgram, auditSeverities, auditSeverityAtLeast, createAuditCache } from '@syscage/bpf-codegen';
import { createNodeHost } from '@syscage/include-resolver/node';
import type { Diagnostic } from '@syscage/policy-parser';
import { createManifest, type Manifest } from '../build/manifest.js';
import { type BuildFormat, type BuiltPolicy, buildPolicyTree } from '../build/tree-build.js';
import { manifestFileName, writeBuild } from '../build/write.js';
import { type CliContext, CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicies } from '../input.js';
import { printDiagnostics, printJson } from '../output.js';
import { addKillActionOptions, allowOutsideIncludesOption, archOption, compileDefaults, defaultActionOption, formatOption, includeMapOption, lintOption, noReviewLintOption, parseIncludeMap, resolveArchOption } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { version } from '../version.js';
import { parseSizeBudget } from './compile.js';
import { findingDiagnostic } from './audit.js';

interface BuildOptions {
  readonly out: string;
  readonly arch: string;
  readonly defaultAction?: string;
  readonly killThread?: boolean;
  readonly sizeBudget?: string;
  readonly format: BuildFormat;
  readonly includeMap: readonly string[];
  readonly allowOutsideIncludes?: boolean;
  readonly lint: LintLevel;
  readonly summary: 'text' | 'json';
  /** Audit every compiled program and fail on findings at or above this severity (`--audit`, default `high`); `false` with `--no-audit`. */
  readonly audit: AuditSeverity | false;
  /** The reviewer's lint (SC2050, SC2051); `--no-review-lint` turns it off. */
  readonly reviewLint: boolean;
  readonly verify: boolean;
  readonly flatten?: boolean;
  readonly export?: 'oci';
}

/** Generator recorded in manifests: `syscage` and its version. */
export const buildGenerator = `syscage ${version}`;

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

function posixRelative(from: string, to: string): string {
  return toPosix(relative(from, to));
}

function parseArchOption(value: string): 'all' | readonly string[] {
  return value === 'all' ? 'all' : [resolveArchOption(value)];
}

/** Diagnostics with file paths relative to the working directory, duplicates removed. */
function forDisplay(ctx: CliContext, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const display = (file: string): string => (isAbsolute(file) ? posixRelative(ctx.cwd, file) || file : file);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const diagnostic of diagnostics) {
    const key = `${diagnostic.code}\0${diagnostic.file}\0${diagnostic.range.start.offset}\0${diagnostic.range.end.offset}\0${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const related = diagnostic.related?.map((location) => ({ ...location, file: display(location.file) }));
    out.push({ ...diagnostic, file: display(diagnostic.file), ...(related === undefined ? {} : { related }) });
  }
  return out;
}

function pad(text: string, width: number, left = false): string {
  return left ? text.padEnd(width) : text.padStart(width);
}

/** The per-architecture summary as an aligned table. */
export function formatSummary(manifest: Manifest): string {
  const header = ['arch', 'files', 'failed', 'instructions', 'uniform', 'frequency', 'cached', 'cache', 'errors', 'warnings'];
  const fixed = (value: number | null): string => (value === null ? '-' : value.toFixed(2));
  const rows = manifest.summary.map((row) => [
    row.arch,
    String(row.files),
    String(row.failed),
    String(row.instructions),
    fixed(row.meanCost.uniform),
    fixed(row.meanCost.frequency),
    fixed(row.meanCost.cached),
    row.meanCacheCoverage === null ? '-' : `${(row.meanCacheCoverage * 100).toFixed(1)}%`,
    String(row.errors),
    String(row.warnings),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => pad(cell, widths[column] ?? 0, column === 0)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n(uniform/frequency/cached: mean instructions executed per allowed syscall; cache: share of always-allowed syscalls the kernel caches)\n`;
}

/**
 * The audit `build` runs by default (`--audit LEVEL`, default `high`; `--no-audit` skips it):
 * audits every compiled program of the tree and prints, once each, the findings at or above
 * LEVEL at the rules that admit them. A finding that a comment above its rule acknowledges
 * (`# audit-ack SC7xxx: reason`) is printed as a note with its reason and does not fail the
 * build. Returns how many findings were not acknowledged.
 */
function auditTree(ctx: CliContext, policies: readonly BuiltPolicy[], level: AuditSeverity, sources: ReadonlyMap<string, string>, texts: ReadonlyMap<string, string>): number {
  const seen = new Set<string>();
  const open: Diagnostic[] = [];
  const acknowledged: Diagnostic[] = [];
  // Policies that compile to one program (a device and its _vvu variant) share its search.
  const cache = createAuditCache();
  for (const policy of policies) {
    if (policy.result === undefined) continue;
    const { program, lowered, table } = policy.result;
    const report = auditProgram(program, { arch: table, device: isDevicePolicyName(policy.entry), policy: lowered, cache });
    for (const { finding, acknowledged: ack } of acknowledgeAuditFindings(report.findings, (path) => texts.get(path))) {
      if (!auditSeverityAtLeast(finding.severity, level)) continue;
      const diagnostic = findingDiagnostic(finding, posixRelative(ctx.cwd, policy.entry) || policy.entry, (path) => posixRelative(ctx.cwd, path) || path);
      // Rules of shared blocks (common_device) are found once per policy that includes them.
      const key = `${diagnostic.code}|${diagnostic.file}|${diagnostic.range.start.offset}|${finding.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (ack === undefined) {
        open.push({ ...diagnostic, severity: 'error', message: `${finding.severity}: ${finding.message} (audit of ${policy.folder}/${policy.name})` });
      } else {
        acknowledged.push({ ...diagnostic, severity: 'info', message: `${finding.severity}, acknowledged on line ${String(ack.line)}: ${finding.message}; reason: ${ack.reason}` });
      }
    }
  }
  printDiagnostics(ctx, [...acknowledged, ...open], sources);
  // Silent when there is nothing to say, so that a clean build prints nothing on stderr.
  if (open.length + acknowledged.length > 0) ctx.stderr(`audit: ${open.length} finding${open.length === 1 ? '' : 's'} at or above ${level}${acknowledged.length > 0 ? `, ${acknowledged.length} more acknowledged in the policies` : ''}\n`);
  return open.length;
}

/** How to point `build` at a tree, for the messages of a tree it cannot read. */
const treeHint = 'a policy tree is a folder with one sub-folder per architecture (x86_64/, aarch64/, …) holding .policy files';

/**
 * What is wrong with the tree folder, or `undefined` when it can be listed. Without a `[dir]`
 * argument the default `./policies` is meant, so a missing one says how to name another.
 */
function treeProblem(dir: string, treeDir: string, defaulted: boolean, host: PolicyHost): string | undefined {
  if (host.listDirectory?.(treeDir) !== undefined) return undefined;
  // A path the host reads as a file (no problem reading it) cannot be listed because it is one.
  const problem = host.fileProblem?.(treeDir);
  if (defaulted && (problem === 'ENOENT' || problem === 'ENOTDIR')) {
    return `no policy tree here: ./${dir} does not exist; give the tree's folder (\`syscage build path/to/policies\`); ${treeHint}`;
  }
  if (problem === undefined || problem === 'not-regular') return `cannot read the policy tree ${dir}: it is a file, not a folder; ${treeHint}`;
  return `cannot read the policy tree ${dir}: ${problem === 'ENOENT' ? 'no such folder' : describeFileProblem(problem)}; ${treeHint}`;
}

/** Registers `syscage build`. */
export const registerBuild: RegisterCommand = (program, ctx, setExit) => {
  const command = program
    .command('build')
    .description('check a policy tree and compile every loaded policy for every architecture')
    .argument('[dir]', 'policy tree (one folder per architecture)', 'policies')
    .option('-o, --out <dir>', 'output folder', 'dist/policies')
    .addOption(archOption('architecture to build, or all').default('all'))
    .addOption(defaultActionOption())
    .addOption(formatOption(['bpf', 'c-header', 'json'], 'output file format'))
    .option('--size-budget <share>', 'dispatch tests a layout may add for speed, per one of the fewest possible (default 0.2; 0: smallest programs; none: no limit)')
    .addOption(includeMapOption())
    .addOption(allowOutsideIncludesOption())
    .addOption(lintOption())
    .addOption(new Option('--summary <format>', 'summary format on stdout').choices(['text', 'json']).default('text'))
    .addOption(noReviewLintOption())
    .addOption(new Option('--audit <level>', 'audit every compiled program as `syscage audit` does; exit 1 on findings at or above this severity that no `# audit-ack SC7xxx: reason` comment above the rule acknowledges').choices([...auditSeverities]).default('high'))
    .option('--no-audit', 'do not audit the compiled programs')
    .option('--no-verify', 'do not prove each program against its policy before writing it (see syscage verify)')
    .addOption(new Option('--export <format>', 'also write <arch>/<name>.oci.json: each policy as an OCI container seccomp profile (see syscage export), listed in the manifest; a policy a profile cannot express exactly fails').choices(['oci']))
    .option('--flatten', 'also write <arch>/<name>.policy: each policy as one file for libminijail’s run-time parser (see syscage flatten), proved equal to its program; a policy that cannot be flattened fails');
  addKillActionOptions(command).action(async (dir: string, options: BuildOptions) => {
      const arches = parseArchOption(options.arch);
      const compile = compileDefaults(options);
      const sizeBudget = parseSizeBudget(options.sizeBudget);
      const includeMap = parseIncludeMap(ctx.cwd, options.includeMap);
      const treeDir = resolve(ctx.cwd, dir);
      const outDir = resolve(ctx.cwd, options.out);
      const host = createNodeHost();
      const unreadable = treeProblem(dir, treeDir, command.args.length === 0, host);
      if (unreadable !== undefined) throw new CliError(unreadable, ExitCode.io);
      const outFromTree = relative(treeDir, outDir);
      if (outFromTree === '' || (!outFromTree.startsWith('..') && !isAbsolute(outFromTree))) {
        // The next build would read the outputs' folders as architecture folders.
        throw new CliError(`--out: ${options.out} is inside the policy tree ${dir}; choose a folder outside it`, ExitCode.usage);
      }

      const input = await loadPolicies({
        paths: [treeDir],
        cwd: ctx.cwd,
        ...(arches === 'all' ? {} : { arch: arches[0] }),
        includeMap,
        ...(options.allowOutsideIncludes === true ? { allowIncludesOutside: true } : {}),
        lint: options.lint,
        buildingBlocks: false,
        host,
      });
      const [tree] = input.trees;
      if (tree === undefined) throw new CliError(`cannot read the policy tree ${dir}: not a directory`, ExitCode.io);
      const result = buildPolicyTree({
        input,
        tree,
        host,
        arches,
        compile,
        ...(sizeBudget === undefined ? {} : { sizeBudget }),
        format: options.format,
        verify: options.verify,
        flatten: options.flatten === true,
        exportOci: options.export === 'oci',
        reviewLint: options.reviewLint,
        sha256: (bytes) => createHash('sha256').update(bytes).digest('hex'),
      });
      if ('missingArch' in result) {
        throw new CliError(
          `--arch: the tree ${dir} has no folder for ${result.missingArch} (folders: ${result.folders.join(', ') || 'none'})`,
          ExitCode.usage,
        );
      }

      const diagnostics = forDisplay(ctx, [...result.treeDiagnostics, ...result.policies.flatMap((policy) => policy.diagnostics)]);
      const sources = new Map<string, string>();
      for (const [path, text] of result.sources) sources.set(posixRelative(ctx.cwd, path) || path, text);
      printDiagnostics(ctx, diagnostics, sources);
      if (options.audit !== false && auditTree(ctx, result.policies, options.audit, sources, result.sources) > 0) setExit(ExitCode.policyError);

      const manifest = createManifest(result, {
        generator: buildGenerator,
        treeDir: toPosix(treeDir),
        outDir: toPosix(outDir),
        format: options.format,
        defaultActionOverride: options.defaultAction ?? null,
        killAction: compile.useKillProcess === true ? 'kill-process' : 'kill-thread',
        sizeBudgetOverride: options.sizeBudget ?? null,
        relative: posixRelative,
      });
      const written = writeBuild(outDir, result, manifest, options.format, options.out);
      if (options.summary === 'json') {
        printJson(ctx, { ok: manifest.ok, out: posixRelative(ctx.cwd, outDir) || '.', written, summary: manifest.summary });
      } else {
        ctx.stdout(formatSummary(manifest));
        const failed = manifest.policies.filter((entry) => entry.status === 'error').length;
        ctx.stdout(
          `${manifest.ok ? 'built' : 'build failed:'} ${written} file${written === 1 ? '' : 's'}${failed > 0 ? `, ${failed} failed` : ''}; ` +
            `manifest at ${posixRelative(ctx.cwd, resolve(outDir, manifestFileName))}\n`,
        );
      }
      if (!manifest.ok) setExit(ExitCode.policyError);
      // A program that is not proved is a compiler bug, not a problem of the policy.
      if (result.policies.some((policy) => policy.unproved === true)) setExit(ExitCode.internal);
    });
};
