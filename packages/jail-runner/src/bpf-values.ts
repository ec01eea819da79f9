/**
 * The classic-BPF and seccomp values this package needs to rewrite returns and to build the
 * `execve`-only test programs. They are Linux UAPI facts (`linux/filter.h`,
 * `linux/seccomp.h`); `@syscage/bpf-codegen` keeps the full set but does not export it.
 */

/** `BPF_RET` instruction class. */
export const BPF_RET = 0x06;
/** Mask of the instruction class in `code`. */
export const BPF_CLASS_MASK = 0x07;
/** `BPF_RET | BPF_K`: return the constant `k`. */
export const BPF_RET_K = 0x06;

/** `SECCOMP_RET_*` actions. */
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;

/** `BPF_LD | BPF_W | BPF_ABS`: load a 32-bit word of `seccomp_data`. */
export const BPF_LD_W_ABS = 0x20;
/** `BPF_JMP | BPF_JEQ | BPF_K`. */
export const BPF_JEQ_K = 0x15;
/** Offset of `seccomp_data.arch`. */
export const SECCOMP_DATA_ARCH = 4;
