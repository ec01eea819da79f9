/**
 * `syscage compile POLICY... [--arch A] -o OUT [--format bpf|c-header|json]
 * [--default-action ACTION] [--use-kill-process] [--log-failures] [--denylist]
 * [--include-map FROM=TO]... [--frequency FILE] [--size-budget SHARE] [--no-optimize]`
 *
 * Compiles loaded policies into seccomp BPF programs. With one policy, OUT is the output file;
 * with several, OUT is a folder and each program goes to `OUT/<arch>/<name>.<ext>`. Without
 * `--arch`, a policy's parent folder names its architecture (crosvm's `seccomp/<arch>/` layout).
 * Diagnostics print as code frames; when any policy has an error nothing is written and the
 * exit code is 1. crosvm's build is `--default-action trap` (its include prefix
 * `/usr/share/policy/crosvm` maps to the policy's folder by default).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Option } from 'commander';
import { type ArchTable, loadArchTable, resolveArchName } from '@syscage/arch-tables';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import {
  type BpfProgram,
  type CompileOptions,
  type DefaultActionOption,
  compilePolicy,
  encodeCHeader,
  encodeJson,
  encodeProgram,
  formatAction,
  lowerPolicy,
  parseDefaultActionOption,
} from '@syscage/bpf-codegen';
import {
  type IncludeMapping,
  createParseCache,
  defaultIncludeMap,
  resolvePolicy,
} from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { type Diagnostic, parseFrequencyFile } from '@syscage/policy-parser';
import { type CliContext, CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printDiagnostics, readInputFile } from '../output.js';
import type { RegisterCommand } from '../program.js';

/** Output formats of `compile`. */
type CompileFormat = 'bpf' | 'c-header' | 'json';

const extensions: Readonly<Record<CompileFormat, string>> = { bpf: 'bpf', 'c-header': 'h', json: 'json' };

interface CompileCommandOptions {
  readonly arch?: string;
  readonly output?: string;
  readonly format: CompileFormat;
  readonly defaultAction?: string;
  readonly useKillProcess?: boolean;
  readonly logFailures?: boolean;
  readonly denylist?: boolean;
  readonly includeMap: readonly string[];
  readonly frequency?: string;
  readonly sizeBudget?: string;
  readonly optimize: boolean;
}

function parseIncludeMap(ctx: CliContext, entries: readonly string[]): IncludeMapping[] {
  return entries.map((entry) => {
    const equals = entry.indexOf('=');
    const from = entry.slice(0, equals);
    const to = entry.slice(equals + 1);
    if (equals <= 0 || to === '' || !from.startsWith('/')) {
      throw new CliError(`--include-map ${entry}: expected FROM=TO with an absolute FROM, e.g. /usr/share/policy/crosvm=seccomp/x86_64`, ExitCode.usage);
    }
    return { from, to: resolve(ctx.cwd, to) };
  });
}

function parseDefaultAction(value: string | undefined): DefaultActionOption | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDefaultActionOption(value);
  if (parsed === undefined) {
    throw new CliError(
      `--default-action ${value}: expected allow, kill, kill-process, kill-thread, trap, trace, log, user-notify or "return N"`,
      ExitCode.usage,
    );
  }
  return parsed;
}

/** `--size-budget` (of `compile` and `build`): a share of at least 0, or `none` for no limit. */
export function parseSizeBudget(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'none') return Infinity;
  const share = /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(share)) {
    throw new CliError(`--size-budget ${value}: expected a share of the fewest dispatch tests, such as 0.2 (0 for the smallest program, none for no limit)`, ExitCode.usage);
  }
  return share;
}

/** The architecture of a policy: `--arch`, else its parent folder's name. */
function archFor(ctx: CliContext, file: string, option: string | undefined): string {
  const name = option ?? basename(dirname(file));
  const resolved = resolveArchName(name);
  if (resolved.ok) return resolved.name;
  if (option !== undefined) throw new CliError(`--arch: ${resolved.message}`, ExitCode.usage);
  throw new CliError(
    `${relative(ctx.cwd, file)}: cannot tell the architecture from the folder name '${name}'; pass --arch`,
    ExitCode.usage,
  );
}

