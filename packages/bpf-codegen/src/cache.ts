/**
 * The kernel's install-time constant-action cache (Linux ≥ 5.11, `seccomp_cache_prepare`):
 * for each syscall number of the native (and compat) architecture, the kernel runs the new
 * filter on a `seccomp_data` where only `nr` and `arch` are known. If that run reaches
 * `ret SECCOMP_RET_ALLOW` (exactly, data bits 0) through instructions that depend on nothing
 * else, the syscall is marked "always allowed" and the filter is skipped for it afterwards.
 *
 * The kernel's emulation understands only `ld [nr]`, `ld [arch]`, `jeq`/`jge`/`jgt`/`jset`
 * with a constant, `ja`, `and` with a constant and `ret` with a constant; A starts at 0. Any
 * other instruction on the path, or any other load offset, makes the syscall uncacheable.
 */
import * as bpf from './opcodes.js';
import type { BpfProgram } from './types.js';

/** Why the cache emulation stopped. */
export type CacheVerdict =
  /** Reached `ret ALLOW`: the kernel caches the syscall as allowed. */
  | 'allow'
  /** Reached a `ret` with another constant: not cached (the filter runs every time). */
  | 'other-return'
  /** Loaded a field other than `nr` or `arch` (an argument or the instruction pointer). */
  | 'non-constant-load'
  /** Met an instruction the kernel's emulation does not understand. */
  | 'unsupported-instruction'
  /** Ran past the end of the program (the kernel warns and does not cache). */
  | 'ran-off-end';

/** The outcome of {@link cacheCheck}. */
export interface CacheCheckResult {
  /** Why the emulation stopped; only `allow` means the kernel caches the syscall as allowed. */
  readonly verdict: CacheVerdict;
  /** The pc where the emulation stopped (the `ret`, or the instruction it gave up on). */
  readonly pc: number;
  /** The pcs the emulation visited. */
  readonly path: readonly number[];
}

/**
 * Runs the kernel's cache emulation (`seccomp_is_const_allow`) for one architecture value
 * (`AUDIT_ARCH_*`) and syscall number, and says where and why it stopped.
 */
export function cacheCheck(program: BpfProgram, arch: number, nr: number): CacheCheckResult {
  let value = 0;
  const path: number[] = [];
  let pc = 0;
  while (pc >= 0 && pc < program.length && path.length < program.length) {
    const insn = program[pc];
    if (insn === undefined) break;
    path.push(pc);
    const { code, k } = insn;
    switch (code) {
      case bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS:
        if (k === bpf.SECCOMP_DATA_NR) value = nr >>> 0;
        else if (k === bpf.SECCOMP_DATA_ARCH) value = arch >>> 0;
        else return { verdict: 'non-constant-load', pc, path };
        pc++;
        break;
      case bpf.BPF_RET | bpf.BPF_K:
        return { verdict: k >>> 0 === bpf.SECCOMP_RET_ALLOW ? 'allow' : 'other-return', pc, path };
      case bpf.BPF_JMP | bpf.BPF_JA:
        pc += 1 + k;
        break;
      case bpf.BPF_JMP | bpf.BPF_JEQ | bpf.BPF_K:
      case bpf.BPF_JMP | bpf.BPF_JGE | bpf.BPF_K:
      case bpf.BPF_JMP | bpf.BPF_JGT | bpf.BPF_K:
      case bpf.BPF_JMP | bpf.BPF_JSET | bpf.BPF_K: {
        const kk = k >>> 0;
        const op = code & 0xf0;
        const taken =
          op === bpf.BPF_JEQ ? value === kk : op === bpf.BPF_JGE ? value >= kk : op === bpf.BPF_JGT ? value > kk : (value & kk) !== 0;
        pc += 1 + (taken ? insn.jt : insn.jf);
        break;
      }
      case bpf.BPF_ALU | bpf.BPF_AND | bpf.BPF_K:
        value = (value & k) >>> 0;
        pc++;
        break;
      default:
        return { verdict: 'unsupported-instruction', pc, path };
    }
  }
  return { verdict: 'ran-off-end', pc, path };
}

/**
 * True when the kernel's install-time emulation proves that `nr` on architecture `arch`
 * (`AUDIT_ARCH_*` value) is always allowed, so the kernel skips the filter for it.
 */
export function cacheAllowed(program: BpfProgram, arch: number, nr: number): boolean {
  return cacheCheck(program, arch, nr).verdict === 'allow';
}
