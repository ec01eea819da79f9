/**
 * The classic-BPF and seccomp values this package needs to rewrite returns and to build the
 * `execve`-only test programs, taken from `@syscage/bpf-codegen`'s one table of named constants.
 */
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, code } from '@syscage/bpf-codegen';

export {
  BPF_CLASS_MASK,
  BPF_RET,
  SECCOMP_DATA_ARCH,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from '@syscage/bpf-codegen';

/** `BPF_RET | BPF_K`: return the constant `k`. */
export const BPF_RET_K = code(BPF_RET, BPF_K);
/** `BPF_LD | BPF_W | BPF_ABS`: load a 32-bit word of `seccomp_data`. */
export const BPF_LD_W_ABS = code(BPF_LD, BPF_W, BPF_ABS);
/** `BPF_JMP | BPF_JEQ | BPF_K`. */
export const BPF_JEQ_K = code(BPF_JMP, BPF_JEQ, BPF_K);
