// Public API of @syscage/include-resolver.
export type {
  IncludeSite,
  PolicyHost,
  ResolvedFile,
  ResolvedPolicy,
  ResolvedRule,
  ResolvedSyscall,
  RuleOrigin,
} from './types.js';
