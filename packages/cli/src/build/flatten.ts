/**
 * `syscage build --flatten`: next to each compiled program, the same policy as one self-contained
 * file for libminijail's run-time C parser (crosvm hands its text policies to that parser with
 * `--seccomp-log-failures`, and the parser refuses trees in which one syscall gets rules from
 * several files). Build writes the file only when it can stand behind it: the text is read back
 * through the `minijail-c` dialect checks, and, when build proves its programs, lowered again and
 * proved to give the compiled program's decision for every input. A policy that cannot be
 * flattened fails the build with the diagnostics that name its rules (SC4030–SC4034).
 */
import type { ArchTable } from '@syscage/arch-tables';
import {
  type BpfProgram,
  type CompileOptions,
  type DefaultActionOption,
  type LoweredPolicy,
  type SeccompAction,
  flattenPolicy,
  formatAction,
  lowerPolicy,
  verifyProgram,
} from '@syscage/bpf-codegen';
import { type ResolvedPolicy, createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import type { Diagnostic } from '@syscage/policy-parser';
import { buildDiagnostic } from './codes.js';

/** The comment that opens a flattened file: what it was made from, for which architecture. */
export function flattenComment(source: string, arch: string): string[] {
  return [`Flattened by syscage from ${source} for ${arch}; do not edit.`, 'One line per syscall for libminijail\'s run-time parser; regenerate it from the source policy.'];
}

/** A flattened policy build can write. */
export interface FlattenedOutput {
  /** The file's bytes (UTF-8 text). */
  readonly bytes: Uint8Array;
  /** Syscall lines written. */
  readonly lines: number;
  /** `proved` when its decisions were proved equal to the compiled program's. */
  readonly verified?: 'proved';
}

/** Options of {@link flattenForBuild}. */
export interface FlattenForBuildOptions {
  /** The options the program was compiled with (the flattened file must agree with them). */
  readonly compile: CompileOptions;
  /** The policy as the comment names it (`x86_64/foo.policy`). */
  readonly source: string;
  /** Prove the flattened file's decisions against the program. */
  readonly verify: boolean;
}

/** `--default-action` for an action, so the flattened file can be lowered with the program's default. */
function asDefaultActionOption(action: SeccompAction): DefaultActionOption {
  return action.kind === 'errno' ? { errno: action.errno ?? 0 } : action.kind;
}

/**
 * Flattens one compiled policy. Returns the output, or none with error diagnostics: the
 * flattener's refusals naming the rule, or SC9505/SC9506 when the text it produced is not
 * accepted by the `minijail-c` checks or not proved equal to the program (a bug in Syscage).
 */
export function flattenForBuild(
  resolved: ResolvedPolicy,
  table: ArchTable,
  compiled: { readonly program: BpfProgram; readonly lowered: LoweredPolicy },
  options: FlattenForBuildOptions,
): { readonly output?: FlattenedOutput; readonly diagnostics: readonly Diagnostic[] } {
  const flat = flattenPolicy(resolved, table, { ...options.compile, comment: flattenComment(options.source, table.name) });
  // Lowering diagnostics were already reported by the compile; keep only what flattening adds.
  const diagnostics = flat.diagnostics.filter((diagnostic) => /^SC403[0-4]$/.test(diagnostic.code));
  if (flat.text === undefined) return { diagnostics };
  const fail = (code: 'SC9505' | 'SC9506', message: string): { readonly diagnostics: readonly Diagnostic[] } => ({
    diagnostics: [...diagnostics, buildDiagnostic(code, `the flattened ${options.source}: ${message}; this is a bug in syscage, please report it`, resolved.entry)],
  });

  const path = `${resolved.entry}.flattened`;
  const reread = resolvePolicy(path, { host: createMemoryHost({ [path]: flat.text }), dialect: 'minijail-c', arch: table.name });
  const rejected = reread.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (rejected.length > 0) {
    return fail('SC9505', `libminijail's run-time parser would reject it: ${rejected.map((diagnostic) => `${diagnostic.code} ${diagnostic.message} (line ${diagnostic.range.start.line})`).join('; ')}`);
  }
  let verified: 'proved' | undefined;
  if (options.verify) {
    // Where the file is loaded, the jail's failure action stands for the program's default action.
    const lowered = lowerPolicy(reread, table, { ...options.compile, defaultAction: asDefaultActionOption(compiled.lowered.defaultAction) });
    if (lowered.policy === undefined) return fail('SC9506', `it does not lower: ${lowered.diagnostics.map((diagnostic) => diagnostic.message).join('; ')}`);
    const verdict = verifyProgram(lowered.policy, compiled.program);
    if (verdict.result !== 'proved') {
      const why =
        verdict.result === 'undecided'
          ? `undecided (${verdict.reason})`
          : `syscall ${verdict.counterexample.input.nr} gets ${verdict.counterexample.expected.action} from it and ${verdict.counterexample.actual.action} from the program`;
      return fail('SC9506', `its decisions are not proved equal to the compiled program's (default ${formatAction(compiled.lowered.defaultAction)}): ${why}`);
    }
    verified = 'proved';
  }
  return {
    diagnostics,
    output: { bytes: new TextEncoder().encode(flat.text), lines: flat.lines, ...(verified === undefined ? {} : { verified }) },
  };
}
