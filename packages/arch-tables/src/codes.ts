/**
 * Stable diagnostic codes of this package: SC6xxx for architecture descriptions read from files
 * (Minijail's `constants.json`). A code is never reused for another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes } from '@syscage/policy-parser';

/** Every code this package reports, with its meaning. */
export const archDiagnosticCodes = defineCodes({
  SC6001: { name: 'arch-json-syntax', severity: 'error', summary: 'The architecture description is not valid JSON.' },
  SC6002: { name: 'arch-json-missing-key', severity: 'error', summary: 'A key Minijail requires (`arch_nr`, `arch_name`, `bits`, `syscalls`, `constants`) is missing.' },
  SC6003: { name: 'arch-json-wrong-type', severity: 'error', summary: 'A value has the wrong JSON type (an object, a string or an integer was expected).' },
  SC6004: { name: 'arch-json-duplicate', severity: 'error', summary: 'A key appears twice in one object, so which value counts would depend on the reader.' },
  SC6005: { name: 'arch-json-out-of-range', severity: 'error', summary: 'A number does not fit: a syscall number, `arch_nr` or a constant outside the range of its word.' },
  SC6006: { name: 'arch-json-unknown-arch', severity: 'error', summary: '`arch_name` names an architecture Syscage has no facts for (byte order, word size, audit arch).' },
  SC6007: { name: 'arch-json-arch-mismatch', severity: 'error', summary: '`arch_nr` or `bits` disagree with the architecture `arch_name` names.' },
  SC6008: { name: 'arch-json-unknown-key', severity: 'warning', summary: 'A top-level key Minijail does not read; it is ignored.' },
  SC6009: { name: 'arch-json-syscall-groups', severity: 'warning', summary: 'The file defines syscall groups, which Syscage does not compile; a policy naming one gets SC4006.' },
} as const);

/** One of the codes in {@link archDiagnosticCodes}. */
export type ArchDiagnosticCode = keyof typeof archDiagnosticCodes;

/** Builds a diagnostic with the code's severity. */
export const archDiagnostic: DiagnosticBuilder<ArchDiagnosticCode> = createDiagnosticBuilder(archDiagnosticCodes);
