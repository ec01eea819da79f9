// Hand-assembled seccomp programs for the launcher tests (no compiler involved).
import type { ArchTable } from '@syscage/arch-tables';
import type { BpfProgram, SockFilter } from '@syscage/bpf-codegen';

// Classic BPF codes (linux/filter.h): ld w abs, jeq k, ret k.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const RET_K = 0x06;
const SECCOMP_DATA_NR = 0;
const SECCOMP_DATA_ARCH = 4;

/** seccomp return values (linux/seccomp.h). */
export const RET = {
  killProcess: 0x80000000,
  trap: 0x00030000,
  errno: (value: number) => (0x00050000 | value) >>> 0,
  allow: 0x7fff0000,
} as const;

const insn = (code: number, jt: number, jf: number, k: number): SockFilter => ({ code, jt, jf, k: k >>> 0 });

/**
 * arch check; then each named syscall with its return value; then `fallback`.
 * Names missing from the table throw (a typo must not silently weaken a test).
 */
export function assemble(table: ArchTable, rules: ReadonlyMap<string, number>, fallback: number): BpfProgram {
  const program: SockFilter[] = [
    insn(LD_W_ABS, 0, 0, SECCOMP_DATA_ARCH),
    insn(JEQ_K, 1, 0, table.auditArch),
    insn(RET_K, 0, 0, RET.killProcess),
    insn(LD_W_ABS, 0, 0, SECCOMP_DATA_NR),
  ];
  for (const [name, action] of rules) {
    const nr = table.syscalls[name];
    if (nr === undefined) throw new Error(`no syscall ${name}`);
    program.push(insn(JEQ_K, 0, 1, nr), insn(RET_K, 0, 0, action));
  }
  program.push(insn(RET_K, 0, 0, fallback));
  return program;
}

/** An allow-list: the named syscalls are allowed, everything else takes `fallback`. */
export function allowList(table: ArchTable, names: readonly string[], fallback: number = RET.killProcess): BpfProgram {
  return assemble(table, new Map(names.map((name) => [name, RET.allow])), fallback);
}

/** What a dynamically linked /bin/true needs (glibc's loader and exit). */
export const TRUE_SYSCALLS = [
  'execve', 'brk', 'arch_prctl', 'mmap', 'access', 'openat', 'newfstatat', 'close', 'read',
  'pread64', 'mprotect', 'munmap', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64',
  'exit_group',
] as const;