/** One compiled policy waiting to be written. */
interface Compiled {
  readonly file: string;
  readonly arch: ArchTable;
  readonly program: BpfProgram;
  readonly defaultAction: string;
}

function encode(compiled: Compiled, format: CompileFormat, displayName: string): string | Uint8Array {
  switch (format) {
    case 'bpf':
      return encodeProgram(compiled.program, { byteOrder: compiled.arch.endianness });
    case 'c-header':
      return encodeCHeader(compiled.program, {
        name: basename(compiled.file).replace(/\.policy$/, ''),
        endianness: compiled.arch.endianness,
        generatedBy: `Generated by syscage compile from ${displayName} for ${compiled.arch.name}; do not edit.`,
      });
    case 'json':
      return encodeJson(compiled.program, {
        arch: compiled.arch.name,
        auditArch: compiled.arch.auditArch,
        policy: displayName,
        defaultAction: compiled.defaultAction,
      });
  }
}

/** Architecture tables loaded for {@link loweringCheck}, by canonical name. */
const checkTables = new Map<string, ArchTable>();

/**
 * Loads an architecture's table so {@link loweringCheck} can lower policies for it (`check` is
 * synchronous, table loading is not). An unknown or missing table is left to `check` to report.
 */
export async function preloadArchTable(name: string): Promise<void> {
  const resolved = resolveArchName(name);
  if (!resolved.ok || checkTables.has(resolved.name)) return;
  const loaded = await loadArchTable(resolved.name, (specifier) => import(specifier));
  if (loaded.ok) checkTables.set(resolved.name, loaded.table);
}

/**
 * The lowering checks of `compile` for `syscage check --arch`: unknown syscall and constant
 * names, values out of range for the word size, `arg6`, groups. Runs only for architectures
 * whose table {@link preloadArchTable} loaded.
 */
export function loweringCheck(policy: ResolvedPolicy, arch: string): readonly Diagnostic[] {
  const resolved = resolveArchName(arch);
  const table = resolved.ok ? checkTables.get(resolved.name) : undefined;
  if (table === undefined) return [];
  return lowerPolicy(policy, table, { denylist: policy.denylist }).diagnostics;
}

