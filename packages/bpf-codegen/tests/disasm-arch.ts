// A small x86_64 architecture table for the tools' tests (numbers from the kernel's
// arch/x86/entry/syscalls/syscall_64.tbl; the real table comes from @syscage/arch-x86_64).
import type { ArchTable } from '@syscage/arch-tables';

/** A subset of x86_64: enough syscalls and constants for hand-made programs. */
export const miniX86_64: ArchTable = {
  name: 'x86_64',
  aliases: [],
  auditArch: 0xc000003e,
  bits: 64,
  endianness: 'little',
  kernelVersion: 'test',
  syscalls: {
    read: 0,
    write: 1,
    open: 2,
    close: 3,
    fstat: 5,
    mmap: 9,
    mprotect: 10,
    brk: 12,
    ioctl: 16,
    socket: 41,
    clone: 56,
    execve: 59,
    exit: 60,
    fcntl: 72,
    prctl: 157,
    futex: 202,
    exit_group: 231,
    openat: 257,
  },
  constants: {
    O_RDONLY: 0n,
    PROT_READ: 1n,
    PROT_WRITE: 2n,
    PROT_EXEC: 4n,
    AF_UNIX: 1n,
    AF_INET: 2n,
    F_GETFL: 3n,
    F_SETFL: 4n,
    FIONREAD: 0x541bn,
    ENOENT: 2n,
  },
};

/** A small 32-bit arm table (audit value AUDIT_ARCH_ARM, arm EABI numbers). */
export const miniArm: ArchTable = {
  name: 'arm',
  aliases: [],
  auditArch: 0x40000028,
  bits: 32,
  endianness: 'little',
  kernelVersion: 'test',
  syscalls: { restart_syscall: 0, exit: 1, read: 3, write: 4, close: 6, ioctl: 54, cacheflush: 0x0f0002, set_tls: 0x0f0005 },
  constants: { PROT_READ: 1n },
};
