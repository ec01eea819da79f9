/**
 * Compiles a policy tree that the input layer (`loadPolicies` in `src/input.ts`) has found,
 * linted and resolved: every loaded policy of every selected architecture folder, each program
 * encoded in the chosen format. Nothing is read or written here (see `write.ts`), so tests and
 * other front ends can use the result.
 *
 * This is library logic that could move to a package of its own (it needs only the packages'
 * public APIs plus a `PolicyHost`); it lives in the CLI until a second user appears.
 */
import type { ArchTable } from '@syscage/arch-tables';
import {
  type AnalysisCache,
  type CompileOptions,
  type LoweredPolicy,
  type ProofCache,
  compilePolicy,
  createAnalysisCache,
  createProofCache,
  exportOciProfile,
  formatAction,
  ociProfileJson,
} from '@syscage/bpf-codegen';
import type { BpfProgram } from '@syscage/bpf-codegen';
import { type PolicyHost, lintReviewRules } from '@syscage/include-resolver';
import type { Diagnostic } from '@syscage/policy-parser';
import type { LoadedArchFolder, LoadedInput, LoadedPolicy, LoadedTree } from '../input.js';
import { type ProgramAnalysis, analyzeBuiltProgram } from './analysis.js';
import { buildDiagnostic } from './codes.js';
import { programCode, proofFailure, proofKey } from '../proof.js';
import { flattenForBuild } from './flatten.js';
import { type FilterFormat, encodeFilter, filterExtension } from '../filter-formats.js';

/** Output formats of `syscage build`. */
export type BuildFormat = FilterFormat;

/** File extension of each format. */
export const formatExtension = filterExtension;

/** Options of {@link buildPolicyTree}. */
export interface TreeBuildOptions {
  /** The tree as `loadPolicies` read it (`buildingBlocks: false`: only loaded policies are compiled). */
  readonly input: LoadedInput;
  /** The tree of `input` to build. */
  readonly tree: LoadedTree;
  /** Reads files (the hash of a file read from outside the tree is taken from its full text). */
  readonly host: PolicyHost;
  /** Canonical architecture names to build, or `all` for every folder of the tree. */
  readonly arches: 'all' | readonly string[];
  /** The default action and kill action (`--default-action`, `--kill-thread`), as every command derives them (`compileDefaults`). */
  readonly compile: Pick<CompileOptions, 'defaultAction' | 'useKillProcess'>;
  /** The compiler's size budget (`--size-budget`). @defaultValue the compiler's default */
  readonly sizeBudget?: number;
  readonly format: BuildFormat;
  /**
   * Prove every program against its policy before it is written (`--no-verify` turns it off); a
   * program that is not proved is not written and is reported as a compiler bug (SC9504).
   */
  readonly verify: boolean;
  /** SHA-256 of some bytes, as lower-case hex (injected so this module needs no `node:crypto`). */
  readonly sha256: (bytes: Uint8Array) => string;
  /**
   * Also write each policy flattened for libminijail's run-time parser (`--flatten`); a policy
   * that cannot be flattened fails. @defaultValue false
   */
  readonly flatten?: boolean;
  /** Also write each policy as an OCI container seccomp profile (`--export oci`); a policy the profile cannot express exactly fails. @defaultValue false */
  readonly exportOci?: boolean;
  /**
   * Run the reviewer's lint on every loaded policy (SC2050, SC2051: warnings); `--no-review-lint`
   * turns it off. @defaultValue false
   */
  readonly reviewLint?: boolean;
}

/** A source file a policy was built from. */
export interface BuiltSource {
  /** Absolute POSIX path. */
  readonly path: string;
  readonly role: 'entry' | 'include' | 'frequency';
  readonly sha256: string;
}

