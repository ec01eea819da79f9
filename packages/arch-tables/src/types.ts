/** The shape of one architecture's generated data; `@syscage/arch-<name>` packages export one. */

/** Byte order of an architecture. */
export type Endianness = 'little' | 'big';

/** Syscall numbers, audit arch and constants of one architecture, generated from kernel headers. */
export interface ArchTable {
  /** Canonical name: `x86_64`, `aarch64`, `arm`, `riscv64`, `i386`, … */
  readonly name: string;
  /** Other accepted names, e.g. Minijail's `arm64` for `aarch64` and `x86` for `i386`. */
  readonly aliases: readonly string[];
  /** `AUDIT_ARCH_*` value as found in `seccomp_data.arch`. */
  readonly auditArch: number;
  /** Word size: 32 or 64. */
  readonly bits: 32 | 64;
  /** Byte order of the ABI. */
  readonly endianness: Endianness;
  /** Kernel version of the headers the data came from, e.g. `7.2`. */
  readonly kernelVersion: string;
  /** Syscall name to number (x32 bit not included). */
  readonly syscalls: Readonly<Record<string, number>>;
  /** Constant name to value (as a 64-bit or 32-bit pattern, never negative). */
  readonly constants: Readonly<Record<string, bigint>>;
  /** On x86_64, `__X32_SYSCALL_BIT` (0x40000000); absent elsewhere. */
  readonly x32SyscallBit?: number;
}
