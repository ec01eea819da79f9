/**
 * The resolver's boundary types: how files are read (PolicyHost) and what a resolved policy is.
 * Code generation consumes ResolvedPolicy and nothing else from this package.
 */
import type {
  Action,
  Diagnostic,
  Filter,
  SourceRange,
  SyscallDescriptor,
} from '@syscage/policy-parser';

/**
 * File access for the resolver. Paths are POSIX-style absolute paths (`/a/b.policy`); the
 * resolver joins and normalises them itself, so a host only reads. Implementations: the
 * in-memory host (tests, browsers) and the Node host on the `/node` entry.
 */
export interface PolicyHost {
  /**
   * The file's text, or `undefined` when it cannot be read (missing, not a regular file, a
   * symbolic link loop, no permission); {@link PolicyHost.fileProblem} says which.
   */
  readFile(path: string): string | undefined;
  /**
   * Why {@link PolicyHost.readFile} or {@link PolicyHost.listDirectory} gave `undefined` for this
   * path, as a {@link HostFileProblem}; `undefined` when the host cannot tell. Diagnostics name the
   * reason ("a symbolic link loop (ELOOP)") instead of calling every failure a missing file. A
   * host without such failures (the in-memory host) leaves it out: a path it cannot read is missing.
   */
  fileProblem?(path: string): HostFileProblem | undefined;
  /**
   * The entries of a directory, or `undefined` when it does not exist. Only needed to lint a
   * policy tree (`lintPolicyTree` on the main entry); resolving a single policy never lists directories.
   */
  listDirectory?(path: string): readonly DirectoryEntry[] | undefined;
  /**
   * Where a path really leads, with every symbolic link followed, or `undefined` when it does not
   * exist. Lets the resolver refuse an include that leaves the allowed folders through a link;
   * a host without links (the in-memory host) leaves it out.
   */
  realPath?(path: string): string | undefined;
}

/**
 * Why a host could not read a file or list a folder, in errno terms: `ENOENT` no such file,
 * `ENOTDIR` a path through something that is not a folder, `ELOOP` a symbolic link loop (or too
 * many links), `EACCES` no permission, `EISDIR` a folder where a file was expected,
 * `ENAMETOOLONG` a name too long, `not-regular` neither a file nor a folder (a FIFO, a device),
 * `EIO` any other failure.
 */
export type HostFileProblem = 'ENOENT' | 'ENOTDIR' | 'ELOOP' | 'EACCES' | 'EISDIR' | 'ENAMETOOLONG' | 'not-regular' | 'EIO';

/** One entry of a directory listing. */
export interface DirectoryEntry {
  /** The entry's name (no slashes). */
  readonly name: string;
  /** True for a directory, false for a file. */
  readonly isDirectory: boolean;
  /**
   * Set when the entry cannot be followed to tell what it is (a symbolic link loop: `ELOOP`);
   * the tree lint reports it (SC3012) instead of reading it as a file.
   * @defaultValue none: the entry is a file or a folder as `isDirectory` says
   */
  readonly problem?: HostFileProblem;
}

/** One `@include` (or `@frequency`) site on the way from the top-level file to a rule. */
export interface IncludeSite {
  /** The including file. */
  readonly file: string;
  /** Range of the `@include` statement in that file. */
  readonly range: SourceRange;
}

/** Where a rule came from. */
export interface RuleOrigin {
  /** The file that holds the rule. */
  readonly file: string;
  /** Range of the whole filter statement. */
  readonly range: SourceRange;
  /** Range of the statement's colon (Minijail reports merge errors there). */
  readonly colonRange: SourceRange;
  /** Include sites from the top-level file down to `file` (empty for the top-level file). */
  readonly includeChain: readonly IncludeSite[];
}

/** One filter that applies to a syscall, with the descriptor that named it. */
export interface ResolvedRule {
  /** The descriptor as written (it carries `[arch=…]` metadata, applied per architecture). */
  readonly descriptor: SyscallDescriptor;
  /** The filter after the colon: an argument expression with its action, or a bare action. */
  readonly filter: Filter;
  /** The file, statement and include chain the rule came from, for diagnostics. */
  readonly origin: RuleOrigin;
}