/** One loaded policy compiled for one architecture (or the reasons it was not). */
export interface BuiltPolicy {
  /** Canonical architecture name. */
  readonly arch: string;
  /** The architecture folder's name as it is in the tree. */
  readonly folder: string;
  /** File name without `.policy`. */
  readonly name: string;
  /** Absolute POSIX path of the loaded policy. */
  readonly entry: string;
  readonly ok: boolean;
  /** Every file that resolution read, in the order read. */
  readonly sources: readonly BuiltSource[];
  /** Parse, resolution, lowering and code generation diagnostics of this policy. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when the compiled program was not proved against its policy (a compiler bug). */
  readonly unproved?: boolean;
  /** Present when the policy compiled. */
  readonly result?: {
    /** `proved` when the program was proved against its policy; absent with `--no-verify`. */
    readonly verified?: 'proved';
    readonly program: BpfProgram;
    readonly defaultAction: string;
    /** The encoded output file. */
    readonly bytes: Uint8Array;
    readonly sha256: string;
    readonly analysis: ProgramAnalysis;
    /** The lowered policy, so that findings about the program can point at its rules. */
    readonly lowered: LoweredPolicy;
    /** The architecture table the program was compiled for. */
    readonly table: ArchTable;
    /** With `--export oci`: the policy as an OCI seccomp profile (JSON), and its number of entries. */
    readonly oci?: { readonly bytes: Uint8Array; readonly sha256: string; readonly entries: number };
    /** With `--flatten`: the policy as one file for libminijail's run-time parser. */
    readonly flattened?: {
      readonly bytes: Uint8Array;
      readonly sha256: string;
      readonly lines: number;
      /** `proved` when its decisions were proved equal to the program's. */
      readonly verified?: 'proved';
    };
  };
}

