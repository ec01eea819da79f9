/**
 * `syscage check PATH... [--arch A] [--include-map FROM=TO]... [--dialect D] [--lint L]
 * [--format text|json|sarif] [--denylist | --no-denylist]`
 *
 * A file is checked as a loaded policy: includes followed, rules merged, Minijail's merge and
 * dialect rules applied. A folder is checked as a policy tree: every file of every architecture
 * folder resolved (with that folder's name as the architecture), plus the naming convention.
 * Architecture-dependent checks (syscall and constant names, value ranges) plug in through
 * {@link ArchCheck}s. Exit 1 when any error is found.
 */
import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option } from 'commander';
import { type Dialect, type LintLevel, lintReviewRules } from '@syscage/include-resolver';
import type { Diagnostic, Severity } from '@syscage/policy-parser';
import { allDiagnosticCodes } from '../codes.js';
import { ExitCode } from '../exit-codes.js';
import { inputFromFlags, loadPolicies } from '../input.js';
import { allowOutsideIncludesOption, archOption, formatOption, includeMapOption, lintOption, noReviewLintOption } from '../options.js';
import { type OutputFormat, printDiagnostics, printJson } from '../output.js';
import type { RegisterCommand } from '../program.js';
import { version } from '../version.js';

/** Options of `syscage check` after parsing. */
interface CheckOptions {
  readonly arch?: string;
  readonly includeMap: readonly string[];
  readonly allowOutsideIncludes?: boolean;
  readonly dialect: Dialect;
  readonly lint: LintLevel;
  readonly format: OutputFormat;
  readonly denylist?: boolean;
  /** The reviewer's lint (SC2050, SC2051); `--no-review-lint` turns it off. */
  readonly reviewLint?: boolean;
}

/** One policy checked: its file, the architecture it was checked for, what was found. */
interface CheckedPolicy {
  readonly file: string;
  readonly arch?: string;
  readonly syscalls: number;
  readonly errors: number;
  readonly warnings: number;
}

/** Everything one `check` run found. */
export interface CheckReport {
  readonly policies: readonly CheckedPolicy[];
  readonly diagnostics: readonly Diagnostic[];
  /** File path → text, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
}

function diagnosticKey(diagnostic: Diagnostic): string {
  const { start, end } = diagnostic.range;
  return `${diagnostic.code}|${diagnostic.file}|${start.offset}|${end.offset}|${diagnostic.message}`;
}

function count(diagnostics: readonly Diagnostic[], severity: Severity): number {
  return diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
}

/**
 * Runs the checks on the given files and folders through the shared input layer, without
 * printing anything. Every policy whose architecture is known (from `--arch`, its tree folder,
 * or its parent folder's name) also gets the architecture-dependent checks of lowering:
 * unknown syscall and constant names, values out of range.
 */
export async function runCheck(
  cwd: string,
  paths: readonly string[],
  options: Omit<CheckOptions, 'format'>,
): Promise<CheckReport> {
  const input = await loadPolicies({
    paths,
    ...inputFromFlags(cwd, options),
    dialect: options.dialect,
    lint: options.lint,
    ...(options.denylist === undefined ? {} : { denylist: options.denylist }),
    requireArch: false,
    lowering: true,
  });
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  // Files shared by several policies (common_device) would repeat their findings once per
  // includer; each finding is kept once.
  const add = (found: readonly Diagnostic[]): void => {
    for (const diagnostic of found) {
      const key = diagnosticKey(diagnostic);
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(diagnostic);
    }
  };
  add(input.diagnostics);
  const policies = input.policies.map((policy): CheckedPolicy => {
    // The minijail-c dialect already reports every repeated syscall (SC2039).
    const review = options.reviewLint === false ? [] : lintReviewRules(policy.resolved, { repeatedConditions: options.dialect !== 'minijail-c' });
    const found = [...policy.diagnostics, ...review];
    add(found);
    return {
      file: policy.file,
      ...(policy.table === undefined ? {} : { arch: policy.table.name }),
      syscalls: policy.resolved.syscalls.length,
      errors: count(found, 'error'),
      warnings: count(found, 'warning'),
    };
  });
  return { policies, diagnostics, sources: input.sources };
}

/** How a file path is shown: relative to the working directory when inside it. */
function displayPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' || shown.startsWith('..') || shown.startsWith(sep) ? path : shown;
}

function withDisplayPaths(diagnostic: Diagnostic, show: (path: string) => string): Diagnostic {
  const related = diagnostic.related?.map((location) => ({ ...location, file: show(location.file) }));
  return { ...diagnostic, file: show(diagnostic.file), ...(related === undefined ? {} : { related }) };
}

const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * A SARIF 2.1.0 log of diagnostics, one run of the `syscage` tool. `uriFor` turns a diagnostic's
 * file into the artifact URI (relative URIs are resolved against `%SRCROOT%`, the directory
 * `syscage` ran in).
 */
