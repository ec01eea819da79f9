// Public API of @syscage/jail-runner.
export { JailError, errnoName, jailStepCodes } from './errors.js';
export type { JailErrorDetails, JailStep } from './errors.js';
export { archTableFor, archTableForAudit, hostArchTable } from './tables.js';
export { hostArchName } from './host.js';
export { conditionFor, hasArgumentRule, notifyEverythingProgram, proposeRules, ruleArguments, withClone3Enosys } from './learn.js';
export { learnFromLogs, learnPolicy } from './learn-run.js';
export type { LearnOptions, LearnResult, LogLearnOptions, LogLearnResult, RecordedLog } from './learn-run.js';
export { argumentValue, learnLogCodes, parseAuditLog, parseStraceLog } from './logs.js';
export type { LearnLogCode, ParsedLog } from './logs.js';
export type { ProposeOptions, ProposedRule, Proposal } from './learn.js';
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
export { formatJailReport, formatObservedCalls, formatViolation } from './report.js';
export type { ViolationReportOptions } from './report.js';
export { adviseViolation } from './advice.js';
export type { JailPolicy } from './advice.js';
export { widenRule } from './widen.js';
export type { WidenRuleRequest, WidenedRule } from './widen.js';
export { readInstalledFilters } from './installed-filters.js';
export type { InstalledFilters, InstalledFiltersProblem } from './installed-filters.js';
