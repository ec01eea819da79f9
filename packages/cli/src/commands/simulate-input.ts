/**
 * Inputs shared by `disasm`, `simulate`, `stats`, `explain` and `diff`: an architecture table by
 * name, a program from a raw `.bpf` file or compiled from a `.policy` file or an OCI profile (`.json`), a syscall given by
 * name or number, and argument values given as numbers or the architecture's constant names.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type ArchTable, knownArchNames, loadArchTable, resolveArchName, suggestName } from '@syscage/arch-tables';
import { type BpfProgram, type LoweredPolicy, type ProgramDiagnostic, compilePolicy, identifyProgram, validateProgram } from '@syscage/bpf-codegen';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import type { Diagnostic, SourceRange } from '@syscage/policy-parser';
import { type CliContext, CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicies } from '../input.js';
import { type PolicyInputOptions, compileDefaults, parseIncludeMap, resolveArchOption } from '../options.js';
import { importProfileFile, isOciProfilePath } from '../oci-input.js';
import { printDiagnostics, showPath } from '../output.js';

/** Options every program-reading command accepts. */
export interface ProgramInputOptions extends PolicyInputOptions {
  readonly arch?: string;
}

/** A program ready for the tools. */
export interface ProgramInput {
  readonly file: string;
  /** The path as the user should see it (relative to the working directory when inside it). */
  readonly shown: string;
  /** A raw program, a compiled policy, or an OCI profile compiled through the policy it imports to. */
  readonly kind: 'bpf' | 'policy' | 'profile';
  readonly program: BpfProgram;
  readonly arch: ArchTable;
  /** The lowered policy, for `.policy` inputs (the reference semantics run on it). */
  readonly lowered?: LoweredPolicy;
  /** Texts of the files read, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  /** The resolved policy, for `.policy` inputs (where its `@default` is, for instance). */
  readonly resolved?: ResolvedPolicy;
  /** For a profile: where in it the entry behind a line of its imported policy is. */
  readonly entryAt?: (policyLine: number) => SourceRange | undefined;
}

function readBytes(path: string, absolute: string): Uint8Array {
  try {
    return readFileSync(absolute);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new CliError(`cannot read ${path}: ${reason}`, ExitCode.io);
  }
}

/**
 * The table of the architecture a raw program checks for (the value of its first comparison of
 * `seccomp_data.arch`), for a `.bpf` given without `--arch`.
 */
async function archOfProgram(ctx: CliContext, path: string): Promise<ArchTable> {
  const absolute = resolve(ctx.cwd, path);
  const identified = identifyProgram(readBytes(path, absolute));
  if (!identified.ok) throw new CliError(`${showPath(ctx, absolute)}: ${identified.diagnostic.message}`, ExitCode.policyError);
  const { auditArch } = identified;
  if (auditArch !== undefined) {
    for (const name of knownArchNames) {
      const loaded = await loadArchTable(name, (specifier) => import(specifier));
      if (loaded.ok && loaded.table.auditArch === auditArch && loaded.table.endianness === identified.byteOrder) return loaded.table;
    }
  }
  const why = auditArch === undefined ? 'it compares no architecture' : `no known architecture has AUDIT_ARCH ${hex(auditArch)}`;
  throw new CliError(`cannot tell the architecture of ${showPath(ctx, absolute)} (${why}); pass --arch`, ExitCode.usage);
}

/**
 * Loads the table `--arch` names; without it, a policy's parent folder's name, or for a raw
 * program the architecture its first comparison of `seccomp_data.arch` tests.
 */
export async function loadArch(ctx: CliContext, option: string | undefined, file?: string): Promise<ArchTable> {
  if (option === undefined && file !== undefined && !file.endsWith('.policy') && !isOciProfilePath(file)) return archOfProgram(ctx, file);
  const name = option ?? (file === undefined ? undefined : basename(dirname(resolve(ctx.cwd, file))));
  if (name === undefined) throw new CliError('--arch is required (e.g. --arch x86_64)', ExitCode.usage);
  if (option === undefined && !resolveArchName(name).ok) throw new CliError(`cannot tell the architecture from the folder name '${name}'; pass --arch`, ExitCode.usage);
  const canonical = resolveArchOption(name);
  const loaded = await loadArchTable(canonical, (specifier) => import(specifier));
  if (!loaded.ok) throw new CliError(`cannot load the ${canonical} table: ${loaded.message}`, ExitCode.usage);
  return loaded.table;
}

/** A program problem as a toolchain diagnostic (the range points at the instruction's bytes). */
export function programDiagnostic(file: string, problem: ProgramDiagnostic): Diagnostic {
  const offset = (problem.pc ?? 0) * 8;
  const position = { line: 1, column: offset + 1, offset };
  return {
    code: problem.code,
    severity: problem.severity,
    message: problem.pc === undefined ? problem.message : `instruction ${problem.pc}: ${problem.message}`,
    file,
    range: { start: position, end: position },
  };
}

/**
 * Reads a `.bpf` file (decoded in the architecture's byte order) or compiles a `.policy` file.
 * Problems are printed as diagnostics; returns `undefined` (exit code 1 set) when there is no
 * program to work on. A `.bpf` program the kernel would reject is still returned, with its
 * problems printed as errors and exit code 1.
 */
