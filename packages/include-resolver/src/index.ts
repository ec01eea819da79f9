// Public API of @syscage/include-resolver.
export type {
  DirectoryEntry,
  HostFileProblem,
  IncludeSite,
  PolicyHost,
  ResolvedFile,
  ResolvedFrequencyEntry,
  ResolvedInclude,
  ResolvedPolicy,
  ResolvedRule,
  ResolvedSyscall,
  RuleOrigin,
} from './types.js';
export { checkDenylistMode, createParseCache, resolvePolicy } from './resolve.js';
export type { ParseCache, ResolveOptions } from './resolve.js';
export { checkSyscallRules } from './merge-checks.js';
export {
  canonicalArchName,
  descriptorAppliesTo,
  descriptorKey,
  frequenciesForArch,
  syscallsForArch,
} from './arch-filter.js';
export type { Dialect } from './dialect-c.js';
export { applyIncludeMap, crosvmInstallPrefix, defaultIncludeMap, resolveIncludePath } from './include-map.js';
export type { IncludeMapping } from './include-map.js';
export { createMemoryHost } from './memory-host.js';
export { basename, describeFileProblem, dirname, joinPath, normalizePath } from './paths.js';
export { resolverDiagnosticCodes } from './codes.js';
export { dangerousSyscall, dangerousSyscalls, isDevicePolicyName } from './dangerous-syscalls.js';
export type { DangerousSyscall, DangerousSyscallKind } from './dangerous-syscalls.js';
export { lintReviewRules } from './review-lint.js';
export type { ReviewLintOptions } from './review-lint.js';
export type { ResolverDiagnosticCode } from './codes.js';
export { classifyPolicyFileName, lintPolicyTree } from './tree.js';
export type {
  LintLevel,
  LintTreeOptions,
  PolicyRole,
  Transport,
  TreeArch,
  TreeFile,
  TreeLintResult,
} from './tree.js';
