/**
 * Stable diagnostic codes of this package: SC2xxx for resolution, merging and dialect checks,
 * SC3xxx for the policy-tree naming convention. A code is never reused for another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes, fileStartRange } from '@syscage/policy-parser';

/** Every code this package reports, with its meaning. */
export const resolverDiagnosticCodes = defineCodes({
  SC2001: { name: 'unreadable-entry', severity: 'error', summary: 'The top-level policy file cannot be read.' },
  SC2002: { name: 'missing-include', severity: 'error', summary: 'An @include names a file that does not exist.' },
  SC2003: { name: 'include-too-deep', severity: 'error', summary: 'An @include is nested deeper than the depth limit.' },
  SC2004: { name: 'include-cycle', severity: 'error', summary: 'An @include leads back to a file that is already being included.' },
  SC2005: { name: 'missing-frequency-file', severity: 'error', summary: 'An @frequency names a file that does not exist.' },
  SC2006: { name: 'repeated-include', severity: 'warning', summary: 'A file is included more than once, so its rules are merged twice.' },
  SC2007: { name: 'include-budget', severity: 'error', summary: 'The include graph expands to more inclusions than the resolver follows.' },
  SC2010: { name: 'rule-after-unconditional', severity: 'error', summary: 'A rule follows an unconditional rule for the same syscall (Minijail rejects the policy).' },
  SC2011: { name: 'dropped-by-allow', severity: 'warning', summary: 'A conditional rule is dropped because the syscall ends with an unconditional allow.' },
  SC2012: { name: 'shadowed-rule', severity: 'warning', summary: 'A conditional rule never matches first: earlier rules match every call it matches.' },
  SC2013: { name: 'arch-specific-conflict', severity: 'warning', summary: 'A merge conflict that occurs only when compiling for the named architecture.' },
  SC2020: { name: 'denylist-without-flag', severity: 'error', summary: 'A file declares @denylist but the policy is not compiled in denylist mode.' },
  SC2021: { name: 'flag-without-denylist', severity: 'error', summary: 'Denylist mode is requested but a file lacks the @denylist header.' },
  SC2022: { name: 'denylist-non-return', severity: 'error', summary: 'In denylist mode every written action must be `return`.' },
  SC2030: { name: 'c-nested-include', severity: 'error', summary: 'libminijail accepts @include only in the loaded file (one level).' },
  SC2031: { name: 'c-trailing-comment', severity: 'error', summary: 'libminijail accepts comments only on lines of their own.' },
  SC2032: { name: 'c-action-word', severity: 'error', summary: 'libminijail knows only `1` and `return N` as actions.' },
  SC2033: { name: 'c-brace-list', severity: 'error', summary: 'libminijail does not accept `{…}` lists of syscalls or filters.' },
  SC2034: { name: 'c-metadata', severity: 'error', summary: 'libminijail does not accept `[…]` metadata.' },
  SC2035: { name: 'c-syscall-group', severity: 'error', summary: 'libminijail does not accept `name@group` syscall groups.' },
  SC2036: { name: 'c-comparison-spacing', severity: 'error', summary: 'libminijail needs `argN OP VALUE` as three words separated by spaces, with no space inside VALUE.' },
  SC2037: { name: 'c-leading-zero-decimal', severity: 'error', summary: 'libminijail reads a leading 0 as octal, so `08`/`09` are invalid there.' },
  SC2038: { name: 'c-negative-return', severity: 'error', summary: 'libminijail rejects a negative `return` value.' },
  SC2039: { name: 'c-duplicate-syscall', severity: 'error', summary: 'libminijail rejects a syscall named on more than one line.' },
  SC2040: { name: 'c-default', severity: 'error', summary: 'libminijail does not accept @default.' },
  SC2041: { name: 'c-denylist', severity: 'error', summary: 'libminijail does not accept @denylist.' },
  SC2042: { name: 'c-frequency-ignored', severity: 'warning', summary: 'libminijail ignores @frequency.' },
  SC2043: { name: 'c-relative-include', severity: 'warning', summary: 'libminijail resolves `./` include paths against the working directory, not the including file.' },
  SC2044: { name: 'c-include-spacing', severity: 'error', summary: 'libminijail needs exactly one space between @include and its path.' },
  SC2045: { name: 'include-outside-root', severity: 'error', summary: "An @include or @frequency leads outside the loaded policy's folder (or tree) and every include-map target." },
  SC2046: { name: 'not-a-policy', severity: 'error', summary: 'An included or loaded file is not a policy (or frequency) file at all; one error stands for all its lines.' },
  SC2047: { name: 'c-conditional-action', severity: 'error', summary: 'After a condition libminijail accepts only `; return N` (see SC2052), no other action.' },
  SC2050: { name: 'dangerous-syscall-uncommented', severity: 'warning', summary: 'A dangerous syscall is allowed without a comment on the line above saying why (Minijail’s seccomp_policy_lint check).' },
  SC2051: { name: 'conditional-rules-in-several-places', severity: 'warning', summary: 'A syscall gets conditional rules on more than one line; libminijail’s C parser rejects the policy.' },
  SC2052: { name: 'c-conditional-return', severity: 'warning', summary: 'libminijail reads `CONDITION; return N` as "allow on a match, errno N for every other call" (and so does Syscage in the minijail-c dialect); Minijail’s Python compiler reads the same text the other way round, so the file must not be compiled with it.' },
  SC2053: { name: 'unreadable-include', severity: 'error', summary: 'An @include or @frequency names a path that exists but cannot be read: a symbolic link loop, a folder, a file without read permission.' },
  SC3001: { name: 'no-role', severity: 'error', summary: 'A file in a policy tree fits no role of the naming convention.' },
  SC3002: { name: 'block-includes', severity: 'error', summary: 'A building block includes another file.' },
  SC3003: { name: 'missing-block', severity: 'error', summary: 'A loaded policy does not include a building block its name promises.' },
  SC3004: { name: 'no-device-block', severity: 'error', summary: 'A loaded policy has no device building block to include: its rules are written inline.' },
  SC3005: { name: 'unpromised-include', severity: 'error', summary: 'A loaded policy includes a file its name does not promise.' },
  SC3006: { name: 'includes-loaded-policy', severity: 'error', summary: 'A file includes a loaded policy.' },
  SC3007: { name: 'unused-block', severity: 'error', summary: 'A building block is included by no loaded policy.' },
  SC3008: { name: 'variant-mismatch', severity: 'error', summary: "A device's set of loaded policies differs between architectures." },
  SC3009: { name: 'include-outside-folder', severity: 'error', summary: 'A file includes a file outside its own architecture folder.' },
  SC3010: { name: 'unlistable-tree', severity: 'error', summary: 'The policy tree folder cannot be listed.' },
  SC3011: { name: 'process-includes', severity: 'error', summary: 'A process policy (`foo_process.policy`) includes another file.' },
  SC3012: { name: 'unreadable-tree-entry', severity: 'error', summary: 'An entry of the policy tree cannot be followed to tell what it is (a symbolic link loop); it is left out.' },
} as const);

/** A code reported by this package. */
export type ResolverDiagnosticCode = keyof typeof resolverDiagnosticCodes;

/** An empty range at the start of a file (the toolchain's one definition, from policy-parser). */
export { fileStartRange };

/** Builds a diagnostic with the code's severity unless one is given (lint levels). */
export const makeDiagnostic: DiagnosticBuilder<ResolverDiagnosticCode> = createDiagnosticBuilder(resolverDiagnosticCodes);