export async function readProgramInput(
  ctx: CliContext,
  path: string,
  arch: ArchTable,
  options: ProgramInputOptions,
  setExit: (code: number) => void,
): Promise<ProgramInput | undefined> {
  const file = resolve(ctx.cwd, path);
  const shown = showPath(ctx, file);
  if (isOciProfilePath(file)) return readProfileInput(ctx, path, arch, options, setExit);
  if (!file.endsWith('.policy')) {
    // Something that is not a program at all (an executable, a text file) is one error with
    // its reason, not one per meaningless record.
    const identified = identifyProgram(readBytes(path, file), { byteOrder: arch.endianness });
    if (!identified.ok) {
      printDiagnostics(ctx, [programDiagnostic(shown, identified.diagnostic)], new Map());
      setExit(ExitCode.policyError);
      return undefined;
    }
    const problems = validateProgram(identified.program);
    if (problems.length > 0) {
      printDiagnostics(ctx, problems.map((problem) => programDiagnostic(shown, problem)), new Map());
      setExit(ExitCode.policyError);
    }
    return { file, shown, kind: 'bpf', program: identified.program, arch, sources: new Map() };
  }
  const compileOptions = compileDefaults(options);
  const loaded = await loadPolicies({ paths: [file], cwd: ctx.cwd, arch: arch.name, includeMap: parseIncludeMap(ctx.cwd, options.includeMap), allowIncludesOutside: options.allowOutsideIncludes === true, trees: false });
  const resolved = loaded.policies[0]?.resolved;
  if (resolved === undefined) return undefined;
  const sources = new Map<string, string>();
  for (const [read, text] of loaded.sources) sources.set(showPath(ctx, read), text);
  const failed = resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  const result = failed ? undefined : compilePolicy(resolved, arch, compileOptions);
  const diagnostics = [...resolved.diagnostics, ...(result?.diagnostics ?? [])].map((diagnostic) => ({ ...diagnostic, file: showPath(ctx, diagnostic.file) }));
  const errors = printDiagnostics(ctx, diagnostics, sources);
  if (errors > 0 || result?.program === undefined || result.lowered === undefined) {
    setExit(ExitCode.policyError);
    return undefined;
  }
  return { file, shown, kind: 'policy', program: result.program, arch, lowered: result.lowered, sources, resolved };
}

/**
 * An OCI profile (`.json`) imported for the architecture and compiled with its own default
 * action: what `explain`, `diff` and `audit` read for a container profile.
 */
function readProfileInput(ctx: CliContext, path: string, arch: ArchTable, options: ProgramInputOptions, setExit: (code: number) => void): ProgramInput | undefined {
  const show = (file: string): string => showPath(ctx, file);
  const imported = importProfileFile(ctx, path, arch, {}, show);
  const result = imported.resolved === undefined || imported.defaultAction === undefined ? undefined : compilePolicy(imported.resolved, arch, { ...compileDefaults(options), defaultAction: imported.defaultAction });
  const errors = printDiagnostics(ctx, [...imported.diagnostics, ...(result?.diagnostics ?? []).map((diagnostic) => ({ ...diagnostic, file: show(diagnostic.file) }))], imported.sources);
  if (errors > 0 || result?.program === undefined || result.lowered === undefined || imported.resolved === undefined) {
    setExit(ExitCode.policyError);
    return undefined;
  }
  return {
    file: imported.file,
    shown: show(imported.file),
    kind: 'profile',
    program: result.program,
    arch,
    lowered: result.lowered,
    sources: imported.sources,
    resolved: imported.resolved,
    ...(imported.entryAt === undefined ? {} : { entryAt: imported.entryAt }),
  };
}

/** A syscall given by name or number (`read`, `0`, `0x3b`). */
export function parseSyscall(arch: ArchTable, text: string): { readonly nr: number; readonly name: string | undefined } {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    const nr = Number(text);
    const name = Object.entries(arch.syscalls).find(([, number]) => number === nr)?.[0];
    return { nr, name };
  }
  const nr = arch.syscalls[text];
  if (nr === undefined) {
    const suggestion = suggestName(text, Object.keys(arch.syscalls));
    throw new CliError(`--syscall ${text}: no such syscall on ${arch.name}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`, ExitCode.usage);
  }
  return { nr, name: text };
}

/**
 * Argument values: a comma-separated list of up to six values, each a number (decimal, `0x…`,
 * `0o…`, `0b…`, or negative, taken modulo 2^bits) or constant names of the architecture joined
 * with `|` (`PROT_READ|PROT_WRITE`).
 */
export function parseArgs(arch: ArchTable, text: string | undefined): bigint[] {
  if (text === undefined || text.trim() === '') return [];
  const values = text.split(',').map((part) => part.trim());
  if (values.length > 6) throw new CliError(`--args: at most 6 arguments, got ${values.length}`, ExitCode.usage);
  return values.map((value, index) => {
    let result = 0n;
    for (const term of value.split('|').map((t) => t.trim())) {
      if (/^-?(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(term)) {
        const negative = term.startsWith('-');
        const magnitude = BigInt(negative ? term.slice(1) : term);
        result |= BigInt.asUintN(arch.bits, negative ? -magnitude : magnitude);
        continue;
      }
      const constant = arch.constants[term];
      if (constant === undefined) {
        const suggestion = suggestName(term, Object.keys(arch.constants));
        throw new CliError(`--args: argument ${index} '${term}' is neither a number nor a ${arch.name} constant${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`, ExitCode.usage);
      }
      result |= constant;
    }
    return result;
  });
}

/** Formats a 64-bit value as hex. */
export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}
