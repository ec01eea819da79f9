// Public API of @syscage/bpf-codegen.
export type { BpfProgram, SockFilter } from './types.js';
