// TEMPORARY scratch until @syscage/arch-x86-64 lands: the host table read from the kernel
// headers installed on the machine (linux-libc-dev), so no number is written here.
import { readFileSync } from 'node:fs';
import type { ArchTable } from '@syscage/arch-tables';

export function scratchHostTable(): ArchTable {
  const header = readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8');
  const syscalls: Record<string, number> = {};
  for (const match of header.matchAll(/#define __NR_(\w+) (\d+)/g)) syscalls[match[1] ?? ''] = Number(match[2]);
  const audit = readFileSync('/usr/include/linux/audit.h', 'utf8');
  const em = /#define EM_X86_64\s+(\d+)/.exec(readFileSync('/usr/include/linux/elf-em.h', 'utf8'));
  if (!em || !audit.includes('AUDIT_ARCH_X86_64')) throw new Error('headers missing');
  // AUDIT_ARCH_X86_64 = EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
  const auditArch = (Number(em[1]) | 0x80000000 | 0x40000000) >>> 0;
  return { name: 'x86_64', aliases: [], auditArch, bits: 64, endianness: 'little', kernelVersion: 'host', syscalls, constants: {} };
}
