// Public API of @syscage/bpf-codegen.
export type { BpfProgram, SockFilter } from './types.js';

// Program tools: raw .bpf, validation, emulation (see README "Program tools").
export { decodeProgram, encodeProgram, SOCK_FILTER_SIZE } from './decode.js';
export type { DecodedProgram, RawBpfOptions } from './decode.js';
export { identifyProgram } from './identify.js';
export type { IdentifyOptions, ProgramIdentification } from './identify.js';
export { ProgramDiagnosticCode, isClassicOpcode, isSeccompOpcode, validateProgram } from './validate.js';
export type { ProgramDiagnostic } from './validate.js';
export { emulate, seccompActionName, seccompDataWord } from './emulate.js';
export type {
  EmulationFailure,
  EmulationOptions,
  EmulationResult,
  EmulationSuccess,
  SeccompActionName,
  SeccompData,
} from './emulate.js';

// Compiler: lowering, planning, emission, assembly, encoders, reference semantics (see README "Compiler").
export { compilePolicy, generateProgram } from './compile.js';
export type { CodegenResult, CompileResult, CompileStats, GenerateOptions } from './compile.js';
export { invalidNumberAction, lowerArch, lowerPolicy } from './lower.js';
export type {
  LoweredArch,
  LoweredComparison,
  LoweredFallback,
  LoweredFilter,
  LoweredPolicy,
  LoweredSyscall,
  LowerResult,
} from './lower.js';
export { actionReturnValue, defaultSizeBudget, formatAction, isPermissive, maxErrno, parseDefaultActionOption } from './options.js';
export type {
  CompileOptions,
  DefaultActionOption,
  SeccompAction,
  SeccompActionKind,
} from './options.js';
export { joinFilters, optimizationPasses, resolvePasses } from './passes.js';
export type { OptimizationPasses, PassDescription, PassName, ResolvedPasses } from './passes.js';
export { buildSegments, chainFormTests, defaultMaxChainTests, defaultPlanWeights, mergeRanges, planDispatch, smallestDispatchTests } from './plan.js';
export { typicalFrequencyProfile } from './frequency-profile.js';
export type { ChainTest, DispatchTree, Outcome, PlanSettings, PlanWeights, Segment } from './plan.js';
export { encodeCHeader, encodeJson } from './encode.js';
export type { CHeaderOptions, ProgramJsonMetadata } from './encode.js';
export { evaluateComparison, evaluatePolicy, evaluateSyscall, findSyscall, isValidNumber } from './reference.js';
export type { Decision, ReferenceResult, SyscallInput } from './reference.js';
export { codegenDiagnosticCodes } from './codes.js';
export type { CodegenDiagnosticCode } from './codes.js';
export { relatedSyscallNames } from './names.js';
export { cacheAllowed, cacheCheck } from './cache.js';
export type { CacheCheckResult, CacheVerdict } from './cache.js';
export { auditArchName, disassemble, formatDisassembly, formatReturnValue, seccompFieldName } from './disasm.js';
export type { DisassembleOptions, DisassembledInstruction } from './disasm.js';
export { analyzeProgram, analyzeSyscall, argumentSamples, createAnalysisCache, defaultSyscallNumbers, unreachableInstructions } from './analyze.js';
export type { AnalysisCache, AnalyzeOptions, ProgramAnalysis, SyscallAnalysis, SyscallVerdict } from './analyze.js';
export { explorePaths, solveWord, witnessOf } from './analyze-paths.js';
export { auditDiagnosticSeverity, auditFindingCodes, auditProgram, auditSeverities, auditSeverityAtLeast, createAuditCache } from './audit.js';
export type { AuditCache, AuditExample, AuditFinding, AuditFindingCode, AuditFindingInfo, AuditOptions, AuditReport, AuditSeverity } from './audit.js';
export { acknowledgeAuditFindings, auditAcknowledgementsAbove } from './audit-ack.js';
export type { AcknowledgedFinding, AuditAcknowledgement } from './audit-ack.js';
export { kernelUnfilteredNote, kernelUnfilteredSyscall, kernelUnfilteredSyscalls } from './kernel-facts.js';
export type { KernelUnfilteredSyscall } from './kernel-facts.js';
export type { ExploreOptions, PathExploration, PathOutcome, WordCondition } from './analyze-paths.js';
// Exact verification: a program (or a stack) against a policy or another program, for every input (see README "Verification").
export { normalizeReturnValue, verifyEquivalent, verifyProgram, verifyWithin } from './verify.js';
// Exact differences between two sides, per syscall, as conditions on the arguments (`syscage diff`).
export { diffDecisions } from './verify-diff.js';
export { createProofCache, proveProgram } from './verify-syscall.js';
export type { ProofCache, ProofCacheOptions } from './verify-syscall.js';
export type { ChangeKind, DecisionChange, DecisionDiff, DiffOptions, FieldCondition, InputField, InputTerm, SyscallDifference } from './verify-diff.js';
export type {
  Counterexample,
  DecisionSource,
  RuleLocation,
  SideOutcome,
  Verification,
  VerificationStats,
  VerifyOptions,
} from './verify.js';
export { evaluateLibseccompRequest, libseccompArchName, libseccompRequestFromPolicy, libseccompRequestJson } from './libseccomp-rules.js';
export type {
  LibseccompCondition,
  LibseccompRequest,
  LibseccompRule,
  LibseccompSkip,
  LibseccompTranslation,
} from './libseccomp-rules.js';
// Named BPF and seccomp constants, for programs built or rewritten outside the compiler (the
// jail runner's mode rewriting, hand-written test programs).
export {
  BPF_ABS,
  BPF_CLASS_MASK,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_MAXINSNS,
  BPF_RET,
  BPF_W,
  SECCOMP_DATA_ARCH,
  SECCOMP_DATA_NR,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
  code,
} from './opcodes.js';
export { flattenPolicy } from './flatten.js';
export type { FlattenOptions, FlattenResult } from './flatten.js';
// OCI container seccomp profiles: exact export of lowered policies, and runc's reading of a profile as libseccomp rules (see README "OCI profiles").
export { archNameOfOci, exportOciProfile, libseccompRequestFromOciProfile, mobyArchName, ociAction, ociArchName, ociProfileJson, seccompActionOfOci } from './oci.js';
export { importOciProfile, jsonPath, ociProfileSchema, parseOciProfile } from './oci-import.js';
export type { OciImportOptions, OciImportResult, OciProfileParse } from './oci-import.js';
export type { OciAction, OciEntryConditions, OciExportOptions, OciExportResult, OciOperator, OciSeccompArg, OciSeccompProfile, OciSyscallEntry } from './oci.js';
