/**
 * How each run mode changes the program before it is installed. `enforce` installs it as it
 * is. `log` turns every return that would deny (kill, trap, errno, trace, user-notify) into
 * `SECCOMP_RET_USER_NOTIF`, so a supervisor records the call and lets it run. `learn` does the
 * same for kill, trap, trace and user-notify, but keeps the policy's explicit errno returns.
 */
import { BPF_CLASS_MASK, BPF_RET, type BpfProgram, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_LOG, SECCOMP_RET_USER_NOTIF, type SockFilter } from '@syscage/bpf-codegen';
import { BPF_RET_K } from './bpf-values.js';

/** Run modes of {@link runJailed}. */
export type JailMode = 'enforce' | 'log' | 'learn';

/** The program the kernel gets in `mode`; `undefined` when the mode needs a return it cannot rewrite (`ret A`). */
export function programForMode(program: BpfProgram, mode: JailMode): BpfProgram | undefined {
  if (mode === 'enforce') return program;
  const rewritten: SockFilter[] = [];
  for (const insn of program) {
    if ((insn.code & BPF_CLASS_MASK) !== BPF_RET) {
      rewritten.push(insn);
      continue;
    }
    if (insn.code !== BPF_RET_K) return undefined;
    const action = (insn.k & SECCOMP_RET_ACTION_FULL) >>> 0;
    const keep =
      action === SECCOMP_RET_ALLOW || action === SECCOMP_RET_LOG || (mode === 'learn' && action === SECCOMP_RET_ERRNO);
    rewritten.push(keep ? insn : { ...insn, k: SECCOMP_RET_USER_NOTIF });
  }
  return rewritten;
}
