// Public API of @syscage/bpf-codegen.
export type { BpfProgram, SockFilter } from './types.js';

// Program tools: raw .bpf, validation, emulation (see README "Program tools").
export { decodeProgram, encodeProgram, SOCK_FILTER_SIZE } from './decode.js';
export type { DecodedProgram, RawBpfOptions } from './decode.js';
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
export { cacheAllowed, cacheCheck } from './cache.js';
export type { CacheCheckResult, CacheVerdict } from './cache.js';
export { auditArchName, disassemble, formatDisassembly, formatReturnValue, seccompFieldName } from './disasm.js';
export type { DisassembleOptions, DisassembledInstruction } from './disasm.js';