/** Registers `syscage compile`. */
export const registerCompile: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('compile')
    .description('compile policies into seccomp BPF programs (.bpf, C header or JSON)')
    .argument('<policies...>', 'loaded policy files')
    .option('--arch <arch>', 'target architecture (default: the policy’s parent folder name)')
    .option('-o, --output <path>', 'output file (one policy) or folder (several policies: OUT/<arch>/<name>.<ext>)')
    .addOption(new Option('--format <format>', 'output format').choices(['bpf', 'c-header', 'json']).default('bpf'))
    .option('--default-action <action>', 'action for unlisted syscalls, overriding @default (`kill` = kill-process; crosvm uses trap)')
    .option('--use-kill-process', 'the kill action is kill-process instead of kill-thread')
    .option('--log-failures', 'log instead of denying: the kill action and every `return N` become LOG')
    .option('--denylist', 'compile a @denylist policy (unlisted syscalls are allowed)')
    .option(
      '--include-map <from=to>',
      'map an absolute include prefix to a folder (repeatable; /usr/share/policy/crosvm maps to the policy’s folder by default)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--frequency <file>', 'a frequency file (`name: count` lines) for syscalls the policy’s own @frequency does not count, on any architecture')
    .option(
      '--size-budget <share>',
      'dispatch tests the layout may add for speed, per one of the fewest possible (default 0.2; 0: smallest program; none: no limit)',
    )
    .option('--no-optimize', 'turn every optimisation pass off (for comparison and debugging)')
    .action(async (policies: string[], options: CompileCommandOptions) => {
      if (options.output === undefined) throw new CliError('compile: -o/--output is required', ExitCode.usage);
      const includeMap = parseIncludeMap(ctx, options.includeMap);
      const defaultAction = parseDefaultAction(options.defaultAction);
      const sizeBudget = parseSizeBudget(options.sizeBudget);
      let compileOptions: CompileOptions = {
        ...(defaultAction === undefined ? {} : { defaultAction }),
        ...(sizeBudget === undefined ? {} : { sizeBudget }),
        useKillProcess: options.useKillProcess === true,
        logFailures: options.logFailures === true,
        denylist: options.denylist === true,
        optimize: options.optimize,
      };
      const diagnostics: Diagnostic[] = [];
      const sources = new Map<string, string>();
      if (options.frequency !== undefined) {
        const input = readInputFile(ctx, options.frequency);
        const parsed = parseFrequencyFile(input.text, options.frequency);
        sources.set(options.frequency, input.text);
        diagnostics.push(...parsed.diagnostics);
        const counts = new Map<string, bigint>();
        for (const entry of parsed.entries) counts.set(entry.descriptor.name, (counts.get(entry.descriptor.name) ?? 0n) + entry.count);
        compileOptions = { ...compileOptions, frequencies: counts };
      }
      const files = policies.map((policy) => resolve(ctx.cwd, policy));
      const archNames = files.map((file) => archFor(ctx, file, options.arch));
      const tables = new Map<string, ArchTable>();
      for (const name of new Set(archNames)) {
        const loaded = await loadArchTable(name, (specifier) => import(specifier));
        if (!loaded.ok) throw new CliError(`cannot load the ${name} table: ${loaded.message}`, ExitCode.usage);
        tables.set(name, loaded.table);
      }

      const host = createNodeHost();
      const cache = createParseCache();
      const compiled: Compiled[] = [];
      const show = (path: string): string => {
        const shown = relative(ctx.cwd, path);
        return shown === '' || shown.startsWith('..') ? path : shown;
      };
      files.forEach((file, index) => {
        const archName = archNames[index] ?? '';
        const table = tables.get(archName);
        if (table === undefined) return;
        const resolved = resolvePolicy(file, {
          host,
          cache,
          arch: table.name,
          denylist: compileOptions.denylist === true,
          includeMap: [...includeMap, ...defaultIncludeMap(file)],
        });
        for (const read of resolved.files) sources.set(show(read.path), read.text);
        const found: Diagnostic[] = [...resolved.diagnostics];
        const resolverFailed = resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
        const result = resolverFailed ? undefined : compilePolicy(resolved, table, compileOptions);
        if (result !== undefined) found.push(...result.diagnostics);
        diagnostics.push(...found.map((diagnostic) => ({ ...diagnostic, file: show(diagnostic.file), ...(diagnostic.related === undefined ? {} : { related: diagnostic.related.map((related) => ({ ...related, file: show(related.file) })) }) })));
        if (result?.program !== undefined && result.lowered !== undefined) {
          compiled.push({ file, arch: table, program: result.program, defaultAction: formatAction(result.lowered.defaultAction) });
        }
      });

      const errors = printDiagnostics(ctx, diagnostics, sources);
      if (errors > 0 || compiled.length !== files.length) {
        ctx.stderr('nothing written\n');
        setExit(ExitCode.policyError);
        return;
      }
      const output = resolve(ctx.cwd, options.output);
      const several = files.length > 1;
      for (const entry of compiled) {
        const name = basename(entry.file).replace(/\.policy$/, '');
        const target = several ? join(output, entry.arch.name, `${name}.${extensions[options.format]}`) : output;
        try {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, encode(entry, options.format, show(entry.file)));
        } catch (error) {
          const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unwritable';
          throw new CliError(`cannot write ${show(target)}: ${reason}`, ExitCode.io);
        }
        ctx.stdout(`${show(entry.file)} (${entry.arch.name}): ${entry.program.length} instructions → ${show(target)}\n`);
      }
    });
};