/** What {@link buildPolicyTree} produced. */
export interface TreeBuildResult {
  /** Naming-convention findings and problems with the tree's folders. */
  readonly treeDiagnostics: readonly Diagnostic[];
  /** Built policies, sorted by architecture folder then name. */
  readonly policies: readonly BuiltPolicy[];
  /** Architecture folders that were built: canonical name and folder name, sorted. */
  readonly archs: readonly { readonly arch: string; readonly folder: string }[];
  /** Text of every file read, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Why the selected architectures cannot be built at all (a usage problem). */
export interface MissingArch {
  readonly missingArch: string;
  readonly folders: readonly string[];
}

const encoder = new TextEncoder();

function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compiles the loaded policies of a tree (by name, `foo_device*` or `foo_process`, or any other
 * `.policy` file that has `@include` statements, as crosvm's tree has); building blocks are not
 * compiled. Returns `MissingArch` when a selected architecture has no folder in the tree.
 */
export function buildPolicyTree(options: TreeBuildOptions): TreeBuildResult | MissingArch {
  const { input, tree } = options;
  if (options.arches !== 'all') {
    for (const arch of options.arches) {
      if (!tree.archs.some((folder) => folder.arch === arch)) return { missingArch: arch, folders: tree.folders };
    }
  }
  const memo: BuildMemo = { proved: new Set(), analyses: new Map(), proofs: createProofCache(), shared: createAnalysisCache() };
  const hashSource = sourceHasher(options.sha256);
  const policies = input.policies
    .flatMap((policy) => (!policy.standalone && policy.folder !== undefined && tree.archs.includes(policy.folder) ? [buildOne(options, policy, policy.folder, memo, hashSource)] : []))
    .sort((a, b) => compareText(a.folder, b.folder) || compareText(a.name, b.name));
  const treeDiagnostics = [...input.diagnostics];
  if (policies.length === 0) {
    treeDiagnostics.push(
      buildDiagnostic('SC9503', `no loaded policy to build in ${tree.root} for ${options.arches === 'all' ? 'any architecture' : options.arches.join(', ')}`, tree.root),
    );
  }
  const archs = tree.archs.map(({ arch, folder }) => ({ arch, folder })).sort((a, b) => compareText(a.folder, b.folder));
  return { treeDiagnostics, policies, archs, sources: input.sources };
}

/**
 * Work a build does once per distinct program: the proofs it passed (by {@link proofKey}) and the
 * analyses it made (by program, architecture and call counts, all the analysis reads); and what
 * the proofs of different programs share.
 */
interface BuildMemo {
  readonly proved: Set<string>;
  /** What the proofs of different programs share (repeated rules and their compiled code). */
  readonly proofs: ProofCache;
  readonly analyses: Map<string, ProgramAnalysis>;
  /** What the analyses of different programs share (syscalls whose checks compile alike). */
  readonly shared: AnalysisCache;
}

function analysisOf(memo: BuildMemo, program: BpfProgram, lowered: LoweredPolicy, table: ArchTable): ProgramAnalysis {
  const key = JSON.stringify([table.name, programCode(program), lowered.syscalls.map((syscall) => [syscall.name, syscall.frequency])]);
  const known = memo.analyses.get(key);
  if (known !== undefined) return known;
  const analysis = analyzeBuiltProgram(program, lowered, table, memo.shared);
  memo.analyses.set(key, analysis);
  return analysis;
}

/** SHA-256 of a source file's text, by path; computed again only when the text differs. */
type SourceHasher = (path: string, text: string) => string;

/**
 * Shared blocks (`common_device.policy`, a `.frequency` file) are sources of most policies of
 * their folder: hash each once per build instead of once per policy that includes it.
 */
function sourceHasher(sha256: TreeBuildOptions['sha256']): SourceHasher {
  const known = new Map<string, { readonly text: string; readonly sha256: string }>();
  return (path, text) => {
    const seen = known.get(path);
    if (seen?.text === text) return seen.sha256;
    const hash = sha256(utf8(text));
    known.set(path, { text, sha256: hash });
    return hash;
  };
}

function buildOne(options: TreeBuildOptions, policy: LoadedPolicy, folder: LoadedArchFolder, memo: BuildMemo, hashSource: SourceHasher): BuiltPolicy {
  const { resolved, table, file: entry } = policy;
  const name = entry.slice(entry.lastIndexOf('/') + 1, -'.policy'.length);
  const builtSources: BuiltSource[] = resolved.files.map((file) => {
    // A file read from outside the tree comes back redacted for code frames: hash what it holds.
    const text = file.outside === true ? (options.host.readFile(file.path) ?? file.text) : file.text;
    return { path: file.path, role: file.role, sha256: hashSource(file.path, text) };
  });
  const base = { arch: folder.arch, folder: folder.folder, name, entry, sources: builtSources };
  const diagnostics: Diagnostic[] = [...policy.diagnostics, ...(options.reviewLint === true ? lintReviewRules(resolved) : [])];
  const failed = (): BuiltPolicy => ({ ...base, ok: false, diagnostics });
  if (table === undefined || diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return failed();

  const compiled = compilePolicy(resolved, table, {
    ...options.compile,
    ...(options.sizeBudget === undefined ? {} : { sizeBudget: options.sizeBudget }),
  });
  diagnostics.push(...compiled.diagnostics);
  const { program, lowered } = compiled;
  if (program === undefined || lowered === undefined || diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
    return failed();
  }
  const key = options.verify ? proofKey(lowered, program) : '';
  if (options.verify && !memo.proved.has(key)) {
    const failure = proofFailure(lowered, program, table, memo.proofs);
    if (failure === undefined) {
      memo.proved.add(key);
    } else {
      diagnostics.push(buildDiagnostic('SC9504', `the compiled program is not proved against the policy: ${failure}; this is a compiler bug, please report it`, entry));
      return { ...failed(), unproved: true };
    }
  }
  let flattened: NonNullable<BuiltPolicy['result']>['flattened'];
  if (options.flatten === true) {
    const flat = flattenForBuild(resolved, table, { program, lowered }, {
      compile: options.compile,
      source: `${folder.folder}/${name}.policy`,
      verify: options.verify,
    });
    diagnostics.push(...flat.diagnostics);
    if (flat.output === undefined) return failed();
    flattened = { ...flat.output, sha256: options.sha256(flat.output.bytes) };
  }
  let oci: NonNullable<BuiltPolicy['result']>['oci'];
  if (options.exportOci === true) {
    const exported = exportOciProfile([lowered]);
    diagnostics.push(...exported.diagnostics);
    if (exported.profile === undefined) return failed();
    const text = new TextEncoder().encode(`${ociProfileJson(exported.profile)}\n`);
    oci = { bytes: text, sha256: options.sha256(text), entries: exported.profile.syscalls.length };
  }
  const bytes = encodeOutput(options.format, program, lowered, table, folder.folder, name);
  return {
    ...base,
    ok: true,
    diagnostics,
    result: {
      ...(options.verify ? { verified: 'proved' as const } : {}),
      program,
      defaultAction: formatAction(lowered.defaultAction),
      bytes,
      sha256: options.sha256(bytes),
      analysis: analysisOf(memo, program, lowered, table),
      lowered,
      table,
      ...(flattened === undefined ? {} : { flattened }),
      ...(oci === undefined ? {} : { oci }),
    },
  };
}

function encodeOutput(
  format: BuildFormat,
  program: BpfProgram,
  lowered: LoweredPolicy,
  table: ArchTable,
  folder: string,
  name: string,
): Uint8Array {
  const encoded = encodeFilter(program, format, {
    arch: table,
    headerName: `${name}_${table.name}`,
    generatedBy: `Generated by syscage build from ${folder}/${name}.policy; do not edit.`,
    policy: `${folder}/${name}.policy`,
    defaultAction: formatAction(lowered.defaultAction),
  });
  return typeof encoded === 'string' ? utf8(encoded) : encoded;
}
