// Public API of @syscage/jail-runner.
export { JailError, errnoName } from './errors.js';
export type { JailStep } from './errors.js';
export { runJailed, startJailed } from './run.js';
export type {
  JailOptions,
  JailResult,
  JailedProcess,
  ObservedCall,
  StdioEntry,
  SyscallId,
  Violation,
} from './run.js';
export type { JailMode } from './modes.js';
export { programForMode } from './modes.js';
export { parseSeccompAuditRecord } from './kernel-log.js';
export type { SeccompAuditRecord } from './kernel-log.js';
