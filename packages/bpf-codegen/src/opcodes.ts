/**
 * Named constants of classic BPF and seccomp: instruction classes and fields, `seccomp_data`
 * offsets and `SECCOMP_RET_*` values. Every other module of this package takes its numbers
 * from here (docs/architecture.md, convention 8). Values are those of the Linux UAPI headers
 * `linux/filter.h`, `linux/bpf_common.h` and `linux/seccomp.h`.
 */

/** Instruction classes (`code & 0x07`). */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
/** Mask selecting the instruction class of a `code`. */
export const BPF_CLASS_MASK = 0x07;

/** Load/store sizes (`code & 0x18`). */
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

/** Load/store modes (`code & 0xe0`). */
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

/** ALU operations (`code & 0xf0`). */
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

/** Jump operations (`code & 0xf0`). */
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

/** Operand source (`code & 0x08`): the constant `k` or the X register. */
export const BPF_K = 0x00;
export const BPF_X = 0x08;

/** Return value source for `BPF_RET` (`code & 0x18`): `k`, X, or the accumulator. */
export const BPF_A = 0x10;

/** `BPF_MISC` operations. */
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Number of 32-bit scratch memory cells (`M[0..15]`). */
export const BPF_MEMWORDS = 16;

/** Most instructions one filter may have (`BPF_MAXINSNS`). */
export const BPF_MAXINSNS = 4096;

/** Most instructions over all filters attached to one process (`MAX_INSNS_PER_PATH`). */
export const MAX_INSNS_PER_PATH = 32768;

/** Longest forward distance of a conditional jump's `jt`/`jf` (u8). */
export const MAX_CONDITIONAL_JUMP = 255;

/** Offsets of `struct seccomp_data` fields. */
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;
export const SECCOMP_DATA_IP_LO = 8;
export const SECCOMP_DATA_IP_HI = 12;
/** Offset of `args[i]`'s low word on a little-endian machine is `16 + 8 * i`; the high word is 4 further. */
export const SECCOMP_DATA_ARGS = 16;
/** Size of `struct seccomp_data` in bytes. */
export const SECCOMP_DATA_SIZE = 64;
/** Number of syscall arguments in `seccomp_data`. */
export const SECCOMP_ARG_COUNT = 6;

/** `SECCOMP_RET_*` action values (the high 16 bits of a filter's return value). */
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
/** Masks splitting a return value into action and data. */
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** Builds an instruction code from its parts, e.g. `code(BPF_JMP, BPF_JEQ, BPF_K)`. */
export function code(...parts: readonly number[]): number {
  let value = 0;
  for (const part of parts) value |= part;
  return value;
}