export function toSarifLog(diagnostics: readonly Diagnostic[], uriFor: (file: string) => string, srcRoot?: string): unknown {
  const codes = [...new Set(diagnostics.map((diagnostic) => diagnostic.code))].sort();
  const region = (range: Diagnostic['range']): Record<string, number> => ({
    startLine: range.start.line,
    startColumn: range.start.column,
    endLine: range.end.line,
    endColumn: range.end.column,
    charOffset: range.start.offset,
    charLength: Math.max(0, range.end.offset - range.start.offset),
  });
  const location = (file: string, range: Diagnostic['range']): Record<string, unknown> => {
    const uri = uriFor(file);
    return {
      physicalLocation: {
        artifactLocation: uri.startsWith('file:') ? { uri } : { uri, uriBaseId: '%SRCROOT%' },
        region: region(range),
      },
    };
  };
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'syscage',
            version,
            informationUri: 'https://github.com/syscage/syscage',
            rules: codes.map((code) => {
              const description = allDiagnosticCodes().get(code);
              return {
                id: code,
                ...(description?.name === undefined ? {} : { name: description.name }),
                ...(description === undefined ? {} : { shortDescription: { text: description.summary } }),
                ...(description?.severity === undefined ? {} : { defaultConfiguration: { level: sarifLevel[description.severity] } }),
              };
            }),
          },
        },
        ...(srcRoot === undefined ? {} : { originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(`${srcRoot}/`).href } } }),
        columnKind: 'utf16CodeUnits',
        results: diagnostics.map((diagnostic) => ({
          ruleId: diagnostic.code,
          ruleIndex: codes.indexOf(diagnostic.code),
          level: sarifLevel[diagnostic.severity],
          message: { text: diagnostic.suggestion === undefined ? diagnostic.message : `${diagnostic.message} (help: ${diagnostic.suggestion})` },
          locations: [location(diagnostic.file, diagnostic.range)],
          ...(diagnostic.related === undefined
            ? {}
            : {
                relatedLocations: diagnostic.related.map((related, index) => ({
                  id: index + 1,
                  ...location(related.file, related.range),
                  message: { text: related.message },
                })),
              }),
        })),
      },
    ],
  };
}

/** Registers `syscage check`. */
export const registerCheck: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('check')
    .description('resolve includes and check policies (a file as a loaded policy, a folder as a policy tree)')
    .argument('<paths...>', 'policy files, or policy-tree folders (one sub-folder per architecture)')
    .addOption(archOption('architecture to check a file for (default: its folder’s name when that names one); for a tree, only that architecture’s folder'))
    .addOption(includeMapOption())
    .addOption(allowOutsideIncludesOption())
    .addOption(new Option('--dialect <dialect>', 'parser the policy targets').choices(['minijail-py', 'minijail-c']).default('minijail-py'))
    .addOption(lintOption())
    .addOption(formatOption(['text', 'json', 'sarif']))
    .option('--denylist', 'check as compiled with --denylist (every file needs @denylist, every action `return`)')
    .option('--no-denylist', 'check as compiled without --denylist (an @denylist header is an error)')
    .addOption(noReviewLintOption())
    .action(async (paths: string[], options: CheckOptions) => {
      const report = await runCheck(ctx.cwd, paths, options);
      const show = (path: string): string => displayPath(ctx.cwd, path);
      const shown = report.diagnostics.map((diagnostic) => withDisplayPaths(diagnostic, show));
      const errors = count(report.diagnostics, 'error');
      if (options.format === 'sarif') {
        printJson(ctx, toSarifLog(shown, (file) => (file.startsWith('/') ? pathToFileURL(file).href : file.split(sep).map(encodeURIComponent).join('/')), ctx.cwd));
      } else if (options.format === 'json') {
        printJson(ctx, {
          policies: report.policies.map((policy) => ({ ...policy, file: show(policy.file) })),
          diagnostics: shown,
          errors,
          warnings: count(report.diagnostics, 'warning'),
        });
      } else {
        const sources = new Map([...report.sources].map(([path, text]) => [show(path), text]));
        printDiagnostics(ctx, shown, sources);
        ctx.stdout(
          `checked ${report.policies.length} polic${report.policies.length === 1 ? 'y' : 'ies'}: ` +
            `${errors} error${errors === 1 ? '' : 's'}, ${count(report.diagnostics, 'warning')} warning${count(report.diagnostics, 'warning') === 1 ? '' : 's'}\n`,
        );
      }
      if (errors > 0) setExit(ExitCode.policyError);
      // Nothing checked is not a pass: a mistyped or empty folder would otherwise look clean.
      if (report.policies.length === 0 && errors === 0) {
        ctx.stderr(`syscage: check: no policies found in ${paths.map(show).join(', ')} (a policy tree has one folder per architecture, holding .policy files)\n`);
        setExit(ExitCode.policyError);
      }
    });
};
