/**
 * The C header of Minijail's `--output-header-file`: the program's bytes as
 * `NAME_binary_seccomp_policy` and a `{ cnt, bpf }` struct `NAME_seccomp_bpf_program`, the two
 * names C code written against Minijail's header uses. The array is 4-byte aligned and the
 * struct points at it through `const void *`, so the header needs no cast.
 */
import { SOCK_FILTER_SIZE } from '@syscage/bpf-codegen';

/** A C identifier from a file name: every other character becomes `_`, a leading digit gets one. */
export function headerIdentifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** The header text for the encoded program `bytes` under the identifier `name`. */
export function minijailHeader(bytes: Uint8Array, name: string, generatedBy: string): string {
  const guard = `MJ_SECCOMP_${name.toUpperCase()}_H`;
  const records: string[] = [];
  for (let at = 0; at < bytes.length; at += SOCK_FILTER_SIZE) {
    records.push(`    ${Array.from(bytes.subarray(at, at + SOCK_FILTER_SIZE), (byte) => `0x${byte.toString(16).padStart(2, '0')}`).join(', ')},`);
  }
  return [
    `/* ${generatedBy} DO NOT EDIT GENERATED FILE */`,
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '#include <stdint.h>',
    '',
    `static const unsigned char ${name}_binary_seccomp_policy[] __attribute__((__aligned__(4))) = {`,
    ...records,
    '};',
    '',
    'static const struct {',
    '    uint16_t cnt;',
    '    const void *bpf;',
    `} ${name}_seccomp_bpf_program = {`,
    `    .cnt = sizeof(${name}_binary_seccomp_policy) / ${SOCK_FILTER_SIZE},`,
    `    .bpf = ${name}_binary_seccomp_policy,`,
    '};',
    '',
    '#endif',
    '',
  ].join('\n');
}
