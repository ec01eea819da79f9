/**
 * The instruction codes this package composes to rewrite returns and to build the `execve`-only
 * test programs, from `@syscage/bpf-codegen`'s one table of named constants (the other modules
 * import the plain constants from there directly).
 */
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, code } from '@syscage/bpf-codegen';

/** `BPF_RET | BPF_K`: return the constant `k`. */
export const BPF_RET_K = code(BPF_RET, BPF_K);
/** `BPF_LD | BPF_W | BPF_ABS`: load a 32-bit word of `seccomp_data`. */
export const BPF_LD_W_ABS = code(BPF_LD, BPF_W, BPF_ABS);
/** `BPF_JMP | BPF_JEQ | BPF_K`. */
export const BPF_JEQ_K = code(BPF_JMP, BPF_JEQ, BPF_K);