/** All rules for one syscall name (or one `name@group`), in file order across includes. */
export interface ResolvedSyscall {
  /** Syscall name, or the name part of `name@group`. */
  readonly name: string;
  /** Group namespace for `name@group` descriptors; kept symbolic. */
  readonly group?: string;
  /** Rules in the order Minijail evaluates them (first match wins). */
  readonly rules: readonly ResolvedRule[];
}

/** A file that took part in the resolution. */
export interface ResolvedFile {
  /** Normalised absolute path the file was read from (after the include map). */
  readonly path: string;
  /** The file's full text as the host returned it; diagnostics' ranges index into it. */
  readonly text: string;
  /** How the file was reached: `entry`, `include` or `frequency`. */
  readonly role: 'entry' | 'include' | 'frequency';
  /**
   * The `@include`/`@frequency` sites from the top-level file down to this one (empty for the
   * entry), outermost first. A file reached twice keeps the chain of its first read.
   */
  readonly includeChain: readonly IncludeSite[];
  /**
   * True for a file read from outside the allowed include roots (only with
   * `allowIncludesOutside`). Its {@link ResolvedFile.text} is then redacted: blank except the
   * offending token of each of its parse diagnostics, so no code frame prints its content.
   */
  readonly outside?: boolean;
}

/** A policy with its includes followed and rules merged per syscall. */
export interface ResolvedPolicy {
  /** The top-level file. */
  readonly entry: string;
  /** From the last `@default`, with where it was written; absent when none was given. */
  readonly defaultAction?: { readonly action: Action; readonly origin: RuleOrigin };
  /** True when the policy declares `@denylist`. */
  readonly denylist: boolean;
  /** Syscalls in order of first appearance. */
  readonly syscalls: readonly ResolvedSyscall[];
  /**
   * Merged `@frequency` counts, per descriptor text (`read`, `io@libc`). Entries with `[arch=…]`
   * metadata are counted only when `resolvePolicy` was given a matching `arch`; use
   * {@link frequenciesForArch} for another architecture.
   */
  readonly frequencies: ReadonlyMap<string, bigint>;
  /** Every file read, in the order first read. */
  readonly files: readonly ResolvedFile[];
  /** Everything found wrong, from every file; errors mean the policy must not be compiled. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Every `@frequency` entry, with its descriptor (whose `[arch=…]` metadata
   * {@link frequenciesForArch} applies). Absent in hand-built policies.
   */
  readonly frequencyEntries?: readonly ResolvedFrequencyEntry[];
  /** Every `@denylist` statement, in file order (Minijail checks the header per file). */
  readonly denylistDeclarations?: readonly { readonly file: string; readonly range: SourceRange }[];
  /** Every `@include` followed or attempted, in file order. */
  readonly includes?: readonly ResolvedInclude[];
  /** The architecture the merge checks were made for, when `resolvePolicy` was given one. */
  readonly arch?: string;
}

/** One `descriptor : count` line of a frequency file reached through `@frequency`. */
export interface ResolvedFrequencyEntry {
  /** The syscall the count is for, as written, including any `[arch=…]` metadata. */
  readonly descriptor: SyscallDescriptor;
  /**
   * How often the syscall is expected to be made, relative to the other entries (a unitless
   * weight; code generation orders checks by it). Counts for the same descriptor add up.
   */
  readonly count: bigint;
  /** The frequency file. */
  readonly file: string;
  /** Range of the whole `descriptor : count` line in {@link ResolvedFrequencyEntry.file}. */
  readonly range: SourceRange;
}

/** One `@include` statement and what it led to. */
export interface ResolvedInclude {
  /** The including file. */
  readonly file: string;
  /** Range of the `@include` statement. */
  readonly range: SourceRange;
  /** The path as written. */
  readonly written: string;
  /** The normalised path it maps to (after the include map). */
  readonly target: string;
  /** True when the file was read and followed. */
  readonly followed: boolean;
}
